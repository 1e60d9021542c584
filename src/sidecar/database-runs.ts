/**
 * Drives whole-database runs (SPEC §15) from the sidecar: lists the runs waiting to be listed
 * (run-listing.ts), stops the other tables of an atomic run once one failed, and publishes the
 * runs whose tables all finished (run-publishing.ts). Woken like the job claim — a NOTIFY, the poll
 * tick, a finished child — and coalesced: one pass at a time, one more after it when asked.
 * The tables themselves are ordinary jobs, claimed by the worker with the run's concurrency as
 * one more limit (job-store.ts).
 */
import type { Logger } from 'pino';
import type pg from 'pg';
import { classifyTargetError, confirmedOutage, TargetUnavailableError } from '../db/target-errors.js';
import { ranOwnerCode } from '../load/owner-frame.js';
import { coalesce, type Coalesced } from './coalesce.js';
import { enqueueChildren, listRun, runFailure } from './run-listing.js';
import { dropStaging, publishRun } from './run-publishing.js';
import { lockListingRun, lockPublishableRun, lockRunIn, markListed, markRunFinished, type RunRow } from './run-store.js';
import { readSettings } from './settings.js';
import { ShutdownError } from './runner.js';

export interface RunCoordinatorDeps {
  pool: pg.Pool;
  workerId: string;
  log: Logger;
}

/**
 * An atomic run with a failed table can publish nothing: its queued and running tables are
 * cancelled at once instead of loading for nothing (the jobs' update trigger finishes queued ones).
 */
const STOP_DOOMED_SQL = `
with doomed as (
  select j.id from cdb_connectors.jobs j join cdb_connectors.database_runs r on r.id = j.run_id
   where r.state = 'importing' and (r.options ->> 'atomic')::boolean
     and j.state in ('enqueued', 'importing') and not j.cancel_requested
     and exists (select from cdb_connectors.jobs f where f.run_id = r.id and f.state = 'failure')
     -- a row its owner holds locked is passed by (the next pass takes it), never waited for
     for update of j skip locked
)
update cdb_connectors.jobs j
   set cancel_requested = true,
       state = case when j.state = 'enqueued' then 'cancelled' else j.state end,
       error_code = case when j.state = 'enqueued' then 1509 else j.error_code end,
       error_message = case when j.state = 'enqueued' then $1 else j.error_message end,
       finished_at = case when j.state = 'enqueued' then now() else j.finished_at end
  from doomed d where j.id = d.id`;
const DOOMED_MESSAGE = 'Not run: another table of its atomic whole-database run failed, so no table of the run is published.';

/**
 * Every coordinator transaction waits this long for a lock at most: a tenant holding a lock on
 * its run, a child job or a staged table (any role may lock what it may update) delays only its
 * own run's step, which is retried, never the coordinator of every run.
 */
const LOCK_TIMEOUT = '5s';
/** Publishing attempts of one run before a transient failure (lock timeout, deadlock…) fails it. */
export const MAX_PUBLISH_ATTEMPTS = 3;
/** Seconds a run waits after a failed publishing attempt, times the attempts so far. */
const PUBLISH_BACKOFF_MS = 5_000;
/**
 * SQLSTATEs worth another publishing attempt: serialization failure, deadlock, lock timeout,
 * statement timeout (a cancel), out of memory, and a table name taken by a concurrent session.
 */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '55P03', '57014', '53200', '42P07']);

/** Opens a coordinator transaction: every one waits LOCK_TIMEOUT for a lock at most. */
async function beginStep(client: pg.ClientBase): Promise<void> {
  await client.query('begin');
  await client.query(`set local lock_timeout = '${LOCK_TIMEOUT}'`);
}

export class RunCoordinator {
  private stopping = false;
  /** Runs whose publishing failed for now: skipped until `until`, failed after MAX_PUBLISH_ATTEMPTS. */
  private readonly publishRetries = new Map<string, { attempts: number; until: number }>();
  private readonly controller = new AbortController();
  readonly poke: Coalesced = coalesce(() => this.pass(), {
    active: () => !this.stopping,
    onError: (err) => this.deps.log.warn({ err }, 'driving whole-database runs failed; will retry on the next poll'),
  });

  constructor(private readonly deps: RunCoordinatorDeps) {}

  async stop(): Promise<void> {
    this.stopping = true;
    this.controller.abort(new ShutdownError());
    await this.poke.current?.catch(() => undefined);
  }

  private async pass(): Promise<void> {
    await this.deps.pool.query(STOP_DOOMED_SQL, [DOOMED_MESSAGE]);
    while (!this.stopping && (await this.withClient((c) => this.listOne(c)) || await this.withClient((c) => this.publishOne(c)))) { /* next run */ }
  }

  /** A connection on which the owner's code may have run is closed, never pooled again. */
  private async withClient(step: (client: pg.PoolClient) => Promise<boolean>): Promise<boolean> {
    const client = await this.deps.pool.connect();
    let broken = false;
    try {
      return await step(client);
    } catch (err) {
      broken = true;
      throw err;
    } finally {
      client.release(broken || ranOwnerCode(client));
    }
  }

