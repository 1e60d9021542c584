/**
 * The cursor of a read window (provider.ts `ReadWindow`, SPEC §13) in T-SQL:
 * `WHERE (col >= <bound> [OR col IS NULL])` (`>` when exclusive) and `ORDER BY col`, where the
 * bound is the bound parameter `@cdb_from` converted to a type that compares exactly with the
 * column's SQL Server type — never text, never float — and the column stays bare, so its index
 * serves both the range and the ORDER BY.
 *
 * - Integers, decimal(p,s), money: `CAST(@cdb_from AS <the column's type>)`. A bound the type
 *   cannot hold exactly (more decimals than the scale, or outside the range, as a lookback can
 *   give: `0 - 10` for a tinyint) would be rounded or overflow (error 220/8115) in SQL Server, so
 *   it is first moved, in exact decimal arithmetic, to the tightest value of the type with the
 *   same rows on each side (c >= 1.5 ⇔ c >= 2 for an int), or the comparison becomes always true
 *   or always false.
 * - datetime2(n), time(n): `CAST(@cdb_from AS datetime2(7))`: every datetime2(n) value converts
 *   to datetime2(7) exactly, and a bound with more digits than n is not rounded to the column's n.
 * - datetimeoffset(n): the bound is UTC wall time, so ` +00:00` is appended to the bound value
 *   and it is cast to datetimeoffset(7); SQL Server compares datetimeoffset values as instants.
 * - Sub-microsecond columns (time(7), datetime2(7), datetimeoffset(7): more fractional digits
 *   than PostgreSQL's 6): the bound is the value the target stored, rounded half up to the
 *   microsecond (temporal.ts), so the remote rows that became the mark lie in [mark - 500 ns,
 *   mark + 500 ns). An inclusive bound compares `>= DATEADD(ns, -500, <bound>)`: the rows from
 *   .1234565 to .1234569 that share a mark of .123457 are read (re-reading the sliver below the
 *   mark is harmless, merges are idempotent). An exclusive bound (append) cannot be exact — a
 *   late row at .1234566 after a mark of .123457 (itself .1234567) is neither surely read nor
 *   surely skipped — so it is refused. Where DATEADD would leave the type (below 0001-01-01, or a
 *   time wrapping past midnight) the bound is already the lowest value, and a time mark of
 *   24:00:00 (a carry, temporal.ts) is given as 23:59:59.9999995 itself.
 * - date: `CAST(@cdb_from AS date)`; a bound with a time of day (a lookback in hours) compares
 *   as datetime2(7) instead, which a date converts to exactly (midnight).
 * - datetime: `CAST(CAST(@cdb_from AS datetime2(7)) AS datetime)`: the stored value is the
 *   datetime SQL Server shows (`.003`), and converting that text gives back the same 1/300 s tick,
 *   whereas the column converted to datetime2 would be `.0033333`. The inner datetime2 parses the
 *   ISO text the same way whatever SET DATEFORMAT / LANGUAGE the login has (a `datetime` parse of
 *   `YYYY-MM-DD hh:mm:ss` does not: under DATEFORMAT dmy it swaps month and day).
 * - smalldatetime: against datetime2(7) (whole minutes convert exactly).
 * - real, float: `CAST(@cdb_from AS float)` / `real`: the shortest text of a float reads back as
 *   the same float.
 *
 * The bound is always a parameter (sp_executesql), never pasted into the statement.
 */
import { ConnectorError } from '../../errors.js';
import type { ReadWindow } from '../provider.js';
import type { RemoteColumn } from './cast-rules.js';
import { quoteName } from './catalog.js';

export type WindowCursor = NonNullable<ReadWindow['cursor']>;

/** Name of the bound parameter (a user's sql_query runs inside the same statement: prefixed). */
export const BOUND_PARAMETER = 'cdb_from';
const PARAM = `@${BOUND_PARAMETER}`;

