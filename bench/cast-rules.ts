/**
 * What user cast rules (SPEC §14) cost on the MySQL read path: describe + streamRows of the 1M-row
 * benchmark table into the real COPY text encoder (its output discarded), without rules, with
 * rules that only change local types (nothing added per value), and with a time_zone rule (a
 * zone appended to each value of one column).
 *
 *   npx tsx bench/cast-rules.ts [--rows 1000000] [--runs 5] [--port 3306]
 *
 * Without --port it starts a throwaway MariaDB (test/servers/mariadb.ts) and stops it at the end.
 */
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { CopyTextEncoder } from '../src/load/copy-encoder.js';
import { mysqlProvider } from '../src/providers/mysql/index.js';
import type { SourceRequest } from '../src/providers/provider.js';
import { userCastsOf } from '../src/sidecar/request-casts.js';
import { startMariaDb, type MariaDbServer } from '../test/servers/mariadb.js';
import { DATABASE, prepareMysql, TABLE } from './datasets.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '5' }, port: { type: 'string' } } });
const ROWS = Number(args.rows);
const RUNS = Number(args.runs);
const COLUMNS = 14;

const VARIANTS = {
  'no cast rules': [],
  'type rules, no zone': [{ type: 'tinyint(1)', to: 'boolean' }, { column: 'price', to: 'numeric(14,2)' }, { type: 'int', to: 'bigint' }],
  'datetime → timestamptz in Europe/Madrid': [{ type: 'datetime', to: 'timestamptz', time_zone: 'Europe/Madrid' }],
} as const;

async function measure(port: number, casts: readonly { type?: string; column?: string; to: string; time_zone?: string }[]): Promise<number> {
  const request: SourceRequest = {
    provider: 'mysql', connection: { server: '127.0.0.1', port, database: DATABASE, username: 'root' }, source: { kind: 'table', table: TABLE },
    casts: userCastsOf(casts, 'casts'),
  };
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  const encoder = new CopyTextEncoder(discard, { maxRows: ROWS, columnCount: COLUMNS });
  const started = process.hrtime.bigint();
  const session = await mysqlProvider.connect(request, { connectTimeoutMs: 5_000, statementTimeoutMs: 600_000, fetchRows: 10_000, log: pino({ level: 'warn' }) });
  try {
    const plan = await session.describe();
    await session.streamRows(plan, encoder, { limit: ROWS + 1, warnings: { count() {} }, signal: new AbortController().signal });
  } finally {
    await session.close();
  }
  if (encoder.rows !== ROWS) throw new Error(`expected ${ROWS} rows, got ${encoder.rows}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  let server: MariaDbServer | undefined;
  let port = Number(args.port);
  if (!args.port) port = (server = await startMariaDb()).port;
  try {
    await prepareMysql(port, ROWS);
    const seconds = new Map<string, number[]>(Object.keys(VARIANTS).map((name) => [name, []]));
    // interleaved, so that a slower machine moment hits every variant alike
    for (let run = 1; run <= RUNS; run++) {
      for (const [name, casts] of Object.entries(VARIANTS)) {
        const s = await measure(port, casts);
        seconds.get(name)!.push(s);
        console.log(`run ${run}  ${name.padEnd(42)} ${s.toFixed(2)} s`);
      }
    }
    console.log(`\nmedian of ${RUNS} runs, ${ROWS} rows × ${COLUMNS} columns`);
    const base = median(seconds.get('no cast rules')!);
    for (const [name, xs] of seconds) console.log(`${name.padEnd(42)} ${median(xs).toFixed(2)} s  ${Math.round(ROWS / median(xs)).toLocaleString('en')} rows/s  ${(median(xs) / base).toFixed(3)}×`);
  } finally {
    await server?.stop();
  }
}

await main();
