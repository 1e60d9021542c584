/**
 * The competitors and ours, each a function that loads the dataset into the target once and
 * reports wall seconds (and, for ours, the sidecar's peak RSS). Setup (dropping/creating target
 * tables, foreign servers) is outside the timed part.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { findMariaDbBinaries } from '../test/servers/mariadb.js';
import { DATABASE, MYSQL_AS_PG_TABLE, PG_TARGET_TABLE, TABLE } from './datasets.js';

export interface BenchContext {
  targetUrl: string;
  remotePgUrl: string;
  mysqlPort: number;
  pgPort: number;
  remotePgPort: number;
  rows: number;
}

export interface Measurement {
  seconds: number;
  peakRssMb?: number;
}

export interface Tool {
  name: string;
  flow: 'mysql' | 'postgres';
  reference: boolean;
  /** Why it cannot run here, or undefined when it can. */
  unavailable(): string | undefined;
  prepare?(ctx: BenchContext): Promise<void>;
  run(ctx: BenchContext): Promise<Measurement>;
}

const PSQL = '/usr/bin/psql';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

export async function sql(url: string, text: string, values?: unknown[]): Promise<pg.QueryResult> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return await client.query(text, values as any[]);
  } finally {
    await client.end();
  }
}

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function timeShell(script: string): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('bash', ['-o', 'pipefail', '-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`exit ${code}: ${script}\n${stderr.slice(-2000)}`));
      resolve({ seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    });
  });
}

