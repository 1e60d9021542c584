/**
 * Streams one SELECT into a RowSink: the hot path of every MySQL import.
 *
 * mysql2 runs with `rowsAsArray` and `typeCast: false`, so its generated row parser does nothing
 * but slice each value's bytes out of the socket chunk (no string decoding, no Date, no number);
 * only columns with a converter (values.ts, charsets.ts) are touched. Measured and chosen in
 * issue 7 §4; bench/mysql-read.ts measures it against the `mariadb` client.
 *
 * Flow control is the socket's: `sink.write` false → `connection.pause()` (mysql2 stops reading
 * and queues the packets of the chunk at hand) → `await sink.drained()` → `resume()`. Memory
 * stays at a few socket chunks whatever the table size.
 *
 * Ending early (sink full, cancel, timeout, a converter error): the server is told to stop with
 * KILL QUERY from a second connection and the socket is dropped, so no unread rows are pulled
 * through; the session reconnects if it is used again. A table SELECT (and a sql_query read
 * through a window, sql-text.ts) carries `LIMIT n`, so the row-limit probe normally ends the
 * statement on the server by itself.
 */
import type { FieldPacket } from 'mysql2';
import type { Logger } from 'pino';
import { ConnectorError, toConnectorError } from '../../errors.js';
import type { CopyValue, FieldSink, RowSink } from '../../rows/sink.js';
import type { SourcePlan } from '../../rows/plan.js';
import { builtInTypeOf, withTimeZone } from '../../rows/user-casts.js';
import type { StreamOptions } from '../provider.js';
import type { CharsetInfo } from './catalog.js';
import { textDecoderFor, type ValueConverter } from './charsets.js';
import type { MysqlConnection } from './connection.js';
import { classifyMysqlError, statementTimeout } from './errors.js';
import { useRowParser, writeRawRow } from './raw-rows.js';
import { valueConverterFor } from './values.js';

/** Extra time the client grants the server's own statement timeout before killing the query itself. */
export const CLIENT_TIMEOUT_GRACE_MS = 5_000;
/** setTimeout fires at once beyond 2^31-1 ms (Node TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface RowSource {
  conn: MysqlConnection;
  sql: string;
  /** The SQL ends in `LIMIT opts.limit`: the server stops by itself at the limit. */
  limitPushed: boolean;
  /** A sql_query run as given: find plan columns among the result columns by name; a SELECT we wrote: by position. */
  matchByName: boolean;
  encoding?: string;
  /** Collation id → charset; needed when `encoding` is given. */
  charsets?: Map<number, CharsetInfo>;
  log: Logger;
}

interface ColumnWiring {
  /** Result column index per plan column, or null when it is the identity. */
  projection: number[] | null;
  convIndex: number[];
  convFns: ValueConverter[];
  /** Converter per result column (null = raw bytes), for the raw-row path. */
  byColumn: Array<ValueConverter | null>;
}

export function streamSelect(src: RowSource, plan: SourcePlan, sink: RowSink, opts: StreamOptions): Promise<void> {
  if (opts.signal.aborted) return Promise.reject(new ConnectorError('CANCELLED', 'Import cancelled before the MySQL query started'));
  return new Promise<void>((resolve, reject) => new SelectStream(src, plan, sink, opts, resolve, reject).start());
}

