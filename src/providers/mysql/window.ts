/**
 * The SQL of a read window (provider.ts `ReadWindow`, SPEC §13): which plan columns a read
 * emits, and the cursor's `WHERE … ORDER BY` compared exactly in the column's MySQL type.
 *
 * Why a CAST on the bound and never on the column: MySQL compares a DECIMAL or BIGINT UNSIGNED
 * column with a string as DOUBLE (MySQL 8 manual, "Type Conversion in Expression Evaluation";
 * MariaDB 10.11 happens to convert the string to the column's type, measured), and a DOUBLE cannot tell 18446744073709551614 from …615, nor two DECIMAL(30,10) values that
 * differ in the tenth decimal. An integer or DECIMAL column against a DECIMAL compares as
 * DECIMAL; a DATE, DATETIME or TIMESTAMP column against a DATE or DATETIME(6) compares as a
 * temporal value (the session is in UTC, connection.ts, so a TIMESTAMP compares in the UTC wall
 * time the bound is given in). The column stays bare, so its index serves the range and the
 * ORDER BY.
 *
 * The bound is a quoted literal, not a placeholder: rows.ts streams over the text protocol (the
 * raw-bytes path needs MySQL's text values) and server-side binding would switch the result to
 * the binary protocol. The literal is safe whatever the sql_mode: it is checked to be digits,
 * `-`, `:`, `.` and spaces only (no quote, no backslash) before it is written between quotes.
 *
 * Diff mode's key ranges (`ReadWindow.keyRanges`) follow the same rule: integer bounds in plain
 * digits, written as `CAST('<digits>' AS DECIMAL(65,0))`, the key column bare.
 */
import { ConnectorError } from '../../errors.js';
import type { ColumnPlan, SourcePlan } from '../../rows/plan.js';
import type { ReadWindow } from '../provider.js';
import { quoteIdent } from './sql-text.js';

/** MySQL's DECIMAL limits (MySQL 5.7/8: 65 digits, 30 decimals; MariaDB allows 38 decimals). */
const MAX_DECIMAL_DIGITS = 65;
const MAX_DECIMAL_SCALE = 30;
/** MySQL and PostgreSQL both keep microseconds. */
const TEMPORAL_FSP = 6;

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year']);
const DECIMAL_TYPES = new Set(['decimal', 'numeric']);
const TEMPORAL_TYPES = new Set(['date', 'datetime', 'timestamp']);

const NUMBER_BOUND = /^-?(\d+)(?:\.(\d+))?$/;
const DATE_BOUND = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP_BOUND = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?$/;
/** The contract's alphabet of `from` (provider.ts ReadWindow.cursor). */
const BOUND_ALPHABET = /^[0-9 :.-]+$/;
/** An integer in plain digits: key-range bounds, bucket origin and width (provider.ts). */
export const INTEGER_DIGITS = /^-?[0-9]+$/;

export type WindowCursor = NonNullable<ReadWindow['cursor']>;
export type WindowKeyRanges = NonNullable<ReadWindow['keyRanges']>;

/** The clauses a cursor adds after `FROM`. */
export interface CursorClauses {
  where?: string;
  orderBy: string;
}

/** The plan columns one read emits, in emitted order: the window's subset, or the whole plan. */
export function windowColumns(plan: SourcePlan, window: ReadWindow | undefined): ColumnPlan[] {
  if (window?.columns === undefined) return plan.columns;
  if (window.columns.length === 0) throw new ConnectorError('INTERNAL', 'A MySQL read window must name at least one column');
  return window.columns.map((name) => planColumn(plan, name, 'read'));
}

/**
 * `WHERE (col >= CAST('from' AS <exact type>) [OR col IS NULL])` (> when exclusive) and
 * `ORDER BY col`; `qualifier` is the quoted table or derived-table name the column belongs to
 * (a qualified name never resolves to a select-list alias).
 */
