/**
 * Encodes one column value (PostgreSQL text output, or null) in its TDS wire form (MS-TDS
 * 2.2.5.5). Exact: integers via BigInt, decimals from their digits, time types from their text
 * with up to 7 fractional digits (rounded half up to the declared scale, as SQL Server does).
 */
import iconv from 'iconv-lite';
import { ByteWriter } from './bytes.js';
import { SERVER_COLLATION, decimalBytes, isPlp, timeBytes, type SqlType } from './types.js';

const CODEC = 'win1252';
const NULL_USHORT = 0xffff;
const PLP_NULL = 0xffffffffffffffffn;
const TEXT_POINTER = Buffer.alloc(16, 0xaa);
const TEXT_TIMESTAMP = Buffer.alloc(8, 0);
const VARIANT_NVARCHAR = 0xe7;
const VARIANT_NVARCHAR_PROP_BYTES = 7;
const VARIANT_MAX_CHARS_BYTES = 8000;
const SECONDS_PER_DAY = 86_400;
/** Days from 0001-01-01 to 1900-01-01 (the DATETIME epoch). */
const DAYS_0001_TO_1900 = 693_595;
const DATETIME_TICKS_PER_SECOND = 300;

export function writeValue(w: ByteWriter, t: SqlType, v: string | null): void {
  if (v === null) return writeNull(w, t);
  switch (t.name) {
    case 'bit': w.u8(1).u8(v === '0' || v === 'f' || v === 'false' ? 0 : 1); return;
    case 'tinyint': w.u8(1).u8(Number(v)); return;
    case 'smallint': w.u8(2).i16(Number(v)); return;
    case 'int': w.u8(4).i32(Number(v)); return;
    case 'bigint': w.u8(8).i64(BigInt(v)); return;
    case 'real': w.u8(4).f32(Number(v)); return;
    case 'float': if ((t.precision ?? 53) <= 24) w.u8(4).f32(Number(v)); else w.u8(8).f64(Number(v)); return;
    case 'money': { const n = scaled(v, 4); w.u8(8).i32(Number(BigInt.asIntN(32, n >> 32n))).u32(Number(n & 0xffffffffn)); return; }
    case 'smallmoney': w.u8(4).i32(Number(scaled(v, 4))); return;
    case 'decimal': case 'numeric': return writeDecimal(w, t, v);
    case 'date': w.u8(3).uint(parseDate(v).days, 3); return;
    case 'time': { const { units } = parseTime(v, t.scale!); w.u8(timeBytes(t.scale!)).uint(units, timeBytes(t.scale!)); return; }
    case 'datetime2': { const d = parseDateTime(v, t.scale!); w.u8(timeBytes(t.scale!) + 3).uint(d.units, timeBytes(t.scale!)).uint(d.days, 3); return; }
    case 'datetimeoffset': return writeDateTimeOffset(w, t.scale!, v);
    case 'datetime': return writeDateTime(w, v);
    case 'smalldatetime': { const d = parseDateTime(v, 0); w.u8(4).u16(d.days - DAYS_0001_TO_1900).u16(Math.round(d.units / 60)); return; }
    case 'uniqueidentifier': w.u8(16).bytes(guidBytes(v)); return;
    case 'char': case 'varchar': return writeChars(w, t, iconv.encode(v, CODEC));
    case 'nchar': case 'nvarchar': return writeChars(w, t, Buffer.from(v, 'utf16le'));
    case 'binary': case 'varbinary': return writeChars(w, t, byteaBytes(v));
    case 'text': return writeText(w, iconv.encode(v, CODEC));
    case 'ntext': return writeText(w, Buffer.from(v, 'utf16le'));
    case 'image': return writeText(w, byteaBytes(v));
    case 'xml': return writePlp(w, Buffer.from(v, 'utf16le'));
    case 'sql_variant': { const data = Buffer.from(v, 'utf16le'); w.u32(2 + VARIANT_NVARCHAR_PROP_BYTES + data.length).u8(VARIANT_NVARCHAR).u8(VARIANT_NVARCHAR_PROP_BYTES).bytes(SERVER_COLLATION).u16(VARIANT_MAX_CHARS_BYTES).bytes(data); return; }
    default: throw new Error(`cannot encode ${t.name}`);
  }
}

function writeNull(w: ByteWriter, t: SqlType): void {
  if (isPlp(t)) { w.u64(PLP_NULL); return; }
  switch (t.name) {
    case 'char': case 'varchar': case 'nchar': case 'nvarchar': case 'binary': case 'varbinary': w.u16(NULL_USHORT); return;
    case 'text': case 'ntext': case 'image': w.u8(0); return;
    case 'sql_variant': w.u32(0); return;
    default: w.u8(0);
  }
}

function writeChars(w: ByteWriter, t: SqlType, data: Buffer): void {
  if (isPlp(t)) return writePlp(w, data);
  w.u16(data.length).bytes(data);
}

function writePlp(w: ByteWriter, data: Buffer): void {
  w.u64(BigInt(data.length));
  if (data.length > 0) w.u32(data.length).bytes(data);
  w.u32(0);
}

