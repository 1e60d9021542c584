/**
 * Reading jobs as the sidecar's superuser sees them (cdb_connectors.jobs, all columns), for
 * assertions on attempts, leases and load connections.
 */
import type { TargetDb } from '../../helpers/target.js';

export interface JobRecord {
  id: string;
  state: string;
  attempt: number;
  worker_id: string | null;
  rows_fetched: number;
  rows_imported: number | null;
  error_code: number | null;
  error_message: string | null;
  backend_pid: number | null;
  table_name: string | null;
  cancel_requested: boolean;
  started_at: Date | null;
  lease_expires_at: Date | null;
}

export async function jobRecord(db: Pick<TargetDb, 'query'>, id: string): Promise<JobRecord> {
  const { rows } = await db.query<JobRecord>(
    `select id, state, attempt, worker_id, rows_fetched::int, rows_imported::int, error_code, error_message, backend_pid,
            table_name, cancel_requested, started_at, lease_expires_at
       from cdb_connectors.jobs where id = $1`, [id]);
  if (!rows[0]) throw new Error(`job ${id} not found`);
  return rows[0];
}

/** Whether the target backend `pid` (a job's load connection) still exists. */
export async function backendAlive(db: Pick<TargetDb, 'query'>, pid: number): Promise<boolean> {
  const { rows } = await db.query('select 1 from pg_stat_activity where pid = $1', [pid]);
  return rows.length > 0;
}

/** Sets one setting as the DBA would (the trigger validates it). */
export async function setSetting(db: Pick<TargetDb, 'query'>, name: string, value: unknown): Promise<void> {
  const { rowCount } = await db.query('update cdb_connectors.settings set value = $2::jsonb where name = $1', [name, JSON.stringify(value)]);
  if (rowCount !== 1) throw new Error(`unknown setting ${name}`);
}

/** Relations in `schema` whose name is `name` or a staging table of any job: what users could see. */
export async function visibleTables(db: Pick<TargetDb, 'query'>, schema = 'public'): Promise<string[]> {
  const { rows } = await db.query<{ relname: string }>(
    `select c.relname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r', 'p', 'v', 'm', 'f') order by 1`, [schema]);
  return rows.map((r) => r.relname);
}
