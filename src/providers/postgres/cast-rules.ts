/**
 * PostgreSQL source types → local types (SPEC §8 "keep the source's exact types"), as data.
 *
 * An ordered table matched by the shared rows/cast-rules.ts (pgloader's DEFAULT_CAST_RULES): the
 * first rule whose type list and condition match wins. A rule's `types` are the column's type
 * key (`typeKey`): the bare typname for built-ins (`numeric`, `int4`), schema-qualified for any
 * other type (`public.citext`), so a user type that happens to be called `numeric` is not taken
 * for the built-in one. Domains are resolved to their base type first (catalog.ts), so a domain
 * over `numeric(10,2)` is kept as `numeric(10,2)` and loses only its CHECK. A rule that changes
 * the type also names the cast that runs in the remote SELECT (`"col"::pg_catalog.text`), so that
 * the value arrives already in the local type on both paths: the text COPY prints the cast's
 * output, and the binary COPY sends the local type's binary form (which is what makes the binary
 * fast path possible for every column, issue 4 §3).
 */
import { matchCast, skipReason, type CastRule as SharedCastRule } from '../../rows/cast-rules.js';
import { parsePgType } from '../../rows/pg-types.js';
import type { ColumnPlan } from '../../rows/plan.js';
import { decideColumn, type TypeWords, type UserCast } from '../../rows/user-casts.js';

/** A remote column as catalog.ts normalises it (table attribute or query result column). */
export interface RemoteColumn {
  name: string;
  /** format_type() of the declared type, e.g. `character varying(20)`, `mood`, `integer[]`, `public.geometry(Point,4326)`. */
  remoteType: string;
  /** After resolving domains: pg_type.typname, e.g. `int4`, `numeric`, `geometry`, `_int4`. */
  typeName: string;
  /** Schema of that type: `pg_catalog` for built-ins. */
  typeSchema: string;
  /** pg_type.typtype: b base, c composite, e enum, p pseudo, r range, m multirange. */
  typtype: string;
  /** pg_type.typcategory: `A` for arrays. */
  category: string;
  /** format_type() of the base type with its typmod, e.g. `numeric(38,10)`, `timestamp(3) with time zone`. */
  baseType: string;
  typmod: number;
}

export interface CastContext {
  /** The target has PostGIS (SessionOptions.target). */
  targetPostgis: boolean;
  /** SPEC §14 user rules, matched against the column name and `remoteType` (PG_TYPE_WORDS applies), before this table. */
  casts?: readonly UserCast[];
}

export interface CastRule extends SharedCastRule<RemoteColumn, CastContext> {
  /** Type the remote SELECT casts the column to (schema-qualified); absent = the value is used as is. */
  selectCast?: string;
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
  'macaddr', 'macaddr8', 'bit', 'varbit',
] as const;

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

export const POSTGRES_CAST_RULES: readonly CastRule[] = [
  // Arrays (also of built-ins) print as array literals; the target gets them as text (issue 4 §2).
  { name: 'arrays → text', when: (c) => c.category === 'A', to: 'text', selectCast: 'pg_catalog.text' },
  { name: 'enums, composites, ranges, pseudo-types → text', when: (c) => 'ecrmp'.includes(c.typtype), to: 'text', selectCast: 'pg_catalog.text' },
  { name: 'numeric(p,s) kept', types: ['numeric'], when: plainNumericModifiers, to: (c) => c.baseType },
  { name: 'numeric without (or with negative-scale) modifiers → numeric', types: ['numeric'], to: 'numeric' },
  // money prints with the remote's lc_monetary ("$1,234.50"); its numeric cast is exact.
  { name: 'money → numeric', types: ['money'], to: 'numeric', selectCast: 'pg_catalog.numeric' },
  { name: 'built-in types kept exactly', types: EXACT_BUILTIN_TYPES, when: (c) => !NON_TYPE_CHARS.test(c.baseType), to: (c) => c.baseType },
  { name: 'PostGIS geometry/geography kept when the target has PostGIS', when: (c, ctx) => postgis(c) && ctx.targetPostgis, to: unqualified },
  { name: 'PostGIS geometry/geography skipped without PostGIS in the target', when: postgis, to: null },
  // Other extension and user-defined base types, and built-ins the list above leaves out
  // (name, "char", xml, tsvector, point, pg_lsn, …): their text form is exact.
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
  const { selectCast } = decided.rule;
  const cast: CastResult = { localType: decided.localType, ...(selectCast ? { selectCast } : {}), ...(decided.userCast ? { userCast: decided.userCast } : {}) };
  return { cast, rule: decided.name };
}
