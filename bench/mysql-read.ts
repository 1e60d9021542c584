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
import mysql from 'mysql2/promise';
import pino from 'pino';
import { mysqlProvider } from '../src/providers/mysql/index.js';
import type { CopyValue, RowSink, SourceRequest } from '../src/providers/provider.js';
import { findMariaDbBinaries, startMariaDb, type MariaDbServer } from '../test/servers/mariadb.js';

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
const DATABASE = 'bench';
const TABLE = 'items';

const TABLE_SQL = `
create table if not exists ${TABLE} (
  id bigint primary key, name varchar(64), category varchar(32), price decimal(12,2), score double,
  qty int, rank_no smallint, created_at datetime, day date, at_time time, active tinyint(1),
  lat double, lon double, note text
) character set utf8mb4`;

// ~180 bytes of text per row, a tenth of the notes NULL, tabs/quotes/unicode in the rest.
const FILL_SQL = (rows: number) => `
insert into ${TABLE}
with recursive seq(n) as (select 1 union all select n + 1 from seq where n < ${rows})
select n, concat('name-', n), elt(1 + n % 5, 'Électronique', 'Bücher', '家具', 'Спорт', 'Jardín'),
  (n * 137 % 10000000) / 100, n / 7e0, n % 1000, n % 32000,
  '2020-01-01 00:00:00' + interval n second, '2020-01-01' + interval (n % 3650) day, sec_to_time(n % 86400), n % 2,
  -90 + (n % 180000) / 1000e0, -180 + (n % 360000) / 1000e0,
  if(n % 10 = 0, null, concat('note ', n, '\\t"quoted" ''single'' — ünïcödé ✓ ', repeat('x', n % 40)))
from seq`;

interface Measurement { name: string; seconds: number; rows: number; bytes: number }

async function main(): Promise<void> {
  let server: MariaDbServer | undefined;
  let port = Number(args.port);
  if (!args.port) {
    server = await startMariaDb();
    port = server.port;
  }
  try {
    await prepareTable(port);
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

async function prepareTable(port: number): Promise<void> {
  const root = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', multipleStatements: true });
  try {
    await root.query(`create database if not exists ${DATABASE}; use ${DATABASE}; ${TABLE_SQL}`);
    const [[{ n }]] = (await root.query(`select count(*) as n from ${TABLE}`)) as any;
    if (Number(n) !== ROWS) {
      const started = Date.now();
      await root.query(`truncate ${TABLE}; set session max_recursive_iterations = ${ROWS + 1}; ${FILL_SQL(ROWS)}`);
      console.log(`generated ${ROWS} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await root.end();
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
  const request: SourceRequest = { provider: 'mysql', connection: { server: '127.0.0.1', port, database: DATABASE, username: 'root' }, table: TABLE };
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
