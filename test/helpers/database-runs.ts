/**
 * Whole-database runs (SPEC §15) the way a psql user starts and follows them: through
 * cdb_connector_import_database, the cdb_connectors.runs view and cdb_connector_run_summary.
 */
import { queryOnce } from './one-shot-sql.js';
import type { TargetDb } from './target.js';

export interface RunStatus {
  run_id: string;
  state: string;
  tables_total: number | null;
  tables_complete: number;
  tables_failed: number;
  rows_fetched: string;
  rows_estimated: string | null;
  percent: string | null;
  warnings: Array<{ code: string; message: string; table?: string }>;
  error_code: number | null;
  error_message: string | null;
  [key: string]: unknown;
}

export interface SummaryRow {
  table_name: string | null;
  remote_table: string | null;
  state: string;
  rows: string;
  rejects: string;
  warnings: number;
  error: string | null;
}

const FINISHED = new Set(['complete', 'failure', 'cancelled']);

/** Calls cdb_connector_import_database as `url`'s role; returns the run_id. */
export async function startRun(url: string, params: unknown, targetSchema: string): Promise<string> {
  const rows = await queryOnce<{ r: { run_id: string } }>(url, 'select cdb_connector_import_database($1::jsonb, $2) as r', [JSON.stringify(params), targetSchema]);
  return rows[0]!.r.run_id;
}

export async function runStatus(db: TargetDb, runId: string): Promise<RunStatus> {
  const { rows } = await db.query<RunStatus>('select * from cdb_connectors.runs where run_id = $1', [runId]);
  return rows[0]!;
}

export async function waitForRun(db: TargetDb, runId: string, timeoutMs = 60_000): Promise<RunStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await runStatus(db, runId);
    if (FINISHED.has(status.state)) return status;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${status.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function runAndWait(db: TargetDb, params: unknown, targetSchema: string, opts: { url?: string; timeoutMs?: number } = {}): Promise<RunStatus> {
  return waitForRun(db, await startRun(opts.url ?? db.url, params, targetSchema), opts.timeoutMs);
}

export async function runSummary(db: TargetDb, runId: string): Promise<SummaryRow[]> {
  return (await db.query<SummaryRow>('select * from cdb_connector_run_summary($1)', [runId])).rows;
}

/** The tables of `schema`, sorted. */
export async function tablesIn(db: TargetDb, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ t: string }>(
    `select c.relname as t from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relkind = 'r' order by 1`, [schema]);
  return rows.map((r) => r.t);
}

/** Constraints of `schema` as `table: definition` (pg_get_constraintdef), sorted. */
export async function constraintsIn(db: TargetDb, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ c: string }>(
    `select c.conrelid::regclass::text || ': ' || pg_get_constraintdef(c.oid) as c from pg_constraint c
       join pg_namespace n on n.oid = c.connamespace where n.nspname = $1 and c.contype in ('p', 'u', 'f') order by 1`, [schema]);
  return rows.map((r) => r.c);
}

/** Index definitions of `schema` (pg_indexes.indexdef), sorted. */
export async function indexesIn(db: TargetDb, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ d: string }>('select indexdef as d from pg_indexes where schemaname = $1 order by 1', [schema]);
  return rows.map((r) => r.d);
}
