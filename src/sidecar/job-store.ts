/**
 * Every statement the sidecar runs against cdb_connectors.jobs. Each update is conditional on
 * `worker_id`, so a sidecar that lost its lease (and the job with it) can never overwrite the
 * state written by the sidecar that re-claimed the job.
 */
import { openOptionalSecret } from '../secrets/sealed-secret.js';
import type pg from 'pg';
import { LeaseLostError, type ConnectionFields, type JobRow } from './job.js';
import { SETTING_DEFAULTS } from './settings.js';

export interface Warning {
  code: string;
  message: string;
  /** How many rows the warning is about, where one number says it (`rejected_rows`, SPEC §14). */
  count?: number;
}

/**
 * Claim advisory lock: claims are serialised across sidecars (they take milliseconds) so the
 * per-role concurrency count cannot be raced past its limit by two sidecars at once.
 */
const CLAIM_LOCK_KEY = 0x43444232; // 'CDB2'

const CLAIM_SQL = `
with settings as (
  select coalesce((select (value #>> '{}')::int from cdb_connectors.settings where name = 'max_concurrent_jobs_per_role'), $3) as per_role
), running as (
  select owner, count(*) as n from cdb_connectors.jobs
   where state = 'importing' and lease_expires_at >= now() group by owner
), candidate as (
  select j.id, j.worker_id as previous_worker_id
    from cdb_connectors.jobs j
   where ((j.state = 'enqueued' and j.run_after <= now())
          or (j.state = 'importing' and j.lease_expires_at < now()))
     and not j.cancel_requested
     and coalesce((select n from running r where r.owner = j.owner), 0) < (select per_role from settings)
     -- a whole-database run's tables: at most its concurrency at a time, across sidecars (SPEC §15)
     and (j.run_id is null
          or (select count(*) from cdb_connectors.jobs c where c.run_id = j.run_id and c.state = 'importing' and c.lease_expires_at >= now())
             < (select (d.options ->> 'concurrency')::int from cdb_connectors.database_runs d where d.id = j.run_id))
   order by j.created_at
   limit 1
   for update of j skip locked
)
update cdb_connectors.jobs j
   set state = 'importing', worker_id = $1, attempt = j.attempt + 1, started_at = now(),
       crashes = j.crashes + (j.state = 'importing')::int,
       lease_expires_at = now() + make_interval(secs => $2), rows_fetched = 0, backend_pid = null,
       error_code = null, error_message = null, updated_at = now()
  from candidate c
 where j.id = c.id
returning j.id, j.sync_id, j.run_id, j.provider, j.params, j.requested_name, j.target_schema, j.owner, j.attempt, c.previous_worker_id`;

/** A job asked to stop whose sidecar died is finished as cancelled rather than re-run. */
const REAP_CANCELLED_SQL = `
with reaped as (
  -- SKIP LOCKED here and below: a job row its owner holds locked (any role may lock a row it may
  -- update) is reaped by a later claim, and never holds up every claim under the claim lock
  select id from cdb_connectors.jobs
   where state = 'importing' and lease_expires_at < now() and cancel_requested
   for update skip locked
)
update cdb_connectors.jobs j
   set state = 'cancelled', error_code = 1509, finished_at = now(), updated_at = now(), lease_expires_at = null,
       error_message = 'The import was cancelled with cdb_connector_cancel; its sidecar stopped before finishing.'
  from reaped r where j.id = r.id`;

/**
 * Poison-pill guard (issue 16 §5): a running job whose lease expired has crashed the sidecar that
 * ran it (killed, out of memory, frozen). The claim above re-runs it once; the next such expiry
 * is its second crash, and the job is failed instead of being handed to a third sidecar. A job
 * given back on purpose (shutdown, target outage: handBack) never counts. Cancel-requested jobs
 * are left to REAP_CANCELLED_SQL. The job's log says why, and its password goes with it.
 */
