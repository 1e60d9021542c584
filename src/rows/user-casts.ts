/**
 * SPEC §14 user cast rules (the connector key `casts`, the setting `cast_rules`): which remote
 * column a rule matches, and how the first matching rule overrides the built-in table's choice
 * for that column, in front of every provider's table through one function (`decideColumn`).
 *
 * A user rule changes only the LOCAL type. How the column is read and decoded stays what the
 * built-in rule for the column's remote type says (its decoder, its remote SELECT expression), so
 * the values arrive exactly as without the rule and PostgreSQL's input function of the new type
 * parses them: a MySQL tinyint(1) arrives as `0`/`1`, which boolean reads as false/true; a value
 * the new type cannot hold is refused by PostgreSQL (the row fails), never changed. Rules that
 * would change values silently are refused unless marked `"lossy": true` (lossy-casts.ts).
 * Imports nothing of providers/ or load/ (.ci/dependency-cruiser.cjs, rule rows-is-neutral).
 */
import { ConnectorError } from '../errors.js';
import { castRuleName, type CastMatch, type CastRule } from './cast-rules.js';
import { lossOf } from './lossy-casts.js';
import { canonicalPgType, normaliseTypeText as tidy, parsePgType } from './pg-types.js';
import type { ColumnPlan } from './plan.js';
import type { CopyValue } from './sink.js';

/** One user rule as the sidecar hands it to a provider (SourceRequest.casts), in matching order. */
export interface UserCast {
  /** Where it came from, 1-based, for messages and plans: `casts[1]`, `cast_rules[3]`. */
  label: string;
  /** A remote type as the provider spells it (ColumnPlan.remoteType); with parentheses it matches exactly. */
  type?: string;
  /** A remote column name, matched exactly. */
  column?: string;
  /** The local type: a PostgreSQL type expression of pg_catalog (or geometry/geography), checked by the sidecar. */
  to: string;
  /** The zone of the remote wall-clock values (only with `to` timestamptz). */
  timeZone?: string;
  /** Accepts a rule that may change values silently. */
  lossy?: boolean;
}

/**
 * A provider's own names for type words, applied to both the rule's type and the column's before
 * they are compared (PostgreSQL: `character varying` and `varchar` are one type). Gets the words
 * without the modifiers, lower-case, single-spaced: `timestamp with time zone`, `int unsigned`.
 */
export type TypeWords = (words: string) => string;

const sameWords: TypeWords = (words) => words;

interface SpelledType {
  /** Type words without the modifiers, through the provider's TypeWords: `decimal unsigned`, `timestamptz`. */
  words: string[];
  /** What is between the first `(` and the last `)`, spaces removed; undefined without parentheses. */
  modifiers?: string;
}

