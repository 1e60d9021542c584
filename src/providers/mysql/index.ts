/**
 * The MySQL/MariaDB provider (mysql2): SPEC §4 and §8 for `"provider": "mysql"`.
 *
 * One session = one connection (plus a short-lived second one to KILL QUERY). `schema` is the
 * remote database holding the table and defaults to `connection.database`. See
 * docs/providers/mysql.md for parameters, types, encoding, zero dates and timeouts.
 */
import { ConnectorError } from '../../errors.js';
import type { ChangeCapture } from '../../rows/changes.js';
import { codecFor } from '../../rows/encoding.js';
import type { RowSink } from '../../rows/sink.js';
import type { SourcePlan } from '../../rows/plan.js';
import type { TableStructure } from '../../rows/structure.js';
import { requireSource, type BucketHash, type KeyBuckets, type Provider, type RemoteTable, type SessionOptions, type SourceObject, type SourceRequest, type SourceSession, type StreamOptions } from '../provider.js';
import { describeQuery, describeTable, listTables, loadCharsets, type CharsetInfo } from './catalog.js';
import { MysqlChangeCapture } from './change-capture.js';
import { resultsCharset } from './charsets.js';
import { openConnection, type MysqlConnection } from './connection.js';
import { bucketSource, hashBucketsSql, runHashBuckets } from './diff.js';
import { estimateMysqlRows, estimateMysqlTables } from './estimate.js';
import { streamSelect } from './rows.js';
import { readStructure } from './structure.js';
import { buildQuerySelect, buildTableSelect, normaliseQuery, QUERY_ALIAS, quoteIdent, tableRef, type SelectClauses } from './sql-text.js';
import { cursorClauses, isIntegerType, keyOrder, keyRangesClause, windowColumns } from './window.js';

export const MYSQL_DEFAULT_PORT = 3306;

class MysqlSession implements SourceSession {
  private charsets?: Promise<Map<number, CharsetInfo>>;
  /** The connection changeCapture.snapshot() left in a consistent-snapshot transaction, for the next streamRows. */
  private snapshotConn?: MysqlConnection;
  readonly changeCapture: ChangeCapture;

  constructor(private conn: MysqlConnection, private readonly request: SourceRequest, private readonly opts: SessionOptions) {
    this.changeCapture = new MysqlChangeCapture({
      connection: () => this.connection(),
      table: () => {
        const source = requireSource(this.request);
        if (source.kind !== 'table') throw new ConnectorError('INVALID_PARAMETERS', 'Change capture ("mode": "cdc") follows a table; a sql_query source cannot be followed');
        return { schema: this.schema, table: source.table };
      },
      encoding: request.encoding,
      snapshotTaken: (c) => { this.snapshotConn = c; },
    });
  }

  private get schema(): string {
    return this.request.schema || this.request.connection.database;
  }

  async describe(): Promise<SourcePlan> {
    const source = requireSource(this.request);
    const conn = await this.connection();
    const ctx = { targetPostgis: this.opts.target?.postgis ?? false, ...(this.request.casts ? { casts: this.request.casts } : {}) };
    const plan = source.kind === 'query'
      ? await describeQuery(conn, normaliseQuery(source.sql), await this.charsetMap(conn), ctx)
      : await describeTable(conn, this.schema, source.table, ctx);
    // the text protocol prints numbers, DECIMAL and DOUBLE canonically, and values.ts checks dates and times
    return { ...plan, canonicalText: true };
  }

  async streamRows(plan: SourcePlan, sink: RowSink, opts: StreamOptions): Promise<void> {
    if (plan.columns.length === 0) throw new ConnectorError('NO_IMPORTABLE_COLUMNS', 'No column of the MySQL source has a type that can be imported');
    const source = requireSource(this.request);
    const { sql, limitPushed, matchByName, read } = this.selectFor(source, plan, opts);
    const snapshot = this.snapshotConn;
    this.snapshotConn = undefined;
    // A reconnect would read outside the snapshot, and the change log would then miss or repeat rows.
    if (snapshot?.isClosed) throw new ConnectorError('CONNECTOR_ERROR', 'The MySQL connection holding the change-capture snapshot was lost; retry the run');
    const conn = await this.connection();
    const { encoding } = this.request;
    const charsets = encoding === undefined ? undefined : await this.charsetMap(conn);
    if (encoding !== undefined) await conn.query(`SET character_set_results = ${resultsCharset(encoding)}`);
    try {
      await streamSelect({ conn, sql, limitPushed, matchByName, encoding, charsets, log: this.opts.log }, read, sink, opts);
    } finally {
      if (encoding !== undefined && !conn.isClosed) await conn.query(`SET character_set_results = ${resultsCharset(undefined)}`).catch(() => conn.destroy());
      // The snapshot served its one read; ending it lets the source purge the old row versions.
      if (snapshot && !conn.isClosed) await conn.query('COMMIT').catch(() => conn.destroy());
    }
  }

