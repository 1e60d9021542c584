/**
 * The SQL text the provider sends: identifier quoting, the table SELECT and a windowed query.
 *
 * Identifiers are always backticked with backticks doubled, which works whatever the server's
 * sql_mode (ANSI_QUOTES only changes the meaning of double quotes). User values never go into
 * SQL text: catalog lookups bind them (connection.ts `execute`); the values a read carries (a
 * cursor bound, diff mode's key ranges, bucket origin and width) are checked literals (window.ts).
 */
import type { ColumnPlan } from '../../rows/plan.js';

export function quoteIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/**
 * A sql_query as the server must see it: trailing semicolons removed (pasted from a client they
 * are a syntax error for the prepare step, and multi-statement is off anyway).
 */
export function normaliseQuery(sql: string): string {
  return sql.replace(/[\s;]+$/u, '');
}

/** Beyond this LIMIT is pointless (and no longer an exact JS integer). */
const MAX_PUSHED_LIMIT = Number.MAX_SAFE_INTEGER;

/** Clauses a read window adds (window.ts `cursorClauses`). */
export interface SelectClauses {
  where?: string;
  orderBy?: string;
}

/**
 * `SELECT <plan columns> FROM schema.table [WHERE …] [ORDER BY …] [LIMIT n]`; with the LIMIT the
 * server ends the statement at the row-limit probe by itself (no KILL needed).
 *
 * FLOAT columns are read as `col + 0e0` (a DOUBLE): MySQL prints FLOAT with 6 significant digits
 * (1/3 → `0.333333`), which is not the stored float32; the double text is exact and PostgreSQL
 * rounds it back to the same real. Measured on MariaDB 10.11: `0.3333333432674408`.
 */
export function buildTableSelect(schema: string, table: string, columns: readonly ColumnPlan[], limit: number, clauses: SelectClauses = {}): { sql: string; limitPushed: boolean } {
  const list = columns.map((c) => (isFloatColumn(c) ? `(${quoteIdent(c.remoteName)} + 0e0)` : quoteIdent(c.remoteName))).join(', ');
  return withClauses(`SELECT ${list} FROM ${tableRef(schema, table)}`, clauses, limit);
}

/**
 * A sql_query read through a window: `SELECT <columns> FROM (<query>) AS cdb_window …`. The
 * columns are taken as the query returns them (no `+ 0e0`: the values stay the text a plain run
 * of the query emits). The newlines keep a trailing `-- comment` from swallowing the `)`. The
 * derived table needs unique result column names (MySQL error 1060 otherwise).
 */
export function buildQuerySelect(sql: string, columns: readonly ColumnPlan[], limit: number, clauses: SelectClauses = {}): { sql: string; limitPushed: boolean } {
  const list = columns.map((c) => `${QUERY_ALIAS}.${quoteIdent(c.remoteName)}`).join(', ');
  return withClauses(`SELECT ${list} FROM (\n${sql}\n) AS ${QUERY_ALIAS}`, clauses, limit);
}

/** The derived table a windowed sql_query runs as. */
export const QUERY_ALIAS = 'cdb_window';

/** `schema`.`table`, also the qualifier of the table's columns in a window's clauses. */
export function tableRef(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

function withClauses(select: string, clauses: SelectClauses, limit: number): { sql: string; limitPushed: boolean } {
  const limitPushed = Number.isSafeInteger(limit) && limit >= 0 && limit < MAX_PUSHED_LIMIT;
  const where = clauses.where ? ` WHERE ${clauses.where}` : '';
  const orderBy = clauses.orderBy ? ` ORDER BY ${clauses.orderBy}` : '';
  return { sql: `${select}${where}${orderBy}${limitPushed ? ` LIMIT ${limit}` : ''}`, limitPushed };
}

function isFloatColumn(c: ColumnPlan): boolean {
  return c.localType === 'real' && /^float\b/i.test(c.remoteType);
}