function spell(type: string, canonical: TypeWords): SpelledType {
  const t = tidy(type);
  const open = t.indexOf('(');
  const close = t.lastIndexOf(')');
  if (open < 0 || close < open) return { words: canonical(t).split(' ') };
  const words = `${t.slice(0, open)} ${t.slice(close + 1)}`.replace(/ (?=\[)/g, '').trim().replace(/ +/g, ' ');
  return { words: canonical(words).split(' '), modifiers: t.slice(open + 1, close) };
}

/**
 * Does the rule's `type` name the column's remote type? With parentheses, the whole spelling must
 * be the same (`tinyint(1)`, `decimal(10,2)`; `decimal(10,2)` is not `decimal(10,2) unsigned`).
 * Without them, the first word must be the same and every further word of the rule must be in
 * the column's type: `datetime` matches datetime(0) … datetime(6), `int` matches int(11) and
 * int(10) unsigned, `int unsigned` only the unsigned ones.
 */
export function typeMatches(ruleType: string, remoteType: string, canonical: TypeWords = sameWords): boolean {
  const rule = spell(ruleType, canonical);
  const remote = spell(remoteType, canonical);
  if (rule.modifiers !== undefined) return rule.modifiers === remote.modifiers && rule.words.join(' ') === remote.words.join(' ');
  const [base, ...rest] = rule.words;
  return base === remote.words[0] && rest.every((w) => remote.words.includes(w));
}

/** The first rule that matches the column by name (exact) or by remote type. */
export function findUserCast(casts: readonly UserCast[], column: { name: string; remoteType: string }, canonical: TypeWords = sameWords): UserCast | undefined {
  return casts.find((c) => (c.column !== undefined ? c.column === column.name : c.type !== undefined && typeMatches(c.type, column.remoteType, canonical)));
}

/** How plans, explain and messages name a user rule: `casts[1]: tinyint(1) → boolean`. */
export function userCastName(cast: UserCast, timeZone?: string): string {
  const from = cast.column !== undefined ? `column ${cast.column}` : cast.type;
  return `${cast.label}: ${from} → ${cast.to}${timeZone ? ` (wall-clock values in ${timeZone})` : ''}`;
}

/** The rule as the user wrote it, for messages: `{"type": "double", "to": "real"}`. */
export function userCastJson(cast: UserCast): string {
  const fields: Array<[string, unknown]> = [
    [cast.column !== undefined ? 'column' : 'type', cast.column ?? cast.type], ['to', cast.to],
    ...(cast.timeZone !== undefined ? [['time_zone', cast.timeZone] as [string, unknown]] : []),
    ...(cast.lossy !== undefined ? [['lossy', cast.lossy] as [string, unknown]] : []),
  ];
  return `{${fields.map(([k, v]) => `"${k}": ${JSON.stringify(v)}`).join(', ')}}`;
}

/** Wall-clock values taken as UTC when a rule to timestamptz names no zone (the load session's TimeZone must not decide). */
export const DEFAULT_TIME_ZONE = 'UTC';

/** Types the target has only with PostGIS. */
const POSTGIS_TYPE = /^(geometry|geography)\b/;

/** What decided a column: the built-in rule (its decoder, its remote SELECT), the local type, and the rule's name. */
export interface ColumnCast<R> {
  /** The built-in rule for the column's remote type: how its values are read, also under a user rule. */
  rule: R;
  localType: string;
  /** ColumnPlan.rule */
  name: string;
  /** ColumnPlan.userCast, when a user rule decided the column. */
  userCast?: NonNullable<ColumnPlan['userCast']>;
}

export interface DecideOptions {
  casts?: readonly UserCast[];
  canonical?: TypeWords;
  targetPostgis: boolean;
}

/**
 * The cast of one column: the first user rule that matches it, else the built-in table's match
 * (`builtIn`, from matchCast). A column the built-in table skips stays skipped (nothing knows how
 * to decode its values), and says which user rule could not take it. Throws 1502 for a user rule
 * that would lose data without `"lossy": true`, that gives a wall-clock zone to a column holding
 * instants, or that names a PostGIS type the target does not have.
 */
export function decideColumn<R extends CastRule<never, never>>(
  builtIn: CastMatch<R> | undefined, skipReason: () => string, column: { name: string; remoteType: string }, opts: DecideOptions,
): ColumnCast<R> | { reason: string } {
  const user = opts.casts?.length ? findUserCast(opts.casts, column, opts.canonical) : undefined;
  if (!builtIn || builtIn.localType === null) {
    const reason = skipReason();
    return { reason: user ? `${reason} (${user.label} cannot import it: no rule knows how to read its values)` : reason };
  }
  if (!user) return { rule: builtIn.rule, localType: builtIn.localType, name: castRuleName(builtIn.rule) };
  const builtInType = builtIn.localType;
  const refuse = (why: string) => new ConnectorError('INVALID_PARAMETERS',
    `${user.label} ${userCastJson(user)} ${why} (column "${column.name}", ${column.remoteType}, imported as ${builtInType} without the rule)`);
  if (POSTGIS_TYPE.test(user.to) && !opts.targetPostgis) throw refuse('names a PostGIS type, but PostGIS is not installed in the target database');
  const timeZone = zoneOf(user, builtInType);
  if (user.timeZone !== undefined && timeZone === undefined) {
    throw refuse('gives a "time_zone", but the column does not hold wall-clock times (only timestamp and date columns do)');
  }
  const lossy = user.lossy === true ? undefined : lossOf(builtInType, user.to);
  if (lossy) throw refuse(`would ${lossy}: add "lossy": true to accept it`);
  return {
    rule: builtIn.rule, localType: user.to, name: userCastName(user, timeZone),
    userCast: { label: user.label, builtInType, ...(timeZone ? { timeZone } : {}) },
  };
}

/** Local types whose values are wall-clock times without a zone: what a rule's `time_zone` can place. */
const WALL_CLOCK_TYPES = new Set(['timestamp', 'date']);

/** The zone wall-clock values are read in: the rule's, or UTC for a rule to timestamptz without one; undefined when none applies. */
function zoneOf(user: UserCast, builtInType: string): string | undefined {
  const from = parsePgType(builtInType);
  const to = parsePgType(user.to);
  if (!from || !to || from.array || to.array || !WALL_CLOCK_TYPES.has(from.name) || to.name !== 'timestamptz') return undefined;
  return user.timeZone ?? DEFAULT_TIME_ZONE;
}

/** The local type the built-in table gives the column, whatever a user rule made of it: what its decoder was made for. */
export function builtInTypeOf(column: ColumnPlan): string {
  return column.userCast?.builtInType ?? column.localType;
}

/** True when a user rule changes what the load receives: another local type, or a zone added to each value. */
export function changedByUserCast(column: ColumnPlan): boolean {
  return column.userCast !== undefined && (column.userCast.timeZone !== undefined || sameSpelling(column.localType) !== sameSpelling(column.userCast.builtInType));
}

/**
 * A value converter that appends ` <zone>` to every non-null value of a column with a zone
 * (ColumnPlan.userCast.timeZone): `2024-03-31 02:30:00 Europe/Madrid` is what PostgreSQL's
 * timestamptz input reads as that wall-clock time in that zone. Without a zone, `convert` itself
 * (nothing added to the hot path); `convert` null means the values pass unconverted.
 */
export function withTimeZone<V, O extends CopyValue>(convert: ((value: V, row: number) => O) | null, zone: string | undefined): ((value: V, row: number) => O) | null {
  if (zone === undefined) return convert;
  const text = ` ${zone}`;
  const bytes = Buffer.from(text);
  return (value, row) => {
    const v = convert ? convert(value, row) : (value as unknown as O);
    if (v === null) return v;
    return (typeof v === 'string' ? v + text : Buffer.concat([v as Buffer, bytes])) as O;
  };
}

/** One spelling per type (`character varying(20)` and `varchar(20)` are the same), for comparing local types. */
function sameSpelling(type: string): string {
  return canonicalPgType(type) ?? tidy(type);
}
