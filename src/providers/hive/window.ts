/**
 * The HiveQL of a read window (provider.ts `ReadWindow`, SPEC §13): which plan columns a read
 * emits, the cursor's `WHERE … ORDER BY` compared exactly in the column's Hive type, and the key
 * ranges of a diff-mode read.
 *
 * HiveServer2 has no bound parameters, so the cursor bound is a HiveQL string literal CAST to the
 * column's type: `CAST('12345678901234567890.0123456789' AS decimal(30,10))`. Hive compares
 * DECIMAL, the integer types, DATE and TIMESTAMP (nanoseconds) by value in their own type, never
 * as text or DOUBLE. A bound the column's type cannot hold (a lookback that adds decimals or
 * leaves the type's range) is cast to the narrowest DECIMAL that holds it instead: Hive then
 * compares column and bound as DECIMAL, still exactly, where a CAST to the column's type would
 * round the bound or make it NULL (and a NULL bound matches no row).
 *
 * A TIMESTAMP cursor is not compared with the mark itself: Hive keeps nanoseconds, the local copy (and so the mark)
 * microseconds, rounded half up (values.ts). A remote `.1234567` is stored as `.123457`, so
 * `>= '.123457'` would miss a row at `.1234566` that committed after the last read. An inclusive
 * bound is therefore lowered by half a microsecond, computed exactly here (`.123457` →
 * `.1234565`, `2024-03-01 00:00:00` → `2024-02-29 23:59:59.9999995`): exactly the remote values
 * stored as the mark or later. The rows of that sliver that were read already are merged again,
 * which changes nothing. An exclusive bound (append) cannot be exact either way — `> .123457`
 * skips the late row, `> .1234565` reads rows at the mark again and append would insert them
 * twice — so it is refused.
 *
 * A diff-mode read (`keyRanges`) compares the key with each range's bounds in the key's own type
 * (the same CASTs as a cursor bound), not `CAST(key AS DECIMAL(38,0))`: that CAST rounds a
 * decimal key with a scale (4.5 → 5, into the next range, while buckets.ts floors it into this
 * one), and keeps Hive from pruning ORC stripes on the plain column.
 *
 * The projection names the columns it reads, so a key-set read fetches only those; the cursor
 * column is selected too when the window does not emit it (Hive before 3.0 cannot ORDER BY an
 * unselected column, HIVE-15160), and the result is bound by position, not by name. A sql_query
 * is read as a derived table: its columns are then known by their name without qualifier (Hive
 * column names contain no dots), `e.id` as `id`.
 */
import { ConnectorError } from '../../errors.js';
import type { ColumnPlan, SourcePlan } from '../../rows/plan.js';
import type { ReadWindow, SourceObject } from '../provider.js';
import { normaliseQuery, quoteHiveIdentifier } from './catalog.js';

/** Hive's DECIMAL limit (HiveDecimal.MAX_PRECISION). */
const MAX_DECIMAL_DIGITS = 38;
/** Hive parses LIMIT as a Java int: a larger row limit is applied by the reader alone. */
const MAX_HIVE_LIMIT = 2 ** 31 - 1;
/** The alias of a sql_query read as a derived table. */
const QUERY_ALIAS = quoteHiveIdentifier('cdb_window');

/** The contract's alphabet of `from` (provider.ts ReadWindow.cursor). */
const BOUND_ALPHABET = /^[0-9 :.-]+$/;
const NUMBER_BOUND = /^(-?)(\d+)(?:\.(\d+))?$/;
const INTEGER_TEXT = /^-?\d+$/;
const DATE_BOUND = /^\d{4}-\d{2}-\d{2}$/;
/** Hive keeps nanoseconds; the contract gives at most microseconds. Groups: date, time, fraction. */
const TIMESTAMP_BOUND = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?$/;
/** The lowest remote TIMESTAMP the local copy stores as the mark: rounding is half up on the 7th digit. */
const HALF_MICROSECOND_NS = 500n;
const NS_PER_SECOND = 1_000_000_000n;
const SECONDS_PER_DAY = 86_400n;
const FRACTION_DIGITS = 9;

