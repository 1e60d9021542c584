/**
 * Per-column value converters: MySQL text-protocol bytes → PostgreSQL text input (CopyValue).
 *
 * Most columns need none: MySQL already prints integers, DECIMAL, DOUBLE, DATETIME, JSON and
 * UTF-8 text the way PostgreSQL reads them, so their bytes go to the sink as Buffer slices
 * (issue 7: the raw-bytes path is what reaches the C pipe). Converters exist only where the
 * texts differ or PostgreSQL would reject a value MySQL accepts; the happy path of each returns
 * its input without allocating.
 */
import { ConnectorError } from '../../errors.js';
import type { CopyValue } from '../../rows/sink.js';
import type { WarningCounter } from '../../rows/warnings.js';
import type { MysqlDecoder } from './cast-rules.js';
import type { ValueConverter } from './charsets.js';

const DASH = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const ZERO = 0x30;
/** `+00`: TIMESTAMP values are read in a UTC session (connection.ts). */
const UTC_SUFFIX = Buffer.from('+00');
const HEX_PREFIX = '\\x';
/** PostgreSQL's time type ends at 24:00:00; MySQL's TIME spans ±838:59:59. */
const PG_MAX_TIME_HOURS = 24;
/** 8-character binary text of every byte value, for BIT(n). */
const BYTE_BITS = Array.from({ length: 256 }, (_, b) => b.toString(2).padStart(8, '0'));

export interface ConverterContext {
  column: string;
  warnings: WarningCounter;
}

/** Each decoder of the cast table but `text` (charsets.ts), built for one column of `localType`. */
const CONVERTERS: Record<Exclude<MysqlDecoder, 'text'>, (localType: string, ctx: ConverterContext) => ValueConverter> = {
  'bit-boolean': () => bitToBoolean,
  'bit-string': (localType) => bitString(bitWidth(localType)),
  'bytea-hex': () => toByteaHex,
  geometry: (_t, ctx) => internalGeometry(ctx),
  date: (_t, ctx) => checkedDate(ctx),
  datetime: (_t, ctx) => checkedDatetime(ctx, false),
  'timestamp-utc': (_t, ctx) => checkedDatetime(ctx, true),
  time: (_t, ctx) => checkedTime(ctx),
};

/**
 * The converter for a plan column's decoder (cast-rules.ts), or null for the raw-bytes path: no
 * decoder, or `text`, which charsets.ts handles because it needs the result column's charset.
 */
export function valueConverterFor(decoder: string | undefined, localType: string, ctx: ConverterContext): ValueConverter | null {
  if (decoder === undefined || decoder === 'text') return null;
  const make = Object.hasOwn(CONVERTERS, decoder) ? CONVERTERS[decoder as keyof typeof CONVERTERS] : undefined;
  if (!make) throw new ConnectorError('INTERNAL', `Column "${ctx.column}": the MySQL provider has no decoder "${decoder}"`);
  return make(localType, ctx);
}

/** n of the local `bit(n)`: every bit MySQL returns is kept (fixed width). */
function bitWidth(localType: string): number {
  const bits = /^bit\((\d+)\)$/.exec(localType);
  if (!bits) throw new ConnectorError('INTERNAL', `The bit-string decoder needs a bit(n) column, not ${localType}`);
  return Number(bits[1]);
}

const bitToBoolean: ValueConverter = (bytes) => (bytes[bytes.length - 1]! & 1 ? 't' : 'f');

function bitString(width: number): ValueConverter {
  return (bytes) => {
    let text = '';
    for (let i = 0; i < bytes.length; i++) text += BYTE_BITS[bytes[i]!];
    return text.length >= width ? text.slice(text.length - width) : text.padStart(width, '0');
  };
}

const toByteaHex: ValueConverter = (bytes) => HEX_PREFIX + bytes.toString('hex');

/** Bytes of MySQL's internal geometry format before the WKB: the SRID, little-endian. */
const SRID_BYTES = 4;
/** The smallest WKB: byte order (1) + geometry type (4). */
const MIN_WKB_BYTES = 5;

/**
 * MySQL's internal geometry format (what a SELECT of a spatial column returns, for tables and
 * queries alike) is a little-endian SRID followed by WKB, with longitude first also for
 * geographic SRSs in MySQL 8 (only its WKT/WKB functions apply the SRS axis order). PostGIS's
 * input function reads `SRID=n;<hex WKB>` (EWKT syntax with hex WKB), so that is the COPY text.
 */
function internalGeometry(ctx: ConverterContext): ValueConverter {
  return (bytes) => {
    if (bytes.length < SRID_BYTES + MIN_WKB_BYTES) {
      ctx.warnings.count('invalid_values', ctx.column);
      return null;
    }
    return `SRID=${bytes.readUInt32LE(0)};${bytes.toString('hex', SRID_BYTES)}`;
  };
}

const DATE_OK = 0;
const DATE_ZERO = 1;
const DATE_INVALID = 2;

/**
 * Classifies `YYYY-MM-DD…`: zero dates and partial zero dates (`0000-00-00`, `2024-00-10`,
 * `2024-01-00`, year 0) are MySQL's "no date"; impossible dates (`2024-02-30`, only storable
 * with ALLOW_INVALID_DATES) PostgreSQL would reject.
 */
function classifyDate(b: Buffer): number {
  if (b.length < 10 || b[4] !== DASH || b[7] !== DASH) return DATE_INVALID;
  const year = (b[0]! - ZERO) * 1000 + (b[1]! - ZERO) * 100 + (b[2]! - ZERO) * 10 + (b[3]! - ZERO);
  const month = (b[5]! - ZERO) * 10 + (b[6]! - ZERO);
  const day = (b[8]! - ZERO) * 10 + (b[9]! - ZERO);
  if (year === 0 || month === 0 || day === 0) return DATE_ZERO;
  if (month > 12 || day > daysInMonth(year, month)) return DATE_INVALID;
  return DATE_OK;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function rejectDate(state: number, ctx: ConverterContext): null {
  ctx.warnings.count(state === DATE_ZERO ? 'zero_dates' : 'invalid_values', ctx.column);
  return null;
}

function checkedDate(ctx: ConverterContext): ValueConverter {
  return (bytes) => {
    const state = classifyDate(bytes);
    return state === DATE_OK ? bytes : rejectDate(state, ctx);
  };
}

function checkedDatetime(ctx: ConverterContext, utc: boolean): ValueConverter {
  return (bytes): CopyValue => {
    const state = classifyDate(bytes);
    if (state !== DATE_OK) return rejectDate(state, ctx);
    if (!utc) return bytes;
    const out = Buffer.allocUnsafe(bytes.length + UTC_SUFFIX.length);
    bytes.copy(out, 0);
    UTC_SUFFIX.copy(out, bytes.length);
    return out;
  };
}

/** Negative, ≥ 100 h (three hour digits) or beyond 24:00:00 → NULL + `time_out_of_range`. */
function checkedTime(ctx: ConverterContext): ValueConverter {
  return (bytes) => {
    if (timeFitsPostgres(bytes)) return bytes;
    ctx.warnings.count('time_out_of_range', ctx.column);
    return null;
  };
}

function timeFitsPostgres(b: Buffer): boolean {
  if (b.length < 8 || b[0] === DASH || b[2] !== COLON) return false;
  const hours = (b[0]! - ZERO) * 10 + (b[1]! - ZERO);
  if (hours !== PG_MAX_TIME_HOURS) return hours < PG_MAX_TIME_HOURS;
  for (let i = 3; i < b.length; i++) if (b[i] !== ZERO && b[i] !== COLON && b[i] !== DOT) return false;
  return true;
}