/** One running SELECT: its state machine and the mysql2 event handlers. */
class SelectStream {
  private settled = false;
  /** reading → draining (LIMIT reached, only the end packet follows) or stopping (KILL QUERY under way). */
  private mode: 'reading' | 'draining' | 'stopping' = 'reading';
  private rowNo = 0;
  private wiring: ColumnWiring = { projection: null, convIndex: [], convFns: [], byColumn: [] };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly src: RowSource,
    private readonly plan: SourcePlan,
    private readonly sink: RowSink,
    private readonly opts: StreamOptions,
    private readonly resolve: () => void,
    private readonly reject: (err: ConnectorError) => void,
  ) {}

  start(): void {
    const { conn } = this.src;
    this.opts.signal.addEventListener('abort', this.onAbort, { once: true });
    const timeoutMs = conn.ctx.statementTimeoutMs + CLIENT_TIMEOUT_GRACE_MS;
    if (conn.ctx.statementTimeoutMs > 0 && timeoutMs <= MAX_TIMER_MS) this.timer = setTimeout(this.onTimeout, timeoutMs);
    conn.busy = true;
    // Fatal socket errors reach the connection, not the query (mysql2 _notifyError).
    conn.raw.on('error', this.onDriverError);
    const query = conn.raw.query({ sql: this.src.sql, rowsAsArray: true, typeCast: false });
    const fields = this.sink.fields;
    if (fields) useRowParser(query, (packet, fallback) => this.parseRaw(packet, fallback, fields));
    query.on('fields', this.onFields);
    query.on('result', ((row: CopyValue[] | boolean | undefined) => {
      if (Array.isArray(row)) this.onRow(row);
      else this.afterRow(row);
    }) as (row: unknown) => void);
    query.on('error', this.onDriverError);
    query.on('end', this.onEnd);
  }

  private readonly onRow = (row: CopyValue[]): void => {
    if (this.mode !== 'reading') return;
    const w = this.wiring;
    const rowNo = ++this.rowNo;
    try {
      for (let k = 0; k < w.convIndex.length; k++) {
        const i = w.convIndex[k]!;
        const v = row[i]!;
        if (v !== null) row[i] = w.convFns[k]!(v as Buffer, rowNo);
      }
      this.afterRow(this.sink.write(w.projection === null ? row : w.projection.map((i) => row[i]!)), rowNo);
    } catch (err) {
      this.stopRemote(err);
    }
  };

  /**
   * The raw-row path (raw-rows.ts): the row goes from the packet into the sink. Returns the
   * sink's answer (mysql2 emits it as the 'result'), or mysql2's array for a projection.
   */
  private parseRaw(packet: Parameters<typeof writeRawRow>[0], mysql2Parser: () => unknown, fields: FieldSink): unknown {
    if (this.mode !== 'reading') return undefined;
    if (this.wiring.projection !== null) return mysql2Parser();
    try {
      return writeRawRow(packet, fields, this.wiring.byColumn, this.rowNo + 1) ?? false;
    } catch (err) {
      this.stopRemote(err);
      return undefined;
    }
  }

  /** Flow control after each row: the limit, the sink's saturation. `more` undefined = not written. */
  private afterRow(more: boolean | undefined, rowNo = more === undefined ? this.rowNo : ++this.rowNo): void {
    if (this.mode !== 'reading') return;
    if (this.sink.full || rowNo >= this.opts.limit) {
      if (this.src.limitPushed && rowNo >= this.opts.limit) this.mode = 'draining';
      else this.stopRemote();
    } else if (!more) {
      this.src.conn.raw.pause();
      this.sink.drained().then(this.onDrained, this.onSinkError);
    }
  }

  private readonly onDrained = (): void => {
    if (this.mode === 'reading' && !this.settled) this.src.conn.raw.resume();
  };

  private readonly onSinkError = (err: unknown): void => this.stopRemote(err ?? new Error('the row sink failed'));

  private readonly onFields = (fields: FieldPacket[]): void => {
    try {
      this.wiring = wireColumns(this.src, this.plan, fields, this.opts);
    } catch (err) {
      this.stopRemote(err);
    }
  };

  private readonly onEnd = (): void => {
    if (this.mode !== 'stopping') this.settle();
  };

  private readonly onAbort = (): void => this.stopRemote(new ConnectorError('CANCELLED', 'Import cancelled; the MySQL query was stopped'));

  private readonly onTimeout = (): void => this.stopRemote(statementTimeout(this.src.conn.ctx, 'the client stopped the statement'));

  private readonly onDriverError = (err: unknown): void => {
    if (this.settled || this.mode === 'stopping') return; // our own KILL QUERY or dropped socket
    if ((err as { fatal?: boolean }).fatal) this.src.conn.destroy();
    this.settle(classifyMysqlError(err, this.src.conn.ctx));
  };

  /** Stops the remote statement, drops the socket, then settles with `err` (none = success). */
  private stopRemote(err?: unknown): void {
    if (this.mode === 'stopping' || this.settled) return;
    this.mode = 'stopping';
    const { conn } = this.src;
    void conn.killQuery().then((killError) => {
      // Best effort: the dropped socket ends the statement at its next write anyway.
      if (killError) this.src.log.warn({ err: killError.message }, 'KILL QUERY failed; dropping the MySQL connection');
      conn.destroy();
      this.settle(err);
    });
  }

  private settle(err?: unknown): void {
    if (this.settled) return;
    this.settled = true;
    const { conn } = this.src;
    conn.busy = false;
    clearTimeout(this.timer);
    this.opts.signal.removeEventListener('abort', this.onAbort);
    conn.raw.removeListener('error', this.onDriverError);
    if (err === undefined) this.resolve();
    else this.reject(toConnectorError(err));
  }
}

function wireColumns(src: RowSource, plan: SourcePlan, fields: FieldPacket[], opts: StreamOptions): ColumnWiring {
  const indexes = src.matchByName ? matchColumns(plan, fields) : plan.columns.map((_, i) => i);
  if (!src.matchByName && fields.length !== plan.columns.length) {
    throw new ConnectorError('CONNECTOR_ERROR', `The MySQL table returned ${fields.length} columns where ${plan.columns.length} were planned; retry the import`);
  }
  const identity = indexes.length === fields.length && indexes.every((v, i) => v === i);
  const wiring: ColumnWiring = { projection: identity ? null : indexes, convIndex: [], convFns: [], byColumn: fields.map(() => null) };
  plan.columns.forEach((column, k) => {
    const i = indexes[k]!;
    const ctx = { column: column.remoteName, warnings: opts.warnings };
    // The decoder the column's cast rule named (cast-rules.ts), made for the built-in local type
    // also under a user cast; text needs the result column's charset. A user cast's zone is appended.
    const fn = withTimeZone(column.decoder === 'text'
      ? textDecoderFor(src.encoding, src.charsets?.get(fields[i]!.characterSet ?? -1), column.remoteName)
      : valueConverterFor(column.decoder, builtInTypeOf(column), ctx), column.userCast?.timeZone);
    if (fn) {
      wiring.convIndex.push(i);
      wiring.convFns.push(fn);
      wiring.byColumn[i] = fn;
    }
  });
  return wiring;
}

/** Plan columns in order among the result columns (names may repeat: `a.id, b.id`). */
function matchColumns(plan: SourcePlan, fields: FieldPacket[]): number[] {
  const indexes: number[] = [];
  let next = 0;
  for (const column of plan.columns) {
    let i = next;
    while (i < fields.length && fields[i]!.name !== column.remoteName) i++;
    if (i === fields.length) {
      throw new ConnectorError('CONNECTOR_ERROR', `The sql_query no longer returns column "${column.remoteName}"; its result changed since it was described`);
    }
    indexes.push(i);
    next = i + 1;
  }
  return indexes;
}