/** Hive's integer types and their ranges. */
const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  tinyint: [-(2n ** 7n), 2n ** 7n - 1n],
  smallint: [-(2n ** 15n), 2n ** 15n - 1n],
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};
const DECIMAL_TYPE = /^decimal(?:\((\d+),(\d+)\))?$/;

export interface WindowStatement {
  /** The HiveQL to execute. */
  statement: string;
  /** The plan columns the read emits, in emitted order. */
  columns: ColumnPlan[];
  /** For each emitted column, its position in the statement's result. */
  positions: number[];
}

export type WindowCursor = NonNullable<ReadWindow['cursor']>;

/** The statement of one windowed read of `source` (`schema` is the table's database). */
export function windowStatement(plan: SourcePlan, source: SourceObject, schema: string, window: ReadWindow, limit: number): WindowStatement {
  const columns = windowColumns(plan, window);
  const cursor = window.cursor ? planColumn(plan, window.cursor.column, 'cursor') : undefined;
  const nameOf = (column: ColumnPlan) => sourceColumnName(plan, source, column);
  const projection = [...new Set(columns.map(nameOf))];
  if (cursor && !projection.includes(nameOf(cursor))) projection.push(nameOf(cursor));
  const conditions: string[] = [];
  if (cursor) conditions.push(...cursorCondition(cursor, quoteHiveIdentifier(nameOf(cursor)), window.cursor!));
  if (window.keyRanges) conditions.push(keyRangesCondition(plan, source, window.keyRanges));
  let statement = `SELECT ${projection.map(quoteHiveIdentifier).join(', ')} FROM ${sourceFrom(source, schema)}`;
  if (conditions.length > 0) statement += ` WHERE ${conditions.join(' AND ')}`;
  if (cursor) statement += ` ORDER BY ${quoteHiveIdentifier(nameOf(cursor))} ASC`;
  if (limit <= MAX_HIVE_LIMIT) statement += ` LIMIT ${limit}`;
  return { statement, columns, positions: columns.map((c) => projection.indexOf(nameOf(c))) };
}

/** What a read selects from: `schema`.`table`, or the sql_query as the derived table `cdb_window`. */
export function sourceFrom(source: SourceObject, schema: string): string {
  return source.kind === 'table'
    ? `${quoteHiveIdentifier(schema)}.${quoteHiveIdentifier(source.table)}`
    // Newlines: a query ending in a `--` comment must not swallow the closing parenthesis.
    : `(\n${normaliseQuery(source.sql)}\n) ${QUERY_ALIAS}`;
}

/** The plan columns one read emits, in emitted order: the window's subset, or the whole plan. */
export function windowColumns(plan: SourcePlan, window: ReadWindow): ColumnPlan[] {
  if (window.columns === undefined) return plan.columns;
  if (window.columns.length === 0) throw new ConnectorError('INTERNAL', 'A Hive read window must name at least one column');
  return window.columns.map((name) => planColumn(plan, name, 'read'));
}

/** `(ref >= CAST('from' AS type) [OR ref IS NULL])` (> when exclusive), or nothing without `from`. */
function cursorCondition(column: ColumnPlan, ref: string, cursor: WindowCursor): string[] {
  const timestamp = column.remoteType === 'timestamp';
  if (timestamp && cursor.exclusive) {
    throw new ConnectorError('INVALID_PARAMETERS',
      `Column "${column.remoteName}" (Hive timestamp) cannot be an append cursor: the cursor has nanosecond precision in Hive and microsecond precision locally, so rows after the mark cannot be told apart exactly from rows at it (they would be skipped or inserted twice). Append needs an integer, decimal or date cursor; with this cursor use mode merge`);
  }
  if (cursor.from === undefined) return [];
  const from = timestamp ? lowerByHalfMicrosecond(column, cursor.from) : cursor.from;
  const bound = `${ref} ${cursor.exclusive ? '>' : '>='} ${exactBound(column, from)}`;
  return [`(${bound}${cursor.includeNulls ? ` OR ${ref} IS NULL` : ''})`];
}

