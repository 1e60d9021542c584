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
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type pg from 'pg';
import { withSavepoint, withTransaction } from '../db/sql.js';
import { inClass, SQLSTATE } from '../db/sqlstate.js';
import { ConnectorError } from '../errors.js';
import { openSecret } from '../secrets/sealed-secret.js';
import { coalesce } from './coalesce.js';
import { isNamedConnection } from './job.js';
import { enqueueSyncRun, lockDueSyncs, markSyncNotEnqueued, settleEndedSyncRuns, type DueSync } from './sync-store.js';

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

export function startScheduler(opts: SchedulerOptions): Scheduler {
  let stopped = false;
  const tick = async (): Promise<boolean> => {
    try {
      await settleEndedSyncRuns(opts.pool);
      const enqueued = await enqueueDueSyncs(opts.pool, opts.log);
      if (enqueued > 0) opts.onEnqueued();
      return enqueued === ENQUEUE_BATCH;
    } catch (err) {
      // caught here, not by coalesce: a tick asked for during a failed one still runs
      opts.log.warn({ err }, 'sync scheduler tick failed; retrying at the next tick');
      return false;
    }
  };
  const poke = coalesce(tick, { active: () => !stopped, onError: () => undefined });
  const timer = setInterval(poke, opts.tickMs);
  timer.unref();
  poke();
  return {
    poke,
    async stop() {
      stopped = true;
      clearInterval(timer);
      // a tick stuck on an unreachable target must not hold up the shutdown; it fails on its own
      await Promise.race([poke.current, new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
    },
  };
}

async function enqueueDueSyncs(pool: pg.Pool, log: Logger): Promise<number> {
  const client = await pool.connect();
  let enqueued = 0;
  try {
    return await withTransaction(client, async () => {
      for (const sync of await lockDueSyncs(client, ENQUEUE_BATCH)) {
        const jobId = crypto.randomUUID();
        try {
          await withSavepoint(client, 'enqueue_run', () => enqueueRun(client, sync, jobId));
          enqueued++;
          log.info({ sync_id: sync.id, job_id: jobId }, 'sync run enqueued');
        } catch (err) {
          const e = err as { code?: string; message?: string; detail?: string };
          // the sync already has an active run (partial unique index jobs_one_active_run)
          if (e.code === SQLSTATE.UNIQUE_VIOLATION) continue;
          log.warn({ sync_id: sync.id, err }, 'sync run could not be enqueued');
          await markSyncNotEnqueued(client, sync.id, err instanceof ConnectorError ? err.code : notEnqueuedCode(e), e.message ?? String(err));
        }
      }
      return enqueued;
    });
  } finally {
    client.release();
  }
}

async function enqueueRun(client: pg.ClientBase, sync: DueSync, jobId: string): Promise<void> {
  // a named connection (no sync secret) is enqueued by name: the run reads the current one
  const connection = { ...sync.params.connection };
  // sealed in sync_secrets (secrets/sealed-secret.ts); the run's job seals it again
  if (sync.password !== null && !isNamedConnection(connection)) connection.password = await openSecret(sync.password);
  await enqueueSyncRun(client, sync, jobId, { connector: { ...sync.params, connection } });
}

/** Data exceptions, access rule violations and an unusable schema: the owner's request or privileges, 1502. */
const NOT_PERMITTED_CLASSES = [SQLSTATE.DATA_EXCEPTION_CLASS, SQLSTATE.SYNTAX_OR_ACCESS_CLASS, SQLSTATE.INVALID_SCHEMA_NAME_CLASS];

/** The validation triggers name their code in DETAIL (`error_code 1501`); a privilege problem is 1502. */
function notEnqueuedCode(e: { code?: string; detail?: string }): number {
  const fromDetail = /^error_code (\d+)$/.exec(e.detail ?? '')?.[1];
  if (fromDetail) return Number(fromDetail);
  return NOT_PERMITTED_CLASSES.some((c) => inClass(e.code, c)) ? 1502 : 99999;
}
