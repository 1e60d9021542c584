/**
 * Every statement the sidecar runs against cdb_connectors.database_runs (whole-database runs,
 * SPEC §15). A run is never leased: each step — listing, publishing — is one transaction that
 * holds the run's row lock (FOR UPDATE SKIP LOCKED, so other sidecars pass it by) from reading the
 * run to recording what the step did. A sidecar that dies mid-step rolls the step back with its
 * connection, and the next one starts the step again.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { openOptionalSecret } from '../secrets/sealed-secret.js';
import type { TableStructure } from '../rows/structure.js';
import type { ConnectorParams } from './job.js';

export interface RunOptions {
  include: string[];
  exclude: string[];
  structure: { primary_keys: boolean; indexes: boolean; foreign_keys: boolean; not_null: boolean; defaults: boolean };
  concurrency: number;
  atomic: boolean;
  /** Remote table → per-table connector keys (mode, primary_key, cursor, import_as, …). */
  tables: Record<string, Record<string, unknown>>;
  /** Every table becomes a sync table refreshed this often (seconds). */
  interval?: number;
}

/** A warning of the run itself; `table` names the remote table it is about. */
export interface RunWarning {
  code: string;
  message: string;
  table?: string;
}

export interface RunRow {
  id: string;
  owner: string;
  provider: string;
  params: ConnectorParams;
  options: RunOptions;
  target_schema: string;
  staging_schema: string | null;
  cancel_requested: boolean;
  structure: TableStructure[] | null;
  warnings: RunWarning[];
}

const RUN_COLUMNS = 'r.id, r.owner, r.provider, r.params, r.options, r.target_schema, r.staging_schema, r.cancel_requested, r.structure, r.warnings';

/** The oldest run waiting to be listed, locked for this transaction. */
export async function lockListingRun(client: pg.ClientBase): Promise<RunRow | undefined> {
  const { rows } = await client.query<RunRow>(
    `select ${RUN_COLUMNS} from cdb_connectors.database_runs r where r.state = 'listing'
      order by r.created_at limit 1 for update of r skip locked`);
  return rows[0];
}

/** The oldest importing run none of whose tables is queued or running any more, but `skip`, locked. */
export async function lockPublishableRun(client: pg.ClientBase, skip: readonly string[] = []): Promise<RunRow | undefined> {
  const { rows } = await client.query<RunRow>(
    `select ${RUN_COLUMNS} from cdb_connectors.database_runs r
      where r.state = 'importing' and not (r.id = any ($1::uuid[]))
        and not exists (select from cdb_connectors.jobs j where j.run_id = r.id and j.state in ('enqueued', 'importing'))
      order by r.created_at limit 1 for update of r skip locked`, [[...skip]]);
  return rows[0];
}

/**
 * The run's row again, locked, if it is still in `state` (a failure is recorded once) and no one
 * else holds it (its owner may lock it: then a later pass records the failure).
 */
export async function lockRunIn(client: pg.ClientBase, runId: string, state: string): Promise<RunRow | undefined> {
  const { rows } = await client.query<RunRow>(
    `select ${RUN_COLUMNS} from cdb_connectors.database_runs r where r.id = $1 and r.state = $2 for update of r skip locked`, [runId, state]);
  return rows[0];
}

export async function readRunSecret(db: pg.Pool | pg.ClientBase, runId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ password: string }>('select password from cdb_connectors.run_secrets where run_id = $1', [runId]);
  return openOptionalSecret(rows[0]?.password);
}

export interface Listed {
  tables: string[];
  estimates: Record<string, number>;
  structure: TableStructure[] | null;
  warnings: RunWarning[];
}

export async function markListed(client: pg.ClientBase, runId: string, workerId: string, listed: Listed): Promise<void> {
  await client.query(
    `update cdb_connectors.database_runs
        set state = 'importing', tables_total = $3, table_estimates = $4::jsonb, structure = $5::jsonb, warnings = $6::jsonb,
            worker_id = $2, started_at = clock_timestamp(), updated_at = clock_timestamp()
      where id = $1`,
    [runId, workerId, listed.tables.length, JSON.stringify(listed.estimates), JSON.stringify(listed.structure), JSON.stringify(listed.warnings)]);
}

export interface RunEnd {
  state: 'complete' | 'failure' | 'cancelled';
  errorCode?: number;
  errorMessage?: string;
  warnings: RunWarning[];
}

export async function markRunFinished(client: pg.ClientBase, runId: string, workerId: string, end: RunEnd): Promise<void> {
  await client.query(
    `update cdb_connectors.database_runs
        set state = $3, error_code = $4, error_message = $5, warnings = $6::jsonb, worker_id = $2,
            finished_at = clock_timestamp(), updated_at = clock_timestamp()
      where id = $1`,
    [runId, workerId, end.state, end.errorCode ?? null, end.errorMessage ?? null, JSON.stringify(end.warnings)]);
  // the password is needed no more once no table of the run will run again
  await client.query('delete from cdb_connectors.run_secrets where run_id = $1', [runId]);
}

/** A run's table as its child job left it. */
export interface RunChild {
  id: string;
  remote_table: string;
  table_name: string | null;
  target_schema: string;
  state: 'complete' | 'failure' | 'cancelled';
  remote_columns: string[] | null;
  error_code: number | null;
  error_message: string | null;
  sync_id: string | null;
}

export async function readChildren(client: pg.ClientBase, runId: string): Promise<RunChild[]> {
  const { rows } = await client.query<RunChild>(
    `select id, params ->> 'table' as remote_table, table_name, target_schema, state, remote_columns, error_code, error_message, sync_id
       from cdb_connectors.jobs where run_id = $1 order by params ->> 'table' collate "C"`, [runId]);
  return rows;
}

/** After publishing: the child's table lives in the target schema under `name` now. */
export async function recordPublished(client: pg.ClientBase, jobId: string, schema: string, name: string): Promise<void> {
  await client.query('update cdb_connectors.jobs set target_schema = $2, table_name = $3, updated_at = now() where id = $1', [jobId, schema, name]);
}

/** A one-off child: enqueued by the sidecar (privileged), with the run's owner and run_id set. */
export async function enqueueChildJob(client: pg.ClientBase, run: RunRow, request: unknown, schema: string): Promise<void> {
  await client.query(
    'insert into cdb_connectors.jobs (params, target_schema, owner, run_id) values ($1::jsonb, $2, $3, $4)',
    [JSON.stringify(request), schema, run.owner, run.id]);
}

/**
 * A sync child ("interval"): created as the owner, so syncs_before_insert applies the owner's
 * limits (max_syncs_per_role, max_queued_jobs_per_role) and its first run is the owner's job; the
 * sync and that run are then marked as the run's. Only the bridge's own triggers run as the owner.
 */
export async function createChildSync(client: pg.ClientBase, run: RunRow, request: unknown, schema: string, quotedOwner: string): Promise<void> {
  const syncId = crypto.randomUUID();
  await client.query(`set local role ${quotedOwner}`);
  await client.query('insert into cdb_connectors.syncs (id, params, target_schema) values ($1, $2::jsonb, $3)', [syncId, JSON.stringify(request), schema]);
  await client.query('reset role');
  await client.query('update cdb_connectors.syncs set run_id = $2 where id = $1', [syncId, run.id]);
  await client.query(
    'update cdb_connectors.jobs set run_id = $2 where id = (select last_import_id from cdb_connectors.syncs where id = $1)', [syncId, run.id]);
}