/** `((key >= CAST('from' …) AND key < CAST('to' …)) OR …)`; no range reads nothing. */
function keyRangesCondition(plan: SourcePlan, source: SourceObject, keyRanges: NonNullable<ReadWindow['keyRanges']>): string {
  const key = numericKeyColumn(plan, keyRanges.column);
  if (keyRanges.ranges.length === 0) return 'FALSE';
  const ref = quoteHiveIdentifier(sourceColumnName(plan, source, key));
  const bound = (text: string) => {
    if (!INTEGER_TEXT.test(text)) throw new ConnectorError('INTERNAL', `A diff-mode key range bound must be an integer, got "${text}"`);
    return exactBound(key, text);
  };
  return `(${keyRanges.ranges.map((r) => `(${ref} >= ${bound(r.from)} AND ${ref} < ${bound(r.to)})`).join(' OR ')})`;
}

/** The plan column of a diff-mode key: an integer or decimal column, bucketed exactly. */
export function numericKeyColumn(plan: SourcePlan, name: string): ColumnPlan {
  const key = planColumn(plan, name, 'key');
  if (!INTEGER_RANGES[key.remoteType] && !DECIMAL_TYPE.test(key.remoteType)) {
    throw new ConnectorError('INVALID_PARAMETERS',
      `Column "${key.remoteName}" (Hive ${key.remoteType}) cannot be the key of a merge without a cursor: only TINYINT, SMALLINT, INT, BIGINT and DECIMAL keys are cut into ranges exactly; give a cursor`);
  }
  return key;
}

/** Digits right of the point of a DECIMAL(p,s) type (0 for the integer types). */
export function decimalScale(column: ColumnPlan): number {
  return Number(DECIMAL_TYPE.exec(column.remoteType)?.[2] ?? 0);
}

/** `from` as a HiveQL constant that compares exactly with the column's Hive type. */
export function exactBound(column: ColumnPlan, from: string): string {
  checkAlphabet(column, from);
  const type = column.remoteType;
  const range = INTEGER_RANGES[type];
  const decimal = DECIMAL_TYPE.exec(type);
  if (range || decimal) {
    const number = NUMBER_BOUND.exec(from);
    if (!number) throw badBound(column, from, 'a number in plain digits was expected');
    const digits = decimalDigits(number);
    // An integer type takes integer text only (Hive versions differ on `CAST('1.0' AS int)`).
    const fits = range
      ? number[3] === undefined && BigInt(number[1]! + number[2]!) >= range[0] && BigInt(number[1]! + number[2]!) <= range[1]
      : decimal![1] !== undefined && digits.integer <= Number(decimal![1]) - Number(decimal![2]) && digits.scale <= Number(decimal![2]);
    return `CAST(${hiveStringLiteral(from)} AS ${fits ? type : narrowestDecimal(column, from, digits)})`;
  }
  if (type === 'date') {
    if (!DATE_BOUND.test(from)) throw badBound(column, from, 'a date YYYY-MM-DD was expected');
    return `CAST(${hiveStringLiteral(from)} AS date)`;
  }
  if (type === 'timestamp') {
    if (!TIMESTAMP_BOUND.test(from)) throw badBound(column, from, 'a timestamp YYYY-MM-DD HH:MM:SS[.ffffff] was expected');
    return `CAST(${hiveStringLiteral(from)} AS timestamp)`;
  }
  throw new ConnectorError('INVALID_PARAMETERS',
    `Column "${column.remoteName}" (Hive ${type}) cannot be a cursor: only TINYINT, SMALLINT, INT, BIGINT, DECIMAL, DATE and TIMESTAMP columns compare exactly`);
}

function checkAlphabet(column: ColumnPlan, from: string): void {
  if (!BOUND_ALPHABET.test(from)) throw badBound(column, from, 'it may hold only digits, "-", ":", "." and spaces');
}

/**
 * `from` minus 500 nanoseconds (see the header), exact: BigInt nanoseconds within the day, the
 * proleptic Gregorian calendar (Hive 3+, and JavaScript's) when the bound is a midnight.
 */