function writeText(w: ByteWriter, data: Buffer): void {
  w.u8(TEXT_POINTER.length).bytes(TEXT_POINTER).bytes(TEXT_TIMESTAMP).i32(data.length).bytes(data);
}

function byteaBytes(v: string): Buffer {
  return v.startsWith('\\x') ? Buffer.from(v.slice(2), 'hex') : Buffer.from(v, 'latin1');
}

/** `-123.45` → unscaled BigInt at `scale` digits, rounding half away from zero (SQL Server's rule). */
export function scaled(v: string, scale: number): bigint {
  const m = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?\s*$/i.exec(v);
  if (!m) throw new Error(`not a number: ${v}`);
  let digits = (m[2] ?? '') + (m[3] ?? '');
  let pointAt = (m[2] ?? '').length + Number(m[4] ?? 0);
  if (pointAt < 0) { digits = '0'.repeat(-pointAt) + digits; pointAt = 0; }
  const wanted = pointAt + scale;
  const kept = digits.padEnd(wanted, '0').slice(0, wanted) || '0';
  let n = BigInt(kept);
  if ((digits[wanted] ?? '0') >= '5') n += 1n;
  return m[1] === '-' ? -n : n;
}

function writeDecimal(w: ByteWriter, t: SqlType, v: string): void {
  const n = scaled(v, t.scale!);
  const bytes = decimalBytes(t.precision!);
  w.u8(bytes).u8(n < 0n ? 0 : 1);
  let mag = n < 0n ? -n : n;
  for (let i = 0; i < bytes - 1; i++) { w.u8(Number(mag & 0xffn)); mag >>= 8n; }
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): no Date, no 2-digit-year traps. */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
const DAYS_1970_FROM_0001 = -daysFromCivil(1, 1, 1);

function parseDate(v: string): { days: number } {
  const m = /^(\d{4,})-(\d{1,2})-(\d{1,2})/.exec(v.trim());
  if (!m) throw new Error(`Conversion failed when converting date and/or time from character string: ${v}`);
  return { days: daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])) + DAYS_1970_FROM_0001 };
}

/** `hh:mm[:ss[.fffffff]]` → units of 10^-scale s since midnight, rounded half up; a carry past midnight is reported. */
function parseTime(v: string, scale: number): { units: number; carryDays: number } {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/.exec(v.trim());
  if (!m) throw new Error(`Conversion failed when converting date and/or time from character string: ${v}`);
  const frac = m[4] ?? '';
  let fracUnits = Number(frac.padEnd(scale, '0').slice(0, scale) || '0');
  if ((frac[scale] ?? '0') >= '5') fracUnits += 1;
  const perSecond = 10 ** scale;
  let units = (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0)) * perSecond + fracUnits;
  let carryDays = 0;
  if (units >= SECONDS_PER_DAY * perSecond) { units -= SECONDS_PER_DAY * perSecond; carryDays = 1; }
  return { units, carryDays };
}

interface DateTimeParts { days: number; units: number; offsetMinutes: number }

function parseDateTime(v: string, scale: number): DateTimeParts {
  const m = /^(\d{4,}-\d{1,2}-\d{1,2})(?:[ T]([\d:.]+))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(v.trim());
  if (!m) throw new Error(`Conversion failed when converting date and/or time from character string: ${v}`);
  const { days } = parseDate(m[1]!);
  const time = m[2] ? parseTime(m[2], scale) : { units: 0, carryDays: 0 };
  let offsetMinutes = 0;
  if (m[3] && m[3] !== 'Z') {
    const o = /^([+-])(\d{2}):?(\d{2})?$/.exec(m[3])!;
    offsetMinutes = (o[1] === '-' ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3] ?? 0));
  }
  return { days: days + time.carryDays, units: time.units, offsetMinutes };
}

/** DATETIMEOFFSET carries the UTC date and time plus the offset in minutes. */
function writeDateTimeOffset(w: ByteWriter, scale: number, v: string): void {
  const d = parseDateTime(v, scale);
  const perDay = SECONDS_PER_DAY * 10 ** scale;
  let units = d.units - d.offsetMinutes * 60 * 10 ** scale;
  let days = d.days;
  while (units < 0) { units += perDay; days -= 1; }
  while (units >= perDay) { units -= perDay; days += 1; }
  w.u8(timeBytes(scale) + 5).uint(units, timeBytes(scale)).uint(days, 3).i16(d.offsetMinutes);
}

/** DATETIME: days since 1900-01-01 and 1/300 s ticks; PostgreSQL holds it as timestamp(3) (.000/.003/.007). */
function writeDateTime(w: ByteWriter, v: string): void {
  const d = parseDateTime(v, 3);
  let days = d.days - DAYS_0001_TO_1900;
  let ticks = Math.round((d.units * DATETIME_TICKS_PER_SECOND) / 1000);
  if (ticks >= SECONDS_PER_DAY * DATETIME_TICKS_PER_SECOND) { ticks = 0; days += 1; }
  w.u8(8).i32(days).u32(ticks);
}

/** uniqueidentifier bytes: the first three groups little-endian, the rest as written. */
function guidBytes(v: string): Buffer {
  const hex = v.replace(/[{}-]/g, '');
  const b = Buffer.from(hex, 'hex');
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
}
