/**
 * PostgreSQL source types → local types (SPEC §8 "keep the source's exact types"), as data.
 *
 * An ordered table matched by the shared rows/cast-rules.ts (pgloader's DEFAULT_CAST_RULES): the
 * first rule whose type list and condition match wins. A rule's `types` are the column's type
 * key (`typeKey`): the bare typname for built-ins (`numeric`, `int4`), schema-qualified for any
 * other type (`public.citext`), so a user type that happens to be called `numeric` is not taken
 * for the built-in one. Domains are resolved to their base type first (catalog.ts), so a domain
 * over `numeric(10,2)` is kept as `numeric(10,2)` and loses only its CHECK (the
 * `domain_as_base_type` warning says so). A rule that changes the type also names the cast that
 * runs in the remote SELECT (`"col"::pg_catalog.text`), so that the value arrives already in the
 * local type on both paths: the text COPY prints the cast's output, and the binary COPY sends the
 * local type's binary form (which is what makes the binary fast path possible, issue 4 §3).
 *
 * Kept as they are, because every target has them with the same text and binary forms: the
 * EXACT_BUILTIN_TYPES, numeric(p,s), the built-in ranges and (on a PostgreSQL 14+ target)
 * multiranges, and arrays of any of these or of PostGIS types (any number of dimensions: the
 * column type never says how many, PostgreSQL does not enforce them). Made text: enums (the
 * target has no such enum; warning `enum_as_text`), composites, user-defined ranges and base
 * types, arrays of those, and the catalog types `name` and `"char"` (internal types PostgreSQL
 * documents as not meant for general use; text holds each value's characters exactly and sorts
 * like an ordinary string), oid and the reg* types (OIDs mean nothing on another server).
 */
import { matchCast, skipReason, type CastRule as SharedCastRule } from '../../rows/cast-rules.js';
import { parsePgType } from '../../rows/pg-types.js';
import type { ColumnPlan } from '../../rows/plan.js';
import { decideColumn, type TypeWords, type UserCast } from '../../rows/user-casts.js';

/** A type after resolving domains, as pg_type describes it. */
export interface ResolvedType {
  /** pg_type.typname, e.g. `int4`, `numeric`, `geometry`, `_int4`. */
  typeName: string;
  /** Schema of that type: `pg_catalog` for built-ins. */
  typeSchema: string;
  /** pg_type.typtype: b base, c composite, e enum, p pseudo, r range, m multirange. */
  typtype: string;
  /** pg_type.typcategory: `A` for arrays. */
  category: string;
  /** format_type() of the type with its typmod, e.g. `numeric(38,10)`, `timestamp(3) with time zone`. */
  baseType: string;
  typmod: number;
}

/** A remote column as catalog.ts normalises it (table attribute or query result column). */
export interface RemoteColumn extends ResolvedType {
  name: string;
  /** format_type() of the declared type, e.g. `character varying(20)`, `mood`, `integer[]`, `public.geometry(Point,4326)`. */
  remoteType: string;
  /** The declared type is a domain (over `baseType`), whose CHECK constraints the local column does not get. */
  domain?: boolean;
  /** For an array (`category` A): its element type, also after resolving domains. */
  element?: ElementType;
}

/** An array's element type; its typmod is the column's, or the element domain's own. */
export interface ElementType extends ResolvedType {
  /** The element type is a domain: the remote's array values carry the domain's OID. */
  domain: boolean;
}

export interface CastContext {
  /** The target has PostGIS (SessionOptions.target). */
  targetPostgis: boolean;
  /** server_version_num of the target (SessionOptions.target); absent = unknown, no multiranges. */
  targetVersionNum?: number;
  /** SPEC §14 user rules, matched against the column name and `remoteType` (PG_TYPE_WORDS applies), before this table. */
  casts?: readonly UserCast[];
}

export interface CastRule extends SharedCastRule<RemoteColumn, CastContext> {
  /** Type the remote SELECT casts the column to (schema-qualified, built from constants and pg_catalog typnames only); absent = the value is used as is. */
  selectCast?: string | ((column: RemoteColumn) => string);
}

export interface CastResult {
  localType: string;
  selectCast?: string;
  userCast?: ColumnPlan['userCast'];
}

