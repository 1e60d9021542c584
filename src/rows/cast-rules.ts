/**
 * Cast rules as data, and the one matcher every provider uses (pgloader's DEFAULT_CAST_RULES and
 * its shared casting-rules.lisp): an ordered table, the first rule whose type list and condition
 * match a remote column wins and names its local type; a column no rule matches, or whose rule
 * maps to null, is skipped and named in the `skipped_columns` warning (SPEC §8).
 *
 * Each provider's cast-rules.ts holds only its table and its RemoteColumn; what a rule carries
 * beyond the local type (how the remote SELECT reads the column, which decoder turns its wire
 * value into COPY text) is the provider's, added to the rule as extra fields. SPEC §14's user
 * casts (`{"type": …, "to": …}`, setting `cast_rules`) will be rules of this same shape put in
 * front of a built-in table, which is why a decoder belongs to the rule (it follows the remote
 * type) and not to the local type.
 * Imports nothing of providers/ or load/ (.ci/dependency-cruiser.cjs, rule rows-is-neutral).
 */

/** One row of a cast table. `C` is the provider's remote column, `X` what else decides (the target, the request). */
export interface CastRule<C, X = undefined> {
  /** For humans and `cdb_connector_explain` (SPEC §14): which rule decided a column. */
  name?: string;
  /** Remote type names as the provider normalises them (`varchar`, `DECIMAL`); absent = any type, `when` decides. */
  types?: readonly string[];
  /** Extra condition; absent = the type list alone decides. */
  when?: (column: C, ctx: X) => boolean;
  /** PostgreSQL type expression for the local column, or null to skip the column. */
  to: string | ((column: C) => string) | null;
}

/** The rule that decided a column, and the local type it gave (null = skipped by that rule). */
export interface CastMatch<R> {
  rule: R;
  localType: string | null;
}

/**
 * The first rule of `rules` that matches: `remoteType` (the provider's normalised type name) is
 * in its `types`, and its `when` holds. Undefined when none does: the column is skipped.
 */
export function matchCast<C, X, R extends CastRule<C, X>>(rules: readonly R[], remoteType: string, column: C, ctx: X): CastMatch<R> | undefined {
  for (const rule of rules) {
    if (rule.types && !rule.types.includes(remoteType)) continue;
    if (rule.when && !rule.when(column, ctx)) continue;
    const localType = rule.to === null ? null : typeof rule.to === 'string' ? rule.to : rule.to(column);
    return { rule, localType };
  }
  return undefined;
}

/** Stands for a rule's computed local type in a derived name (`varchar(n) → varchar(n)` reads better, but needs a `name`). */
const COMPUTED_TYPE = 'a computed type';

/**
 * The rule's name for `cdb_connector_explain`: its `name`, else one derived from its types and
 * local type (`json → jsonb`), so that a rule without a name (a user cast) still says what it is.
 */
export function castRuleName(rule: CastRule<never, never>): string {
  if (rule.name) return rule.name;
  const from = rule.types?.length ? rule.types.join(', ') : 'any type';
  const to = rule.to === null ? 'skipped' : typeof rule.to === 'string' ? rule.to : COMPUTED_TYPE;
  return `${from} → ${to}`;
}

/**
 * Why a column is skipped: no rule matched its type (`remoteType`), or the rule that matched maps
 * it to nothing, whose name then says why (`spatial types skipped without PostGIS in the target`).
 */
export function skipReason(match: CastMatch<CastRule<never, never>> | undefined, remoteType: string): string {
  return match ? castRuleName(match.rule) : `no rule maps ${remoteType}`;
}
