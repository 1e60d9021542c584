/**
 * The MySQL read path alone: describe + streamRows into a sink that only counts bytes, against
 * `mariadb --batch --quick -e 'select …' > /dev/null` on the same table (issue 7 §2 shape).
 *
 *   npx tsx bench/mysql-read.ts [--rows 1000000] [--runs 3] [--port 3306]   # reuse a running server (root, no password)
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/mysql-read.ts --only ours --runs 1
 *
 * Without --port it starts a throwaway MariaDB (test/servers/mariadb.ts) and stops it at the end.
 * Prints one line per measurement, then a summary table, and writes bench/results/mysql-read.json.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { mysqlProvider } from '../src/providers/mysql/index.js';
import type { SourceRequest } from '../src/providers/provider.js';
import type { CopyValue, RowSink } from '../src/rows/sink.js';
import { findMariaDbBinaries, startMariaDb, type MariaDbServer } from '../test/servers/mariadb.js';
import { DATABASE, prepareMysql, TABLE } from './datasets.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    port: { type: 'string' },
    only: { type: 'string' },
  },
});
const ROWS = Number(args.rows);
const RUNS = Number(args.runs);

interface Measurement { name: string; seconds: number; rows: number; bytes: number }

async function main(): Promise<void> {
  let server: MariaDbServer | undefined;
  let port = Number(args.port);
  if (!args.port) {
    server = await startMariaDb();
    port = server.port;
  }
  try {
    const started = Date.now();
    await prepareMysql(port, ROWS);
    console.log(`dataset of ${ROWS} rows ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const results: Measurement[] = [];
    for (let run = 1; run <= RUNS; run++) {
      if (args.only !== 'ours') results.push(log(await measureClient(port)));
      if (args.only !== 'client') results.push(log(await measureProvider(port)));
    }
    report(results);
  } finally {
    await server?.stop();
  }
}

/** The C reference: the mariadb client reading over TCP, escaping, writing to /dev/null. */
async function measureClient(port: number): Promise<Measurement> {
  const { client } = findMariaDbBinaries();
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const out = fs.openSync('/dev/null', 'w');
    const child = spawn(client, ['--no-defaults', '-h127.0.0.1', `-P${port}`, '-uroot', '--batch', '--quick',
      '--default-character-set=utf8mb4', DATABASE, '-e', `select * from ${TABLE}`], { stdio: ['ignore', out, 'inherit'] });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mariadb exited with ${code}`))));
  });
  return { name: 'mariadb --batch --quick > /dev/null', seconds: elapsed(started), rows: ROWS, bytes: 0 };
}

/** Ours: connect + describe + streamRows into a sink that counts value bytes. */
async function measureProvider(port: number): Promise<Measurement> {
  const request: SourceRequest = { provider: 'mysql', connection: { server: '127.0.0.1', port, database: DATABASE, username: 'root' }, source: { kind: 'table', table: TABLE } };
  const started = process.hrtime.bigint();
  const session = await mysqlProvider.connect(request, { connectTimeoutMs: 5_000, statementTimeoutMs: 600_000, fetchRows: 10_000, log: pino({ level: 'warn' }) });
  let rows = 0;
  let bytes = 0;
  const sink: RowSink = {
    full: false,
    write(row: CopyValue[]) {
      rows++;
      for (let i = 0; i < row.length; i++) {
        const v = row[i];
        if (v !== null) bytes += v.length;
      }
      return true;
    },
    drained: () => Promise.resolve(),
  };
  try {
    const plan = await session.describe();
    await session.streamRows(plan, sink, { limit: ROWS + 1, warnings: { count() {} }, signal: new AbortController().signal });
  } finally {
    await session.close();
  }
  if (rows !== ROWS) throw new Error(`expected ${ROWS} rows, got ${rows}`);
  return { name: 'mysqlProvider describe+streamRows', seconds: elapsed(started), rows, bytes };
}

function elapsed(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function log(m: Measurement): Measurement {
  console.log(`${m.name.padEnd(38)} ${m.seconds.toFixed(2)} s  ${Math.round(m.rows / m.seconds).toLocaleString('en')} rows/s${m.bytes ? `  ${(m.bytes / 1e6).toFixed(0)} MB values` : ''}`);
  return m;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function report(results: Measurement[]): void {
  const names = [...new Set(results.map((r) => r.name))];
  const summary = names.map((name) => {
    const seconds = median(results.filter((r) => r.name === name).map((r) => r.seconds));
    return { name, seconds, rowsPerSecond: Math.round(ROWS / seconds) };
  });
  const reference = summary.find((s) => s.name.startsWith('mariadb'));
  console.log(`\nmedian of ${RUNS} runs, ${ROWS} rows × 14 columns, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  for (const s of summary) {
    const ratio = reference ? (s.seconds / reference.seconds).toFixed(2) + '×' : '';
    console.log(`${s.name.padEnd(38)} ${s.seconds.toFixed(2)} s  ${s.rowsPerSecond.toLocaleString('en')} rows/s  ${ratio}`);
  }
  const file = path.join(path.dirname(new URL(import.meta.url).pathname), 'results', 'mysql-read.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ rows: ROWS, runs: RUNS, at: new Date().toISOString(), summary, results }, null, 2));
}

await main();
