/**
 * Runs one `COPY (SELECT …) TO STDOUT` on the remote and feeds its bytes to a consumer: the text
 * parser + RowSink (streamRows) or a BinaryCopySink (streamBinaryCopy). The one place that
 * handles flow control, the row limit, cancel, timeouts and a dying remote for both paths.
 *
 * Flow control: CopyOutStream reads the socket only while its Readable is flowing, so
 * `pause()` on backpressure stops reading and TCP pushes back to the remote backend; memory stays
 * at a few socket chunks whatever the table size.
 *
 * The row limit is in the SELECT (`limit max_rows + 1`), so once the consumer is full the server
 * sends at most the rest of the probe row and ends by itself; the tail is read and dropped. Without
 * a pushed limit a full consumer stops the statement like a cancel does.
 *
 * Cancel, timeout or a consumer failure: a protocol CancelRequest (stops a backend that is still
 * computing, e.g. sorting) and the socket dropped at once (stops a backend blocked writing to
 * us, which ignores cancels until we read). The session reconnects if it is used again.
 */
import type { Logger } from 'pino';
import type pg from 'pg';
import { ConnectorError, toConnectorError } from '../../errors.js';
import type { PgConnection } from './connection.js';
import { CopyOutStream } from './copy-out-stream.js';
import { classifyPgError, SQLSTATE_QUERY_CANCELED, sqlstateOf, statementTimeout } from './errors.js';

/** Extra time the client grants the server's own statement_timeout before cancelling itself. */
export const CLIENT_TIMEOUT_GRACE_MS = 5_000;

/** Where the COPY bytes go. */
export interface CopyConsumer {
  /** Takes one chunk; false asks for a pause until `drained()`. */
  write(chunk: Buffer): boolean;
  drained(): Promise<void>;
  /** True once the consumer wants no more data (row limit probe arrived, or it stopped itself). */
  readonly full: boolean;
  /** The COPY ended normally: throw if the data was incomplete. */
  end(): void;
}

export interface CopyOutOptions {
  signal: AbortSignal;
  log: Logger;
  /** The SELECT ends in `LIMIT n`: once the consumer is full the server stops by itself. */
  limitPushed: boolean;
}

export function copyOut(conn: PgConnection, sql: string, consumer: CopyConsumer, opts: CopyOutOptions): Promise<void> {
  const { ctx } = conn;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    /** reading → draining (consumer full, the tail is dropped) or stopping (cancel under way). */
    let mode: 'reading' | 'draining' | 'stopping' = 'reading';
    let timer: NodeJS.Timeout | undefined;

    const settle = (err?: unknown) => {
      if (settled) return;
      settled = true;
      conn.busy = false;
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      if (err === undefined) resolve();
      else reject(toConnectorError(err));
    };
    /** Stops the remote statement and the connection, then settles with `err` (none = success). */
    const stopRemote = (err?: unknown) => {
      if (mode === 'stopping' || settled) return;
      mode = 'stopping';
      copy.pause();
      void conn.cancel().then((cancelError) => {
        if (cancelError) opts.log.warn({ err: cancelError.message }, 'PostgreSQL cancel request failed; dropping the connection');
      });
      conn.destroy();
      settle(err);
    };
    const onAbort = () => stopRemote(new ConnectorError('CANCELLED', 'Import cancelled; the PostgreSQL query was stopped'));
    const onTimeout = () => stopRemote(statementTimeout(ctx, 'the client stopped the statement'));
    const onError = (err: unknown) => {
      if (settled || mode === 'stopping') return; // our own cancel or dropped socket
      conn.destroy();
      if (sqlstateOf(err) === SQLSTATE_QUERY_CANCELED && /statement timeout/i.test((err as Error).message)) {
        return settle(statementTimeout(ctx, (err as Error).message, err));
      }
      settle(classifyPgError(err, ctx));
    };
    const onData = (chunk: Buffer) => {
      if (mode !== 'reading') return;
      try {
        const more = consumer.write(chunk);
        if (consumer.full) {
          if (opts.limitPushed) mode = 'draining';
          else stopRemote();
        } else if (!more) {
          copy.pause();
          consumer.drained().then(() => {
            if (mode === 'reading' && !settled) copy.resume();
          }, (err: unknown) => stopRemote(err ?? new Error('the consumer failed')));
        }
      } catch (err) {
        stopRemote(err);
      }
    };
    const onEnd = () => {
      if (mode === 'stopping') return;
      try {
        if (mode === 'reading') consumer.end();
        settle();
      } catch (err) {
        settle(err);
      }
    };

    if (opts.signal.aborted) return reject(new ConnectorError('CANCELLED', 'Import cancelled before the PostgreSQL query started'));
    if (conn.isClosed) return reject(new ConnectorError('SOURCE_UNREACHABLE', `The connection to PostgreSQL server ${ctx.server}:${ctx.port} was closed`));
    conn.busy = true;
    const copy = new CopyOutStream(sql);
    conn.client.query(copy as unknown as pg.Submittable);
    opts.signal.addEventListener('abort', onAbort, { once: true });
    if (Number.isFinite(ctx.statementTimeoutMs) && ctx.statementTimeoutMs > 0) timer = setTimeout(onTimeout, ctx.statementTimeoutMs + CLIENT_TIMEOUT_GRACE_MS);
    copy.on('data', onData);
    copy.on('error', onError);
    copy.on('end', onEnd);
  });
}
