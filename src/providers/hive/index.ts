/**
 * The Hive provider (hive-driver, HiveServer2 binary Thrift transport): SPEC §2, §4, §8 for
 * `"provider": "hive"`.
 *
 * One session = one HiveServer2 session on one socket. `connection.database` becomes the
 * session's current database (`use:database`, where an unqualified `sql_query` resolves);
 * `table` is read from `schema` (default `default`). NOSASL when neither username nor password is
 * given, PLAIN SASL otherwise. See docs/providers/hive.md for parameters, types, encoding,
 * timestamp rounding, incremental reads and diff mode.
 *
 * No `uniqueKey` in the plan: Hive's PRIMARY KEY / UNIQUE constraints are DISABLE NOVALIDATE
 * (declared, never enforced), so none can be trusted as a merge key; a Hive sync names its
 * `primary_key` (SPEC §13).
 */
import { ConnectorError } from '../../errors.js';
import { codecFor, isUtf8Encoding, makeTextDecoder } from '../../rows/encoding.js';
import type { RowSink } from '../../rows/sink.js';
import type { SourcePlan } from '../../rows/plan.js';
import { requireSource, type BucketHash, type KeyBuckets, type Provider, type RemoteTable, type SessionOptions, type SourceRequest, type SourceSession, type StreamOptions } from '../provider.js';
import { hashBucketsStatement, readBucketHashes } from './buckets.js';
import { bindPlan, bindPositions, layoutOf, listTables, normaliseQuery, planOf, tableSelect, type BoundColumn, type ResultLayout } from './catalog.js';
import { HiveConnection, type CallGuard } from './connection.js';
import { classifyHiveError, type ErrorContext } from './errors.js';
import { estimateHiveRows } from './estimate.js';
import { HiveOperation } from './operation.js';
import { streamOperation } from './rows.js';
import { windowStatement } from './window.js';

export const HIVE_DEFAULT_PORT = 10000;
const DEFAULT_SCHEMA = 'default';
const DEFAULT_DATABASE = 'default';

/** An operation describe() executed, kept for the streamRows that normally follows (Hive runs the query once). */
interface PendingResult {
  op: HiveOperation;
  layout: ResultLayout;
}

class HiveSourceSession implements SourceSession {
  private pending?: PendingResult;

  constructor(private readonly conn: HiveConnection, private readonly request: SourceRequest, private readonly opts: SessionOptions, private readonly ctx: ErrorContext) {}

  private get schema(): string {
    return this.request.schema || DEFAULT_SCHEMA;
  }

  /** The whole table or query, as describe() runs it. */
  private statement(): string {
    const source = requireSource(this.request);
    return source.kind === 'query' ? normaliseQuery(source.sql) : tableSelect(this.schema, source.table);
  }

  private statementGuard(signal?: AbortSignal): CallGuard {
    return { deadlineMs: Date.now() + this.opts.statementTimeoutMs, timeoutKind: 'statement', signal };
  }

  private async execute(statement: string, guard: CallGuard): Promise<PendingResult> {
    const op = await HiveOperation.execute(this.conn, statement, guard);
    try {
      return { op, layout: layoutOf(await op.schema(guard)) };
    } catch (err) {
      await op.close();
      throw err;
    }
  }

  async describe(): Promise<SourcePlan> {
    try {
      await this.dropPending();
      this.pending = await this.execute(this.statement(), this.statementGuard());
      return planOf(this.pending.layout, { targetPostgis: this.opts.target?.postgis ?? false, ...(this.request.casts ? { casts: this.request.casts } : {}) });
    } catch (err) {
      throw classifyHiveError(err, this.ctx);
    }
  }

  async streamRows(plan: SourcePlan, sink: RowSink, opts: StreamOptions): Promise<void> {
    if (plan.columns.length === 0) throw new ConnectorError('NO_IMPORTABLE_COLUMNS', 'No column of the Hive result has a type that can be imported');
    const guard = this.statementGuard(opts.signal);
    try {
      if (opts.window?.keyRanges?.ranges.length === 0) {
        // A diff-mode run over an unchanged table: nothing to read, no statement (a Hive job costs seconds).
        windowStatement(plan, requireSource(this.request), this.schema, opts.window, opts.limit); // refuses what a read would
        await this.dropPending();
        return;
      }
      const { op, bound } = await this.open(plan, opts, guard);
      await streamOperation(op, bound, sink, opts, {
        conn: this.conn,
        fetchRows: this.opts.fetchRows,
        decode: makeTextDecoder(this.request.encoding),
        guard,
      });
    } catch (err) {
      throw classifyHiveError(err, this.ctx);
    }
  }