/** Built-in types the target always has, kept with their exact modifiers (format_type). */
export const EXACT_BUILTIN_TYPES = [
  'int2', 'int4', 'int8', 'float4', 'float8', 'varchar', 'bpchar', 'text', 'date', 'time', 'timetz',
  'timestamp', 'timestamptz', 'interval', 'bool', 'uuid', 'json', 'jsonb', 'bytea', 'inet', 'cidr',
  'macaddr', 'macaddr8', 'bit', 'varbit', 'xml', 'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle',
  'tsvector', 'tsquery', 'pg_lsn',
] as const;

/** The built-in range types (typtype r) and multirange types (typtype m, PostgreSQL 14+). */
export const BUILTIN_RANGE_TYPES = ['int4range', 'int8range', 'numrange', 'tsrange', 'tstzrange', 'daterange'] as const;
export const BUILTIN_MULTIRANGE_TYPES = BUILTIN_RANGE_TYPES.map((r) => r.replace('range', 'multirange'));
/** server_version_num of the first release with multiranges. */
const MULTIRANGE_VERSION = 140000;

/** PostGIS types, kept only when the target has PostGIS too. */
export const POSTGIS_TYPES = ['geometry', 'geography'] as const;

/** numeric's typmod: ((precision << 16) | scale) + VARHDRSZ (src/backend/utils/adt/numeric.c). */
const VARHDRSZ = 4;
const NON_TYPE_CHARS = /[^a-z0-9_ (),]/i;

const postgis = (c: RemoteColumn) => (POSTGIS_TYPES as readonly string[]).includes(c.typeName) && c.typtype === 'b';

/** What a rule's `types` list is matched against: the bare typname for built-ins, `schema.typname` for any other type. */
export function typeKey(c: RemoteColumn): string {
  return c.typeSchema === 'pg_catalog' ? c.typeName : `${c.typeSchema}.${c.typeName}`;
}

/** numeric(p,s) with 0 ≤ s ≤ p; PostgreSQL 15 also allows s < 0 and s > p, which only plain numeric holds everywhere. */
function plainNumericModifiers(c: RemoteColumn): boolean {
  if (c.typmod < VARHDRSZ) return false;
  const packed = c.typmod - VARHDRSZ;
  const precision = (packed >> 16) & 0xffff;
  const scale = ((packed & 0x7ff) ^ 1024) - 1024; // 11-bit two's complement since PostgreSQL 15
  return scale >= 0 && scale <= precision;
}

/** `public.geometry(Point,4326)` → `geometry(Point,4326)`: the target resolves the name through its own search_path. */
function unqualified(c: RemoteColumn): string {
  const modifiers = /\(.*\)$/.exec(c.baseType)?.[0] ?? '';
  return `${c.typeName}${modifiers}`;
}

/**
 * The rules that keep a type exactly, needing no SELECT cast: the scalar part of the table, and
 * what an array's element must match for the array to be kept. Their type lists are disjoint.
 */
const KEPT_TYPE_RULES: readonly CastRule[] = [
  { name: 'numeric(p,s) kept', types: ['numeric'], when: plainNumericModifiers, to: (c) => c.baseType },
  { name: 'numeric without (or with negative-scale) modifiers → numeric', types: ['numeric'], to: 'numeric' },
  { name: 'built-in types kept exactly', types: EXACT_BUILTIN_TYPES, when: (c) => !NON_TYPE_CHARS.test(c.baseType), to: (c) => c.baseType },
  { name: 'built-in ranges kept', types: BUILTIN_RANGE_TYPES, when: (c) => c.typtype === 'r', to: (c) => c.typeName },
  { name: 'built-in multiranges kept (PostgreSQL 14+ target)', types: BUILTIN_MULTIRANGE_TYPES, when: (c, ctx) => c.typtype === 'm' && (ctx.targetVersionNum ?? 0) >= MULTIRANGE_VERSION, to: (c) => c.typeName },
  { name: 'PostGIS geometry/geography kept when the target has PostGIS', when: (c, ctx) => postgis(c) && ctx.targetPostgis, to: unqualified },
];

/** A target that has everything: see arrayOfKept. */
const ANY_TARGET: CastContext = { targetPostgis: true, targetVersionNum: Number.MAX_SAFE_INTEGER };