/** The most fractional digits of SQL Server's time types (100 ns). */
const MAX_TIME_SCALE = 7;
const TIME_BOUND_TYPE = `datetime2(${MAX_TIME_SCALE})`;
/** Fractional digits PostgreSQL keeps (1 µs): a remote time type with more is rounded when stored. */
const LOCAL_TIME_SCALE = 6;
/** Half the local microsecond: the remote values stored as a mark m lie in [m - 500 ns, m + 500 ns). */
const HALF_MICROSECOND_NS = 500;
/** time(7)'s last value: the remote values a local `24:00:00` stands for start here. */
const TIME_CARRY_FROM = '23:59:59.9999995';
const SUB_MICROSECOND_TYPES = new Set(['time', 'datetime2', 'datetimeoffset']);

/** The contract's alphabet of `from` (provider.ts ReadWindow.cursor). */
const BOUND_ALPHABET = /^[0-9 :.-]+$/;
const NUMBER_BOUND = /^(-?)(\d+)(?:\.(\d+))?$/;
const DATE_BOUND = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP_BOUND = /^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2}(?:\.\d{1,7})?)?$/;
/** The date and time of day of a timestamp bound, and its fraction padded to 7 digits. */
const TIMESTAMP_PARTS = /^(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?)?$/;
const TIME_PARTS = /^(\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?$/;
const LOWEST_DATE = '0001-01-01';
const MIDNIGHT = '00:00:00';
const TIME_CARRY = '24:00:00';
/** A bound below this many 100 ns units past the type's lowest value has nothing below it within 500 ns. */
const HALF_MICROSECOND_UNITS = HALF_MICROSECOND_NS / 100;

/** [min, max] of the integer types, and of money/smallmoney as unscaled values (multiples of 10^-4). */
const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  tinyint: [0n, 255n],
  smallint: [-32768n, 32767n],
  int: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};
const MONEY_SCALE = 4;
const MONEY_RANGES: Record<string, [bigint, bigint]> = {
  money: [-9223372036854775808n, 9223372036854775807n],
  smallmoney: [-2147483648n, 2147483647n],
};

/** An exact numeric SQL Server type: its values are the multiples of 10^-scale whose unscaled value lies in [min, max]. */
export interface ExactNumericType {
  /** How a bound is CAST so that it compares as the column's own type: `bigint`, `decimal(30,10)`, `money`. */
  type: string;
  scale: number;
  min: bigint;
  max: bigint;
}

/** The exact numeric type of an integer, decimal/numeric or money column; undefined for every other type. */
export function exactNumericType(c: RemoteColumn): ExactNumericType | undefined {
  switch (c.dataType) {
    case 'tinyint': case 'smallint': case 'int': case 'bigint': {
      const [min, max] = INTEGER_RANGES[c.dataType]!;
      return { type: c.dataType, scale: 0, min, max };
    }
    case 'decimal': case 'numeric': {
      const precision = c.precision ?? 0;
      const scale = c.scale ?? 0;
      const max = 10n ** BigInt(precision) - 1n;
      return { type: `${c.dataType}(${precision},${scale})`, scale, min: -max, max };
    }
    case 'money': case 'smallmoney': {
      const [min, max] = MONEY_RANGES[c.dataType]!;
      return { type: c.dataType, scale: MONEY_SCALE, min, max };
    }
    default:
      return undefined;
  }
}

/** The WHERE condition and ORDER BY of a cursor, and the value bound to `@cdb_from`. */
export interface CursorClauses {
  where?: string;
  orderBy: string;
  /** Absent when the condition needs no bound (always true/false after range checks). */
  boundValue?: string;
}

/**
 * `ref` is the qualified column (`[cdb_t].[c]`): a qualified name never resolves to a select-list
 * alias, which for a decimal is its CONVERT(varchar) text. A bound outside an exact type's range
 * makes the comparison always true (`IS NOT NULL`) or always false.
 */
export function cursorClauses(column: RemoteColumn, ref: string, cursor: WindowCursor): CursorClauses {
  const orderBy = `${ref} ASC`;
  // Refused with or without a bound: the first append run would succeed and every later one fail.
  if (cursor.exclusive && isSubMicrosecond(column)) throw subMicrosecondAppend(column);
  if (cursor.from === undefined) return { orderBy };
  const compare = comparison(column, ref, cursor.from, cursor.exclusive ?? false);
  const withNulls = (cond: string) => (cursor.includeNulls ? `(${cond} OR ${ref} IS NULL)` : cond);
  if (compare === true) return cursor.includeNulls ? { orderBy } : { where: `${ref} IS NOT NULL`, orderBy };
  if (compare === false) return { where: cursor.includeNulls ? `${ref} IS NULL` : '1 = 0', orderBy };
  return { where: withNulls(compare.condition), orderBy, boundValue: compare.value };
}

