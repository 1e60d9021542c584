/**
 * The sidecar: registers itself in cdb_connectors.sidecars, listens for jobs, claims up to
 * `concurrency` at a time, runs them, and shuts down gracefully (SPEC §9).
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type pg from 'pg';
import { SIDECAR_DEFAULTS } from '../config.js';
import { createPool } from '../db/pool.js';
import { coalesce, type Coalesced } from './coalesce.js';
import { cancelRequestedJobs, claimJob, handBack, importingJobsOf } from './job-store.js';
import type { JobRow } from './job.js';
import { startListener, type Listener } from './listener.js';
import { runJob, ShutdownError, type JobOutcome } from './runner.js';
import { startScheduler, type Scheduler } from './scheduler.js';
import { RequestRunner } from './requests.js';
import { RunCoordinator } from './database-runs.js';
import { releaseChangeLogs } from './cdc-release.js';
import { readSettings } from './settings.js';
import { registerSidecar, removeSidecar, touchSidecar } from './sidecar-store.js';
import { cancelledByUser } from './ticker.js';

export interface SidecarOptions {
  databaseUrl: string;
  /** Jobs run at once by this sidecar (CONNECTOR_CONCURRENCY). */
  concurrency: number;
  /** Backstop poll when no notification arrives (SPEC §9: default 5 s). */
  pollIntervalMs: number;
  /** How long SIGTERM waits for running jobs before handing them back. */
  shutdownGraceMs: number;
  /** How often the sync scheduler looks for due syncs (default 1 s; tests tick faster). */
  schedulerTickMs?: number;
  log: Logger;
  workerId?: string;
}

/**
 * Workers refresh `last_seen_at` this often; the workers view calls one dead after lease_seconds,
 * which may be as low as 5: at 10 s a live sidecar showed dead half the time, and
 * cdb_connector_check & co. refused to run (issue 6, test/reliability/frozen-sidecar.test.ts).
 * One UPDATE of one row per second per sidecar.
 */
const WORKER_HEARTBEAT_MS = 1000;

export interface SidecarEvents {
  claimed: [job: JobRow];
  finished: [job: JobRow, outcome: JobOutcome];
}

export class Sidecar extends EventEmitter<SidecarEvents> {
  readonly workerId: string;
  readonly pool: pg.Pool;
  private listener: Listener | undefined;
  private scheduler: Scheduler | undefined;
  /** Answers-now requests (check / list tables / preview, issue 10): outside the job slots, see requests.ts. */
  private requests: RequestRunner | undefined;
  /** Whole-database runs (SPEC §15): listing and publishing; their tables are ordinary jobs. */
  private runs: RunCoordinator | undefined;
  private readonly running = new Map<string, { job: JobRow; controller: AbortController; done: Promise<JobOutcome> }>();
  private stopping = false;
  /** Claims jobs until all slots are busy or the queue is empty. Re-entrant calls coalesce. */
  readonly fill: Coalesced = coalesce(() => this.claimWhileRoom(), {
    active: () => !this.stopping,
    onError: (err) => this.opts.log.warn({ err }, 'claiming jobs failed; will retry on the next poll'),
  });
  /**
   * A cancel hint: asks the database which of this sidecar's running jobs have cancel_requested
   * and aborts those only. The notification names no job, and one that did would not be believed:
   * anyone may NOTIFY on the channel (issue 16, attack 6). Re-entrant calls coalesce: one re-read
   * in flight, at most one more after it.
   */
  private readonly abortCancelled: Coalesced = coalesce(() => this.abortCancelRequested(), {
    active: () => !this.stopping && this.running.size > 0,
    onError: (err) => this.opts.log.warn({ err }, 'checking for cancel requests failed; the progress tick checks again'),
  });
  private timers: NodeJS.Timeout[] = [];
  /** Unsynced cdc syncs' slots to drop on their sources (cdc-release.ts), outside the job slots. */
  private readonly releases = new AbortController();
  private readonly release: Coalesced = coalesce(() => releaseChangeLogs(this.pool, this.opts.log, this.releases.signal), {
    active: () => !this.stopping,
    onError: (err) => this.opts.log.warn({ err }, 'releasing change logs failed; will retry on the next poll'),
  });

  constructor(private readonly opts: SidecarOptions) {
    super();
    this.workerId = opts.workerId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
    // Each running job holds one load connection; progress, claims and the worker row share the rest.
    this.pool = createPool({ connectionString: opts.databaseUrl, max: opts.concurrency * 2 + 2, applicationName: `cdb_connectors worker ${this.workerId}` });
  }

  get listening(): boolean {
    return this.listener?.alive ?? false;
  }

  get runningJobs(): number {
    return this.running.size;
  }

