/**
 * Every statement the sidecar runs against cdb_connectors.syncs for a sync run (issue 5). The
 * state machine lives in the database: the scheduler (scheduler.ts) moves a due sync to queued,
 * the runner to syncing, the refresh records success in the transaction that switches the data,
 * and cdb_connectors.settle_sync_run() (sql/api/sync-settle-run.sql) records every other ending
 * and schedules the retry.
 */
import type pg from 'pg';
import { quoteIdent } from '../db/sql.js';
import type { IncrementalRun } from '../load/strategies/incremental-table.js';
import type { RefreshedTable } from '../load/strategies/replace.js';
import { recordRunColumns } from './schema-change-store.js';
import type { SyncMarkState } from './incremental.js';
import type { ConnectorParams } from './job.js';

export interface SyncTable extends SyncMarkState {
  /** Null before the first success, and when the table it recorded is gone (dropped by its owner). */
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
  const { rows } = await db.query<{ table_oid: string | null; checksum: string | null; mark: string | null; rows_at_mark: string | null; reset: string | null }>(
    `select case when exists (select from pg_catalog.pg_class c where c.oid = s.table_oid and c.relkind in ('r', 'p')) then s.table_oid end as table_oid,
            s.checksum, s.mark, s.rows_at_mark::text, s.reset_requested_at::text as reset
       from cdb_connectors.syncs as s where s.id = $1`, [syncId]);
  const row = rows[0];
  if (!row) return undefined;
  const tableOid = row.table_oid === null ? null : Number(row.table_oid);
  return {
    tableOid, checksum: row.checksum,
    // a table gone means a first run again: its mark went with it
    mark: tableOid === null ? null : row.mark,
    rowsAtMark: tableOid === null || row.rows_at_mark === null ? null : Number(row.rows_at_mark),
    resetRequestedAt: row.reset,
  };
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
  await recordRunColumns(client, syncId, jobId, run.columns);
}

/**
 * An incremental run (SPEC §13), inside its load transaction: the sync's success, the new mark
 * (unless cdb_connector_sync_reset ran since the run read the old one: then the mark stays
 * forgotten), and the run's counts on its job. modified_at moves only when the table changed.
 */
export async function recordIncrementalRunSuccess(client: pg.ClientBase, syncId: string, jobId: string, run: IncrementalRun, seen: SyncMarkState): Promise<void> {
  const { counts } = run;
  const changed = counts.inserted + counts.updated + counts.deleted > 0;
  await client.query(
    `update cdb_connectors.syncs
        set state = 'success', table_name = $3, table_oid = $4, target_schema = $5, checksum = null,
            modified_at = case when $6 then statement_timestamp() else modified_at end,
            ran_at = statement_timestamp(), run_at = statement_timestamp() + make_interval(secs => interval_seconds),
            retried_times = 0, error_code = null, error_message = null, last_import_id = $2,
            mark = case when reset_requested_at is distinct from $8::timestamptz then null else coalesce($7::text, mark) end,
            rows_at_mark = case when reset_requested_at is distinct from $8::timestamptz then null when $7::text is null then rows_at_mark else $9::bigint end,
            mark_updated_at = case when $7::text is not null and $7::text is distinct from mark then statement_timestamp() else mark_updated_at end
      where id = $1`,
    [syncId, jobId, run.tableName, run.tableOid, run.schema, changed, run.mark?.mark ?? null, seen.resetRequestedAt, run.mark?.rowsAtMark ?? null],
  );
  await client.query(
    `update cdb_connectors.jobs set rows_inserted = $2, rows_updated = $3, rows_deleted = $4, rows_unchanged = $5 where id = $1`,
    [jobId, counts.inserted, counts.updated, counts.deleted, counts.unchanged]);
  await recordRunColumns(client, syncId, jobId, run.columns);
}

/** Diff mode's stored state (sidecar/diff.ts): the bucket geometry and the remote's last answer. */
export interface DiffState {
  /** Local name of the key column the buckets are over. */
  keyColumn: string;
  origin: string;
  width: string;
  /** `{"<bucket>": "<rows>:<hash>"}`; null until a run took an answer. */
  hashes: Record<string, string> | null;
  /** The sync's reset_requested_at when the answer was taken. */
  resetSeen: string | null;
}

