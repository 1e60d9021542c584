/**
 * The SQL Server provider (tedious 19.2.2 — 20.x needs Node 22): SPEC §4 and §8 for
 * `"provider": "sqlserver"`. One session = one TDS connection. `schema` defaults to `dbo`.
 *
 * Exactness (issue 8 §2): DECIMAL/NUMERIC/MONEY are converted to text by SQL Server in the
 * SELECT (CONVERT), never through JS numbers; BIGINT arrives as a string; date/time types are
 * read raw with their 100 ns digits and rounded once (temporal.ts). With `encoding`, non-Unicode
 * text is read as bytes and decoded by rows/encoding.ts. Read windows (SPEC §13): window.ts;
 * diff mode (bucket hashes, key ranges): diff.ts.
 * See docs/providers/sqlserver.md.
 */
import { ConnectorError } from '../../errors.js';
import { makeTextDecoder } from '../../rows/encoding.js';
import type { RowSink } from '../../rows/sink.js';
import type { SourcePlan } from '../../rows/plan.js';
import { withTimeZone } from '../../rows/user-casts.js';
import type { WarningCounter } from '../../rows/warnings.js';
import { requireSource, type BucketHash, type KeyBuckets, type Provider, type ReadWindow, type RemoteTable, type SessionOptions, type SourceObject, type SourceRequest, type SourceSession, type StreamOptions } from '../provider.js';
import { decideCast, type CastRule, type RemoteColumn } from './cast-rules.js';
import { describeQueryColumns, describeTableColumns, listRemoteTables, quoteName, type RemoteKey } from './catalog.js';
import { openConnection, type SqlServerConnection } from './connection.js';
import { bucketHashStatement, keyRangesCondition } from './diff.js';
import { estimateSqlServerRows } from './estimate.js';
import { streamSelect, type SelectPlan } from './rows.js';
import { BOUND_PARAMETER, cursorClauses } from './window.js';

export const SQLSERVER_DEFAULT_PORT = 1433;
const DEFAULT_SCHEMA = 'dbo';
/** Alias of the user's query when it must be wrapped (remote conversions, a read window). */
const QUERY_ALIAS = quoteName('cdb_q');
/** Alias of the table: WHERE and ORDER BY name `[cdb_t].[col]`, which never resolves to a select-list alias. */
const TABLE_ALIAS = quoteName('cdb_t');
const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'int', 'bigint']);
/** The bucket statement's result columns: bucket, row_count, bucket_hash (all text or bigint strings). */
const BUCKET_COLUMNS = ['bucket', 'row_count', 'bucket_hash'];
const NO_WARNINGS: WarningCounter = { count: () => undefined };

/** A plan column: where it is in the source's result, what it is, and its cast rule. */
interface ReadColumn {
  index: number;
  column: RemoteColumn;
  rule: CastRule;
  /** A user cast's zone (ColumnPlan.userCast.timeZone), appended to each value. */
  timeZone?: string;
}

interface Prepared {
  /** The plan's columns, in its order. */
  kept: ReadColumn[];
  /** Columns of the source as given (a sql_query's result includes skipped columns). */
  width: number;
}

class SqlServerSession implements SourceSession {
  private readonly prepared = new WeakMap<SourcePlan, Prepared>();
  private closed = false;

  constructor(private readonly sc: SqlServerConnection, private readonly request: SourceRequest, private readonly opts: SessionOptions) {}

  private get schema(): string {
    return this.request.schema || DEFAULT_SCHEMA;
  }

  async describe(): Promise<SourcePlan> {
    const source = requireSource(this.request);
    const { encoding } = this.request;
    const hasEncoding = encoding !== undefined && encoding !== '';
    if (hasEncoding) makeTextDecoder(encoding);
    let columns: RemoteColumn[];
    let keys: RemoteKey[] = [];
    if (source.kind === 'query') columns = await describeQueryColumns(this.sc, source.sql);
    else ({ columns, keys } = await describeTableColumns(this.sc, this.schema, source.table));
    const plan: SourcePlan = { columns: [], skipped: [] };
    const kept: ReadColumn[] = [];
    const ctx = { hasEncoding, targetPostgis: this.opts.target?.postgis ?? false, ...(this.request.casts ? { casts: this.request.casts } : {}) };
    columns.forEach((column, index) => {
      const cast = decideCast(column, ctx);
      if ('reason' in cast) return plan.skipped.push({ remoteName: column.name, remoteType: column.remoteType, reason: cast.reason });
      const { userCast } = cast;
      plan.columns.push({ remoteName: column.name, remoteType: column.remoteType, localType: cast.localType, rule: cast.name, ...(userCast ? { userCast } : {}) });
      kept.push({ index, column, rule: cast.rule, ...(userCast?.timeZone ? { timeZone: userCast.timeZone } : {}) });
    });
    const planned = new Set(kept.map((k) => k.column.name));
    const primary = keys.find((k) => k.primary);
    const pk = primary?.columns.length === 1 ? kept.find((k) => k.column.name === primary.columns[0]) : undefined;
    if (pk && INTEGER_TYPES.has(pk.column.dataType)) plan.primaryKey = pk.column.name;
    const uniqueKey = chooseUniqueKey(keys, planned);
    if (uniqueKey) plan.uniqueKey = uniqueKey;
    this.prepared.set(plan, { kept, width: columns.length });
    return plan;
  }

