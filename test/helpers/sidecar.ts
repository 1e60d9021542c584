/**
 * An in-process sidecar attached to a test database, and helpers to enqueue and await jobs the
 * way a psql user would (through the SQL API).
 */
import pino from 'pino';
import { Sidecar } from '../../src/sidecar/worker.js';
import { queryOnce } from './one-shot-sql.js';
import type { TargetDb } from './target.js';

export interface TestSidecar {
  sidecar: Sidecar;
  stop(): Promise<void>;
}

export async function startSidecar(db: TargetDb, opts: { concurrency?: number; pollIntervalMs?: number; workerId?: string } = {}): Promise<TestSidecar> {
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const sidecar = new Sidecar({
    databaseUrl: db.url, concurrency: opts.concurrency ?? 2, pollIntervalMs: opts.pollIntervalMs ?? 500,
    shutdownGraceMs: 5000, log, workerId: opts.workerId,
  });
  await sidecar.start();
  return { sidecar, stop: () => sidecar.stop() };
}

export interface ImportStatus {
  id: string;
  state: string;
  success: boolean;
  table_name: string | null;
  rows_fetched: number;
  rows_imported: number | null;
  columns_imported: number | null;
  warnings: Array<{ code: string; message: string }>;
  error_code: number | null;
  error_message: string | null;
  [key: string]: unknown;
}

const FINISHED = new Set(['complete', 'failure', 'cancelled']);

/** Calls cdb_connector_import as `url`'s role; returns the item_queue_id. */
export async function enqueueImport(url: string, params: unknown): Promise<string> {
  const rows = await queryOnce<{ r: { item_queue_id: string } }>(url, 'select cdb_connector_import($1::jsonb) as r', [JSON.stringify(params)]);
  return rows[0]!.r.item_queue_id;
}

export async function jobStatus(db: TargetDb, id: string): Promise<ImportStatus> {
  const { rows } = await db.query<{ s: ImportStatus }>('select cdb_connector_import_status($1) as s', [id]);
  return rows[0]!.s;
}

export async function waitForJob(db: TargetDb, id: string, timeoutMs = 30_000): Promise<ImportStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await jobStatus(db, id);
    if (FINISHED.has(status.state)) return status;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${status.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function importAndWait(db: TargetDb, params: unknown, opts: { url?: string; timeoutMs?: number } = {}): Promise<ImportStatus> {
  const id = await enqueueImport(opts.url ?? db.url, params);
  return waitForJob(db, id, opts.timeoutMs);
}
