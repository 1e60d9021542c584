/**
 * Which column type changes PostgreSQL can apply in place keeping every value exact (SPEC §14,
 * `on_schema_change` "evolve" widens these with ALTER COLUMN TYPE; anything else is a retype that
 * waits for a decision). Pure: types are compared as format_type() spells them under the
 * sidecar's pinned search_path (`integer`, `numeric(10,2)`, `character varying(20)`,
 * `timestamp(3) without time zone`, `integer[]`), the spelling load/target-catalog.ts reads.
 *
 * Exact means every value of the old type has one value of the new type that compares and prints
 * the same number, text or instant:
 *   smallint → integer → bigint; any of them → numeric, or numeric(p,s) with s ≥ 0 and p − s at
 *     least their digits (5, 10, 19); smallint/integer → double precision (53 bits hold 10
 *     digits), smallint → real (24 bits hold 5);
 *   numeric(p,s) → numeric, or numeric(p',s') with s' ≥ s and p' − s' ≥ p − s (no digit lost on
 *     either side of the point); real → double precision;
 *   varchar(n) → varchar(m ≥ n), varchar, text; varchar ↔ text; char(n) → char(m ≥ n),
 *     varchar(m ≥ n), varchar, text (char's pad spaces are not part of its value);
 *   bit(n), bit varying(n) → bit varying(m ≥ n) or bit varying;
 *   timestamp, timestamptz, time, timetz (p) → the same (q ≥ p; no precision = 6);
 *   arrays of any of these, element by element, with the same number of dimensions.
 * Not widenings: anything narrower, numeric → integer, timestamp ↔ timestamptz (depends on the
 * session's TimeZone), json → jsonb (reorders keys), bigint → double precision (53 bits).
 */

interface SpelledType {
  /** The type without modifiers, e.g. `character varying`, `timestamp without time zone`. */
  family: string;
  /** Its modifiers: a length, a precision, or precision and scale. */
  mods: number[];
  /** Array dimensions as spelled (`integer[]` = 1). */
  dims: number;
}

const SPELLING = /^([a-z][a-z ]*?)(?:\((-?\d+)(?:,(-?\d+))?\))?( with(?:out)? time zone)?$/;

function spelled(type: string): SpelledType {
  let text = type.trim().toLowerCase();
  let dims = 0;
  while (text.endsWith('[]')) {
    dims++;
    text = text.slice(0, -2);
  }
  const m = SPELLING.exec(text);
  if (!m) return { family: text, mods: [], dims };
  return { family: `${m[1]}${m[4] ?? ''}`, mods: [m[2], m[3]].filter((v): v is string => v !== undefined).map(Number), dims };
}

/** Decimal digits each integer type can hold (32767, 2147483647, 9223372036854775807). */
const INTEGER_DIGITS: Readonly<Record<string, number>> = { smallint: 5, integer: 10, bigint: 19 };

/** Types of fractional-second precision; without a modifier PostgreSQL keeps 6 digits. */
const TIME_FAMILIES = new Set(['timestamp without time zone', 'timestamp with time zone', 'time without time zone', 'time with time zone']);
const DEFAULT_TIME_PRECISION = 6;

/** Character types by the longest value each holds (Infinity = unbounded). */
function characterLength(t: SpelledType): number | undefined {
  switch (t.family) {
    case 'text': return Infinity;
    case 'character varying': return t.mods[0] ?? Infinity;
    // format_type spells unconstrained char `bpchar`; char without a length is character(1)
    case 'character': return t.mods[0] ?? 1;
    case 'bpchar': return Infinity;
    default: return undefined;
  }
}

function widensCharacters(from: SpelledType, to: SpelledType): boolean {
  const fromLength = characterLength(from);
  const toLength = characterLength(to);
  if (fromLength === undefined || toLength === undefined || toLength < fromLength) return false;
  const fromPadded = from.family === 'character' || from.family === 'bpchar';
  const toPadded = to.family === 'character' || to.family === 'bpchar';
  // a varchar or text value's trailing spaces are part of it; char would drop them from its value
  return fromPadded || !toPadded;
}

function widensBits(from: SpelledType, to: SpelledType): boolean {
  if ((from.family !== 'bit' && from.family !== 'bit varying') || to.family !== 'bit varying') return false;
  const fromLength = from.mods[0] ?? (from.family === 'bit' ? 1 : Infinity);
  return (to.mods[0] ?? Infinity) >= fromLength;
}

function widensNumbers(from: SpelledType, to: SpelledType): boolean {
  const fromDigits = INTEGER_DIGITS[from.family];
  if (fromDigits !== undefined) {
    const toDigits = INTEGER_DIGITS[to.family];
    if (toDigits !== undefined) return toDigits >= fromDigits;
    if (to.family === 'numeric') return to.mods.length === 0 || ((to.mods[1] ?? 0) >= 0 && to.mods[0]! - (to.mods[1] ?? 0) >= fromDigits);
    if (to.family === 'double precision') return from.family !== 'bigint';
    if (to.family === 'real') return from.family === 'smallint';
    return false;
  }
  if (from.family === 'numeric' && to.family === 'numeric') {
    if (to.mods.length === 0) return true;
    if (from.mods.length === 0) return false;
    const [p, s = 0] = from.mods as [number, number?];
    const [q, t = 0] = to.mods as [number, number?];
    return t >= s && q - t >= p - s;
  }
  return from.family === 'real' && to.family === 'double precision';
}

function widensTimes(from: SpelledType, to: SpelledType): boolean {
  return TIME_FAMILIES.has(from.family) && from.family === to.family
    && (to.mods[0] ?? DEFAULT_TIME_PRECISION) >= (from.mods[0] ?? DEFAULT_TIME_PRECISION);
}

/**
 * True when a column of type `from` can become `to` with ALTER COLUMN TYPE and keep every value
 * exact (see the header). The same spelling is no change at all, and answers false.
 */
export function widensInPlace(from: string, to: string): boolean {
  if (from === to) return false;
  const a = spelled(from);
  const b = spelled(to);
  if (a.dims !== b.dims) return false;
  return widensNumbers(a, b) || widensCharacters(a, b) || widensBits(a, b) || widensTimes(a, b);
}