export function cursorClauses(plan: SourcePlan, cursor: WindowCursor, qualifier: string): CursorClauses {
  const column = planColumn(plan, cursor.column, 'cursor');
  const ref = `${qualifier}.${quoteIdent(column.remoteName)}`;
  const orderBy = `${ref} ASC`;
  if (cursor.from === undefined) return { orderBy };
  const bound = `${ref} ${cursor.exclusive ? '>' : '>='} ${exactBound(column, cursor.from)}`;
  return { where: cursor.includeNulls ? `(${bound} OR ${ref} IS NULL)` : bound, orderBy };
}

/** `ORDER BY` of ReadWindow.order: the key's columns, bare (its index serves the sort), ascending. */
export function keyOrder(plan: SourcePlan, order: readonly string[], qualifier: string): string {
  return order.map((name) => `${qualifier}.${quoteIdent(planColumn(plan, name, 'key').remoteName)} ASC`).join(', ');
}

/**
 * `((key >= CAST('from' AS DECIMAL(65,0)) AND key < CAST('to' AS DECIMAL(65,0))) OR …)`, the
 * ranges sorted and adjacent or overlapping ones merged (a diff run over many changed neighbouring
 * buckets sends one range); `FALSE` for none. An integer or DECIMAL key compares with a
 * DECIMAL(65,0) exactly, so the bucket edges are the ones hashBuckets cut (diff.ts).
 */
export function keyRangesClause(plan: SourcePlan, keyRanges: WindowKeyRanges, qualifier: string): string {
  const column = numericKeyColumn(plan, keyRanges.column);
  const ref = `${qualifier}.${quoteIdent(column.remoteName)}`;
  const merged = mergeRanges(keyRanges.ranges);
  if (merged.length === 0) return 'FALSE';
  return `(${merged.map((r) => `(${ref} >= ${decimalInteger(r.from)} AND ${ref} < ${decimalInteger(r.to)})`).join(' OR ')})`;
}

/** The plan column of a diff-mode key: an integer or DECIMAL column (provider.ts KeyBuckets). */
export function numericKeyColumn(plan: SourcePlan, name: string): ColumnPlan {
  const column = planColumn(plan, name, 'key');
  if (!isNumericType(column.remoteType)) {
    throw new ConnectorError('INVALID_PARAMETERS',
      `Column "${column.remoteName}" (MySQL ${column.remoteType}) cannot be the key of a merge without a cursor: only integer and DECIMAL keys are cut into ranges exactly; give a cursor`);
  }
  return column;
}

export function isNumericType(remoteType: string): boolean {
  const type = remoteDataType(remoteType);
  return INTEGER_TYPES.has(type) || DECIMAL_TYPES.has(type);
}

/** `CAST('<digits>' AS DECIMAL(65,0))` for an integer the core computed (checked: no quote can get in). */
export function decimalInteger(digits: string): string {
  checkInteger(digits, 'key bound');
  return `CAST('${digits}' AS DECIMAL(65,0))`;
}

/** Throws unless `digits` is an integer in plain digits that DECIMAL(65,0) holds. */
export function checkInteger(digits: string, what: string): bigint {
  if (!INTEGER_DIGITS.test(digits) || digits.replace(/^-?0*/, '').length > MAX_DECIMAL_DIGITS) {
    throw new ConnectorError('INTERNAL', `A MySQL diff-mode ${what} must be an integer of at most ${MAX_DECIMAL_DIGITS} digits, got "${digits.slice(0, 80)}"`);
  }
  return BigInt(digits);
}

function mergeRanges(ranges: WindowKeyRanges['ranges']): Array<{ from: string; to: string }> {
  const sorted = ranges
    .map((r) => ({ from: checkInteger(r.from, 'key bound'), to: checkInteger(r.to, 'key bound') }))
    .filter((r) => r.from < r.to)
    .sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const merged: Array<{ from: bigint; to: bigint }> = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.from <= last.to) last.to = r.to > last.to ? r.to : last.to;
    else merged.push({ ...r });
  }
  return merged.map((r) => ({ from: r.from.toString(), to: r.to.toString() }));
}

