/**
 * Would a user cast lose data? (SPEC §14, issue 19 item 3.) A column's values reach PostgreSQL as
 * the text of the local type the built-in table would have given it (`from`), and the user's rule
 * gives the column another type (`to`): PostgreSQL's input function of `to` then reads that text.
 * A cast is lossy when that input function stores some value CHANGED without an error:
 *   - numeric with fewer decimals than the values have: 1.239 → 1.24 (numeric(12,2));
 *   - a float narrower than the values: real keeps about 6 significant digits, double precision
 *     about 15 (2^53), so bigint, numeric and double → real, and bigint, numeric → double precision;
 *   - fewer fractional-second digits: timestamp(6) → timestamp(0) rounds;
 *   - a part of the value dropped: timestamp → date or time, timestamptz → timestamp (the offset
 *     is ignored), date, time or timetz; an interval with fewer fields or digits;
 *   - char(n), which pads with spaces (and strips trailing ones beyond n): text → char(n).
 * Not lossy: whatever PostgreSQL refuses when it does not fit (bigint → integer, text →
 * varchar(10), 1.5 → integer, 2 → boolean: the row fails, or is rejected with on_error reject),
 * anything → text, widening. Values of string types (text, varchar, json) are judged by their
 * type only: a text holding "1.239" is rounded by numeric(12,2), but the connector cannot know
 * what a text column holds, so only char(n) counts (docs/cast-rules.md says so).
 * Measured on PostgreSQL 15 through COPY (not through `::` casts, which truncate varchar and bit
 * instead of refusing).
 */
import { numericModifier, parsePgType, type PgType } from './pg-types.js';

const INTEGERS = new Set(['int2', 'int4', 'int8']);
const STRINGS = new Set(['text', 'varchar', 'bpchar', 'json', 'jsonb', 'xml']);
const WITH_TIME = new Set(['timestamp', 'timestamptz']);
const FRACTIONAL_SECONDS = new Set(['timestamp', 'timestamptz', 'time', 'timetz', 'interval']);
/** Microseconds: the most fractional-second digits PostgreSQL keeps, the default precision. */
const MAX_FSP = 6;
/** Types whose every value real (24-bit mantissa) holds exactly. */
const EXACT_IN_REAL = new Set(['int2', 'float4']);
/** Types whose every value double precision (53-bit mantissa) holds exactly. */
const EXACT_IN_DOUBLE = new Set(['int2', 'int4', 'float4', 'float8']);
/** money's decimals under the usual lc_monetary (2); a source with more is rounded. */
const MONEY_SCALE = 2;

/**
 * How `to` would change some value of `from` (a phrase that follows "would"), or undefined when
 * every value is kept or refused. Both are PostgreSQL type expressions; an expression that does
 * not parse is judged not lossy (the caller refuses unknown `to` types before).
 */
export function lossOf(from: string, to: string): string | undefined {
  const f = parsePgType(from);
  const t = parsePgType(to);
  if (!f || !t) return undefined;
  if (sameType(f, t)) return undefined;
  if (t.name === 'bpchar') return `pad values with spaces to ${numericModifier(t, 0) ?? 1} characters and strip trailing ones (char(n))`;
  if (STRINGS.has(f.name) || t.name === 'text' || t.name === 'varchar') return undefined;
  switch (t.name) {
    case 'numeric': return scaleLoss(f, numericModifier(t, 1) ?? (t.modifiers.length ? 0 : undefined));
    case 'money': return scaleLoss(f, MONEY_SCALE);
    case 'float4': return EXACT_IN_REAL.has(f.name) || !isNumber(f) ? undefined : 'round values to about 6 significant digits (real)';
    case 'float8': return EXACT_IN_DOUBLE.has(f.name) || !isNumber(f) ? undefined : 'round values to about 15 significant digits (double precision)';
    case 'date': return WITH_TIME.has(f.name) ? 'drop the time of day' : undefined;
    case 'timestamp': return f.name === 'timestamptz' ? 'drop the time zone offset (the UTC wall-clock time is kept)' : fspLoss(f, t);
    case 'timestamptz': return fspLoss(f, t);
    case 'time': case 'timetz':
      if (WITH_TIME.has(f.name)) return 'drop the date';
      if (f.name === 'timetz' && t.name === 'time') return 'drop the time zone offset';
      return fspLoss(f, t);
    case 'interval': return f.name === 'interval' && t.modifiers.join() !== f.modifiers.join() ? `truncate values to ${t.modifiers.join(', ')} (interval fields or precision)` : undefined;
    default: return undefined;
  }
}

function sameType(f: PgType, t: PgType): boolean {
  return f.name === t.name && f.array === t.array && f.modifiers.join() === t.modifiers.join();
}

function isNumber(t: PgType): boolean {
  return INTEGERS.has(t.name) || t.name === 'numeric' || t.name === 'float4' || t.name === 'float8' || t.name === 'money';
}

/** Decimals a value of `t` can have: 0 for integers, numeric's scale, unbounded for floats and plain numeric. */
function scaleOf(t: PgType): number | undefined {
  if (INTEGERS.has(t.name)) return 0;
  if (t.name === 'numeric') return t.modifiers.length ? numericModifier(t, 1) ?? 0 : Infinity;
  if (t.name === 'float4' || t.name === 'float8') return Infinity;
  if (t.name === 'money') return MONEY_SCALE;
  return undefined;
}

function scaleLoss(f: PgType, scale: number | undefined): string | undefined {
  if (scale === undefined) return undefined;
  const from = scaleOf(f);
  return from !== undefined && from > scale ? `round values to ${scale} decimal places` : undefined;
}

function fspOf(t: PgType): number | undefined {
  if (t.name === 'date') return 0;
  if (!FRACTIONAL_SECONDS.has(t.name) || t.name === 'interval') return t.name === 'interval' ? MAX_FSP : undefined;
  return numericModifier(t, 0) ?? MAX_FSP;
}

function fspLoss(f: PgType, t: PgType): string | undefined {
  const from = fspOf(f);
  const to = numericModifier(t, 0) ?? MAX_FSP;
  return from !== undefined && from > to ? `round fractional seconds to ${to} digits` : undefined;
}
