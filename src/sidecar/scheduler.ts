/**
 * The sync scheduler (issue 5, SPEC §5): every tick, and at once on a `sync_now` notification,
 *
 *   1. settles syncs whose run is over but that still look in flight (created/queued/syncing with
 *      no enqueued or importing job: a queued run cancelled by its user, a sidecar that died
 *      between failing a run and recording it) — cdb_connectors.settle_sync_run();
 *   2. enqueues the due syncs in ONE transaction: `state in (success, failure) and run_at <=
 *      now()` (not paused, unless sync_now asked), locked FOR UPDATE SKIP LOCKED; for each, as
 *      its owner (SET LOCAL ROLE), a job INSERT marked as the sync's run — so the jobs triggers
 *      check the owner's CREATE privilege and store the password as the owner — then the sync
 *      moves to `queued` with last_import_id.
 *
 * Exactly once with any number of sidecars: a sidecar that locked a due sync enqueues it and moves
 * it out of success/failure in the same commit; another sidecar either skips the locked row or,
 * once it is committed, re-checks the row's state (READ COMMITTED re-evaluates a locked row's
 * WHERE clause on its newest version) and drops it. The partial unique index jobs_one_active_run
 * is the backstop: a second active run of one sync is a unique violation, skipped here.
 */
import { ConnectorError } from '../errors.js';
import { openSecret } from '../secrets/sealed-secret.js';
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type pg from 'pg';
import { quoteIdent } from '../db/pool.js';
import type { ConnectorParams } from './job.js';

export interface SchedulerOptions {
  pool: pg.Pool;
  log: Logger;
  /** How often due syncs are looked for; a sync_now notification ticks at once. */
  tickMs: number;
  /** Called after a tick enqueued runs (the worker claims them without waiting for NOTIFY). */
  onEnqueued(): void;
}

export interface Scheduler {
  /** Ticks now (coalesced with a tick in progress). */
  poke(): void;
  stop(): Promise<void>;
}

/** Due syncs enqueued per transaction: bounds the row locks held; a full batch ticks again at once. */
const ENQUEUE_BATCH = 50;
/** How long stop() waits for a tick in progress (a tick takes milliseconds when the target is up). */
const STOP_WAIT_MS = 2000;
/** SQLSTATE unique_violation: the sync already has an active run (jobs_one_active_run). */
const UNIQUE_VIOLATION = '23505';

const SETTLE_SQL = `
select count(cdb_connectors.settle_sync_run(s.id))::int as settled
  from cdb_connectors.syncs as s
 where s.state in ('created', 'queued', 'syncing')
   and not exists (select from cdb_connectors.jobs as j where j.sync_id = s.id and j.state in ('enqueued', 'importing'))`;

const DUE_SQL = `
select s.id, s.owner, s.params, s.target_schema, sec.password
  from cdb_connectors.syncs as s
  left join cdb_connectors.sync_secrets as sec on sec.sync_id = s.id
 where s.state in ('success', 'failure') and s.run_at <= now()
   and (not s.paused or s.sync_now_requested_at >= s.run_at)
 order by s.run_at
 limit $1
 for update of s skip locked`;

/** The run could not even be enqueued (owner lost CREATE, provider disabled, …): next interval. */
const NOT_ENQUEUED_SQL = `
update cdb_connectors.syncs
   set state = 'failure', error_code = $2, error_message = $3, retried_times = retried_times + 1,
       run_at = now() + make_interval(secs => interval_seconds)
 where id = $1`;

interface DueSync {
  id: string;
  owner: string;
  params: ConnectorParams;
  target_schema: string;
  password: string | null;
}

export function startScheduler(opts: SchedulerOptions): Scheduler {
  let stopped = false;
  let again = false;
  let current: Promise<void> | undefined;

  const loop = async () => {
    do {
      again = false;
      try {
        await opts.pool.query(SETTLE_SQL);
        const enqueued = await enqueueDueSyncs(opts.pool, opts.log);
        if (enqueued > 0) opts.onEnqueued();
        if (enqueued === ENQUEUE_BATCH) again = true;
      } catch (err) {
        opts.log.warn({ err }, 'sync scheduler tick failed; retrying at the next tick');
      }
    } while (again && !stopped);
  };
  const poke = () => {
    if (stopped) return;
    if (current) { again = true; return; }
    current = loop().finally(() => { current = undefined; });
  };
  const timer = setInterval(poke, opts.tickMs);
  timer.unref();
  poke();
  return {
    poke,
    async stop() {
      stopped = true;
      clearInterval(timer);
      // a tick stuck on an unreachable target must not hold up the shutdown; it fails on its own
      await Promise.race([current, new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
    },
  };
}

async function enqueueDueSyncs(pool: pg.Pool, log: Logger): Promise<number> {
  const client = await pool.connect();
  let enqueued = 0;
  try {
    await client.query('begin');
    const { rows } = await client.query<DueSync>(DUE_SQL, [ENQUEUE_BATCH]);
    for (const sync of rows) {
      const jobId = crypto.randomUUID();
      await client.query('savepoint enqueue_run');
      try {
        await enqueueRun(client, sync, jobId);
        await client.query('release savepoint enqueue_run');
        enqueued++;
        log.info({ sync_id: sync.id, job_id: jobId }, 'sync run enqueued');
      } catch (err) {
        await client.query('rollback to savepoint enqueue_run');
        const e = err as { code?: string; message?: string; detail?: string };
        if (e.code === UNIQUE_VIOLATION) continue;
        log.warn({ sync_id: sync.id, err }, 'sync run could not be enqueued');
        await client.query(NOT_ENQUEUED_SQL, [sync.id, err instanceof ConnectorError ? err.code : notEnqueuedCode(e), e.message ?? String(err)]);
      }
    }
    await client.query('commit');
    return enqueued;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function enqueueRun(client: pg.ClientBase, sync: DueSync, jobId: string): Promise<void> {
  const connection = { ...sync.params.connection };
  // sealed in sync_secrets (secrets/sealed-secret.ts); the run's job seals it again
  if (sync.password !== null) connection.password = await openSecret(sync.password);
  const request = { connector: { ...sync.params, connection } };
  await client.query('select set_config(cdb_connectors.pending_sync_setting($1), $2, true)', [jobId, sync.id]);
  await client.query(`set local role ${quoteIdent(sync.owner)}`);
  await client.query('insert into cdb_connectors.jobs (id, params, target_schema) values ($1, $2, $3)',
    [jobId, JSON.stringify(request), sync.target_schema]);
  await client.query('reset role');
  await client.query("update cdb_connectors.syncs set state = 'queued', last_import_id = $2 where id = $1", [sync.id, jobId]);
}

/** The validation triggers name their code in DETAIL (`error_code 1501`); a privilege problem is 1502. */
function notEnqueuedCode(e: { code?: string; detail?: string }): number {
  const fromDetail = /^error_code (\d+)$/.exec(e.detail ?? '')?.[1];
  if (fromDetail) return Number(fromDetail);
  return e.code && /^(22|42|3F)/.test(e.code) ? 1502 : 99999;
}
