/**
 * Sync tables in tests (issue 5): a sidecar whose scheduler ticks fast, and helpers that create
 * syncs the way a psql user would and wait for their runs by reading the synchronizations view.
 * Time is driven by the database, never by sleeping an interval: a run is made due with
 * cdb_connector_sync_now() or by moving run_at into the past as superuser.
 */
import pino from 'pino';
import { Sidecar } from '../../src/sidecar/worker.js';
import { queryOnce } from './one-shot-sql.js';
import type { TestSidecar } from './sidecar.js';
import type { TargetDb } from './target.js';

/** Fast enough that a due sync is enqueued within a tenth of a second. */
export const TEST_TICK_MS = 100;

export async function startSyncSidecar(db: TargetDb, opts: { concurrency?: number; tickMs?: number; workerId?: string } = {}): Promise<TestSidecar> {
  const sidecar = new Sidecar({
    databaseUrl: db.url, concurrency: opts.concurrency ?? 2, pollIntervalMs: 500, shutdownGraceMs: 5000,
    schedulerTickMs: opts.tickMs ?? TEST_TICK_MS, log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), workerId: opts.workerId,
  });
  await sidecar.start();
  return { sidecar, stop: () => sidecar.stop() };
}

export interface SyncRow {
  id: string;
  state: string;
  interval: number;
  user_id: string;
  table_name: string | null;
  target_schema: string;
  run_at: Date;
  ran_at: Date | null;
  modified_at: Date | null;
  checksum: string | null;
  error_code: number | null;
  error_message: string | null;
  retried_times: number;
  last_import_id: string;
  paused: boolean;
  [key: string]: unknown;
}

/** cdb_connector_sync as `url`'s role; returns the synchronization object. */
export async function createSync(url: string, params: unknown): Promise<SyncRow> {
  const rows = await queryOnce<{ s: SyncRow }>(url, 'select cdb_connector_sync($1::jsonb) as s', [JSON.stringify(params)]);
  return rows[0]!.s;
}

export async function readSync(db: TargetDb, id: string): Promise<SyncRow> {
  const { rows } = await db.query<SyncRow>('select * from cdb_connectors.synchronizations where id = $1', [id]);
  if (!rows[0]) throw new Error(`sync ${id} not found`);
  return rows[0];
}

/** States a run ends in: `paused` when a schema change waits for a decision (SPEC §14). */
const ENDED = new Set(['success', 'failure', 'paused']);

/** Waits until the sync's run after `previousJobId` (any run when undefined) has ended. */
export async function waitForSyncRun(db: TargetDb, id: string, previousJobId?: string, timeoutMs = 30_000): Promise<SyncRow> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sync = await readSync(db, id);
    if (ENDED.has(sync.state) && sync.last_import_id !== previousJobId) return sync;
    if (Date.now() > deadline) throw new Error(`sync ${id} still ${sync.state} (run ${sync.last_import_id}) after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Makes the sync due now (as superuser, as a DBA would) and waits for that run to end. */
export async function runSyncNow(db: TargetDb, id: string): Promise<SyncRow> {
  const before = await readSync(db, id);
  await db.query('update cdb_connectors.syncs set run_at = now() where id = $1', [id]);
  return waitForSyncRun(db, id, before.last_import_id);
}

export const seconds = (from: Date, to: Date): number => (to.getTime() - from.getTime()) / 1000;