  /**
   * The operation a read streams: the one describe() left open when the read takes the whole
   * source; a windowed read (window.ts) runs its own statement, and the full one is closed.
   */
  private async open(plan: SourcePlan, opts: StreamOptions, guard: CallGuard): Promise<{ op: HiveOperation; bound: BoundColumn[] }> {
    const window = opts.window;
    if (window?.columns === undefined && window?.cursor === undefined && window?.keyRanges === undefined) {
      const { op, layout } = this.pending ?? await this.execute(this.statement(), guard);
      this.pending = undefined;
      return { op, bound: await bindWithClose(op, () => bindPlan(plan, layout)) };
    }
    const read = windowStatement(plan, requireSource(this.request), this.schema, window, opts.limit);
    await this.dropPending();
    const { op, layout } = await this.execute(read.statement, guard);
    return { op, bound: await bindWithClose(op, () => bindPositions(read.columns, read.positions, layout)) };
  }

  /**
   * Diff mode (buckets.ts): one GROUP BY statement under statement_timeout and the signal, like
   * a read. describe()'s pending operation stays open for the full read that may follow.
   */
  async hashBuckets(plan: SourcePlan, buckets: KeyBuckets, opts: { signal: AbortSignal }): Promise<BucketHash[]> {
    const guard = this.statementGuard(opts.signal);
    try {
      const statement = hashBucketsStatement(plan, requireSource(this.request), this.schema, buckets);
      const op = await HiveOperation.execute(this.conn, statement, guard);
      return await readBucketHashes(op, guard, this.opts.fetchRows);
    } catch (err) {
      throw classifyHiveError(err, this.ctx);
    }
  }

  /** describe()'s pending operation stays open: HiveServer2 runs several operations per session. */
  async estimateRows(_plan: SourcePlan, opts: { signal: AbortSignal }): Promise<number | null> {
    try {
      return await estimateHiveRows(this.conn, this.schema, requireSource(this.request), this.statementGuard(opts.signal));
    } catch (err) {
      throw classifyHiveError(err, this.ctx);
    }
  }

  async listTables(limit: number): Promise<RemoteTable[]> {
    try {
      return await listTables(this.conn, this.request.schema, limit, this.statementGuard());
    } catch (err) {
      throw classifyHiveError(err, this.ctx);
    }
  }

  async close(): Promise<void> {
    await this.dropPending();
    await this.conn.close();
  }

  private async dropPending(): Promise<void> {
    const pending = this.pending;
    this.pending = undefined;
    await pending?.op.close();
  }
}

/** Binds the plan to an operation's result; a failure closes the operation (no leak on the server). */
async function bindWithClose(op: HiveOperation, bind: () => BoundColumn[]): Promise<BoundColumn[]> {
  try {
    return bind();
  } catch (err) {
    await op.close();
    throw err;
  }
}

export const hiveProvider: Provider = {
  name: 'hive',
  defaultPort: HIVE_DEFAULT_PORT,
  async connect(request: SourceRequest, opts: SessionOptions): Promise<SourceSession> {
    // Fail on an encoding we cannot decode before touching the network.
    if (!isUtf8Encoding(request.encoding)) codecFor(request.encoding!);
    const { connection } = request;
    const ctx: ErrorContext = {
      server: connection.server,
      port: connection.port || HIVE_DEFAULT_PORT,
      database: connection.database || DEFAULT_DATABASE,
      username: connection.username,
      password: connection.password,
      sasl: connection.username !== undefined || connection.password !== undefined,
      connectTimeoutMs: opts.connectTimeoutMs,
      statementTimeoutMs: opts.statementTimeoutMs,
    };
    try {
      const conn = await HiveConnection.open({
        host: connection.address ?? ctx.server, port: ctx.port, username: connection.username, password: connection.password, database: ctx.database,
      }, opts.connectTimeoutMs, opts.log);
      return new HiveSourceSession(conn, request, opts, ctx);
    } catch (err) {
      throw classifyHiveError(err, ctx);
    }
  },
};