export function lowerByHalfMicrosecond(column: ColumnPlan, from: string): string {
  checkAlphabet(column, from);
  const m = TIMESTAMP_BOUND.exec(from);
  if (!m) throw badBound(column, from, 'a timestamp YYYY-MM-DD HH:MM:SS[.ffffff] was expected');
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((f) => Number(f ?? 0)) as [number, number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC: it reads years 0–99 as 1900–1999
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw badBound(column, from, 'it is not a valid date and time');
  }
  let ns = BigInt(hour * 3600 + minute * 60 + second) * NS_PER_SECOND + BigInt((m[7] ?? '').padEnd(FRACTION_DIGITS, '0')) - HALF_MICROSECOND_NS;
  if (ns < 0n) {
    if (year === 0 && month === 1 && day === 1) return from; // no Hive TIMESTAMP lies before year 0
    ns += SECONDS_PER_DAY * NS_PER_SECOND;
    date.setUTCDate(date.getUTCDate() - 1);
  }
  const seconds = ns / NS_PER_SECOND;
  const fraction = (ns % NS_PER_SECOND).toString().padStart(FRACTION_DIGITS, '0').replace(/0+$/, '');
  const two = (n: bigint | number) => String(n).padStart(2, '0');
  return `${String(date.getUTCFullYear()).padStart(4, '0')}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}`
    + ` ${two(seconds / 3600n)}:${two((seconds / 60n) % 60n)}:${two(seconds % 60n)}${fraction ? `.${fraction}` : ''}`;
}

/** Digits left of the point (leading zeros dropped) and right of it (trailing zeros dropped). */
function decimalDigits(number: RegExpExecArray): { integer: number; scale: number } {
  return { integer: number[2]!.replace(/^0+/, '').length, scale: (number[3] ?? '').replace(/0+$/, '').length };
}

function narrowestDecimal(column: ColumnPlan, from: string, digits: { integer: number; scale: number }): string {
  const precision = Math.max(1, digits.integer + digits.scale);
  if (precision > MAX_DECIMAL_DIGITS) throw badBound(column, from, `Hive compares at most ${MAX_DECIMAL_DIGITS} digits exactly`);
  return `decimal(${precision},${digits.scale})`;
}

/**
 * A HiveQL string literal: Hive reads backslash escapes in '…' (BaseSemanticAnalyzer
 * .unescapeSQLString), so a backslash and the quote are escaped with one. The bound passed the
 * alphabet check already; this keeps any text inert all the same.
 */
export function hiveStringLiteral(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * How the windowed statement names a plan column: a table's columns by their name; a sql_query's
 * by the name its derived table gives them, which drops the qualifier that HiveServer2 puts in
 * result names (`e.id` → `id`). Two columns of the query with one such name cannot be told apart.
 */
export function sourceColumnName(plan: SourcePlan, source: SourceObject, column: ColumnPlan): string {
  if (source.kind === 'table') return column.remoteName;
  const name = unqualified(column.remoteName);
  const namesakes = [...plan.columns, ...plan.skipped].filter((c) => unqualified(c.remoteName) === name);
  if (namesakes.length > 1) {
    throw new ConnectorError('INVALID_PARAMETERS',
      `Columns ${namesakes.map((c) => `"${c.remoteName}"`).join(', ')} of the sql_query are all named "${name}" in a derived table; give them distinct aliases (AS …) to read them incrementally`);
  }
  return name;
}

const unqualified = (name: string) => name.slice(name.indexOf('.') + 1);

const ROLE_WORDS = { read: 'read', cursor: 'the cursor', key: 'the key of a merge' } as const;

function planColumn(plan: SourcePlan, name: string, role: keyof typeof ROLE_WORDS): ColumnPlan {
  const column = plan.columns.find((c) => c.remoteName === name);
  if (column) return column;
  const skipped = plan.skipped.some((c) => c.remoteName === name);
  throw new ConnectorError('INVALID_PARAMETERS', skipped
    ? `Column "${name}" of the Hive source has a type that is not imported, so it cannot be ${ROLE_WORDS[role]}`
    : `Column "${name}" is not a column of the Hive source; check the ${role === 'cursor' ? 'cursor' : 'primary_key'} parameter`);
}

function badBound(column: ColumnPlan, from: string, why: string): ConnectorError {
  return new ConnectorError('INVALID_PARAMETERS', `Cursor bound "${from}" for column "${column.remoteName}" (Hive ${column.remoteType}) cannot be compared exactly: ${why}`);
}
