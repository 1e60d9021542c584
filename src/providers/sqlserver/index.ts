/**
 * The SQL Server provider (tedious 19.2.2 — 20.x needs Node 22): SPEC §4 and §8 for
 * `"provider": "sqlserver"`. One session = one TDS connection. `schema` defaults to `dbo`.
 *
 * Exactness (issue 8 §2): DECIMAL/NUMERIC/MONEY are converted to text by SQL Server in the
 * SELECT (CONVERT), never through JS numbers; BIGINT arrives as a string; date/time types are
 * read raw with their 100 ns digits and rounded once (temporal.ts). With `encoding`, non-Unicode
 * text is read as bytes and decoded by rows/encoding.ts. See docs/providers/sqlserver.md.
 */
import { ConnectorError } from '../../errors.js';
import { makeTextDecoder } from '../../rows/encoding.js';
import type { RowSink } from '../../rows/sink.js';
import type { SourcePlan } from '../../rows/plan.js';
import type { Provider, RemoteTable, SessionOptions, SourceRequest, SourceSession, StreamOptions } from '../provider.js';
import { resolveCast, type CastRule, type RemoteColumn } from './cast-rules.js';
import { describeQueryColumns, describeTableColumns, listRemoteTables, quoteName } from './catalog.js';
import { openConnection, type SqlServerConnection } from './connection.js';
import { streamSelect, type SelectPlan } from './rows.js';

export const SQLSERVER_DEFAULT_PORT = 1433;
const DEFAULT_SCHEMA = 'dbo';
/** Alias of the user's query when it must be wrapped to convert columns remotely. */
const QUERY_ALIAS = quoteName('cdb_q');
const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'int', 'bigint']);

interface Prepared {
  /** Builds the SELECT for a row limit. */
  sql(limit: number): string;
  columns: Array<{ index: number; column: RemoteColumn; rule: CastRule }>;
  resultWidth: number;
}

class SqlServerSession implements SourceSession {
  private readonly prepared = new WeakMap<SourcePlan, Prepared>();
  private closed = false;

  constructor(private readonly sc: SqlServerConnection, private readonly request: SourceRequest, private readonly opts: SessionOptions) {}

  async describe(): Promise<SourcePlan> {
    const { sqlQuery, table, encoding } = this.request;
    const hasEncoding = encoding !== undefined && encoding !== '';
    if (hasEncoding) makeTextDecoder(encoding);
    let columns: RemoteColumn[];
    let primaryKey: string | undefined;
    if (sqlQuery !== undefined && sqlQuery !== '') {
      columns = await describeQueryColumns(this.sc, sqlQuery);
    } else if (table) {
      ({ columns, primaryKey } = await describeTableColumns(this.sc, this.request.schema || DEFAULT_SCHEMA, table));
    } else {
      throw new ConnectorError('INVALID_PARAMETERS', 'The table parameter is required if no sql_query parameter is provided');
    }
    const plan: SourcePlan = { columns: [], skipped: [] };
    const kept: Prepared['columns'] = [];
    columns.forEach((column, index) => {
      const rule = resolveCast(column, hasEncoding, this.opts.target?.postgis ?? false);
      if (!rule?.to) return plan.skipped.push({ remoteName: column.name, remoteType: column.remoteType });
      plan.columns.push({ remoteName: column.name, remoteType: column.remoteType, localType: rule.to(column) });
      kept.push({ index, column, rule });
    });
    const pk = kept.find((k) => k.column.name === primaryKey);
    if (pk && INTEGER_TYPES.has(pk.column.dataType)) plan.primaryKey = pk.column.name;
    this.prepared.set(plan, this.prepare(kept, columns.length));
    return plan;
  }

  private prepare(kept: Prepared['columns'], width: number): Prepared {
    const { sqlQuery, table } = this.request;
    const expr = (k: Prepared['columns'][number], q: string) => (k.rule.select ? `${k.rule.select(q, k.column)} AS ${quoteName(k.column.name)}` : q);
    if (sqlQuery === undefined || sqlQuery === '') {
      const from = `${quoteName(this.request.schema || DEFAULT_SCHEMA)}.${quoteName(table!)}`;
      const list = kept.map((k) => expr(k, quoteName(k.column.name))).join(', ');
      return { sql: (limit) => `SELECT TOP (${limit}) ${list} FROM ${from}`, columns: kept.map((k, i) => ({ ...k, index: i })), resultWidth: kept.length };
    }
    if (!kept.some((k) => k.rule.select)) return { sql: () => sqlQuery, columns: kept, resultWidth: width };
    // Converting a column remotely needs the query as a derived table: its columns must have unique names.
    const names = kept.map((k) => k.column.name.toLowerCase());
    if (names.some((n) => n === '') || new Set(names).size !== names.length) {
      throw new ConnectorError('SOURCE_QUERY_FAILED', 'The sql_query has unnamed or duplicate column names; give every column a unique alias (AS name) so exact types (decimal, money, encoded text) can be read.');
    }
    const list = kept.map((k) => expr(k, `${QUERY_ALIAS}.${quoteName(k.column.name)}`)).join(', ');
    return { sql: (limit) => `SELECT TOP (${limit}) ${list} FROM (${sqlQuery}) AS ${QUERY_ALIAS}`, columns: kept.map((k, i) => ({ ...k, index: i })), resultWidth: kept.length };
  }

  async streamRows(plan: SourcePlan, sink: RowSink, opts: StreamOptions): Promise<void> {
    if (plan.columns.length === 0) throw new ConnectorError('NO_IMPORTABLE_COLUMNS', 'No column of the SQL Server source has a type that can be imported');
    let prepared = this.prepared.get(plan);
    if (!prepared) {
      // A plan built elsewhere (e.g. restored): describe again and keep the plan's columns, in its order.
      const fresh = await this.describe();
      const all = this.prepared.get(fresh)!;
      const byName = new Map(all.columns.map((k) => [k.column.name, k]));
      const kept = plan.columns.map((c) => byName.get(c.remoteName));
      if (kept.some((k) => !k)) throw new ConnectorError('SOURCE_QUERY_FAILED', 'The remote columns changed since the import was planned');
      prepared = this.prepare(kept.map((k) => ({ ...k!, index: k!.index })), all.resultWidth);
    }
    const decodeText = this.request.encoding ? makeTextDecoder(this.request.encoding) : undefined;
    const ctx = { warnings: opts.warnings, decodeText };
    const select: SelectPlan = {
      sql: prepared.sql(Math.min(opts.limit, Number.MAX_SAFE_INTEGER)),
      columns: prepared.columns.map((k) => ({ index: k.index, name: k.column.name, convert: k.rule.convert!(k.column, ctx) })),
      resultWidth: prepared.resultWidth,
    };
    await streamSelect(this.sc, select, sink, opts, this.opts.statementTimeoutMs);
  }

  listTables(limit: number): Promise<RemoteTable[]> {
    return listRemoteTables(this.sc, limit, this.request.schema);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sc.close();
  }
}

export const sqlserverProvider: Provider = {
  name: 'sqlserver',
  defaultPort: SQLSERVER_DEFAULT_PORT,
  async connect(request: SourceRequest, opts: SessionOptions): Promise<SourceSession> {
    const sc = await openConnection(request, opts);
    return new SqlServerSession(sc, request, opts);
  },
};
