/**
 * The SQL text the provider sends: identifier quoting and the table SELECT.
 *
 * Identifiers are always backticked with backticks doubled, which works whatever the server's
 * sql_mode (ANSI_QUOTES only changes the meaning of double quotes). User values never go into
 * SQL text: catalog lookups bind them (connection.ts `execute`).
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

/**
 * `SELECT <plan columns> FROM schema.table [LIMIT n]`; with the LIMIT the server ends the
 * statement at the row-limit probe by itself (no KILL needed).
 *
 * FLOAT columns are read as `col + 0e0` (a DOUBLE): MySQL prints FLOAT with 6 significant digits
 * (1/3 → `0.333333`), which is not the stored float32; the double text is exact and PostgreSQL
 * rounds it back to the same real. Measured on MariaDB 10.11: `0.3333333432674408`.
 */
export function buildTableSelect(schema: string, table: string, columns: readonly ColumnPlan[], limit: number): { sql: string; limitPushed: boolean } {
  const list = columns.map((c) => (isFloatColumn(c) ? `(${quoteIdent(c.remoteName)} + 0e0)` : quoteIdent(c.remoteName))).join(', ');
  const limitPushed = Number.isSafeInteger(limit) && limit >= 0 && limit < MAX_PUSHED_LIMIT;
  return { sql: `SELECT ${list} FROM ${quoteIdent(schema)}.${quoteIdent(table)}${limitPushed ? ` LIMIT ${limit}` : ''}`, limitPushed };
}

function isFloatColumn(c: ColumnPlan): boolean {
  return c.localType === 'real' && /^float\b/i.test(c.remoteType);
}