type Comparison = true | false | { condition: string; value: string };

function comparison(c: RemoteColumn, ref: string, from: string, exclusive: boolean): Comparison {
  if (!BOUND_ALPHABET.test(from)) throw badBound(c, from, 'it may hold only digits, "-", ":", "." and spaces');
  const op = exclusive ? '>' : '>=';
  const cast = (type: string) => ({ condition: `${ref} ${op} CAST(${PARAM} AS ${type})`, value: from });
  const exact = exactNumericType(c);
  if (exact) return exactNumber(c, ref, from, exclusive, exact);
  switch (c.dataType) {
    case 'real': case 'float':
      if (!NUMBER_BOUND.test(from)) throw badBound(c, from, 'a number in plain digits was expected');
      return cast(c.dataType);
    case 'datetime2': case 'smalldatetime':
      if (!TIMESTAMP_BOUND.test(from)) throw badBound(c, from, 'a timestamp YYYY-MM-DD HH:MM:SS[.ffffff] was expected');
      if (isSubMicrosecond(c)) return lowestTimestamp(from) ? true : halfMicrosecondBelow(ref, TIME_BOUND_TYPE, from);
      return cast(TIME_BOUND_TYPE);
    case 'date':
      if (DATE_BOUND.test(from)) return cast('date');
      if (!TIMESTAMP_BOUND.test(from)) throw badBound(c, from, 'a date YYYY-MM-DD was expected');
      return cast(TIME_BOUND_TYPE);
    case 'datetime':
      if (!TIMESTAMP_BOUND.test(from)) throw badBound(c, from, 'a timestamp YYYY-MM-DD HH:MM:SS[.fff] was expected');
      return { condition: `${ref} ${op} CAST(CAST(${PARAM} AS ${TIME_BOUND_TYPE}) AS datetime)`, value: from };
    case 'datetimeoffset': {
      if (!TIMESTAMP_BOUND.test(from)) throw badBound(c, from, 'a UTC timestamp YYYY-MM-DD HH:MM:SS[.ffffff] was expected');
      const type = `datetimeoffset(${MAX_TIME_SCALE})`;
      if (isSubMicrosecond(c)) return lowestTimestamp(from) ? true : halfMicrosecondBelow(ref, type, `${from} +00:00`);
      return { condition: `${ref} ${op} CAST(${PARAM} AS ${type})`, value: `${from} +00:00` };
    }
    case 'time':
      return timeComparison(c, ref, from, exclusive);
    default:
      throw new ConnectorError('INVALID_PARAMETERS',
        `Column "${c.name}" (SQL Server ${c.remoteType}) cannot be a cursor: only integer, decimal, money, float, date and time columns compare exactly`);
  }
}

/**
 * A time bound: `24:00:00` (a local time that a carry produced, temporal.ts) is past every
 * SQL Server time — which cannot even parse it — except, for time(7), the 100 ns values that
 * round up to it.
 */
function timeComparison(c: RemoteColumn, ref: string, from: string, exclusive: boolean): Comparison {
  const m = TIME_PARTS.exec(from);
  const type = `time(${MAX_TIME_SCALE})`;
  const carry = m?.[1] === TIME_CARRY && !/[1-9]/.test(m[2] ?? '');
  if (!m || (m[1]! > TIME_CARRY) || (m[1] === TIME_CARRY && !carry)) throw badBound(c, from, 'a time HH:MM:SS[.ffffff] up to 24:00:00 was expected');
  if (!isSubMicrosecond(c)) {
    if (carry) return false;
    return { condition: `${ref} ${exclusive ? '>' : '>='} CAST(${PARAM} AS ${type})`, value: from };
  }
  if (carry) return { condition: `${ref} >= CAST(${PARAM} AS ${type})`, value: TIME_CARRY_FROM };
  // DATEADD on a time wraps around midnight: 500 ns below 00:00:00 would be 23:59:59.9999995.
  if (m[1] === MIDNIGHT && fraction7(m[2]) < HALF_MICROSECOND_UNITS) return true;
  return halfMicrosecondBelow(ref, type, from);
}

