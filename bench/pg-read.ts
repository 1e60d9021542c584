/**
 * PostgreSQL → PostgreSQL (issue 4 §6, issue 7 §3–4): our binary and text paths against the psql
 * pipe `psql -c "COPY (…) TO STDOUT (FORMAT binary)" | psql -c "COPY … FROM STDIN (FORMAT binary)"`,
 * on 1M rows × 14 columns (the issue 7 §2 shape), two throwaway clusters on this machine.
 *
 *   npx tsx bench/pg-read.ts [--rows 1000000] [--runs 3] [--only psql-binary,ours-binary,…]
 *
 * Measurements (wall seconds, median of --runs):
 *   psql-binary / psql-text   the C pipe, the reference (binary is issue 7's target: ours ≤ 1.05×)
 *   ours-binary               provider.streamBinaryCopy → BinaryCopyForwarder → COPY FROM (FORMAT binary)
 *   ours-text                 provider.streamRows → CopyTextEncoder → COPY FROM (text)
 *   read-copy-text            streamRows → CopyTextEncoder → nowhere (the text parser's cost alone)
 *   read-cursor               a SELECT with every pg type parser returning the raw string, same sink
 *                             (the alternative text path issue 4 §3 asked to measure)
 * Each target load goes into a freshly created table, like an import. Besides wall seconds it
 * reports CPU: the relay's (this process, or the two psql) and the servers' backends', because on a
 * shared 2-core machine wall time swings with other load and CPU does not. Writes
 * bench/results/pg-read.json.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import pino from 'pino';
import { BinaryCopyForwarder } from '../src/load/binary-copy-sink.js';
import { CopyTextEncoder } from '../src/load/copy-encoder.js';
import { postgresProvider } from '../src/providers/postgres/index.js';
import type { SourceRequest, StreamOptions } from '../src/providers/provider.js';
import { startPostgres, type PostgresServer } from '../test/servers/postgres.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
  },
});
const ROWS = Number(args.rows);
const RUNS = Number(args.runs);
const ALL = ['psql-binary', 'ours-binary', 'psql-text', 'ours-text', 'read-copy-text', 'read-cursor'] as const;
type Variant = (typeof ALL)[number];
const VARIANTS = (args.only ? args.only.split(',') : [...ALL]) as Variant[];
const DATABASE = 'bench';
const TABLE = 'items';
const MAX_ROWS = 1_000_000_000;

const TABLE_SQL = `create table ${TABLE} (
  id bigint primary key, name varchar(64), category varchar(32), price numeric(12,2), score double precision,
  qty integer, rank_no smallint, created_at timestamp, day date, at_time time, active boolean,
  lat double precision, lon double precision, note text)`;
// The MySQL bench's values (bench/mysql-read.ts): ~180 bytes of text per row, a tenth of the notes NULL.
const FILL_SQL = (rows: number) => `insert into ${TABLE}
  select n, 'name-' || n, (array['Électronique', 'Bücher', '家具', 'Спорт', 'Jardín'])[1 + n % 5],
    (n * 137 % 10000000) / 100.0, n / 7e0, n % 1000, n % 32000,
    timestamp '2020-01-01' + n * interval '1 second', date '2020-01-01' + (n % 3650)::int, time '00:00' + (n % 86400) * interval '1 second', n % 2 = 1,
    -90 + (n % 180000) / 1000e0, -180 + (n % 360000) / 1000e0,
    case when n % 10 = 0 then null else 'note ' || n || E'\\t"quoted" ''single'' — ünïcödé ✓ ' || repeat('x', (n % 40)::int) end
  from generate_series(1, ${rows}) n`;
const SELECT_ALL = `select * from ${TABLE}`;

/**
 * cpuSeconds: CPU of the relay itself (this process for ours, the two psql processes for the pipe).
 * serverCpuSeconds: CPU of the backends that served it on both clusters (exited children of each
 * postmaster). Their sum does not depend on what else runs on the machine, unlike wall seconds.
 */
interface Measurement { name: Variant; seconds: number; rows: number; cpuSeconds: number; serverCpuSeconds: number }

const log = pino({ level: 'silent' });
const noWarnings = { count: () => undefined };

async function main(): Promise<void> {
  const [remote, target] = await Promise.all([startPostgres(), startPostgres()]);
  try {
    await prepare(remote, target);
    const request: SourceRequest = {
      provider: 'postgres', source: { kind: 'table', table: TABLE }, schema: 'public',
      connection: { server: remote.host, port: remote.port, database: DATABASE, username: 'postgres', sslmode: 'disable' },
    };
    const results: Measurement[] = [];
    for (let run = 1; run <= RUNS; run++) {
      for (const variant of VARIANTS) {
        const m = await measure(variant, remote, target, request);
        console.log(`${variant.padEnd(15)} run ${run}: ${m.seconds.toFixed(2)} s, ${m.rows} rows, relay CPU ${m.cpuSeconds.toFixed(2)} s`);
        results.push(m);
      }
    }
    report(results);
  } finally {
    await Promise.all([remote.stop(), target.stop()]);
  }
}

