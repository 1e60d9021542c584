/**
 * PostgreSQL's binary COPY form (its types' send/recv formats) of values that arrive as their
 * canonical text input (rows/sink.ts CopyValue), for the types where the text → binary step is
 * exact and cheap (issue 21 item 1: the target ingests binary COPY ~40% cheaper than text):
 *
 *   smallint, integer, bigint    big-endian two's complement, 2 / 4 / 8 bytes
 *   double precision             IEEE 754 binary64, big-endian (parseFloat and float8in both
 *                                round correctly, so the double is the one PostgreSQL would parse)
 *   numeric[(p,s)]               int16 ndigits, int16 weight, int16 sign, int16 dscale, then base-10000
 *                                digits (numeric_recv applies the column's typmod as numeric_in does)
 *   text, varchar(n)             the UTF-8 bytes (textrecv checks the encoding, varchar_recv the length)
 *   date                         int32 days since 2000-01-01
 *   timestamp[(p)]               int64 microseconds since 2000-01-01 00:00:00
 *   time[(p)]                    int64 microseconds since midnight
 *
 * `real` is left out on purpose: parseFloat then Math.fround rounds twice, where float4in rounds
 * once, and for a few decimal strings the two differ. A value not in the canonical form its
 * provider promises (rows/plan.ts canonicalText) is a bug: BinaryValueError, never a guess.
 */

export type BinaryKind = 'int2' | 'int4' | 'int8' | 'float8' | 'numeric' | 'text' | 'date' | 'timestamp' | 'time';

/** The binary writer of a local column type as the DDL spells it, or undefined (text COPY then). */
export function binaryKindOf(localType: string): BinaryKind | undefined {
  const t = localType.trim().toLowerCase();
  if (t === 'smallint') return 'int2';
  if (t === 'integer') return 'int4';
  if (t === 'bigint') return 'int8';
  if (t === 'double precision') return 'float8';
  if (/^numeric(\(\d+(,\d+)?\))?$/.test(t)) return 'numeric';
  if (t === 'text' || /^varchar\(\d+\)$/.test(t)) return 'text';
  if (t === 'date') return 'date';
  if (/^timestamp(\([0-6]\))?$/.test(t)) return 'timestamp';
  if (/^time(\([0-6]\))?$/.test(t)) return 'time';
  return undefined;
}

export class BinaryValueError extends Error {
  constructor(kind: BinaryKind, text: string) {
    super(`A ${kind} value arrived as "${text.slice(0, 80)}", not in its canonical text form`);
  }
}

const ZERO = 0x30;
const MINUS = 0x2d;
const DOT = 0x2e;
const COLON = 0x3a;
const SPACE = 0x20;
/** Digits of an integer that a double holds exactly (2^53 has 16 digits). */
const SAFE_DIGITS = 15;
/** Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch. */
const PG_EPOCH_DAYS = 10_957;
const MICROS_PER_SECOND = 1_000_000;
const SECONDS_PER_DAY = 86_400;
const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NBASE_DIGITS = 4;
const TWO_32 = 2 ** 32;
/** Below this, days × 86,400,000,000 + micros is computed exactly in a double (margin below 2^53). */
const MAX_EXACT = 2 ** 52;

const isDigit = (b: number | undefined) => b !== undefined && b >= ZERO && b <= ZERO + 9;
const fail = (kind: BinaryKind, buf: Buffer, start: number, end: number): never => {
  throw new BinaryValueError(kind, buf.toString('latin1', start, end));
};

/** An optionally negative run of digits, as a number (≤ 15 digits) or a bigint. */
export function parseInteger(kind: BinaryKind, buf: Buffer, start: number, end: number): number | bigint {
  const negative = buf[start] === MINUS;
  const first = negative ? start + 1 : start;
  if (first >= end) fail(kind, buf, start, end);
  if (end - first > SAFE_DIGITS) {
    for (let i = first; i < end; i++) if (!isDigit(buf[i])) fail(kind, buf, start, end);
    return BigInt(buf.toString('latin1', start, end));
  }
  let n = 0;
  for (let i = first; i < end; i++) {
    const b = buf[i]!;
    if (!isDigit(b)) fail(kind, buf, start, end);
    n = n * 10 + (b - ZERO);
  }
  return negative ? -n : n;
}

/** Reads `count` digits at `at` as a number. */
function digitsAt(kind: BinaryKind, buf: Buffer, at: number, count: number, start: number, end: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const b = buf[i];
    if (!isDigit(b)) fail(kind, buf, start, end);
    n = n * 10 + (b! - ZERO);
  }
  return n;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** `YYYY-MM-DD` at `start` → days since 2000-01-01. */
