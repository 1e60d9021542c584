/**
 * LISTEN on the control channel (pg-listen) with jittered reconnects. Notifications are hints:
 * the worker also polls, and every (re)connect triggers a rescan, so a missed notification or a
 * target restart never strands a job (pg-boss notifier, graphile-worker LISTEN reconnect).
 */
import pgListen, { type Subscriber } from 'pg-listen';
import type { Logger } from 'pino';

export const JOBS_CHANNEL = 'cdb_connectors_jobs';

/** Reconnect backoff: 250 ms doubling to 10 s, ±50 % jitter so many sidecars do not stampede. */
const RECONNECT_BASE_MS = 250;
const RECONNECT_MAX_MS = 10_000;
/** pg-listen pings this often; a failed ping starts its reconnect loop. */
const PING_INTERVAL_MS = 5000;

export interface JobNotification {
  op: 'enqueued' | 'cancel' | string;
  id?: string;
}

export interface ListenerHandlers {
  onNotification(n: JobNotification): void;
  /** Called after the first connect and after every reconnect. */
  onConnected(): void;
}

export interface Listener {
  readonly alive: boolean;
  close(): Promise<void>;
}

// pg-listen is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const createSubscriber = pgListen.default;

const backoff = (attempt: number) => Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** attempt) * (0.5 + Math.random());

export async function startListener(connectionString: string, handlers: ListenerHandlers, log: Logger): Promise<Listener> {
  let alive = false;
  let closing = false;
  let subscriber: Subscriber | undefined;

  const open = async (): Promise<void> => {
    const sub = createSubscriber(
      { connectionString, application_name: 'cdb_connectors listener', keepAlive: true },
      { retryLimit: Infinity, retryTimeout: Infinity, retryInterval: backoff, paranoidChecking: PING_INTERVAL_MS },
    );
    subscriber = sub;
    sub.notifications.on(JOBS_CHANNEL, (payload: unknown) => {
      if (payload && typeof payload === 'object') handlers.onNotification(payload as JobNotification);
    });
    sub.events.on('reconnect', (attempt: number) => { alive = false; log.info({ attempt }, 'listener reconnecting'); });
    // pg-listen gives up after a failed re-LISTEN; start over with a fresh subscriber then.
    sub.events.on('error', (err: Error) => {
      alive = false;
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
      await subscriber?.close().catch(() => undefined);
    },
  };
}