  /**
   * The statement of one read and the plan of the columns it emits. A sql_query without a window
   * runs exactly as given (its columns found by name); with one it runs as a derived table.
   */
  private selectFor(source: SourceObject, plan: SourcePlan, opts: StreamOptions): { sql: string; limitPushed: boolean; matchByName: boolean; read: SourcePlan } {
    const { window } = opts;
    const read = { ...plan, columns: windowColumns(plan, window) };
    if (source.kind === 'query' && window === undefined) return { sql: normaliseQuery(source.sql), limitPushed: false, matchByName: true, read };
    const qualifier = source.kind === 'query' ? QUERY_ALIAS : tableRef(this.schema, source.table);
    const cursor: SelectClauses = window?.cursor ? cursorClauses(plan, window.cursor, qualifier) : {};
    const keys = window?.keyRanges ? keyRangesClause(plan, window.keyRanges, qualifier) : undefined;
    const where = [cursor.where, keys].filter((w): w is string => w !== undefined).join(' AND ');
    const order = window?.order && !window.cursor ? { orderBy: keyOrder(plan, window.order, qualifier) } : {};
    const clauses = { ...cursor, ...order, ...(where ? { where } : {}) };
    const select = source.kind === 'query'
      ? buildQuerySelect(normaliseQuery(source.sql), read.columns, opts.limit, clauses)
      : buildTableSelect(this.schema, source.table, read.columns, opts.limit, clauses);
    return { ...select, matchByName: false, read };
  }

  async hashBuckets(plan: SourcePlan, buckets: KeyBuckets, opts: { signal: AbortSignal }): Promise<BucketHash[]> {
    if (plan.columns.length === 0) throw new ConnectorError('NO_IMPORTABLE_COLUMNS', 'No column of the MySQL source has a type that can be imported');
    const source = requireSource(this.request);
    const sql = hashBucketsSql(plan, buckets, bucketSource(this.schema, source));
    return runHashBuckets(await this.connection(), sql, opts.signal, this.opts.log);
  }

  async estimateRows(_plan: SourcePlan, opts: { signal: AbortSignal }): Promise<number | null> {
    return estimateMysqlRows(await this.connection(), this.schema, requireSource(this.request), opts.signal);
  }

  async keyBounds(plan: SourcePlan, column: string): Promise<{ min: string; max: string } | null> {
    const source = requireSource(this.request);
    const key = plan.columns.find((c) => c.remoteName === column);
    if (source.kind !== 'table' || !key || !isIntegerType(key.remoteType)) return null;
    const ref = quoteIdent(column);
    const rows = await (await this.connection()).execute(
      `SELECT CAST(MIN(${ref}) AS CHAR), CAST(MAX(${ref}) AS CHAR) FROM ${tableRef(this.schema, source.table)}`, []);
    const [min, max] = rows[0] ?? [];
    return min === null || min === undefined || max === null || max === undefined ? null : { min: String(min), max: String(max) };
  }

  async estimateTables(tables: readonly string[]): Promise<Map<string, number>> {
    return estimateMysqlTables(await this.connection(), this.schema, tables);
  }

  async listTables(limit: number): Promise<RemoteTable[]> {
    return listTables(await this.connection(), this.schema, limit);
  }

  async readStructure(tables: readonly string[]): Promise<TableStructure[]> {
    return readStructure(await this.connection(), this.schema, tables);
  }

  async close(): Promise<void> {
    await this.conn.close();
  }

  /** The session's connection, reopened when an early stop or a cancel dropped it. */
  private async connection(): Promise<MysqlConnection> {
    if (this.conn.isClosed) this.conn = await openConnection(this.request, this.opts);
    return this.conn;
  }

  private charsetMap(conn: MysqlConnection): Promise<Map<number, CharsetInfo>> {
    this.charsets ??= loadCharsets(conn);
    this.charsets.catch(() => { this.charsets = undefined; });
    return this.charsets;
  }
}

export const mysqlProvider: Provider = {
  name: 'mysql',
  defaultPort: MYSQL_DEFAULT_PORT,
  async connect(request: SourceRequest, opts: SessionOptions): Promise<SourceSession> {
    // Fail on an encoding we cannot decode before touching the network.
    if (request.encoding !== undefined && request.encoding.toUpperCase() !== 'LATIN1') codecFor(request.encoding);
    const conn = await openConnection(request, opts);
    return new MysqlSession(conn, request, opts);
  },
};