export function parseDate(buf: Buffer, start: number, end: number, kind: BinaryKind = 'date'): number {
  if (end - start < 10 || buf[start + 4] !== MINUS || buf[start + 7] !== MINUS) fail(kind, buf, start, end);
  const year = digitsAt(kind, buf, start, 4, start, end);
  const month = digitsAt(kind, buf, start + 5, 2, start, end);
  const day = digitsAt(kind, buf, start + 8, 2, start, end);
  return daysFromCivil(year, month, day) - PG_EPOCH_DAYS;
}

/** `HH:MM:SS[.f…]` at `at` → microseconds (fraction digits beyond 6 are not canonical). */
export function parseClock(kind: BinaryKind, buf: Buffer, at: number, start: number, end: number): number {
  if (end - at < 8 || buf[at + 2] !== COLON || buf[at + 5] !== COLON) fail(kind, buf, start, end);
  const seconds = digitsAt(kind, buf, at, 2, start, end) * 3600 + digitsAt(kind, buf, at + 3, 2, start, end) * 60 + digitsAt(kind, buf, at + 6, 2, start, end);
  let micros = 0;
  if (end > at + 8) {
    const digits = end - at - 9;
    if (buf[at + 8] !== DOT || digits < 1 || digits > 6) fail(kind, buf, start, end);
    micros = digitsAt(kind, buf, at + 9, digits, start, end) * 10 ** (6 - digits);
  }
  return seconds * MICROS_PER_SECOND + micros;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.f…]` → microseconds since 2000-01-01: a number while exact (within ±285
 * years of 2000, nearly every value), else a bigint.
 */
export function parseTimestamp(buf: Buffer, start: number, end: number): number | bigint {
  if (buf[start + 10] !== SPACE) fail('timestamp', buf, start, end);
  const days = parseDate(buf, start, start + 10, 'timestamp');
  const micros = parseClock('timestamp', buf, start + 11, start, end);
  const total = days * SECONDS_PER_DAY * MICROS_PER_SECOND + micros;
  return Number.isSafeInteger(total) && Math.abs(total) < MAX_EXACT
    ? total : BigInt(days * SECONDS_PER_DAY) * BigInt(MICROS_PER_SECOND) + BigInt(micros);
}

/**
 * `[-]digits[.digits]` → the numeric wire form, written at `out[at]` (room for numericWireBytes):
 * base-10000 digit groups aligned on the decimal point, leading and trailing zero groups dropped
 * (weight and ndigits say where the rest sits), dscale = the digits after the point as given.
 * Zero is positive, as numeric has no -0. Returns the bytes written. No allocation: a DECIMAL
 * column is one of these per row.
 */
export function writeNumeric(buf: Buffer, start: number, end: number, out: Buffer, at: number): number {
  const negative = buf[start] === MINUS;
  const first = negative ? start + 1 : start;
  let point = end;
  for (let i = first; i < end; i++) {
    if (buf[i] === DOT) { point = i; break; }
    if (!isDigit(buf[i])) fail('numeric', buf, start, end);
  }
  for (let i = point + 1; i < end; i++) if (!isDigit(buf[i])) fail('numeric', buf, start, end);
  const intDigits = point - first;
  const fracDigits = point < end ? end - point - 1 : 0;
  if (intDigits === 0 || (point < end && fracDigits === 0)) fail('numeric', buf, start, end);
  const intGroups = Math.ceil(intDigits / NBASE_DIGITS);
  const groups = intGroups + Math.ceil(fracDigits / NBASE_DIGITS);
  const g = groups <= GROUPS.length ? GROUPS : new Uint16Array(groups);
  // integer digits fill their groups from the right, fraction digits theirs from the left
  let k = intGroups * NBASE_DIGITS - intDigits;
  let value = 0;
  for (let i = first; i < point; i++) {
    value = value * 10 + (buf[i]! - ZERO);
    if (++k % NBASE_DIGITS === 0) { g[k / NBASE_DIGITS - 1] = value; value = 0; }
  }
  for (let i = point + 1; i < end; i++) {
    value = value * 10 + (buf[i]! - ZERO);
    if (++k % NBASE_DIGITS === 0) { g[k / NBASE_DIGITS - 1] = value; value = 0; }
  }
  if (k % NBASE_DIGITS !== 0) {
    while (k % NBASE_DIGITS !== 0) { value *= 10; k++; }
    g[k / NBASE_DIGITS - 1] = value;
  }
  let lead = 0;
  while (lead < groups && g[lead] === 0) lead++;
  let tail = groups;
  while (tail > lead && g[tail - 1] === 0) tail--;
  const ndigits = tail - lead;
  write16(out, at, ndigits);
  write16(out, at + 2, ndigits === 0 ? 0 : intGroups - 1 - lead);
  write16(out, at + 4, negative && ndigits > 0 ? NUMERIC_NEG : NUMERIC_POS);
  write16(out, at + 6, fracDigits);
  for (let i = 0; i < ndigits; i++) write16(out, at + 8 + i * 2, g[lead + i]!);
  return 8 + ndigits * 2;
}

/** Scratch digit groups of writeNumeric (one call at a time: JavaScript is single-threaded). */
const GROUPS = new Uint16Array(512);

/** Big-endian 16 and 32 bits by hand: a Buffer method call per field cost more than the field (profile). */
export function write16(out: Buffer, at: number, v: number): void {
  out[at] = (v >>> 8) & 0xff;
  out[at + 1] = v & 0xff;
}

export function write32(out: Buffer, at: number, v: number): void {
  out[at] = (v >>> 24) & 0xff;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The double of a float text as MySQL prints one (`-?digits[.digits][e[+-]digits]`), by Clinger's
 * fast path when it applies — at most 15 significant digits and a power of ten up to 10^22, where
 * one IEEE multiplication or division of two exact operands is the correctly rounded result — else
 * Number() of the text, which rounds correctly too. Either way the double float8in would produce.
 * One scan both checks the form and reads the digits; anything else is a BinaryValueError.
 */
export function parseDouble(buf: Buffer, start: number, end: number): number {
  let i = start;
  const negative = buf[i] === MINUS;
  if (negative) i++;
  const digitsFrom = i;
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  for (; i < end && isDigit(buf[i]); i++) {
    if (mantissa !== 0 || buf[i] !== ZERO) digits++;
    mantissa = mantissa * 10 + (buf[i]! - ZERO);
  }
  if (i === digitsFrom) fail('float8', buf, start, end);
  if (i < end && buf[i] === DOT) {
    for (i++; i < end && isDigit(buf[i]); i++) {
      if (mantissa !== 0 || buf[i] !== ZERO) digits++;
      mantissa = mantissa * 10 + (buf[i]! - ZERO);
      scale--;
    }
  }
  if (i < end) {
    // an exponent (or not a float at all): the general path
    if (!isFloatText(buf, start, end)) fail('float8', buf, start, end);
    return Number(buf.toString('latin1', start, end));
  }
  if (digits > SAFE_DIGITS || -scale > 22) return Number(buf.toString('latin1', start, end));
  const value = scale === 0 ? mantissa : mantissa / POW10[-scale]!;
  return negative ? -value : value;
}

/** The most bytes writeNumeric writes for a text of `length` characters. */
export function numericWireBytes(length: number): number {
  return 8 + 2 * (Math.ceil(length / NBASE_DIGITS) + 1);
}

/** The numeric wire form as a Buffer of its own (tests; the encoder writes in place). */
export function numericWire(buf: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(numericWireBytes(end - start));
  return out.subarray(0, writeNumeric(buf, start, end, out, 0));
}

/**
 * An int64 at `out[at]`, big-endian, from a number (exact below 2^53) or a bigint, without a
 * bigint for the numbers: two 32-bit words.
 */
export function writeInt64(out: Buffer, value: number | bigint, at: number): void {
  if (typeof value === 'bigint') { out.writeBigInt64BE(value, at); return; }
  const hi = Math.floor(value / TWO_32);
  write32(out, at, hi);
  write32(out, at + 4, value - hi * TWO_32);
}

/**
 * A double as MySQL prints one: `-?digits[.digits][e[+-]digits]` (no NaN or infinity: MySQL stores
 * neither). A byte scan, not a regular expression over a string: three doubles per row is common.
 */
export function isFloatText(buf: Buffer, start: number, end: number): boolean {
  let i = buf[start] === MINUS ? start + 1 : start;
  const digitsFrom = i;
  while (i < end && isDigit(buf[i])) i++;
  if (i === digitsFrom) return false;
  if (i < end && buf[i] === DOT) {
    i++;
    while (i < end && isDigit(buf[i])) i++;
  }
  if (i < end && (buf[i] === 0x65 || buf[i] === 0x45)) {
    i++;
    if (i < end && (buf[i] === MINUS || buf[i] === 0x2b)) i++;
    const expFrom = i;
    while (i < end && isDigit(buf[i])) i++;
    if (i === expFrom) return false;
  }
  return i === end;
}
