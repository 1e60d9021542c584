/**
 * One statement whose whole (small) result is wanted at once, stopped like a streamed read:
 * `signal` abort or the client-side timeout send KILL QUERY from a second connection and drop
 * the socket (rows.ts does the same for SELECTs that stream). Used by diff mode's bucket hashes,
 * a single aggregate that may run for minutes on a big table but returns only a few rows.
 *
 * The text protocol (not a prepared statement): the SQL carries no user value, only quoted
 * identifiers and checked digits (diff.ts), and mysql2 hands DECIMAL and BIGINT over as strings
 * (`supportBigNumbers` + `bigNumberStrings`, connection.ts).
 */
import type { Logger } from 'pino';
import { ConnectorError } from '../../errors.js';
import type { MysqlConnection, Row } from './connection.js';
import { classifyMysqlError, statementTimeout } from './errors.js';
import { CLIENT_TIMEOUT_GRACE_MS, MAX_TIMER_MS } from './rows.js';

export interface KillableQuery {
  conn: MysqlConnection;
  sql: string;
  signal: AbortSignal;
  log: Logger;
  /** What the statement is, for the cancel message ("the bucket hash query"). */
  what: string;
}

export function queryKillable({ conn, sql, signal, log, what }: KillableQuery): Promise<Row[]> {
  if (signal.aborted) return Promise.reject(new ConnectorError('CANCELLED', `Sync cancelled before ${what} started`));
  return new Promise<Row[]>((resolve, reject) => {
    let settled = false;
    let stopping = false;
    let timer: NodeJS.Timeout | undefined;

    const settle = (err: ConnectorError | undefined, rows?: Row[]) => {
      if (settled) return;
      settled = true;
      conn.busy = false;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(rows ?? []);
    };
    const stop = (err: ConnectorError) => {
      if (stopping || settled) return;
      stopping = true;
      void conn.killQuery().then((killError) => {
        // Best effort: the dropped socket ends the statement when it next writes anyway.
        if (killError) log.warn({ err: killError.message }, 'KILL QUERY failed; dropping the MySQL connection');
        conn.destroy();
        settle(err);
      });
    };
    const onAbort = () => stop(new ConnectorError('CANCELLED', `Sync cancelled; ${what} on MySQL was stopped`));

    signal.addEventListener('abort', onAbort, { once: true });
    const timeoutMs = conn.ctx.statementTimeoutMs + CLIENT_TIMEOUT_GRACE_MS;
    if (conn.ctx.statementTimeoutMs > 0 && timeoutMs <= MAX_TIMER_MS) {
      timer = setTimeout(() => stop(statementTimeout(conn.ctx, 'the client stopped the statement')), timeoutMs);
    }
    conn.busy = true;
    conn.raw.query({ sql, rowsAsArray: true }, (err, rows) => {
      if (stopping) return; // our own KILL QUERY, or the socket we dropped
      if (err) {
        // mysql2 closes the connection after a fatal error; the session must reconnect.
        if ((err as { fatal?: boolean }).fatal) conn.destroy();
        settle(classifyMysqlError(err, conn.ctx));
      } else {
        settle(undefined, rows as Row[]);
      }
    });
  });
}
