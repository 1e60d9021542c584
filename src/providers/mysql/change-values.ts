/**
 * Binlog row values (as @vlasky/zongji decodes them) → the exact CopyValues streamRows gives for
 * the same row. Each value is first put back into the text the MySQL text protocol would have
 * sent (what rows.ts reads), then the column's own converter (values.ts) runs on it, so zero
 * dates, TIME ranges, BIT, bytea hex and geometry come out identical by construction.
 *
 * zongji's values by type (with dateStrings, timezone 'Z', bigNumberStrings, jsonStrings):
 * integers are numbers (strings beyond 2^53), DECIMAL/DATE/DATETIME/TIMESTAMP/TIME/ENUM/SET/JSON
 * and text are strings in MySQL's own spelling, DOUBLE/FLOAT are numbers (printed here as MySQL
 * prints a DOUBLE, mysqlDouble), BIT/BLOB/BINARY are Buffers, YEAR 0000 arrives as 1900 (YEAR
 * stores it as 0 and zongji adds 1900), and the invalid ENUM value '' as undefined. Spatial
 * columns are read as BLOB (binlog.ts), so they arrive as MySQL's internal SRID + WKB bytes.
 */
import { ConnectorError } from '../../errors.js';
import type { SourcePlan } from '../../rows/plan.js';
import type { CopyValue } from '../../rows/sink.js';
import { builtInTypeOf, withTimeZone } from '../../rows/user-casts.js';
import type { WarningCounter } from '../../rows/warnings.js';
import type { ValueConverter } from './charsets.js';
import { valueConverterFor } from './values.js';

export type BinlogRow = Record<string, unknown>;
export type RowConverter = (row: BinlogRow) => CopyValue[];

/** The YEAR value zongji reports for MySQL's YEAR 0000 (stored as 0, no real YEAR is 1900). */
const ZONGJI_YEAR_ZERO = 1900;
/** my_gcvt's switch to the `e` format: more than DBL_DIG integer digits, or 15+ leading zeros. */
const MAX_DECPT_FOR_F_FORMAT = 15;

/**
 * The row converter of a plan: values in plan column order. The binlog carries no warning
 * counter of its own, so conversions that null a value count into `warnings` (a no-op by default).
 */
export function rowConverter(plan: SourcePlan, encoding: string | undefined, warnings: WarningCounter): RowConverter {
  if (encoding !== undefined) {
    // streamRows decodes such text from the stored bytes; zongji already decoded it in the declared charset.
    throw new ConnectorError('INVALID_PARAMETERS', 'Change capture ("mode": "cdc") does not support the "encoding" parameter on MySQL; remove it');
  }
  // zongji builds each row as a plain object keyed by column name, where this key is the prototype.
  if (plan.columns.some((c) => c.remoteName === '__proto__')) {
    throw new ConnectorError('INVALID_PARAMETERS', 'Change capture cannot follow a MySQL column named "__proto__"; rename it or use a replace/incremental sync');
  }
  const columns = plan.columns.map((column) => {
    const type = column.remoteType.toLowerCase();
    const toText = textFor(type);
    const convert: ValueConverter | null = withTimeZone(
      column.decoder === 'text' ? null : valueConverterFor(column.decoder, builtInTypeOf(column), { column: column.remoteName, warnings }),
      column.userCast?.timeZone);
    return { name: column.remoteName, toText, convert };
  });
  return (row) => columns.map(({ name, toText, convert }) => {
    const text = toText(Object.hasOwn(row, name) ? row[name] : null);
    if (text === null || convert === null) return text;
    return convert(typeof text === 'string' ? Buffer.from(text) : text, 0);
  });
}

/** The text-protocol form of one zongji value of a column of `type` (COLUMN_TYPE, lower case). */
function textFor(type: string): (v: unknown) => string | Buffer | null {
  if (/^(double|float|real)\b/.test(type)) return (v) => (typeof v === 'number' ? mysqlDouble(v) : plain(v));
  if (/^year\b/.test(type)) return (v) => (v === ZONGJI_YEAR_ZERO ? '0000' : plain(v));
  if (/^enum\b/.test(type)) return (v) => (v === undefined ? '' : plain(v));
  return plain;
}

function plain(v: unknown): string | Buffer | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || Buffer.isBuffer(v)) return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  throw new ConnectorError('INTERNAL', `The MySQL binlog reader returned an unexpected ${typeof v} value`);
}

/**
 * A double as MySQL prints it (strings/dtoa.c my_gcvt, MY_GCVT_ARG_DOUBLE): the shortest
 * round-trip digits, in fixed notation unless the number has more than 15 integer digits beyond
 * its significant ones or 15 or more zeros after the point; the exponent without `+` or padding.
 * Checked against MariaDB 10.11 on 11,314 values (test/providers/mysql/change-capture-values.test.ts).
 */
export function mysqlDouble(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, exponent] = v.toExponential().split('e') as [string, string];
  const sign = v < 0 ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  const decpt = Number(exponent) + 1;
  const len = digits.length;
  const fixed = decpt >= 1 - MAX_DECPT_FOR_F_FORMAT && (decpt <= MAX_DECPT_FOR_F_FORMAT || len > decpt);
  if (!fixed) return `${sign}${len === 1 ? digits : `${digits[0]}.${digits.slice(1)}`}e${decpt - 1}`;
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= len) return sign + digits + '0'.repeat(decpt - len);
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}