export const MAX_CRASHES = 2;
const REAP_POISON_SQL = `
with poisoned as (
  select id from cdb_connectors.jobs
   where state = 'importing' and lease_expires_at < now() and not cancel_requested and crashes + 1 >= $1
   for update skip locked
), failed as (
  update cdb_connectors.jobs j
     set state = 'failure', crashes = j.crashes + 1, error_code = 99999, finished_at = now(), updated_at = now(), lease_expires_at = null,
         error_message = format('The job crashed the sidecar twice (its sidecar stopped renewing the lease while running it, the last time on attempt %s by sidecar %s); it was not retried. '
           || 'Look for job %s in that sidecar''s log (killed, out of memory, or a source that breaks the connector) and import again once the cause is fixed.',
           j.attempt, coalesce(j.worker_id, '?'), j.id)
    from poisoned p where j.id = p.id
  returning j.id, j.error_message
), logged as (
  insert into cdb_connectors.job_log (job_id, level, message) select id, 'error', error_message from failed
), forgotten as (
  delete from cdb_connectors.job_secrets s using failed f where s.job_id = f.id
)
select id from failed`;

export async function claimJob(client: pg.ClientBase, workerId: string, leaseSeconds: number): Promise<JobRow | undefined> {
  await client.query('begin');
  try {
    await client.query('select pg_advisory_xact_lock($1)', [CLAIM_LOCK_KEY]);
    await client.query(REAP_CANCELLED_SQL);
    await client.query(REAP_POISON_SQL, [MAX_CRASHES]);
    const { rows } = await client.query<JobRow>(CLAIM_SQL, [workerId, leaseSeconds, SETTING_DEFAULTS.max_concurrent_jobs_per_role]);
    await client.query('commit');
    return rows[0];
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
}

/**
 * One of `owner`'s named connections (issue 22 §6, cdb_connectors.connections) with its password
 * opened; undefined when the owner has none of that name (any more).
 */
export async function readNamedConnection(db: pg.Pool, owner: string, name: string): Promise<{ provider: string; params: ConnectionFields; password: string | undefined } | undefined> {
  const { rows } = await db.query<{ provider: string; params: ConnectionFields; password: string | null }>(
    `select c.provider, c.params, s.password
       from cdb_connectors.connections as c left join cdb_connectors.connection_secrets as s on s.connection_id = c.id
      where c.owner = $1 and c.name = $2`, [owner, name]);
  const row = rows[0];
  return row ? { provider: row.provider, params: row.params, password: await openOptionalSecret(row.password) } : undefined;
}

/** Jobs cancelled while still queued were finished by the SQL trigger; a running one is ours to finish. */
export async function readSecret(db: pg.Pool, jobId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ password: string }>('select password from cdb_connectors.job_secrets where job_id = $1', [jobId]);
  return openOptionalSecret(rows[0]?.password);
}

export interface TickResult {
  /** False when the job is no longer ours (lease lost and re-claimed, or deleted). */
  owned: boolean;
  cancelRequested: boolean;
}

/** Progress + heartbeat in one statement (SPEC §3: rows_fetched at least every 2 s). */
export async function tickJob(db: pg.Pool, jobId: string, workerId: string, rowsFetched: number, leaseSeconds: number): Promise<TickResult> {
  const { rows } = await db.query<{ cancel_requested: boolean }>(
    `update cdb_connectors.jobs
        set rows_fetched = $3, lease_expires_at = now() + make_interval(secs => $4), updated_at = now()
      where id = $1 and worker_id = $2 and state = 'importing'
      returning cancel_requested`,
    [jobId, workerId, rowsFetched, leaseSeconds],
  );
  return { owned: rows.length === 1, cancelRequested: rows[0]?.cancel_requested ?? false };
}

/** A run's table (SPEC §15): the remote names of the local columns, in order, for its structure. */
export async function recordRemoteColumns(db: pg.Pool, jobId: string, workerId: string, names: string[]): Promise<void> {
  await db.query(`update cdb_connectors.jobs set remote_columns = $3 where id = $1 and worker_id = $2 and state = 'importing'`, [jobId, workerId, names]);
}

/** The read's row estimate (issue 22 §7), once after describe; NULL stays "unknown". */
export async function recordRowsEstimated(db: pg.Pool, jobId: string, workerId: string, rows: number): Promise<void> {
  await db.query(`update cdb_connectors.jobs set rows_estimated = $3 where id = $1 and worker_id = $2 and state = 'importing'`, [jobId, workerId, rows]);
}

/**
 * Which of `jobIds` (the jobs this worker runs) the database says to stop: still ours, importing,
 * cancel_requested. A cancel NOTIFY only prompts this read; it is never trusted by itself.
 */
