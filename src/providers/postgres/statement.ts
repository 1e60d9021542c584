/**
 * One plain (non-COPY) statement on the remote that honours an AbortSignal and the statement
 * timeout the way the COPY path does (rows.ts): a protocol CancelRequest stops a backend that is
 * still computing (a diff-mode hash aggregate scans the whole table before its first result row,
 * so dropping the socket alone would leave it running until it tried to answer) and the socket
 * is dropped at once; the session reconnects if it is used again.
 *
 * Unlike COPY it takes bound parameters (extended protocol), so values never become SQL text.
 */
import type { Logger } from 'pino';
import type pg from 'pg';
import { ConnectorError } from '../../errors.js';
import type { PgConnection } from './connection.js';
import { classifyPgError, SQLSTATE_QUERY_CANCELED, sqlstateOf, statementTimeout } from './errors.js';
import { CLIENT_TIMEOUT_GRACE_MS } from './rows.js';

export interface StatementOptions {
  signal: AbortSignal;
  log: Logger;
}

export function cancellableQuery<R extends pg.QueryResultRow>(conn: PgConnection, text: string, values: readonly unknown[], opts: StatementOptions): Promise<R[]> {
  const { ctx } = conn;
  return new Promise<R[]>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;

    const settle = (err: unknown, rows?: R[]) => {
      if (settled) return;
      settled = true;
      conn.busy = false;
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      if (err === undefined) resolve(rows!);
      else reject(err);
    };
    const stopRemote = (err: ConnectorError) => {
      if (settled) return;
      void conn.cancel().then((cancelError) => {
        if (cancelError) opts.log.warn({ err: cancelError.message }, 'PostgreSQL cancel request failed; dropping the connection');
      });
      conn.destroy();
      settle(err);
    };
    const onAbort = () => stopRemote(new ConnectorError('CANCELLED', 'Import cancelled; the PostgreSQL query was stopped'));
    const onError = (err: unknown) => {
      if (settled) return; // our own cancel or dropped socket
      const sqlstate = sqlstateOf(err);
      // A server error leaves the connection usable; an I/O error (no SQLSTATE) has killed it.
      if (sqlstate === undefined) conn.destroy();
      if (sqlstate === SQLSTATE_QUERY_CANCELED && /statement timeout/i.test((err as Error).message)) {
        return settle(statementTimeout(ctx, (err as Error).message, err));
      }
      settle(classifyPgError(err, ctx));
    };

    if (opts.signal.aborted) return reject(new ConnectorError('CANCELLED', 'Import cancelled before the PostgreSQL query started'));
    if (conn.isClosed) return reject(new ConnectorError('SOURCE_UNREACHABLE', `The connection to PostgreSQL server ${ctx.server}:${ctx.port} was closed`));
    conn.busy = true;
    opts.signal.addEventListener('abort', onAbort, { once: true });
    if (Number.isFinite(ctx.statementTimeoutMs) && ctx.statementTimeoutMs > 0) {
      timer = setTimeout(() => stopRemote(statementTimeout(ctx, 'the client stopped the statement')), ctx.statementTimeoutMs + CLIENT_TIMEOUT_GRACE_MS);
    }
    conn.client.query<R>(text, [...values]).then((result) => settle(undefined, result.rows), onError);
  });
}
