/**
 * The user cast rules of one request (SPEC §14), as providers receive them in SourceRequest.casts:
 * the job's own `casts` first, then the setting `cast_rules` meant for this provider (a rule's
 * `provider`, absent = every provider); each provider's built-in table comes after both
 * (rows/user-casts.ts decideColumn). Each rule keeps its place in its list as a 1-based label
 * (`casts[1]`, `cast_rules[3]`) so that plans, explain and error messages point at it.
 *
 * `to` is rewritten in one canonical spelling built from known type names (rows/pg-types.ts:
 * `NUMERIC(12, 2)` → `numeric(12,2)`), never a schema-qualified or quoted name: the SQL API
 * checked it resolves in pg_catalog, and every load session's search_path puts pg_catalog first,
 * so no type of the user's own can stand behind it (load/ddl.ts assertSafeUserType, again here).
 */
import { ConnectorError } from '../errors.js';
import { assertSafeUserType } from '../load/ddl.js';
import { canonicalPgType } from '../rows/pg-types.js';
import type { UserCast } from '../rows/user-casts.js';
import type { SourceRequest } from '../providers/provider.js';

/** A rule as stored: the connector key `casts` (normalize_connector) or the setting `cast_rules` (check_setting). */
export interface StoredCastRule {
  type?: string;
  column?: string;
  to: string;
  time_zone?: string;
  lossy?: boolean;
  provider?: string;
}

/** The rules of one list (`key`: `casts` or `cast_rules`), labelled by position, only those for `provider` when given. */
export function userCastsOf(rules: readonly StoredCastRule[] | undefined, key: string, provider?: string): UserCast[] {
  const casts: UserCast[] = [];
  (rules ?? []).forEach((rule, i) => {
    if (provider !== undefined && rule.provider !== undefined && rule.provider.toLowerCase() !== provider) return;
    const label = `${key}[${i + 1}]`;
    casts.push({
      label, to: localTypeOf(rule.to, label),
      ...(rule.type !== undefined ? { type: rule.type } : { column: rule.column ?? '' }),
      ...(rule.time_zone !== undefined ? { timeZone: zoneOf(rule.time_zone, label) } : {}),
      ...(rule.lossy !== undefined ? { lossy: rule.lossy } : {}),
    });
  });
  return casts;
}

/** The request with the setting's rules for its provider after its own (the job's `casts`, toSourceRequest). */
export function withSettingCasts(request: SourceRequest, settingRules: readonly StoredCastRule[]): SourceRequest {
  const fromSetting = userCastsOf(settingRules, 'cast_rules', request.provider);
  if (fromSetting.length === 0) return request;
  return { ...request, casts: [...(request.casts ?? []), ...fromSetting] };
}

/**
 * A zone name as pg_timezone_names spells them (`Europe/Madrid`, `UTC`, `Etc/GMT+3`). PostgreSQL's
 * AT TIME ZONE also takes POSIX specs with any trailing text (`UTC' || x`), which the SQL check
 * lets through; the zone travels as data (COPY text, a quoted literal), never as SQL, but a
 * shape this strict keeps such values out of the load altogether. It also refuses a bare offset:
 * `+03` appended to a value means three hours EAST of UTC, in AT TIME ZONE three hours west
 * (POSIX), measured on PostgreSQL 15; a name means the same in both.
 */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/;

function zoneOf(zone: string, label: string): string {
  if (!ZONE_NAME.test(zone)) throw new ConnectorError('INVALID_PARAMETERS', `The "time_zone" of ${label}, ${JSON.stringify(zone)}, is not a time zone name (see pg_timezone_names, e.g. "Europe/Madrid", "UTC")`);
  return zone;
}

function localTypeOf(to: string, label: string): string {
  const canonical = canonicalPgType(to);
  try {
    if (canonical === undefined) throw new Error('not a type name');
    return assertSafeUserType(canonical);
  } catch {
    throw new ConnectorError('INVALID_PARAMETERS', `The "to" of ${label}, ${JSON.stringify(to)}, is not a built-in PostgreSQL type name`);
  }
}

