/**
 * Every statement the sidecar runs against cdb_connectors.syncs for a sync run (issue 5). The
 * state machine lives in the database: the scheduler (scheduler.ts) moves a due sync to queued,
 * the runner to syncing, the refresh records success in the transaction that switches the data,
 * and cdb_connectors.settle_sync_run() (sql/api/sync-settle-run.sql) records every other ending
 * and schedules the retry.
 */
import type pg from 'pg';
import type { RefreshedTable } from '../load/refresh-table.js';

export interface SyncTable {
  tableOid: number | null;
  checksum: string | null;
}

/** The run's job is importing now. */
export async function markSyncRunStarted(db: pg.Pool, syncId: string, jobId: string): Promise<void> {
  await db.query(
    "update cdb_connectors.syncs set state = 'syncing', last_import_id = $2 where id = $1", [syncId, jobId]);
}

/** The synced table the last successful run left; undefined when the sync was removed (unsync). */
export async function readSyncTable(db: pg.Pool, syncId: string): Promise<SyncTable | undefined> {
  const { rows } = await db.query<{ table_oid: string | null; checksum: string | null }>(
    'select table_oid, checksum from cdb_connectors.syncs where id = $1', [syncId]);
  const row = rows[0];
  return row && { tableOid: row.table_oid === null ? null : Number(row.table_oid), checksum: row.checksum };
}

/**
 * Inside the load transaction, so the sync row and the table's data always agree. Times are the
 * statement's, not the transaction's: a long COPY started the transaction minutes earlier.
 */
export async function recordSyncRunSuccess(client: pg.ClientBase, syncId: string, jobId: string, run: RefreshedTable): Promise<void> {
  await client.query(
    `update cdb_connectors.syncs
        set state = 'success', table_name = $3, table_oid = $4, target_schema = $5, checksum = $6,
            modified_at = case when $7 then statement_timestamp() else modified_at end,
            ran_at = statement_timestamp(), run_at = statement_timestamp() + make_interval(secs => interval_seconds),
            retried_times = 0, error_code = null, error_message = null, last_import_id = $2
      where id = $1`,
    [syncId, jobId, run.tableName, run.tableOid, run.schema, run.checksum, run.changed],
  );
}

/** After the run's job was recorded as failed or cancelled: failure state, retry or next interval. */
export async function settleSyncRun(db: pg.Pool, syncId: string): Promise<void> {
  await db.query('select cdb_connectors.settle_sync_run($1)', [syncId]);
}
