/**
 * The Hive provider (hive-driver, HiveServer2 binary Thrift transport): SPEC §2, §4, §8 for
 * `"provider": "hive"`.
 *
 * One session = one HiveServer2 session on one socket. `connection.database` becomes the
 * session's current database (`use:database`, where an unqualified `sql_query` resolves);
 * `table` is read from `schema` (default `default`). NOSASL when neither username nor password is
 * given, PLAIN SASL otherwise. See docs/providers/hive.md for parameters, types, encoding and
 * timestamp rounding.
 */
import { ConnectorError } from '../../errors.js';
import { codecFor, isUtf8Encoding, makeTextDecoder } from '../../rows/encoding.js';
import type { RowSink } from '../../rows/sink.js';
import type { SourcePlan } from '../../rows/plan.js';
import type { Provider, RemoteTable, SessionOptions, SourceRequest, SourceSession, StreamOptions } from '../provider.js';
import { layoutOf, listTables, normaliseQuery, planOf, tableSelect, type ResultLayout } from './catalog.js';
import { HiveConnection, type CallGuard } from './connection.js';
import { classifyHiveError, type ErrorContext } from './errors.js';
import { HiveOperation } from './operation.js';
import { streamOperation } from './rows.js';

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

  private statement(): string {
    if (this.request.sqlQuery !== undefined) return normaliseQuery(this.request.sqlQuery);
    if (!this.request.table) throw new ConnectorError('INVALID_PARAMETERS', 'The table parameter is required if no sql_query parameter is provided');
    return tableSelect(this.request.schema || DEFAULT_SCHEMA, this.request.table);
  }

  private statementGuard(signal?: AbortSignal): CallGuard {
    return { deadlineMs: Date.now() + this.opts.statementTimeoutMs, timeoutKind: 'statement', signal };
  }

  private async execute(guard: CallGuard): Promise<PendingResult> {
    const op = await HiveOperation.execute(this.conn, this.statement(), guard);
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
      this.pending = await this.execute(this.statementGuard());
      return planOf(this.pending.layout);
    } catch (err) {
      throw classifyHiveError(err, this.ctx);
    }
  }

  async streamRows(plan: SourcePlan, sink: RowSink, opts: StreamOptions): Promise<void> {
    if (plan.columns.length === 0) throw new ConnectorError('NO_IMPORTABLE_COLUMNS', 'No column of the Hive result has a type that can be imported');
    const guard = this.statementGuard(opts.signal);
    try {
      const { op, layout } = this.pending ?? await this.execute(guard);
      this.pending = undefined;
      await streamOperation(op, layout, plan, sink, opts, {
        conn: this.conn,
        fetchRows: this.opts.fetchRows,
        decode: makeTextDecoder(this.request.encoding),
        guard,
      });
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