async function timeSql(url: string, text: string): Promise<Measurement> {
  const started = process.hrtime.bigint();
  await sql(url, text);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

const MYSQL_COLUMNS = 'id, name, category, price, score, qty, rank_no, created_at, day, at_time, active, lat, lon, note';

export const cPipe: Tool = {
  name: 'mariadb --batch \| psql COPY (C pipe)', flow: 'mysql', reference: true,
  unavailable: () => (fs.existsSync(PSQL) ? undefined : 'psql client not installed'),
  async prepare(ctx) { await sql(ctx.targetUrl, `drop table if exists c_pipe; ${MYSQL_AS_PG_TABLE('c_pipe')}`); },
  run(ctx) {
    const { client } = findMariaDbBinaries();
    return timeShell(`${client} --no-defaults -h127.0.0.1 -P${ctx.mysqlPort} -uroot --batch --quick --skip-column-names --default-character-set=utf8mb4 ${DATABASE} -e "select ${MYSQL_COLUMNS} from ${TABLE}"`
      + ` | ${PSQL} -q "${ctx.targetUrl}" -c "copy c_pipe from stdin with (null 'NULL')"`);
  },
};

export const pgloader: Tool = {
  name: 'pgloader', flow: 'mysql', reference: true,
  unavailable: () => (which('pgloader') ? undefined : 'pgloader not installed (apt-get install pgloader)'),
  async prepare(ctx) { await sql(ctx.targetUrl, `drop schema if exists ${DATABASE} cascade`); },
  run(ctx) {
    const target = ctx.targetUrl.replace(/^postgres:/, 'pgsql:');
    return timeShell(`cd /tmp && pgloader --quiet mysql://root@127.0.0.1:${ctx.mysqlPort}/${DATABASE} '${target}'`);
  },
};

export const mysqlFdw: Tool = {
  name: 'mysql_fdw create table as', flow: 'mysql', reference: true,
  unavailable: () => (fs.existsSync('/usr/share/postgresql/15/extension/mysql_fdw.control') ? undefined : 'mysql_fdw not installed (apt-get install postgresql-15-mysql-fdw)'),
  async prepare(ctx) {
    await sql(ctx.targetUrl, `drop table if exists fdw_copy; drop schema if exists fdw_mysql cascade; drop server if exists bench_mysql cascade;
      create extension if not exists mysql_fdw;
      create server bench_mysql foreign data wrapper mysql_fdw options (host '127.0.0.1', port '${ctx.mysqlPort}');
      create user mapping for current_user server bench_mysql options (username 'root', password '');
      create schema fdw_mysql; import foreign schema ${DATABASE} limit to (${TABLE}) from server bench_mysql into fdw_mysql;`);
  },
  run: (ctx) => timeSql(ctx.targetUrl, `create table fdw_copy as select * from fdw_mysql.${TABLE}`),
};

export const psqlBinaryPipe: Tool = {
  name: 'psql COPY binary \| psql COPY binary', flow: 'postgres', reference: true,
  unavailable: () => (fs.existsSync(PSQL) ? undefined : 'psql client not installed'),
  async prepare(ctx) { await sql(ctx.targetUrl, `drop table if exists pg_pipe; ${PG_TARGET_TABLE('pg_pipe')}`); },
  run: (ctx) => timeShell(`${PSQL} -q "${ctx.remotePgUrl}" -c "copy ${TABLE} to stdout (format binary)" | ${PSQL} -q "${ctx.targetUrl}" -c "copy pg_pipe from stdin (format binary)"`),
};

export const postgresFdw: Tool = {
  name: 'postgres_fdw create table as', flow: 'postgres', reference: true,
  unavailable: () => (fs.existsSync('/usr/share/postgresql/15/extension/postgres_fdw.control') ? undefined : 'postgres_fdw not installed (postgresql-contrib)'),
  async prepare(ctx) {
    await sql(ctx.targetUrl, `drop table if exists pgfdw_copy; drop schema if exists fdw_pg cascade; drop server if exists bench_pg cascade;
      create extension if not exists postgres_fdw;
      create server bench_pg foreign data wrapper postgres_fdw options (host '127.0.0.1', port '${ctx.remotePgPort}', dbname 'postgres', fetch_size '10000');
      create user mapping for current_user server bench_pg options (user 'postgres');
      create schema fdw_pg; import foreign schema public limit to (${TABLE}) from server bench_pg into fdw_pg;`);
  },
  run: (ctx) => timeSql(ctx.targetUrl, `create table pgfdw_copy as select * from fdw_pg.${TABLE}`),
};

/** A fresh sidecar process per measurement, so its peak RSS (VmHWM) belongs to this import alone. */
/** The median of some runs (the mean of the middle two for an even count). */
export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export async function startSidecarProcess(targetUrl: string, env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const dist = path.join(ROOT, 'dist', 'cli.js');
  // e.g. BENCH_SIDECAR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the sidecar
  const extra = (process.env.BENCH_SIDECAR_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // BENCH_SIDECAR_FROM_SOURCE=1 runs src/ through tsx instead of dist/ (a tree that does not build yet)
  const fromSource = process.env.BENCH_SIDECAR_FROM_SOURCE === '1' || !fs.existsSync(dist);
  const args = [...extra, ...(fromSource ? ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), 'run', '--allow-superuser'] : [dist, 'run', '--allow-superuser'])];
  const child = spawn(process.execPath, args, {
    // BENCH_SIDECAR_STDOUT=1 shows what the sidecar prints on stdout (e.g. with --trace-gc in BENCH_SIDECAR_NODE_ARGS)
    cwd: ROOT, stdio: ['ignore', process.env.BENCH_SIDECAR_STDOUT === '1' ? 'inherit' : 'ignore', 'inherit'],
    env: { ...process.env, DATABASE_URL: targetUrl, CONNECTOR_CONCURRENCY: '1', LOG_LEVEL: 'warn', ...env },
  });
  for (let i = 0; i < 600; i++) {
    const { rows } = await sql(targetUrl, 'select count(*)::int as n from cdb_connectors.sidecars');
    if (rows[0].n > 0) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error('sidecar did not register within 30 s');
}

export function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export async function importThroughSidecar(targetUrl: string, connector: Record<string, unknown>, importAs: string, env: NodeJS.ProcessEnv = {}): Promise<Measurement> {
  await sql(targetUrl, `drop table if exists ${importAs}; delete from cdb_connectors.jobs; delete from cdb_connectors.sidecars`);
  const child = await startSidecarProcess(targetUrl, env);
  try {
    const { rows } = await sql(targetUrl, 'select cdb_connector_import($1::jsonb) as r', [JSON.stringify({ connector: { ...connector, import_as: importAs } })]);
    const id = rows[0].r.item_queue_id as string;
    for (;;) {
      const s = (await sql(targetUrl, `select state, error_message, extract(epoch from finished_at - created_at)::float8 as seconds from cdb_connectors.jobs where id = $1`, [id])).rows[0];
      if (s.state === 'complete') return { seconds: s.seconds, peakRssMb: peakRssMb(child.pid!) };
      if (s.state === 'failure' || s.state === 'cancelled') throw new Error(`our import ${s.state}: ${s.error_message}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    await stopProcess(child);
  }
}

export const oursMysql: Tool = {
  name: 'pg-connector-bridge (mysql)', flow: 'mysql', reference: false,
  unavailable: () => undefined,
  run: (ctx) => importThroughSidecar(ctx.targetUrl, {
    provider: 'mysql', connection: { server: '127.0.0.1', port: ctx.mysqlPort, database: DATABASE, username: 'root', password: '' }, table: TABLE,
  }, 'ours_mysql'),
};

/** The same import with the rows encoded as binary COPY (CONNECTOR_BINARY_ROWS=on, issue 21 item 1). */
export const oursMysqlBinary: Tool = {
  name: 'pg-connector-bridge (mysql, binary COPY)', flow: 'mysql', reference: false,
  unavailable: () => undefined,
  run: (ctx) => importThroughSidecar(ctx.targetUrl, {
    provider: 'mysql', connection: { server: '127.0.0.1', port: ctx.mysqlPort, database: DATABASE, username: 'root', password: '' }, table: TABLE,
  }, 'ours_mysql_binary', { CONNECTOR_BINARY_ROWS: 'on' }),
};

export const oursPostgres: Tool = {
  name: 'pg-connector-bridge (postgres)', flow: 'postgres', reference: false,
  unavailable: () => (fs.existsSync(path.join(ROOT, 'src', 'providers', 'postgres', 'index.ts')) ? undefined : 'postgres provider not built yet'),
  run: (ctx) => importThroughSidecar(ctx.targetUrl, {
    provider: 'postgres', connection: { server: '127.0.0.1', port: ctx.remotePgPort, database: 'postgres', username: 'postgres', sslmode: 'disable' }, table: TABLE,
  }, 'ours_pg'),
};

export const ALL_TOOLS: Tool[] = [cPipe, pgloader, mysqlFdw, oursMysql, oursMysqlBinary, psqlBinaryPipe, postgresFdw, oursPostgres];