/** `col >= DATEADD(ns, -500, CAST(@cdb_from AS type))`: the remote values the local mark was rounded from. */
function halfMicrosecondBelow(ref: string, type: string, value: string): Comparison {
  return { condition: `${ref} >= DATEADD(ns, -${HALF_MICROSECOND_NS}, CAST(${PARAM} AS ${type}))`, value };
}

/** A timestamp bound with nothing of the type 500 ns below it: DATEADD would overflow (error 517), and every value is >= it. */
function lowestTimestamp(from: string): boolean {
  const m = TIMESTAMP_PARTS.exec(from);
  return m !== null && m[1] === LOWEST_DATE && (m[2] ?? MIDNIGHT) === MIDNIGHT && fraction7(m[3]) < HALF_MICROSECOND_UNITS;
}

/** `.1234` → 1234000 (100 ns units). */
function fraction7(digits: string | undefined): number {
  return Number((digits ?? '').padEnd(MAX_TIME_SCALE, '0'));
}

/** A time type whose values have more fractional digits than the target keeps (an unknown scale is SQL Server's default, 7). */
function isSubMicrosecond(c: RemoteColumn): boolean {
  return SUB_MICROSECOND_TYPES.has(c.dataType) && (c.scale ?? MAX_TIME_SCALE) > LOCAL_TIME_SCALE;
}

function subMicrosecondAppend(c: RemoteColumn): ConnectorError {
  return new ConnectorError('INVALID_PARAMETERS',
    `Column "${c.name}" (SQL Server ${c.remoteType}) cannot be the cursor of an append sync: the cursor has sub-microsecond precision, `
    + `and PostgreSQL stores it rounded to microseconds, so "after the mark" cannot be compared exactly. Append needs a cursor with at most ${LOCAL_TIME_SCALE} `
    + `fractional digits (cast it in sql_query: CAST(${quoteName(c.name)} AS ${c.dataType}(${LOCAL_TIME_SCALE})) AS ${quoteName(c.name)}), or use mode merge.`);
}

/**
 * `col op from` for a column holding multiples of 10^-scale within [min, max] (unscaled): the
 * bound is moved to the tightest such value with the same rows on each side, so the CAST to the
 * column's own type neither rounds nor overflows. c >= F ⇔ c >= ceil(F); c > F ⇔ c > floor(F).
 */
function exactNumber(c: RemoteColumn, ref: string, from: string, exclusive: boolean, { scale, min, max, type }: ExactNumericType): Comparison {
  const m = NUMBER_BOUND.exec(from);
  if (!m) throw badBound(c, from, 'a number in plain digits was expected');
  const [, sign, whole, fraction = ''] = m;
  const truncated = BigInt(whole! + fraction.slice(0, scale).padEnd(scale, '0')) * (sign === '-' ? -1n : 1n);
  const dropped = /[1-9]/.test(fraction.slice(scale));
  // Truncation goes toward zero: it is the floor of a positive bound and the ceiling of a negative one.
  const floor = dropped && sign === '-' ? truncated - 1n : truncated;
  const ceil = dropped && sign !== '-' ? truncated + 1n : truncated;
  const threshold = exclusive ? floor : ceil;
  if (exclusive ? threshold < min : threshold <= min) return true;
  if (exclusive ? threshold >= max : threshold > max) return false;
  return { condition: `${ref} ${exclusive ? '>' : '>='} CAST(${PARAM} AS ${type})`, value: formatUnscaled(threshold, scale) };
}

/** -12345, scale 2 → `-123.45`. */
function formatUnscaled(n: bigint, scale: number): string {
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

function badBound(c: RemoteColumn, from: string, why: string): ConnectorError {
  return new ConnectorError('INVALID_PARAMETERS', `Cursor bound "${from}" for column "${c.name}" (SQL Server ${c.remoteType}) cannot be compared exactly: ${why}`);
}