/** The element's kept local type under `ctx`, or undefined when the element is not kept. */
function keptElement(c: RemoteColumn, ctx: CastContext): string | undefined {
  if (c.category !== 'A' || !c.element) return undefined;
  const element = { ...c.element, name: c.name, remoteType: c.element.baseType };
  return matchCast(KEPT_TYPE_RULES, typeKey(element), element, ctx)?.localType ?? undefined;
}

/**
 * `integer[]`, `numeric(10,2)[]`, `geometry(Point,4326)[]`. The rule's `when` has matched the
 * element under the real target; `to` gets no context, but the kept rules' types are disjoint,
 * so the rule that matches under a target that has everything is that same rule.
 */
const arrayOfKept = (c: RemoteColumn): string => `${keptElement(c, ANY_TARGET)!}[]`;

/**
 * An array of a domain carries the domain's OID in its binary form (array_send), which another
 * server does not know (an older one refuses it: "wrong element type"): the SELECT casts it to
 * the array of the built-in base type, which changes no value.
 */
const elementDomainCast = (c: RemoteColumn) => c.element?.domain === true && c.element.typeSchema === 'pg_catalog';

export const POSTGRES_CAST_RULES: readonly CastRule[] = [
  { name: 'arrays of domains over built-in types kept as arrays of the base type', when: (c, ctx) => elementDomainCast(c) && keptElement(c, ctx) !== undefined, to: arrayOfKept, selectCast: (c) => `pg_catalog.${c.element!.typeName}[]` },
  { name: 'arrays of kept types kept', when: (c, ctx) => keptElement(c, ctx) !== undefined, to: arrayOfKept },
  // Arrays of enums, composites, user and other types print as array literals: text (issue 4 §2).
  { name: 'other arrays → text', when: (c) => c.category === 'A', to: 'text', selectCast: 'pg_catalog.text' },
  { name: 'enums → text', when: (c) => c.typtype === 'e', to: 'text', selectCast: 'pg_catalog.text' },
  ...KEPT_TYPE_RULES,
  { name: 'composites, other ranges and multiranges, pseudo-types → text', when: (c) => 'crmp'.includes(c.typtype), to: 'text', selectCast: 'pg_catalog.text' },
  // money prints with the remote's lc_monetary ("$1,234.50"); its numeric cast is exact.
  { name: 'money → numeric', types: ['money'], to: 'numeric', selectCast: 'pg_catalog.numeric' },
  { name: 'PostGIS geometry/geography skipped without PostGIS in the target', when: postgis, to: null },
  // Other extension and user-defined base types, and built-ins the lists above leave out
  // (name, "char", oid, reg*, jsonpath, …): their text form is exact.
  { name: 'everything else → text', to: 'text', selectCast: 'pg_catalog.text' },
];

/** The local type and SELECT cast for a column, or null when it must be skipped. */
export function resolveCast(column: RemoteColumn, ctx: CastContext, rules: readonly CastRule[] = POSTGRES_CAST_RULES): CastResult | null {
  const decided = decideCast(column, ctx, rules);
  return 'reason' in decided ? null : decided.cast;
}

/**
 * One name per built-in type for user rules (SPEC §14): format_type() spells `character
 * varying(20)`, `timestamp(3) with time zone`, `integer[]`; users write `varchar(20)`,
 * `timestamptz(3)`, `int4[]` or the SQL names. All compare as the typname (rows/pg-types.ts).
 */
export const PG_TYPE_WORDS: TypeWords = (words) => {
  const t = parsePgType(words);
  return t ? `${t.name}${t.array ? '[]' : ''}` : words;
};

/** resolveCast, plus what cdb_connector_explain shows: the deciding rule's name, or why the column is skipped. */
export function decideCast(column: RemoteColumn, ctx: CastContext, rules: readonly CastRule[] = POSTGRES_CAST_RULES):
  { cast: CastResult; rule: string } | { reason: string } {
  const match = matchCast(rules, typeKey(column), column, ctx);
  const decided = decideColumn(match, () => skipReason(match, column.remoteType), { name: column.name, remoteType: column.remoteType }, { ...ctx, canonical: PG_TYPE_WORDS });
  if ('reason' in decided) return decided;
  const selectCast = typeof decided.rule.selectCast === 'function' ? decided.rule.selectCast(column) : decided.rule.selectCast;
  const cast: CastResult = { localType: decided.localType, ...(selectCast ? { selectCast } : {}), ...(decided.userCast ? { userCast: decided.userCast } : {}) };
  return { cast, rule: decided.name };
}
