/**
 * PostgreSQL type expressions read as data: `numeric(12, 2)`, `timestamp(3) with time zone`,
 * `int4`, `character varying(20)`, `text[]` all name a pg_catalog type (its typname) with
 * modifiers. Three readers need that: the lossy check of a user cast (lossy-casts.ts compares the
 * built-in local type with the user's `to`), the postgres provider's type matching (a rule for
 * `varchar` matches a column format_type() spells `character varying(20)`), and the local type a
 * user cast creates, which is written back in one canonical spelling (`NUMERIC(12, 2)` →
 * `numeric(12,2)`) built only from the names below, never from the user's words.
 * Imports nothing of providers/ or load/ (.ci/dependency-cruiser.cjs, rule rows-is-neutral).
 */

/** A parsed type expression. */
export interface PgType {
  /** pg_type.typname for the types below (`int4`, `timestamptz`, `bpchar`), else the name as written (lower case). */
  name: string;
  /** The modifier list as written, e.g. ['12', '2'], ['point', '4326']; for interval its fields (`hour to minute`) first. */
  modifiers: string[];
  array: boolean;
  /** One of the names below (a pg_catalog type the connector knows), not just a word. */
  known: boolean;
}

/** Every spelling PostgreSQL's grammar (gram.y) and format_type() use for a built-in type → its typname. */
const ALIASES: Record<string, string> = {
  smallint: 'int2', int2: 'int2',
  integer: 'int4', int: 'int4', int4: 'int4',
  bigint: 'int8', int8: 'int8',
  real: 'float4', float4: 'float4',
  'double precision': 'float8', float8: 'float8', float: 'float8',
  numeric: 'numeric', decimal: 'numeric', dec: 'numeric',
  boolean: 'bool', bool: 'bool',
  text: 'text',
  'character varying': 'varchar', 'char varying': 'varchar', varchar: 'varchar',
  character: 'bpchar', char: 'bpchar', bpchar: 'bpchar',
  date: 'date',
  time: 'time', 'time without time zone': 'time',
  'time with time zone': 'timetz', timetz: 'timetz',
  timestamp: 'timestamp', 'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz', timestamptz: 'timestamptz',
  interval: 'interval',
  bit: 'bit', 'bit varying': 'varbit', varbit: 'varbit',
  uuid: 'uuid', json: 'json', jsonb: 'jsonb', bytea: 'bytea', inet: 'inet', cidr: 'cidr',
  macaddr: 'macaddr', macaddr8: 'macaddr8', money: 'money', xml: 'xml',
  geometry: 'geometry', geography: 'geography',
};

/** How a canonical spelling names each typname (what CREATE TABLE and explain show). */
const DISPLAY: Record<string, string> = {
  int2: 'smallint', int4: 'integer', int8: 'bigint', float4: 'real', float8: 'double precision', bool: 'boolean',
  bpchar: 'char', varbit: 'bit varying',
};

/** float(p): p ≤ 24 binary digits is a real, more a double precision (PostgreSQL docs, 8.1.3). */
const REAL_MAX_BINARY_DIGITS = 24;

const WORD = '[a-z_][a-z0-9_]*';
/** words, an optional modifier list, more words (`timestamp(3) with time zone`), then array brackets. */
const SHAPE = new RegExp(`^(${WORD}(?: ${WORD})*)(?:\\(([a-z0-9_,-]+)\\))?((?: ${WORD})*)((?:\\[\\d*\\])*)$`);
const INTERVAL_FIELDS = /^interval (.+)$/;
const CATALOG_PREFIX = /^pg_catalog\./;

/** Lower case, single spaces, none around parentheses and commas: `Decimal (10, 2)` → `decimal(10,2)`. */
export function normaliseTypeText(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, ' ').replace(/ ?\( ?/g, '(').replace(/ ?, ?/g, ',').replace(/ ([)[])/g, '$1');
}

/** The expression as a PgType, or undefined when it is not a plain type name (quotes, a schema other than pg_catalog, SQL). */
export function parsePgType(expr: string): PgType | undefined {
  const text = normaliseTypeText(expr).replace(CATALOG_PREFIX, '');
  const m = SHAPE.exec(text);
  if (!m) return undefined;
  const [, head, mods, tail, brackets] = m as unknown as [string, string, string | undefined, string, string];
  let phrase = `${head}${tail}`;
  let modifiers = mods === undefined ? [] : mods.split(',');
  const fields = INTERVAL_FIELDS.exec(phrase);
  if (fields) {
    phrase = 'interval';
    modifiers = [fields[1]!, ...modifiers];
  }
  let name = ALIASES[phrase];
  if (name === 'float8' && phrase === 'float' && modifiers.length === 1) {
    name = Number(modifiers[0]) <= REAL_MAX_BINARY_DIGITS ? 'float4' : 'float8';
    modifiers = [];
  }
  if (name === undefined && phrase.includes(' ')) return undefined;
  return { name: name ?? phrase, modifiers, array: brackets.length > 0, known: name !== undefined };
}

/** The canonical spelling of a parsed type: `numeric(12,2)`, `timestamptz(3)`, `double precision`, `text[]`. */
export function formatPgType(t: PgType): string {
  const base = t.name === 'interval' ? intervalText(t.modifiers) : `${DISPLAY[t.name] ?? t.name}${t.modifiers.length ? `(${t.modifiers.join(',')})` : ''}`;
  return `${base}${t.array ? '[]' : ''}`;
}

/** `interval`, `interval(3)`, `interval hour to minute`, `interval day to second(3)`. */
function intervalText(modifiers: string[]): string {
  const [first, precision] = modifiers;
  if (first === undefined) return 'interval';
  if (/^\d+$/.test(first)) return `interval(${first})`;
  return `interval ${first}${precision !== undefined ? `(${precision})` : ''}`;
}

/** The canonical spelling of an expression, or undefined when it does not parse. */
export function canonicalPgType(expr: string): string | undefined {
  const t = parsePgType(expr);
  return t ? formatPgType(t) : undefined;
}

/** The canonical spelling without modifiers (`varchar`, `timestamptz`, `integer[]`): what a bare type name in a rule matches. */
export function canonicalBarePgType(expr: string): string | undefined {
  const t = parsePgType(expr);
  return t ? formatPgType({ ...t, modifiers: [] }) : undefined;
}

/** The n-th modifier as a number (numeric's scale, a temporal precision), or undefined. */
export function numericModifier(t: PgType, index: number): number | undefined {
  const m = t.modifiers[index];
  return m !== undefined && /^-?\d+$/.test(m) ? Number(m) : undefined;
}