  async start(): Promise<void> {
    await this.registerWorker();
    this.requests = new RequestRunner({ pool: this.pool, workerId: this.workerId, log: this.opts.log });
    this.runs = new RunCoordinator({ pool: this.pool, workerId: this.workerId, log: this.opts.log });
    this.listener = await startListener(this.opts.databaseUrl, {
      onHint: (kind) => {
        if (kind === 'cancel') this.abortCancelled();
        else if (kind === 'sync_now') this.scheduler?.poke();
        else if (kind === 'request') this.requests?.poke();
        else { this.fill(); this.runs?.poke(); }
      },
      onConnected: () => {
        this.requests?.poke();
        this.abortCancelled(); // a cancel hint may have been missed while disconnected
        void this.reclaimOrphans().finally(() => { this.fill(); this.runs?.poke(); });
      },
    }, this.opts.log);
    this.scheduler = startScheduler({
      pool: this.pool, log: this.opts.log, tickMs: this.opts.schedulerTickMs ?? SIDECAR_DEFAULTS.schedulerTickMs, onEnqueued: () => this.fill(),
    });
    this.timers.push(setInterval(() => { this.fill(); this.runs?.poke(); this.release(); }, this.opts.pollIntervalMs));
    this.timers.push(setInterval(() => this.requests?.tick(), this.opts.pollIntervalMs));
    this.timers.push(setInterval(() => void this.heartbeat(), WORKER_HEARTBEAT_MS));
    for (const t of this.timers) t.unref();
    this.opts.log.info({ worker_id: this.workerId, concurrency: this.opts.concurrency }, 'sidecar started');
  }

  private async claimWhileRoom(): Promise<void> {
    while (!this.stopping && this.running.size < this.opts.concurrency) {
      const client = await this.pool.connect();
      let job: JobRow | undefined;
      try {
        job = await claimJob(client, this.workerId, await this.leaseSeconds());
      } finally {
        client.release();
      }
      if (!job) break;
      this.launch(job);
    }
  }

  private async abortCancelRequested(): Promise<void> {
    const ids = await cancelRequestedJobs(this.pool, this.workerId, [...this.running.keys()]);
    for (const id of ids) this.running.get(id)?.controller.abort(cancelledByUser());
  }

  private launch(job: JobRow): void {
    const controller = new AbortController();
    this.emit('claimed', job);
    const done = runJob({ pool: this.pool, workerId: this.workerId, log: this.opts.log }, job, controller)
      .catch((err): JobOutcome => {
        this.opts.log.error({ err, job_id: job.id }, 'job runner crashed');
        return { state: 'lost' };
      })
      .then((outcome) => {
        this.running.delete(job.id);
        this.emit('finished', job, outcome);
        this.fill();
        if (job.run_id !== null) this.runs?.poke();
        return outcome;
      });
    this.running.set(job.id, { job, controller, done });
  }

  private leaseSecondsCache: { value: number; at: number } | undefined;
  private async leaseSeconds(): Promise<number> {
    const now = Date.now();
    if (!this.leaseSecondsCache || now - this.leaseSecondsCache.at > this.opts.pollIntervalMs) {
      this.leaseSecondsCache = { value: (await readSettings(this.pool)).leaseSeconds, at: now };
    }
    return this.leaseSecondsCache.value;
  }

  /** After a reconnect, jobs recorded as ours that we no longer run go back to the queue. */
  private async reclaimOrphans(): Promise<void> {
    try {
      for (const id of await importingJobsOf(this.pool, this.workerId)) if (!this.running.has(id)) await handBack(this.pool, id, this.workerId);
    } catch (err) {
      this.opts.log.warn({ err }, 'could not check for orphaned jobs');
    }
  }

  private async registerWorker(): Promise<void> {
    await registerSidecar(this.pool, this.workerId, this.opts.concurrency);
  }

  private async heartbeat(): Promise<void> {
    await touchSidecar(this.pool, this.workerId)
      .then((seen) => (seen ? undefined : this.registerWorker()))
      .catch((err) => this.opts.log.warn({ err }, 'worker heartbeat failed'));
  }

  /** Stops claiming, lets running jobs finish within the grace period, hands the rest back. */
  async stop(graceMs = this.opts.shutdownGraceMs): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    await this.scheduler?.stop();
    await this.listener?.close();
    await this.requests?.stop();
    await this.runs?.stop();
    this.releases.abort();
    await this.release.current;
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref())]);
    if (timedOut) {
      for (const r of this.running.values()) r.controller.abort(new ShutdownError());
      await all;
    }
    await removeSidecar(this.pool, this.workerId).catch(() => undefined);
    await this.pool.end();
    this.opts.log.info({ worker_id: this.workerId }, 'sidecar stopped');
  }
}
