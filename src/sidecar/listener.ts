/**
 * LISTEN on the control channel (pg-listen) with jittered reconnects. Notifications are hints:
 * the worker also polls, and every (re)connect triggers a rescan, so a missed notification or a
 * target restart never strands a job (pg-boss notifier, graphile-worker LISTEN reconnect).
 *
 * Any role that can connect may LISTEN and NOTIFY on this channel (PostgreSQL has no channel
 * privileges), so a payload is never trusted (issue 16, attack 6): only its `op` is read, to pick
 * what to re-read from the database; ids, if a forged payload carries any, are ignored. Hints of
 * one kind reach the worker at most once per HINT_MIN_INTERVAL_MS, so a flood of notifications
 * costs a bounded number of database re-reads.
 */
import pgListen, { type Subscriber } from 'pg-listen';
import type { Logger } from 'pino';

export const JOBS_CHANNEL = 'cdb_connectors_jobs';

/** Reconnect backoff: 250 ms doubling to 10 s, ±50 % jitter so many sidecars do not stampede. */
const RECONNECT_BASE_MS = 250;
const RECONNECT_MAX_MS = 10_000;
/** pg-listen pings this often; a failed ping starts its reconnect loop. */
const PING_INTERVAL_MS = 5000;
/**
 * Per kind of hint: at most one delivery per 20 ms (the first at once, later ones coalesced into
 * one trailing delivery). 10 000 forged notifications in a second then cost at most ~50 re-reads
 * per kind (each a cheap indexed claim, and the worker runs at most one at a time: coalesce.ts),
 * and a real hint waits at most this long behind a flood. 100 ms held back every job enqueued
 * within 100 ms of the previous hint: NOTIFY → claimed was ~70 ms at p50 for back-to-back imports.
 */
export const HINT_MIN_INTERVAL_MS = 20;
/** The SQL API's payloads are ~20 characters; a longer one is forged and not even parsed. */
const MAX_PAYLOAD_CHARS = 200;

/**
 * What a notification asks the worker to re-read: the queue (`enqueued`, also for anything it does
 * not recognise), its own running jobs' cancel flags (`cancel`), due syncs (`sync_now`), pending
 * answers-now requests (`request`).
 */
export type HintKind = 'enqueued' | 'cancel' | 'sync_now' | 'request';
const HINT_KINDS: ReadonlySet<string> = new Set<HintKind>(['enqueued', 'cancel', 'sync_now', 'request']);

export interface ListenerHandlers {
  /** A wake-up hint, rate-limited per kind; never carries an id (look the facts up in the database). */
  onHint(kind: HintKind): void;
  /** Called after the first connect and after every reconnect. */
  onConnected(): void;
}

export interface Listener {
  readonly alive: boolean;
  close(): Promise<void>;
}

/** The kind of hint a raw payload stands for; never throws, whatever a stranger sent. */
export function hintKind(payload: string | undefined): HintKind {
  if (!payload || payload.length > MAX_PAYLOAD_CHARS) return 'enqueued';
  try {
    const op: unknown = (JSON.parse(payload) as { op?: unknown } | null)?.op;
    return typeof op === 'string' && HINT_KINDS.has(op) ? (op as HintKind) : 'enqueued';
  } catch {
    return 'enqueued';
  }
}

interface HintGate {
  hint(kind: HintKind): void;
  close(): void;
}

/** Delivers each kind at once if quiet for HINT_MIN_INTERVAL_MS, else once when that interval ends. */
function createHintGate(deliver: (kind: HintKind) => void, log: Logger): HintGate {
  const lastMs = new Map<HintKind, number>();
  const pending = new Map<HintKind, NodeJS.Timeout>();
  let closed = false;
  const fire = (kind: HintKind) => {
    lastMs.set(kind, Date.now());
    try {
      deliver(kind);
    } catch (err) {
      log.warn({ err, kind }, 'handling a notification failed');
    }
  };
  return {
    hint(kind) {
      if (closed || pending.has(kind)) return;
      const waitMs = (lastMs.get(kind) ?? -Infinity) + HINT_MIN_INTERVAL_MS - Date.now();
      if (waitMs <= 0) return fire(kind);
      const timer = setTimeout(() => { pending.delete(kind); if (!closed) fire(kind); }, waitMs);
      timer.unref();
      pending.set(kind, timer);
    },
    close() {
      closed = true;
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
    },
  };
}

// pg-listen is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const createSubscriber = pgListen.default;

const backoff = (attempt: number) => Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** attempt) * (0.5 + Math.random());

export async function startListener(connectionString: string, handlers: ListenerHandlers, log: Logger): Promise<Listener> {
  let alive = false;
  let closing = false;
  let subscriber: Subscriber | undefined;
  const gate = createHintGate((kind) => handlers.onHint(kind), log);

  const open = async (): Promise<void> => {
    const sub = createSubscriber(
      { connectionString, application_name: 'cdb_connectors listener', keepAlive: true },
      // The raw text, parsed by hintKind: pg-listen's default JSON.parse emits 'error' on a payload
      // that is not JSON, and any role may send one, which restarted the listener (issue 16).
      { retryLimit: Infinity, retryTimeout: Infinity, retryInterval: backoff, paranoidChecking: PING_INTERVAL_MS, parse: (raw: string) => raw },
    );
    subscriber = sub;
    sub.notifications.on(JOBS_CHANNEL, (payload: string | undefined) => gate.hint(hintKind(payload)));
    sub.events.on('reconnect', (attempt: number) => { alive = false; log.info({ attempt }, 'listener reconnecting'); });
    // pg-listen gives up after a failed re-LISTEN; start over with a fresh subscriber then (once per subscriber).
    let restarting = false;
    sub.events.on('error', (err: Error) => {
      alive = false;
      if (restarting) return;
      restarting = true;
      log.warn({ err }, 'listener connection error; restarting it');
      void sub.close().catch(() => undefined);
      if (!closing) setTimeout(() => void openWithRetry(), backoff(1)).unref();
    });
    await sub.connect();
    await sub.listenTo(JOBS_CHANNEL);
    alive = true;
    sub.events.on('connected', () => {
      alive = true;
      log.info('listener reconnected');
      handlers.onConnected();
    });
    handlers.onConnected();
  };

  const openWithRetry = async (): Promise<void> => {
    for (let attempt = 0; !closing; attempt++) {
      try {
        await open();
        return;
      } catch (err) {
        log.warn({ err, attempt }, 'listener could not connect; retrying');
        await new Promise((r) => setTimeout(r, backoff(attempt)));
      }
    }
  };

  await open();
  return {
    get alive() { return alive; },
    async close() {
      closing = true;
      alive = false;
      gate.close();
      await subscriber?.close().catch(() => undefined);
    },
  };
}
