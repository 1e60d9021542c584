/**
 * Every statement the sidecar runs against cdb_connectors.schema_changes (SPEC §14), and the
 * sync's columns of its last successful run (syncs.remote_columns) they are detected against:
 *
 *   before a run's load: the last run's columns, the latest row per change (the users'
 *     decisions), the columns whose drop was recorded (a merge writes NULL there);
 *   in the load transaction of a successful run: the changes it applied (new `applied` rows, or
 *     the approved rows marked applied_at) and its staged columns;
 *   after a run stopped by a change (its load rolled back): the changes as `pending` or `failed`
 *     rows, the run settled, and the sync `paused` while one is pending — one transaction, so an
 *     approval never runs between the rows and the pause (cdb_connectors.decide_schema_change
 *     locks the sync row too).
 * Users decide with cdb_connector_schema_change_approve / _reject (sql/api/schema-change-*.sql).
 */
import type pg from 'pg';
import type { ChangeDecision, SchemaChangePlan, SchemaStop } from '../load/schema-policy.js';
import type { ColumnsRecord } from '../load/table-evolution.js';
import type { TableColumn } from '../load/target-catalog.js';

type SchemaChangeState = Pick<SchemaChangePlan, 'previous' | 'decisions' | 'droppedColumns'>;

export async function readSchemaChangeState(db: pg.Pool, syncId: string): Promise<SchemaChangeState> {
  const [previous, decisions, dropped] = await Promise.all([
    db.query<{ columns: TableColumn[] | null }>('select remote_columns as columns from cdb_connectors.syncs where id = $1', [syncId]),
    db.query<{ id: string; kind: ChangeDecision['kind']; column: string; old_type: string | null; new_type: string | null; action: ChangeDecision['action']; applied: boolean; reason: string | null }>(
      `select distinct on (c.kind, c.column_name, c.old_type, c.new_type)
              c.id, c.kind, c.column_name as column, c.old_type, c.new_type, c.action, c.applied_at is not null as applied, c.reason
         from cdb_connectors.schema_changes as c where c.sync_id = $1
        order by c.kind, c.column_name, c.old_type, c.new_type, c.detected_at desc`, [syncId]),
    db.query<{ column: string }>(
      `select distinct c.column_name as column from cdb_connectors.schema_changes as c
        where c.sync_id = $1 and c.kind = 'drop' and c.action in ('applied', 'approved', 'rejected')`, [syncId]),
  ]);
  return {
    previous: previous.rows[0]?.columns ?? null,
    decisions: decisions.rows.map((r) => ({
      id: r.id, kind: r.kind, column: r.column, oldType: r.old_type, newType: r.new_type, action: r.action, applied: r.applied, reason: r.reason,
    })),
    droppedColumns: dropped.rows.map((r) => r.column),
  };
}

const CHANGE_COLUMNS = 'kind text, column_name text, old_type text, new_type text, reason text';

/** Inside the successful run's load transaction (sync-store.ts records the rest of the run). */
export async function recordRunColumns(client: pg.ClientBase, syncId: string, jobId: string, record: ColumnsRecord): Promise<void> {
  const fresh = record.applied.filter((a) => a.decisionId === undefined)
    .map((a) => ({ kind: a.change.kind, column_name: a.change.column, old_type: a.change.oldType, new_type: a.change.newType, reason: a.reason ?? null }));
  if (fresh.length > 0) {
    await client.query(
      `insert into cdb_connectors.schema_changes (sync_id, owner, job_id, kind, column_name, old_type, new_type, action, reason, decided_at, applied_at)
       select s.id, s.owner, $2, x.kind, x.column_name, x.old_type, x.new_type, 'applied', x.reason, statement_timestamp(), statement_timestamp()
         from cdb_connectors.syncs as s, jsonb_to_recordset($3::jsonb) as x(${CHANGE_COLUMNS})
        where s.id = $1`, [syncId, jobId, JSON.stringify(fresh)]);
  }
  const approved = record.applied.flatMap((a) => (a.decisionId === undefined ? [] : [a.decisionId]));
  if (approved.length > 0) {
    await client.query('update cdb_connectors.schema_changes set applied_at = statement_timestamp() where id = any ($1::uuid[]) and sync_id = $2',
      [approved, syncId]);
  }
  await client.query('update cdb_connectors.syncs set remote_columns = $2::jsonb where id = $1', [syncId, JSON.stringify(record.remote)]);
}

/**
 * In the transaction that records the run's job as failed (sync-run.ts): its changes, the
 * settled run, and the pause, so no reader ever sees the sync `failure` on its way to `paused`.
 */
export async function recordSchemaStop(client: pg.ClientBase, syncId: string, jobId: string, stop: SchemaStop): Promise<void> {
  const rows = stop.changes.filter((w) => w.record)
    .map((w) => ({ kind: w.change.kind, column_name: w.change.column, old_type: w.change.oldType, new_type: w.change.newType, reason: w.reason }));
  await client.query(
    `insert into cdb_connectors.schema_changes (sync_id, owner, job_id, kind, column_name, old_type, new_type, action, reason)
     select s.id, s.owner, $2, x.kind, x.column_name, x.old_type, x.new_type, $4, x.reason
       from cdb_connectors.syncs as s, jsonb_to_recordset($3::jsonb) as x(${CHANGE_COLUMNS})
      where s.id = $1`, [syncId, jobId, JSON.stringify(rows), stop.action]);
  // settle_sync_run skips a sync row another session holds (a scheduler tick): wait for it instead
  await client.query('select from cdb_connectors.syncs where id = $1 for update', [syncId]);
  await client.query('select cdb_connectors.settle_sync_run($1)', [syncId]);
  await client.query(
    `update cdb_connectors.syncs as s set state = 'paused'
      where s.id = $1 and s.state = 'failure'
        and exists (select from cdb_connectors.schema_changes as c where c.sync_id = s.id and c.action = 'pending')`, [syncId]);
}
