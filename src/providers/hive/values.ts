/**
 * One TColumn value → PostgreSQL COPY text input (CopyValue), per cast-rules reader.
 *
 * Exactness: BIGINT from the i64 bytes (never a JS number above 2^53), DECIMAL and DATE as the
 * text Hive sent, DOUBLE as the shortest text that round-trips, FLOAT as the shortest text of the
 * 32-bit float, strings as their bytes (UTF-8 validated, or decoded with `encoding`).
 *
 * TIMESTAMP: Hive keeps nanoseconds, PostgreSQL microseconds. Rule: round half up on the 7th
 * fraction digit (…123456500 → …123457, …1234564 → …123456), carrying into seconds, minutes,
 * hours and the date when needed (23:59:59.9999995 → next day 00:00:00). A value whose dropped
 * digits are not all zero counts one `timestamp_rounded` warning.
 */
import type { TextDecoderFn } from '../../rows/encoding.js';
import type { CopyValue } from '../../rows/sink.js';
import type { ValueReader } from './cast-rules.js';
import { hiveJsonToJson } from './complex-json.js';

export type Converter = (value: unknown, row: number) => CopyValue;

/** Per column and page: lossy-but-legal conversions to report as warnings. */
export interface ValueCounts {
  timestampRounded: number;
  invalidValues: number;
}

export interface ConverterContext {
  column: string;
  decode: TextDecoderFn;
  counts: ValueCounts;
}

/** |hi| < 2^21 ⇒ |hi·2^32 + lo| < 2^53: the number path is exact. */
const SAFE_HIGH_WORD = 2 ** 21;
const TWO_POW_32 = 2 ** 32;
const MICROSECOND_DIGITS = 6;
const FLOAT_MAX_DIGITS = 9;
const TIMESTAMP_WITH_NANOS = /^(-?\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{7,9})$/;

interface Int64Like { buffer: Buffer; offset: number }

export function int64ToDecimal(v: Int64Like | number): string {
  if (typeof v === 'number') return String(v);
  const high = v.buffer.readInt32BE(v.offset);
  if (high > -SAFE_HIGH_WORD && high < SAFE_HIGH_WORD) return String(high * TWO_POW_32 + v.buffer.readUInt32BE(v.offset + 4));
  return v.buffer.readBigInt64BE(v.offset).toString();
}

function nonFinite(d: number): string | undefined {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  return undefined;
}

/** Shortest round-trip text of a double (ECMAScript Number::toString), which float8in reads back exactly. */
export function formatDouble(d: number): string {
  return nonFinite(d) ?? String(d);
}

/** Shortest text that reads back as the same 32-bit float (HiveServer2 sends FLOAT widened to a double). */
export function formatFloat(d: number): string {
  const f = Math.fround(d);
  const special = nonFinite(f);
  if (special !== undefined) return special;
  for (let digits = 1; digits < FLOAT_MAX_DIGITS; digits++) {
    const text = f.toPrecision(digits);
    if (Math.fround(Number(text)) === f) return String(Number(text));
  }
  return String(Number(f.toPrecision(FLOAT_MAX_DIGITS)));
}

/** Rounds a Hive timestamp to microseconds (rule in the header); `rounded` tells whether non-zero digits were dropped. */
export function roundTimestamp(text: string): { value: string; rounded: boolean } {
  const m = TIMESTAMP_WITH_NANOS.exec(text);
  if (!m) return { value: text, rounded: false };
  const fraction = m[7]!;
  const dropped = fraction.slice(MICROSECOND_DIGITS);
  const head = text.slice(0, text.length - fraction.length);
  const rounded = /[1-9]/.test(dropped);
  const micros = Number(fraction.slice(0, MICROSECOND_DIGITS)) + (dropped[0]! >= '5' ? 1 : 0);
  if (micros < 1_000_000) return { value: head + String(micros).padStart(MICROSECOND_DIGITS, '0'), rounded };
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]) + 1, 0);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return { value: `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.000000`, rounded };
}

const asBuffer = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8'));
const asText = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v));

export function converterFor(reader: ValueReader, ctx: ConverterContext): Converter {
  switch (reader) {
    case 'boolean': return (v) => (v ? 't' : 'f');
    case 'integer': return (v) => String(v);
    case 'bigint': return (v) => int64ToDecimal(v as Int64Like | number);
    case 'float': return (v) => formatFloat(v as number);
    case 'double': return (v) => formatDouble(v as number);
    case 'ascii': return (v) => (Buffer.isBuffer(v) ? v : String(v));
    case 'text': return (v, row) => ctx.decode(asBuffer(v), ctx.column, row);
    case 'binary': return (v) => '\\x' + asBuffer(v).toString('hex');
    case 'timestamp': return (v) => {
      const { value, rounded } = roundTimestamp(asText(v));
      if (rounded) ctx.counts.timestampRounded++;
      return value;
    };
    case 'json': return (v, row) => {
      const decoded = ctx.decode(asBuffer(v), ctx.column, row);
      const json = hiveJsonToJson(typeof decoded === 'string' ? decoded : decoded.toString('utf8'));
      if (json === undefined) ctx.counts.invalidValues++; // e.g. BINARY nested in a struct: Hive sends raw bytes
      return json ?? null;
    };
  }
}