  async streamRows(plan: SourcePlan, sink: RowSink, opts: StreamOptions): Promise<void> {
    if (plan.columns.length === 0) throw new ConnectorError('NO_IMPORTABLE_COLUMNS', 'No column of the SQL Server source has a type that can be imported');
    const source = requireSource(this.request);
    const prepared = this.prepared.get(plan) ?? await this.restore(plan);
    const read = this.selectFor(source, prepared, opts);
    const decodeText = this.request.encoding ? makeTextDecoder(this.request.encoding) : undefined;
    const ctx = { warnings: opts.warnings, decodeText };
    const select: SelectPlan = {
      sql: read.sql,
      params: read.params,
      columns: read.columns.map((k) => ({ index: k.index, name: k.column.name, convert: withTimeZone(k.rule.convert(k.column, ctx), k.timeZone)! })),
      resultWidth: read.width,
    };
    await streamSelect(this.sc, select, sink, opts, this.opts.statementTimeoutMs);
  }

  async hashBuckets(plan: SourcePlan, buckets: KeyBuckets, opts: { signal: AbortSignal }): Promise<BucketHash[]> {
    const source = requireSource(this.request);
    const prepared = this.prepared.get(plan) ?? await this.restore(plan);
    const { from, ref } = this.sourceFor(source, prepared);
    const named = (k: ReadColumn) => ({ column: k.column, rule: k.rule, ref: ref(k.column) });
    const key = planColumn(prepared.kept, buckets.column, 'key');
    const statement = bucketHashStatement(from, named(key), prepared.kept.map(named), buckets);
    const answer: BucketHash[] = [];
    const sink: RowSink = {
      full: false,
      write: ([bucket, rows, hash]) => { answer.push({ bucket: String(bucket), rows: Number(rows), hash: String(hash) }); return true; },
      drained: () => Promise.resolve(),
    };
    const select: SelectPlan = {
      ...statement, what: 'hashing key buckets', resultWidth: BUCKET_COLUMNS.length,
      columns: BUCKET_COLUMNS.map((name, index) => ({ index, name, convert: (v) => String(v) })),
    };
    await streamSelect(this.sc, select, sink, { limit: Number.MAX_SAFE_INTEGER, warnings: NO_WARNINGS, signal: opts.signal }, this.opts.statementTimeoutMs);
    return answer.sort((a, b) => (BigInt(a.bucket) < BigInt(b.bucket) ? -1 : 1));
  }

  estimateRows(_plan: SourcePlan, opts: { signal: AbortSignal }): Promise<number | null> {
    return estimateSqlServerRows(this.sc, this.schema, requireSource(this.request), opts.signal, this.opts.statementTimeoutMs);
  }

  /** A plan built elsewhere (e.g. restored): describe again and keep the plan's columns, in its order. */
  private async restore(plan: SourcePlan): Promise<Prepared> {
    const fresh = await this.describe();
    const all = this.prepared.get(fresh)!;
    const byName = new Map(all.kept.map((k) => [k.column.name, k]));
    const kept = plan.columns.map((c) => byName.get(c.remoteName));
    if (kept.some((k) => !k)) throw new ConnectorError('SOURCE_QUERY_FAILED', 'The remote columns changed since the import was planned');
    return { kept: kept as ReadColumn[], width: all.width };
  }

