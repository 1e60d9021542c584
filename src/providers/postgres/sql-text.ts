/**
 * SQL text sent to the remote: identifiers only through escapeIdentifier, never pasted.
 *
 * A sql_query runs wrapped as `(<query>) as cdb_query("c1", …, "cN")`: the column alias list
 * renames the result columns by position, so the outer SELECT can pick and cast them even when
 * the query returns two columns with the same name (`a.id, b.id`) or names that need quoting.
 * The query is put on its own lines so a trailing `-- comment` cannot swallow the closing paren.
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

/** `select … from … [limit n]` for the planned columns, each cast to its local type where the rules say so. */
export function buildSelect(source: DescribedSource, columns: readonly SelectedColumn[], limit: number): string {
  const limitSql = canPushLimit(limit) ? ` limit ${limit}` : '';
  if (source.kind === 'table') {
    const list = columns.map((c) => castExpr(qi(c.name), c.selectCast)).join(', ');
    return `select ${list} from ${qi(source.schema)}.${qi(source.name)}${limitSql}`;
  }
  const aliases = Array.from({ length: source.width }, (_, i) => qi(`c${i + 1}`)).join(', ');
  const list = columns.map((c) => castExpr(qi(`c${c.position}`), c.selectCast)).join(', ');
  return `select ${list} from (\n${source.sql}\n) as ${QUERY_ALIAS}(${aliases})${limitSql}`;
}

export function copyToSql(select: string, format: 'text' | 'binary'): string {
  return format === 'binary' ? `copy (${select}) to stdout (format binary)` : `copy (${select}) to stdout`;
}

/** Cast targets come from the cast rules (constants), never from user input. */
function castExpr(expr: string, cast: string | undefined): string {
  return cast ? `${expr}::${cast}` : expr;
}