export async function readDiffState(db: pg.Pool | pg.ClientBase, syncId: string): Promise<DiffState | undefined> {
  const { rows } = await db.query<{ key_column: string; origin: string; width: string; hashes: Record<string, string> | null; reset_seen: string | null }>(
    'select key_column, origin::text, width::text, hashes, reset_seen::text from cdb_connectors.sync_diff where sync_id = $1', [syncId]);
  const row = rows[0];
  return row && { keyColumn: row.key_column, origin: row.origin, width: row.width, hashes: row.hashes, resetSeen: row.reset_seen };
}

/** Inside the run's load transaction, with the run's other bookkeeping. */
export async function storeDiffState(client: pg.ClientBase, syncId: string, state: DiffState): Promise<void> {
  await client.query(
    `insert into cdb_connectors.sync_diff (sync_id, key_column, origin, width, hashes, reset_seen, updated_at)
     values ($1, $2, $3::numeric, $4::numeric, $5::jsonb, $6::timestamptz, statement_timestamp())
     on conflict (sync_id) do update set key_column = excluded.key_column, origin = excluded.origin, width = excluded.width,
       hashes = excluded.hashes, reset_seen = excluded.reset_seen, updated_at = excluded.updated_at`,
    [syncId, state.keyColumn, state.origin, state.width, state.hashes === null ? null : JSON.stringify(state.hashes), state.resetSeen]);
}

/** After the run's job was recorded as failed or cancelled: failure state, retry or next interval. */
export async function settleSyncRun(db: pg.Pool | pg.ClientBase, syncId: string): Promise<void> {
  await db.query('select cdb_connectors.settle_sync_run($1)', [syncId]);
}

/**
 * Settles every sync whose run is over but that still looks in flight (created/queued/syncing with
 * no enqueued or importing job): a queued run cancelled by its user, a sidecar that died between
 * failing a run and recording it. The scheduler's first step each tick.
 */
export async function settleEndedSyncRuns(db: pg.Pool): Promise<void> {
  await db.query(`
select count(cdb_connectors.settle_sync_run(s.id))::int as settled
  from cdb_connectors.syncs as s
 where s.state in ('created', 'queued', 'syncing')
   and not exists (select from cdb_connectors.jobs as j where j.sync_id = s.id and j.state in ('enqueued', 'importing'))`);
}

export interface DueSync {
  id: string;
  owner: string;
  params: ConnectorParams;
  target_schema: string;
  /** Sealed (secrets/sealed-secret.ts); null when the connection has none. */
  password: string | null;
}

/**
 * Up to `limit` due syncs, locked until the transaction ends; those another sidecar locked are
 * skipped. A sync `paused` by a schema change (SPEC §14) is never due: only approving or
 * rejecting its pending changes moves it back to `failure` and due (syncs_before_update).
 */
export async function lockDueSyncs(client: pg.ClientBase, limit: number): Promise<DueSync[]> {
  const { rows } = await client.query<DueSync>(`
select s.id, s.owner, s.params, s.target_schema, sec.password
  from cdb_connectors.syncs as s
  left join cdb_connectors.sync_secrets as sec on sec.sync_id = s.id
 where s.state in ('success', 'failure') and s.run_at <= now()
   and (not s.paused or s.sync_now_requested_at >= s.run_at)
 order by s.run_at
 limit $1
 for update of s skip locked`, [limit]);
  return rows;
}

/**
 * Enqueues the sync's run as its owner (SET LOCAL ROLE), so the jobs triggers check the owner's
 * CREATE privilege and store the password as the owner's; then the sync is queued with it.
 * `request` carries the opened password (the job's insert trigger seals it again).
 */
export async function enqueueSyncRun(client: pg.ClientBase, sync: DueSync, jobId: string, request: { connector: ConnectorParams }): Promise<void> {
  await client.query('select set_config(cdb_connectors.pending_sync_setting($1), $2, true)', [jobId, sync.id]);
  await client.query(`set local role ${quoteIdent(sync.owner)}`);
  await client.query('insert into cdb_connectors.jobs (id, params, target_schema) values ($1, $2, $3)',
    [jobId, JSON.stringify(request), sync.target_schema]);
  await client.query('reset role');
  await client.query("update cdb_connectors.syncs set state = 'queued', last_import_id = $2 where id = $1", [sync.id, jobId]);
}

/** The run could not even be enqueued (owner lost CREATE, provider disabled, …): next interval. */
export async function markSyncNotEnqueued(client: pg.ClientBase, syncId: string, code: number, message: string): Promise<void> {
  await client.query(`
update cdb_connectors.syncs
   set state = 'failure', error_code = $2, error_message = $3, retried_times = retried_times + 1,
       run_at = now() + make_interval(secs => interval_seconds)
 where id = $1`, [syncId, code, message]);
}
