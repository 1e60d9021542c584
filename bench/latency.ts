/**
 * Job pick-up latency (issue 7 §4, issue 21 item 3): NOTIFY → job claimed p50/p99 over sequential
 * small imports on an idle sidecar, the same while one import of the 1M-row table runs on it (its
 * CPU and its target connection compete with the claim), and a burst of concurrent small imports
 * that must all finish (no starvation).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { DATABASE, TABLE } from './datasets.js';
import { sql } from './tools.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** Small imports measured beside a large one, and the most large imports run to get them. */
const BUSY_SAMPLES = 50;
const BUSY_IMPORTS = 4;

export interface LatencyResult {
  jobs: number;
  p50Ms: number;
  p99Ms: number;
  /** The same, measured while one large import was running on the sidecar. */
  busy: { jobs: number; p50Ms: number; p99Ms: number };
  burst: { jobs: number; wallSeconds: number; maxQueueWaitSeconds: number; allComplete: boolean };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export async function measureLatency(targetUrl: string, mysqlPort: number, jobs: number, burst: number): Promise<LatencyResult> {
  const root = await mysql.createConnection({ host: '127.0.0.1', port: mysqlPort, user: 'root', multipleStatements: true });
  await root.query(`use ${DATABASE}; drop table if exists tiny; create table tiny (id int, v varchar(10)); insert into tiny values (1, 'a'), (2, 'b');`);
  await root.end();
  await sql(targetUrl, `delete from cdb_connectors.jobs; delete from cdb_connectors.sidecars`);
  const dist = path.join(ROOT, 'dist', 'cli.js');
  const args = fs.existsSync(dist) ? [dist, 'run', '--allow-superuser'] : ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), 'run', '--allow-superuser'];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DATABASE_URL: targetUrl, LOG_LEVEL: 'warn', CONNECTOR_CONCURRENCY: '4' } });
  try {
    while ((await sql(targetUrl, 'select count(*)::int as n from cdb_connectors.sidecars')).rows[0].n === 0) await new Promise((r) => setTimeout(r, 50));
    const connector = { provider: 'mysql', connection: { server: '127.0.0.1', port: mysqlPort, database: DATABASE, username: 'root', password: '' }, table: 'tiny' };
    const waits = await sequentialWaits(targetUrl, connector, jobs, 'tiny');
    // one large import lasts ~17 small ones: up to BUSY_IMPORTS of them, for enough samples
    const busyWaits: number[] = [];
    for (let round = 0; round < BUSY_IMPORTS && busyWaits.length < BUSY_SAMPLES; round++) {
      busyWaits.push(...await whileImporting(targetUrl, { ...connector, table: TABLE, import_as: `latency_big_${round}` },
        (running) => sequentialWaits(targetUrl, connector, BUSY_SAMPLES - busyWaits.length, `busy_${round}`, running)));
    }
    const ids = await Promise.all(Array.from({ length: burst }, (_, i) => sql(targetUrl, 'select cdb_connector_import($1::jsonb) as r',
      [JSON.stringify({ connector: { ...connector, import_as: `burst_${i}` } })]).then((r) => r.rows[0].r.item_queue_id as string)));
    let done: Array<{ state: string }> = [];
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      done = (await sql(targetUrl, 'select state from cdb_connectors.jobs where id = any($1)', [ids])).rows;
      if (done.every((r) => r.state === 'complete' || r.state === 'failure')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const stats = (await sql(targetUrl, `select extract(epoch from max(finished_at) - min(created_at))::float8 as wall,
      extract(epoch from max(started_at - created_at))::float8 as max_wait from cdb_connectors.jobs where id = any($1)`, [ids])).rows[0];
    return {
      jobs, p50Ms: percentile(waits, 50), p99Ms: percentile(waits, 99),
      busy: { jobs: busyWaits.length, p50Ms: percentile(busyWaits, 50), p99Ms: percentile(busyWaits, 99) },
      burst: { jobs: burst, wallSeconds: stats.wall, maxQueueWaitSeconds: stats.max_wait, allComplete: done.every((r) => r.state === 'complete') },
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** Imports `count` small tables one after the other; each one's wait from enqueue to claim (started_at - created_at), in ms. */
async function sequentialWaits(targetUrl: string, connector: Record<string, unknown>, count: number, prefix: string, before: () => Promise<boolean> = async () => true): Promise<number[]> {
  const waits: number[] = [];
  for (let i = 0; i < count && await before(); i++) {
    const id = (await sql(targetUrl, 'select cdb_connector_import($1::jsonb) as r', [JSON.stringify({ connector: { ...connector, import_as: `${prefix}_${i}` } })])).rows[0].r.item_queue_id;
    for (;;) {
      const s = (await sql(targetUrl, `select state, extract(epoch from started_at - created_at)::float8 * 1000 as wait_ms from cdb_connectors.jobs where id = $1`, [id])).rows[0];
      if (s.state === 'complete') { waits.push(s.wait_ms); break; }
      if (s.state === 'failure') throw new Error('latency job failed');
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  return waits;
}

/**
 * Runs `measure` while an import of `big` runs on the sidecar: the large job claimed first, and
 * `measure` told to stop once it is no longer running, so every wait kept overlaps it.
 */
async function whileImporting(targetUrl: string, big: Record<string, unknown>, measure: (running: () => Promise<boolean>) => Promise<number[]>): Promise<number[]> {
  const id = (await sql(targetUrl, 'select cdb_connector_import($1::jsonb) as r', [JSON.stringify({ connector: big })])).rows[0].r.item_queue_id as string;
  const state = async () => (await sql(targetUrl, 'select state from cdb_connectors.jobs where id = $1', [id])).rows[0].state as string;
  while ((await state()) === 'enqueued') await new Promise((r) => setTimeout(r, 5));
  try {
    return await measure(async () => (await state()) === 'importing');
  } finally {
    await sql(targetUrl, 'select cdb_connector_cancel($1)', [id]).catch(() => undefined);
  }
}