async function prepare(remote: PostgresServer, target: PostgresServer): Promise<void> {
  for (const server of [remote, target]) await sql(server.url, `create database ${DATABASE}`);
  const started = Date.now();
  await sql(remote.urlFor(DATABASE), `${TABLE_SQL}; ${FILL_SQL(ROWS)}`);
  await sql(remote.urlFor(DATABASE), `vacuum (freeze, analyze) ${TABLE}`);
  const size = await sql(remote.urlFor(DATABASE), `select pg_size_pretty(pg_table_size('${TABLE}')) as s`);
  console.log(`dataset: ${ROWS} rows, ${size[0]!.s} on disk, made in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function measure(variant: Variant, remote: PostgresServer, target: PostgresServer, request: SourceRequest): Promise<Measurement> {
  if (variant.startsWith('psql') || variant.startsWith('ours')) await sql(target.urlFor(DATABASE), `drop table if exists ${TABLE}; ${TABLE_SQL.replace(' primary key', '')}`);
  const servers0 = serverCpu(remote) + serverCpu(target);
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let rows: number;
  let cpuSeconds: number | undefined;
  switch (variant) {
    case 'psql-binary': ({ rows, cpuSeconds } = await psqlPipe(remote, target, 'binary')); break;
    case 'psql-text': ({ rows, cpuSeconds } = await psqlPipe(remote, target, 'text')); break;
    case 'ours-binary': rows = await oursIntoTarget(request, target, 'binary'); break;
    case 'ours-text': rows = await oursIntoTarget(request, target, 'text'); break;
    case 'read-copy-text': rows = await readCopyText(request); break;
    case 'read-cursor': rows = await readCursor(remote); break;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  await new Promise((r) => setTimeout(r, BACKEND_EXIT_WAIT_MS));
  const serverCpuSeconds = serverCpu(remote) + serverCpu(target) - servers0;
  return { name: variant, seconds, rows, cpuSeconds: cpuSeconds ?? (used.user + used.system) / 1e6, serverCpuSeconds };
}

/** Backends exit after their session ends; the postmaster has reaped them by then. */
const BACKEND_EXIT_WAIT_MS = 300;
/** sysconf(_SC_CLK_TCK) on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds of a cluster's exited backends: cutime + cstime of its postmaster (/proc/<pid>/stat). */
function serverCpu(server: PostgresServer): number {
  const pid = fs.readFileSync(path.join(server.dataDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]!.trim();
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // After the ") ": field 3 (state) is index 0, so cutime (16) and cstime (17) are 13 and 14.
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
}

/** The pipe in bash; `times` prints the CPU its children (the two psql) used. */
function psqlPipe(remote: PostgresServer, target: PostgresServer, format: 'binary' | 'text'): Promise<{ rows: number; cpuSeconds: number }> {
  const option = format === 'binary' ? ' (format binary)' : '';
  const psql = path.join(remote.binDir, 'psql');
  const script = `set -o pipefail; ${psql} -X -q -d "$SRC" -c "copy (${SELECT_ALL}) to stdout${option}" | ${psql} -X -q -d "$DST" -c "copy ${TABLE} from stdin${option}"; status=$?; times; exit $status`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { env: { ...process.env, SRC: remote.urlFor(DATABASE), DST: target.urlFor(DATABASE) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`psql pipe exited with ${code}`));
      // `times`: a line for the shell, then one for its children: "0m1.234s 0m0.567s".
      const children = out.trim().split('\n').at(-1)!.match(/(\d+)m([\d.]+)s/g)!.map((t) => { const [, m, s] = /(\d+)m([\d.]+)s/.exec(t)!; return Number(m) * 60 + Number(s); });
      resolve({ rows: Number(/COPY (\d+)/.exec(out)?.[1] ?? ROWS), cpuSeconds: children[0]! + children[1]! });
    });
  });
}

async function oursIntoTarget(request: SourceRequest, target: PostgresServer, format: 'binary' | 'text'): Promise<number> {
  const session = await postgresProvider.connect(request, { connectTimeoutMs: 5_000, statementTimeoutMs: 3_600_000, fetchRows: 10_000, log });
  const client = new pg.Client(target.urlFor(DATABASE));
  await client.connect();
  try {
    const plan = await session.describe();
    const out = client.query(copyFrom(`copy ${TABLE} from stdin${format === 'binary' ? ' (format binary)' : ''}`));
    const finished = new Promise<void>((resolve, reject) => { out.on('finish', resolve); out.on('error', reject); });
    if (format === 'binary') {
      if (!plan.binaryCopy) throw new Error('the plan does not allow the binary path');
      const forwarder = new BinaryCopyForwarder(out, { maxRows: MAX_ROWS });
      await session.streamBinaryCopy!(plan, forwarder, options());
      forwarder.finish();
    } else {
      const encoder = new CopyTextEncoder(out, { maxRows: MAX_ROWS, columnCount: plan.columns.length });
      await session.streamRows(plan, encoder, options());
      encoder.flush();
    }
    out.end();
    await finished;
    return Number(out.rowCount);
  } finally {
    await client.end();
    await session.close();
  }
}

async function readCopyText(request: SourceRequest): Promise<number> {
  const session = await postgresProvider.connect(request, { connectTimeoutMs: 5_000, statementTimeoutMs: 3_600_000, fetchRows: 10_000, log });
  try {
    const plan = await session.describe();
    const encoder = new CopyTextEncoder(nowhere(), { maxRows: MAX_ROWS, columnCount: plan.columns.length });
    await session.streamRows(plan, encoder, options());
    return encoder.rows;
  } finally {
    await session.close();
  }
}

/** The cursor alternative: rows as arrays of raw strings (no type parsing), socket paused on backpressure. */
async function readCursor(remote: PostgresServer): Promise<number> {
  const client = new pg.Client(remote.urlFor(DATABASE));
  await client.connect();
  try {
    await client.query("set extra_float_digits = 3; set timezone = 'UTC'; set bytea_output = hex");
    const encoder = new CopyTextEncoder(nowhere(), { maxRows: MAX_ROWS, columnCount: 14 });
    const raw = { getTypeParser: () => (value: string) => value };
    const socket = (client as unknown as { connection: { stream: NodeJS.ReadableStream } }).connection.stream;
    await new Promise<void>((resolve, reject) => {
      const query = new pg.Query({ text: SELECT_ALL, rowMode: 'array', types: raw } as pg.QueryConfig);
      query.on('row', (row: Array<string | null>) => {
        if (!encoder.write(row)) {
          socket.pause();
          void encoder.drained().then(() => socket.resume());
        }
      });
      query.on('end', () => resolve());
      query.on('error', reject);
      client.query(query as unknown as pg.QueryConfig);
    });
    return encoder.rows;
  } finally {
    await client.end();
  }
}

function nowhere(): Writable {
  return new Writable({ write(_chunk, _enc, cb) { cb(); } });
}

function options(): StreamOptions {
  return { limit: MAX_ROWS + 1, warnings: noWarnings, signal: new AbortController().signal };
}

async function sql(url: string, text: string): Promise<Array<Record<string, string>>> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const result = await client.query(text);
    return (Array.isArray(result) ? result.at(-1)!.rows : result.rows) as Array<Record<string, string>>;
  } finally {
    await client.end();
  }
}

function report(results: Measurement[]): void {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const by = new Map<Variant, number>();
  const cpuBy = new Map<Variant, number>();
  const serverBy = new Map<Variant, number>();
  for (const v of VARIANTS) {
    const mine = results.filter((r) => r.name === v);
    by.set(v, median(mine.map((r) => r.seconds)));
    cpuBy.set(v, median(mine.map((r) => r.cpuSeconds)));
    serverBy.set(v, median(mine.map((r) => r.serverCpuSeconds)));
  }
  const referenceCpu = (cpuBy.get('psql-binary') ?? 0) + (serverBy.get('psql-binary') ?? 0);
  const reference = by.get('psql-binary');
  console.log(`\nmedian of ${RUNS} runs, ${ROWS} rows (ratios to psql-binary: wall, and total CPU = relay + both servers' backends):`);
  for (const [name, seconds] of by) {
    const ratio = reference ? (seconds / reference).toFixed(2) + '×' : '-';
    const total = cpuBy.get(name)! + serverBy.get(name)!;
    const cpuRatio = referenceCpu ? (total / referenceCpu).toFixed(2) + '×' : '-';
    console.log(`  ${name.padEnd(15)} ${seconds.toFixed(2).padStart(7)} s  ${Math.round(ROWS / seconds).toLocaleString('en').padStart(10)} rows/s  ${ratio.padStart(6)}`
      + `  relay CPU ${cpuBy.get(name)!.toFixed(2)} s  servers CPU ${serverBy.get(name)!.toFixed(2)} s  total CPU ${cpuRatio.padStart(6)}`);
  }
  const file = path.join(path.dirname(new URL(import.meta.url).pathname), 'results', 'pg-read.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ rows: ROWS, runs: RUNS, date: new Date().toISOString(), medians: Object.fromEntries(by), cpuMedians: Object.fromEntries(cpuBy), serverCpuMedians: Object.fromEntries(serverBy), results }, null, 2) + '\n');
  console.log(`written to ${file}`);
}

await main();
