/**
 * Connections to the target database. Only db/ and load/ talk to the target (STYLE).
 */
import pg from 'pg';
import { isConnectionException, isSqlstate, TARGET_UNAVAILABLE_SQLSTATES } from './sqlstate.js';

/** Server errors carry a SQLSTATE; "Connection terminated unexpectedly" and socket errors have none. */
export function isTargetUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && isSqlstate(code) && (TARGET_UNAVAILABLE_SQLSTATES.includes(code) || isConnectionException(code))) return true;
  if (code && isSqlstate(code)) return false;
  const message = typeof e.message === 'string' ? e.message : '';
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT'
    || /Connection terminated|connection error|Client has encountered a connection error|not queryable|ECONNREFUSED|ECONNRESET/i.test(message);
}

export interface PoolOptions {
  connectionString: string;
  max: number;
  applicationName: string;
}

/** TCP keepalive so a half-open connection to a dead target is noticed in seconds, not hours. */
const KEEPALIVE_INITIAL_DELAY_MS = 10_000;
/**
 * Every connection the sidecar and the HTTP API open starts with this search_path (a startup
 * option, so it holds before the first statement): objects users create in their own schemas
 * (`"$user"`, public) can never be picked by a name the sidecar sends (issue 16, attacks 2–3:
 * an exact-match `alice.hashtextextended(text, integer)` beat pg_catalog's `(text, bigint)`).
 * pg_temp is named last explicitly; PostgreSQL never searches it for functions or operators.
 */
export const PINNED_SEARCH_PATH = 'pg_catalog, pg_temp';
export const PINNED_SEARCH_PATH_OPTION = `-c search_path=${PINNED_SEARCH_PATH.replace(' ', '')}`;
const CONNECT_TIMEOUT_MS = 10_000;

export function createPool(opts: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max,
    application_name: opts.applicationName,
    options: PINNED_SEARCH_PATH_OPTION,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection emits on the pool; without a listener Node would crash.
  pool.on('error', () => undefined);
  // A checked-out client (the load connection, a claim) has no pool listener, and pg emits 'error'
  // on it when its backend dies (target restart, pg_terminate_backend by a re-claiming sidecar):
  // unhandled, that killed the whole sidecar (issue 6, test/reliability/frozen-sidecar.test.ts).
  // The running query or COPY still fails through its own callback, so nothing is lost here.
  pool.on('connect', (client) => { client.on('error', () => undefined); });
  return pool;
}

// Quoting lives in db/sql.ts; re-exported while load/owner-frame.ts still imports it from here.
export { quoteLiteral } from './sql.js';
