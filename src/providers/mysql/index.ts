/**
 * The MySQL/MariaDB provider (mysql2): SPEC §4 and §8 for `"provider": "mysql"`.
 *
 * One session = one connection (plus a short-lived second one to KILL QUERY). `schema` is the
 * remote database holding the table and defaults to `connection.database`. See
 * docs/providers/mysql.md for parameters, types, encoding, zero dates and timeouts.
 */
import { ConnectorError } from '../../errors.js';
import { codecFor } from '../../rows/encoding.js';
import type { RowSink } from '../../rows/sink.js';
import type { SourcePlan } from '../../rows/plan.js';
import type { Provider, RemoteTable, SessionOptions, SourceRequest, SourceSession, StreamOptions } from '../provider.js';
import { describeQuery, describeTable, listTables, loadCharsets, type CharsetInfo } from './catalog.js';
import { resultsCharset } from './charsets.js';
import { openConnection, type MysqlConnection } from './connection.js';
import { streamSelect } from './rows.js';
import { buildTableSelect, normaliseQuery } from './sql-text.js';

export const MYSQL_DEFAULT_PORT = 3306;

class MysqlSession implements SourceSession {
  private charsets?: Promise<Map<number, CharsetInfo>>;

  constructor(private conn: MysqlConnection, private readonly request: SourceRequest, private readonly opts: SessionOptions) {}

  private get schema(): string {
    return this.request.schema || this.request.connection.database;
  }

  async describe(): Promise<SourcePlan> {
    const conn = await this.connection();
    const ctx = { targetPostgis: this.opts.target?.postgis ?? false };
    if (this.request.sqlQuery !== undefined) return describeQuery(conn, normaliseQuery(this.request.sqlQuery), await this.charsetMap(conn), ctx);
    if (!this.request.table) throw new ConnectorError('INVALID_PARAMETERS', 'The table parameter is required if no sql_query parameter is provided');
    return describeTable(conn, this.schema, this.request.table, ctx);
  }

  async streamRows(plan: SourcePlan, sink: RowSink, opts: StreamOptions): Promise<void> {
    if (plan.columns.length === 0) throw new ConnectorError('NO_IMPORTABLE_COLUMNS', 'No column of the MySQL source has a type that can be imported');
    const conn = await this.connection();
    const { encoding } = this.request;
    const isQuery = this.request.sqlQuery !== undefined;
    const { sql, limitPushed } = isQuery
      ? { sql: normaliseQuery(this.request.sqlQuery!), limitPushed: false }
      : buildTableSelect(this.schema, this.request.table!, plan.columns, opts.limit);
    const charsets = encoding === undefined ? undefined : await this.charsetMap(conn);
    if (encoding !== undefined) await conn.query(`SET character_set_results = ${resultsCharset(encoding)}`);
    try {
      await streamSelect({ conn, sql, limitPushed, matchByName: isQuery, encoding, charsets, log: this.opts.log }, plan, sink, opts);
    } finally {
      if (encoding !== undefined && !conn.isClosed) await conn.query(`SET character_set_results = ${resultsCharset(undefined)}`).catch(() => conn.destroy());
    }
  }

  async listTables(limit: number): Promise<RemoteTable[]> {
    return listTables(await this.connection(), this.schema, limit);
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
