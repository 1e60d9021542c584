/**
 * Requests that need an answer now (cdb_connector_check / _list_tables / _preview / _explain, SPEC §7): the
 * sidecar's side. A NOTIFY {"op": "request"} (or the poll tick, as a backstop) claims pending
 * requests; each one runs at once, outside the job slots: a caller is waiting in psql, and a
 * check takes one remote round trip where an import can take hours. They are capped instead
 * (MAX_RUNNING), so a burst of requests cannot starve the imports of connections.
 */
import type { Logger } from 'pino';
import type pg from 'pg';
import { ConnectorError } from '../errors.js';
import { coalesce, type Coalesced } from './coalesce.js';
import { answerRequest } from './request-answer.js';
import { claimRequests, cleanupRequests, handBackRequests, saveAnswer, type Answer, type ClaimedRequest } from './request-store.js';
import { readSettings, type Settings } from './settings.js';

/** Requests answered at once per sidecar: each holds one remote connection for its round trips. */
const MAX_RUNNING = 4;
/** Claimed but not yet started: claiming marks a request as taken by a live sidecar, so its caller keeps waiting. */
const MAX_QUEUED = 12;
/** Added to connect_timeout for the whole answer (describe + a few rows after connecting). */
export const ANSWER_MARGIN_SECONDS = 15;
/** Answers stay readable (cdb_connector_request_result) this long, then are deleted. */
const RETENTION_SECONDS = 600;
const CLEANUP_INTERVAL_MS = 60_000;
/** On shutdown, running requests get this long to answer before they are aborted. */
const STOP_GRACE_MS = 5_000;

export interface RequestDeps {
  pool: pg.Pool;
  workerId: string;
  log: Logger;
}

interface Queued {
  request: ClaimedRequest;
  settings: Settings;
  deadlineMs: number;
}

export class RequestRunner {
  private readonly queued: Queued[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private readonly stopController = new AbortController();
  private stopping = false;
  private lastCleanupMs = 0;
  /** Claims pending requests while there is room. Re-entrant calls coalesce. */
  readonly poke: Coalesced = coalesce(() => this.claim(), {
    active: () => !this.stopping,
    onError: (err) => this.deps.log.warn({ err }, 'claiming requests failed; will retry on the next notification or poll'),
  });

  constructor(private readonly deps: RequestDeps) {}

  get runningRequests(): number {
    return this.running.size;
  }

  /** One claim of as many requests as there is room for; true when it filled the room (there may be more). */
  private async claim(): Promise<boolean> {
    const room = MAX_RUNNING + MAX_QUEUED - this.running.size - this.queued.length;
    if (room <= 0) return false;
    const settings = await readSettings(this.deps.pool);
    const budgetSeconds = settings.connectTimeoutMs / 1000 + ANSWER_MARGIN_SECONDS;
    const claimedAt = Date.now();
    const claimed = await claimRequests(this.deps.pool, this.deps.workerId, room, budgetSeconds);
    if (this.stopping) {
      await handBackRequests(this.deps.pool, claimed.map((r) => r.id), this.deps.workerId);
      return false;
    }
    for (const request of claimed) this.queued.push({ request, settings, deadlineMs: claimedAt + budgetSeconds * 1000 });
    this.startQueued();
    return claimed.length === room;
  }

  /** The worker's poll tick: a backstop for missed notifications, and the periodic cleanup. */
  tick(): void {
    this.poke();
    if (Date.now() - this.lastCleanupMs < CLEANUP_INTERVAL_MS) return;
    this.lastCleanupMs = Date.now();
    cleanupRequests(this.deps.pool, RETENTION_SECONDS)
      .then((deleted) => { if (deleted) this.deps.log.debug({ deleted }, 'old requests cleaned up'); })
      .catch((err) => this.deps.log.warn({ err }, 'cleaning up old requests failed'));
  }

  /** Hands back what has not started, gives running requests a short grace, then aborts them. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const notStarted = this.queued.splice(0).map((q) => q.request.id);
    await handBackRequests(this.deps.pool, notStarted, this.deps.workerId)
      .catch((err) => this.deps.log.warn({ err }, 'could not hand back requests; their callers will time out'));
    const all = Promise.all(this.running.values());
    const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), STOP_GRACE_MS).unref())]);
    if (timedOut) {
      // aborted requests still write their answer (an error), so their callers hear back at once
      this.stopController.abort(new ConnectorError('INTERNAL', 'The sidecar answering this request shut down before it finished; run it again.'));
      await all;
    }
  }

  private startQueued(): void {
    while (this.running.size < MAX_RUNNING && this.queued.length > 0) {
      const next = this.queued.shift()!;
      this.launch(next);
    }
  }

  private launch({ request, settings, deadlineMs }: Queued): void {
    const log = this.deps.log.child({ request_id: request.id, kind: request.kind, provider: request.provider });
    const started = Date.now();
    const done = answerRequest({ pool: this.deps.pool, log }, request, settings, deadlineMs, this.stopController.signal)
      .then(async (answer: Answer) => {
        const saved = await saveAnswer(this.deps.pool, request.id, this.deps.workerId, answer);
        log.info({ ms: Date.now() - started, error_code: answer.error?.code, saved }, 'request answered');
      })
      .catch((err) => log.error({ err }, 'could not answer the request; its caller will time out'))
      .finally(() => {
        this.running.delete(request.id);
        this.startQueued();
        this.poke();
      });
    this.running.set(request.id, done);
  }
}