export async function cancelRequestedJobs(db: pg.Pool, workerId: string, jobIds: string[]): Promise<string[]> {
  if (jobIds.length === 0) return [];
  const { rows } = await db.query<{ id: string }>(
    `select id from cdb_connectors.jobs
      where id = any($2::uuid[]) and worker_id = $1 and state = 'importing' and cancel_requested`,
    [workerId, jobIds],
  );
  return rows.map((r) => r.id);
}

/** Names the job's load connection (application_name) and returns its backend pid. */
export async function nameLoadConnection(client: pg.ClientBase, applicationName: string): Promise<number> {
  const { rows } = await client.query<{ pid: number }>(
    'select pg_catalog.pg_backend_pid() as pid, pg_catalog.set_config($1, $2, false)', ['application_name', applicationName]);
  return rows[0]!.pid;
}

export async function recordBackendPid(db: pg.Pool, jobId: string, workerId: string, pid: number): Promise<void> {
  await db.query('update cdb_connectors.jobs set backend_pid = $3 where id = $1 and worker_id = $2', [jobId, workerId, pid]);
}

export interface CompletedJob {
  tableName: string;
  rowsImported: number;
  /** Rows read from the remote, when more than rowsImported (rejected rows, SPEC §14). */
  rowsFetched?: number;
  columnsImported: number;
  warnings: Warning[];
  /** Stopped at max_rows. */
  truncated: boolean;
}

/**
 * Runs inside the load transaction, so the table and `complete` become visible together.
 * clock_timestamp(), not now(): now() is the load transaction's start, before any row was copied.
 */
export async function markComplete(client: pg.ClientBase, jobId: string, workerId: string, done: CompletedJob): Promise<void> {
  const { rowCount } = await client.query(
    `update cdb_connectors.jobs
        set state = 'complete', table_name = $3, rows_imported = $4, rows_fetched = coalesce($8::bigint, $4::bigint), columns_imported = $5,
            warnings = $6::jsonb, truncated = $7, finished_at = clock_timestamp(), updated_at = clock_timestamp(), lease_expires_at = null
      where id = $1 and worker_id = $2 and state = 'importing'`,
    [jobId, workerId, done.tableName, done.rowsImported, done.columnsImported, JSON.stringify(done.warnings), done.truncated, done.rowsFetched ?? null],
  );
  if (rowCount !== 1) throw new LeaseLostError(jobId);
}

export async function markFailed(db: pg.Pool | pg.ClientBase, jobId: string, workerId: string, state: 'failure' | 'cancelled', code: number, message: string, warnings: Warning[]): Promise<boolean> {
  const { rowCount } = await db.query(
    `update cdb_connectors.jobs
        set state = $3, error_code = $4, error_message = $5, warnings = $6::jsonb, finished_at = now(), updated_at = now(), lease_expires_at = null
      where id = $1 and worker_id = $2 and state = 'importing'`,
    [jobId, workerId, state, code, message, JSON.stringify(warnings)],
  );
  return rowCount === 1;
}

/** The jobs recorded as running on this worker (after a reconnect: those it no longer runs are orphans). */
export async function importingJobsOf(db: pg.Pool, workerId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    "select id from cdb_connectors.jobs where worker_id = $1 and state = 'importing'", [workerId]);
  return rows.map((r) => r.id);
}

/** Gives a job back to the queue (shutdown, target outage): another sidecar re-runs it from the start. */
export async function handBack(db: pg.Pool, jobId: string, workerId: string): Promise<void> {
  await db.query(
    `update cdb_connectors.jobs set state = 'enqueued', worker_id = null, lease_expires_at = null, rows_fetched = 0, updated_at = now()
      where id = $1 and worker_id = $2 and state = 'importing'`,
    [jobId, workerId],
  );
}

export async function appendLog(db: pg.Pool, jobId: string, level: 'debug' | 'info' | 'warn' | 'error', message: string): Promise<void> {
  await db.query('insert into cdb_connectors.job_log (job_id, level, message) values ($1, $2, $3)', [jobId, level, message]);
}

/**
 * Ends the load connection of a previous attempt if it still lingers (its sidecar died while the
 * server kept the transaction open), so its rows can never be committed after we re-run.
 */
export async function terminatePreviousLoad(db: pg.Pool, applicationName: string): Promise<number> {
  const { rows } = await db.query<{ ended: boolean }>(
    'select pg_terminate_backend(pid) as ended from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
    [applicationName],
  );
  return rows.filter((r) => r.ended).length;
}
