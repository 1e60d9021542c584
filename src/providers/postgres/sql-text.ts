/**
 * SQL text sent to the remote: identifiers only through escapeIdentifier, never pasted.
 *
 * A sql_query runs wrapped as `(<query>) as cdb_query("c1", …, "cN")`: the column alias list
 * renames the result columns by position, so the outer SELECT can pick and cast them even when
 * the query returns two columns with the same name (`a.id, b.id`) or names that need quoting.
 * The query is put on its own lines so a trailing `-- comment` cannot swallow the closing paren.
 *
 * A cursor read and a diff-mode key-range read (window.ts) filter, and a cursor read orders, on
 * the column itself, before any SELECT cast, so the remote compares and sorts in the column's own
 * type and an index on it stays usable.
 */
import pg from 'pg';

/** How streamRows finds the planned columns again (kept by the session per plan); catalog.ts fills it, buildSelect reads it. */
export type DescribedSource =
  | { kind: 'table'; schema: string; name: string }
  | { kind: 'query'; sql: string; width: number };

export interface SelectedColumn {
  /** Attribute name (table) or 1-based result position (query). */
  name: string;
  position: number;
  selectCast?: string;
  /**
   * A user cast's zone (ColumnPlan.userCast.timeZone): the SELECT appends ` <zone>` to the
   * value's text, which the target's timestamptz input reads as a wall-clock time in that zone.
   */
  timeZone?: string;
  /**
   * What a cursor bound on this column is cast to (window.ts CURSOR_TYPES, a constant): present
   * only for the types a cursor can be (integers, numeric, date, timestamp, timestamptz).
   */
  cursorType?: string;
}

/** A cursor read in SQL: `bound` is a complete, quoted SQL expression (window.ts), never a raw value. */
export interface CursorClause {
  column: SelectedColumn;
  bound?: { sql: string; exclusive: boolean };
  includeNulls: boolean;
}

/**
 * A diff-mode read in SQL: rows whose `column` lies in one of `ranges` (`from <= key < to`). Each
 * bound is a complete, quoted SQL expression (window.ts); an absent bound lies beyond the column's
 * type, so that side needs no comparison. No range at all reads no row.
 */
export interface KeyRangeClause {
  column: SelectedColumn;
  ranges: ReadonlyArray<{ from?: string; to?: string }>;
}

/** What narrows a read: both may be given, and a row must then pass both. `order`: the key of a read that may be cut (ReadWindow.order), when there is no cursor. */
export interface SelectFilter {
  cursor?: CursorClause;
  keyRanges?: KeyRangeClause;
  order?: readonly SelectedColumn[];
}

const qi = (name: string): string => pg.escapeIdentifier(name);
const QUERY_ALIAS = 'cdb_query';
const TRAILING_SEMICOLONS = /[\s;]+$/;

/** The user's query without trailing semicolons (COPY (…) takes one statement). */
export function normaliseQuery(sql: string): string {
  return sql.replace(TRAILING_SEMICOLONS, '');
}

export function describeQuerySql(sql: string): string {
  return `select * from (\n${sql}\n) as ${QUERY_ALIAS} limit 0`;
}

/** True when `limit` can be written into the SELECT (a bigint literal). */
export function canPushLimit(limit: number): boolean {
  return Number.isSafeInteger(limit) && limit >= 0;
}

/**
 * `select … from … [where …] [order by …] [limit n]` for the planned columns, each cast to its
 * local type where the rules say so, filtered by the cursor and the key ranges and ordered by
 * the cursor when given.
 */
export function buildSelect(source: DescribedSource, columns: readonly SelectedColumn[], limit: number, filter: SelectFilter = {}): string {
  const list = columns.map((c) => withZone(castExpr(columnRef(source, c), c.selectCast), c.timeZone)).join(', ');
  const { cursor, keyRanges } = filter;
  const conditions = [
    ...(cursor?.bound ? [cursorCondition(columnRef(source, cursor.column), cursor)] : []),
    ...(keyRanges ? [keyRangesCondition(columnRef(source, keyRanges.column), keyRanges)] : []),
  ];
  const where = conditions.length > 0 ? ` where ${conditions.join(' and ')}` : '';
  const orderBy = cursor ? [cursor.column] : filter.order ?? [];
  const order = orderBy.length > 0 ? ` order by ${orderBy.map((c) => columnRef(source, c)).join(', ')}` : '';
  return `select ${list} from ${fromSql(source)}${where}${order}${canPushLimit(limit) ? ` limit ${limit}` : ''}`;
}

/** The column as the outer SELECT names it: the attribute, or the sql_query's positional alias. */
export function columnRef(source: DescribedSource, column: SelectedColumn): string {
  return source.kind === 'table' ? qi(column.name) : qi(`c${column.position}`);
}

/** The table, or the sql_query wrapped with its positional column aliases. */
export function fromSql(source: DescribedSource): string {
  return source.kind === 'table'
    ? `${qi(source.schema)}.${qi(source.name)}`
    : `(\n${source.sql}\n) as ${QUERY_ALIAS}(${Array.from({ length: source.width }, (_, i) => qi(`c${i + 1}`)).join(', ')})`;
}

function cursorCondition(column: string, cursor: CursorClause): string {
  const bound = cursor.bound!;
  const nulls = cursor.includeNulls ? ` or ${column} is null` : '';
  return `(${column} ${bound.exclusive ? '>' : '>='} ${bound.sql}${nulls})`;
}

/** `(k >= a and k < b) or …`: one index range scan per range (a BitmapOr) where the key is indexed. */
function keyRangesCondition(column: string, clause: KeyRangeClause): string {
  if (clause.ranges.length === 0) return 'false';
  const ranges = clause.ranges.map((r) => {
    const sides = [...(r.from !== undefined ? [`${column} >= ${r.from}`] : []), ...(r.to !== undefined ? [`${column} < ${r.to}`] : [])];
    return sides.length > 0 ? `(${sides.join(' and ')})` : `${column} is not null`;
  });
  return `(${ranges.join(' or ')})`;
}

export function copyToSql(select: string, format: 'text' | 'binary'): string {
  return format === 'binary' ? `copy (${select}) to stdout (format binary)` : `copy (${select}) to stdout`;
}

/** Cast targets come from the cast rules (constants), never from user input. */
function castExpr(expr: string, cast: string | undefined): string {
  return cast ? `${expr}::${cast}` : expr;
}

/**
 * `(<expr>::text || ' Europe/Madrid')`; the zone is a literal (escapeLiteral) and operator and
 * functions schema-qualified. `infinity` and `-infinity` keep no zone: timestamptz reads them
 * bare and refuses them with one.
 */
function withZone(expr: string, timeZone: string | undefined): string {
  if (timeZone === undefined) return expr;
  return `(${expr}::pg_catalog.text operator(pg_catalog.||) case when pg_catalog.isfinite(${expr}) then ${pg.escapeLiteral(` ${timeZone}`)} else '' end)`;
}