  private async listOne(client: pg.PoolClient): Promise<boolean> {
    await beginStep(client);
    const run = await lockListingRun(client);
    if (!run) {
      await client.query('commit');
      return false;
    }
    const log = this.deps.log.child({ run_id: run.id });
    const settings = await readSettings(client);
    if (run.cancel_requested) {
      await this.endEarly(client, run, { errorCode: 1509, errorMessage: 'The run was cancelled with cdb_connector_cancel_run before its tables were listed.' }, 'cancelled');
      await client.query('commit');
      return true;
    }
    try {
      const { listed, password } = await listRun({ pool: this.deps.pool, log }, run, settings, this.controller.signal);
      await enqueueChildren(client, run, listed, password);
      await markListed(client, run.id, this.deps.workerId, listed);
      await client.query('commit');
      log.info({ tables: listed.tables.length }, 'whole-database run listed');
    } catch (err) {
      await client.query('rollback');
      if (err instanceof ShutdownError || classifyTargetError(err) instanceof TargetUnavailableError) throw err;
      log.warn({ err }, 'listing a whole-database run failed');
      await this.failListing(client, run.id, err);
    }
    return true;
  }

  /** The listing's failure, in a transaction of its own (the listing's was rolled back). */
  private failListing(client: pg.PoolClient, runId: string, err: unknown): Promise<void> {
    return this.failRun(client, runId, 'listing', (run) => this.endEarly(client, run, runFailure(err), 'failure'));
  }

  /**
   * Ends a run that is still in `state`, in a transaction of its own, unless its owner holds it
   * locked right now (lockRunIn skips it): a later pass records the failure then.
   */
  private async failRun(client: pg.PoolClient, runId: string, state: 'listing' | 'importing', end: (run: RunRow) => Promise<void>): Promise<void> {
    await beginStep(client);
    const run = await lockRunIn(client, runId, state);
    if (run) await end(run);
    await client.query('commit');
  }

  private async endEarly(client: pg.PoolClient, run: RunRow, error: { errorCode: number; errorMessage: string }, state: 'failure' | 'cancelled'): Promise<void> {
    await dropStaging(client, run);
    await markRunFinished(client, run.id, this.deps.workerId, { state, ...error, warnings: run.warnings });
  }

  private async publishOne(client: pg.PoolClient): Promise<boolean> {
    let runId: string | undefined;
    try {
      await beginStep(client);
      const now = Date.now();
      const waiting = [...this.publishRetries].filter(([, r]) => r.until > now).map(([id]) => id);
      const run = await lockPublishableRun(client, waiting);
      runId = run?.id;
      if (!run) {
        await client.query('commit');
        return false;
      }
      const settings = await readSettings(client);
      const end = await publishRun(client, run, settings.maxIdentifierLength);
      await markRunFinished(client, run.id, this.deps.workerId, end);
      await client.query('commit');
      this.publishRetries.delete(run.id);
      this.deps.log.info({ run_id: run.id, state: end.state }, 'whole-database run finished');
      return true;
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      if (err instanceof ShutdownError || runId === undefined) throw err;
      if (await this.retryLater(runId, err)) return true;
      this.deps.log.error({ err, run_id: runId }, 'publishing a whole-database run failed');
      await this.failPublishing(client, runId, err);
      return true;
    }
  }

  /**
   * A failed publishing attempt: true when it is tried again later (the run is skipped meanwhile,
   * so it cannot hold up the others), false when the run should fail now. Throws on a real
   * target outage. An error that only looks like one — a SQLSTATE of class 08 or 57P0x raised by
   * the owner's own code inside a frame — is told apart by asking the target on another connection.
   */
  private async retryLater(runId: string, err: unknown): Promise<boolean> {
    if (await confirmedOutage(err, this.deps.pool)) throw err;
    const looksLikeOutage = classifyTargetError(err) instanceof TargetUnavailableError;
    const code = (err as { code?: string }).code;
    if (!looksLikeOutage && (code === undefined || !TRANSIENT_SQLSTATES.has(code))) return false;
    const attempts = (this.publishRetries.get(runId)?.attempts ?? 0) + 1;
    if (attempts >= MAX_PUBLISH_ATTEMPTS) {
      this.publishRetries.delete(runId);
      return false;
    }
    this.publishRetries.set(runId, { attempts, until: Date.now() + attempts * PUBLISH_BACKOFF_MS });
    this.deps.log.warn({ err, run_id: runId, attempts }, 'publishing a whole-database run failed; it is tried again later');
    return true;
  }

  /**
   * Publishing failed for a reason that would fail it again (the owner dropped its staging schema,
   * lost CREATE on the target…): the run ends as a failure instead of being retried at every poll.
   * Its staged tables stay in the staging schema for the owner to inspect or drop.
   */
  private failPublishing(client: pg.PoolClient, runId: string, err: unknown): Promise<void> {
    const { errorCode, errorMessage } = runFailure(err);
    return this.failRun(client, runId, 'importing', (run) => markRunFinished(client, run.id, this.deps.workerId, {
      state: 'failure', errorCode, warnings: run.warnings,
      errorMessage: `Publishing the run's tables failed, so none was published: ${errorMessage}${run.staging_schema ? ` The loaded tables stay in schema ${run.staging_schema}.` : ''}`,
    }));
  }
}