/** `from` as a constant of a type that compares exactly with the column's remote type. */
export function exactBound(column: ColumnPlan, from: string): string {
  if (!BOUND_ALPHABET.test(from)) throw badBound(column, from, 'it may hold only digits, "-", ":", "." and spaces');
  const type = remoteDataType(column.remoteType);
  if (INTEGER_TYPES.has(type) || DECIMAL_TYPES.has(type)) return `CAST('${from}' AS ${decimalTypeFor(column, from)})`;
  if (TEMPORAL_TYPES.has(type)) {
    if (type === 'date' && DATE_BOUND.test(from)) return `CAST('${from}' AS DATE)`;
    if (DATE_BOUND.test(from) || TIMESTAMP_BOUND.test(from)) return `CAST('${from}' AS DATETIME(${TEMPORAL_FSP}))`;
    throw badBound(column, from, 'a date YYYY-MM-DD or a timestamp YYYY-MM-DD HH:MM:SS[.ffffff] was expected');
  }
  throw new ConnectorError('INVALID_PARAMETERS',
    `Column "${column.remoteName}" (MySQL ${column.remoteType}) cannot be a cursor: only integer, DECIMAL, DATE, DATETIME and TIMESTAMP columns compare exactly`);
}

/**
 * DECIMAL(p,s) holding `from` exactly: the digits it has, not the column's precision, so a bound
 * moved back by a lookback (more decimals than the column, or below an UNSIGNED column's 0) is
 * neither rounded nor clipped. An integer column compares with it as DECIMAL, exactly.
 */
function decimalTypeFor(column: ColumnPlan, from: string): string {
  const match = NUMBER_BOUND.exec(from);
  if (!match) throw badBound(column, from, 'a number in plain digits was expected');
  const integerDigits = match[1]!.replace(/^0+(?=\d)/, '').length;
  const scale = (match[2] ?? '').replace(/0+$/, '').length;
  const precision = integerDigits + scale;
  if (precision > MAX_DECIMAL_DIGITS || scale > MAX_DECIMAL_SCALE) {
    throw badBound(column, from, `MySQL compares at most ${MAX_DECIMAL_DIGITS} digits with ${MAX_DECIMAL_SCALE} decimals exactly`);
  }
  return `DECIMAL(${precision},${scale})`;
}

/** `decimal(30,10) unsigned` → `decimal`; `bigint(20) unsigned` → `bigint`. */
export function remoteDataType(remoteType: string): string {
  return /^[a-z]+/i.exec(remoteType.trim())?.[0]?.toLowerCase() ?? '';
}

function planColumn(plan: SourcePlan, name: string, role: 'read' | 'cursor' | 'key'): ColumnPlan {
  const column = plan.columns.find((c) => c.remoteName === name);
  if (column) return column;
  const skipped = plan.skipped.some((c) => c.remoteName === name);
  const as = role === 'cursor' ? 'the cursor' : role === 'key' ? 'the merge key' : 'read';
  throw new ConnectorError('INVALID_PARAMETERS', skipped
    ? `Column "${name}" of the MySQL source has a type that is not imported, so it cannot be ${as}`
    : `Column "${name}" is not a column of the MySQL source; check the ${role === 'cursor' ? 'cursor' : 'primary_key'} parameter`);
}

function badBound(column: ColumnPlan, from: string, why: string): ConnectorError {
  return new ConnectorError('INVALID_PARAMETERS', `Cursor bound "${from}" for column "${column.remoteName}" (MySQL ${column.remoteType}) cannot be compared exactly: ${why}`);
}

/** True for the integer types a read can be split on exactly (keyBounds, parallel reads). */
export function isIntegerType(remoteType: string): boolean {
  return INTEGER_TYPES.has(remoteDataType(remoteType)) && remoteDataType(remoteType) !== 'year';
}