  /**
   * The statement of one read. A table reads `SELECT TOP (n) … FROM [schema].[table] AS [cdb_t]`;
   * a sql_query runs exactly as given unless a column must be converted remotely or a window
   * applies: then it runs as a derived table `… FROM (<sql_query>) AS [cdb_q]`.
   */
  private selectFor(source: SourceObject, prepared: Prepared, opts: StreamOptions): { sql: string; params: SelectPlan['params']; columns: ReadColumn[]; width: number } {
    const { window } = opts;
    const read = windowColumns(prepared.kept, window);
    if (source.kind === 'query' && window === undefined && !read.some((k) => k.rule.select)) {
      return { sql: source.sql, params: [], columns: read, width: prepared.width };
    }
    const { from, ref } = this.sourceFor(source, prepared);
    const list = read.map((k) => (k.rule.select ? `${k.rule.select(ref(k.column), k.column)} AS ${quoteName(k.column.name)}` : ref(k.column))).join(', ');
    const conditions: string[] = [];
    const params: SelectPlan['params'] = [];
    let orderBy = '';
    if (window?.cursor) {
      const cursor = planColumn(prepared.kept, window.cursor.column, 'cursor').column;
      const c = cursorClauses(cursor, ref(cursor), window.cursor);
      if (c.where) conditions.push(c.where);
      orderBy = ` ORDER BY ${c.orderBy}`;
      if (c.boundValue !== undefined) params.push({ name: BOUND_PARAMETER, value: c.boundValue });
    }
    if (window?.order && !window.cursor) {
      orderBy = ` ORDER BY ${window.order.map((name) => `${ref(planColumn(prepared.kept, name, 'key').column)} ASC`).join(', ')}`;
    }
    if (window?.keyRanges) {
      const key = planColumn(prepared.kept, window.keyRanges.column, 'key').column;
      const k = keyRangesCondition(key, ref(key), window.keyRanges.ranges);
      conditions.push(k.condition);
      params.push(...k.params);
    }
    const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
    const limit = Math.min(opts.limit, Number.MAX_SAFE_INTEGER);
    return { sql: `SELECT TOP (${limit}) ${list} FROM ${from}${where}${orderBy}`, params, columns: read.map((k, i) => ({ ...k, index: i })), width: read.length };
  }

  /** The FROM item of a statement over the source, and how it names a column (qualified: never a select-list alias). */
  private sourceFor(source: SourceObject, prepared: Prepared): { from: string; ref: (c: RemoteColumn) => string } {
    if (source.kind === 'query') assertWrappable(prepared.kept);
    const qualifier = source.kind === 'query' ? QUERY_ALIAS : TABLE_ALIAS;
    const from = source.kind === 'query' ? `(${source.sql}) AS ${QUERY_ALIAS}` : `${quoteName(this.schema)}.${quoteName(source.table)} AS ${TABLE_ALIAS}`;
    return { from, ref: (c) => `${qualifier}.${quoteName(c.name)}` };
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

/** The plan columns one read emits, in emitted order: the window's subset, or the whole plan. */
function windowColumns(kept: ReadColumn[], window: ReadWindow | undefined): ReadColumn[] {
  if (window?.columns === undefined) return kept;
  if (window.columns.length === 0) throw new ConnectorError('INTERNAL', 'A SQL Server read window must name at least one column');
  return window.columns.map((name) => planColumn(kept, name, 'read'));
}

const ROLES = { read: ['read', 'primary_key'], cursor: ['the cursor', 'cursor'], key: ['the diff-mode key', 'primary_key'] } as const;

function planColumn(kept: ReadColumn[], name: string, role: keyof typeof ROLES): ReadColumn {
  const found = kept.find((k) => k.column.name === name);
  if (found) return found;
  const [what, parameter] = ROLES[role];
  throw new ConnectorError('INVALID_PARAMETERS', `Column "${name}" is not an imported column of the SQL Server source, so it cannot be ${what}; check the ${parameter} parameter`);
}

/** Converting a column remotely needs the query as a derived table: its columns must have unique names. */
function assertWrappable(kept: ReadColumn[]): void {
  const names = kept.map((k) => k.column.name.toLowerCase());
  if (names.some((n) => n === '') || new Set(names).size !== names.length) {
    throw new ConnectorError('SOURCE_QUERY_FAILED', 'The sql_query has unnamed or duplicate column names; give every column a unique alias (AS name) so exact types (decimal, money, encoded text) and incremental reads work.');
  }
}

/** The primary key, else the UNIQUE constraint over NOT NULL columns with the fewest columns; only keys made of plan columns. */
function chooseUniqueKey(keys: RemoteKey[], planned: Set<string>): string[] | undefined {
  const usable = keys.filter((k) => k.notNull && k.columns.every((c) => planned.has(c)));
  const primary = usable.find((k) => k.primary);
  if (primary) return primary.columns;
  const unique = usable.filter((k) => !k.primary).sort((a, b) => a.columns.length - b.columns.length);
  return unique[0]?.columns;
}

export const sqlserverProvider: Provider = {
  name: 'sqlserver',
  defaultPort: SQLSERVER_DEFAULT_PORT,
  async connect(request: SourceRequest, opts: SessionOptions): Promise<SourceSession> {
    const sc = await openConnection(request, opts);
    return new SqlServerSession(sc, request, opts);
  },
};
