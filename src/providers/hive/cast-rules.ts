/**
 * Hive type → PostgreSQL type (SPEC §8), as data, matched by the shared rows/cast-rules.ts
 * (pgloader's DEFAULT_CAST_RULES: an ordered table, first match wins). A Hive type that matches
 * no rule (UNIONTYPE, INTERVAL_*, TIMESTAMP WITH LOCAL TIME ZONE, void, user-defined) is skipped
 * and named in the `skipped_columns` warning.
 *
 * Beyond the local type, a rule names its `reader`: how rows.ts turns the column's wire value
 * into COPY text input (values.ts). It belongs to the rule because it follows the remote type.
 */
import { castRuleName, matchCast, skipReason, type CastRule as SharedCastRule } from '../../rows/cast-rules.js';
import type { ColumnPlan } from '../../rows/plan.js';
import { decideColumn, type UserCast } from '../../rows/user-casts.js';

/** A column type as HiveServer2 describes it in TTypeDesc (TTypeId name without `_TYPE`). */
export interface HiveColumnType {
  id: string;
  precision?: number;
  scale?: number;
  length?: number;
}

export type ValueReader = 'boolean' | 'integer' | 'bigint' | 'float' | 'double' | 'ascii' | 'text' | 'timestamp' | 'binary' | 'json';

/** A rule of the Hive table: `types` are TTypeId names (`DECIMAL`, `VARCHAR`). */
export interface CastRule extends SharedCastRule<HiveColumnType> {
  types: readonly string[];
  reader: ValueReader;
}

/** A column's cast: its local type and how its values are read. */
export interface HiveCast {
  localType: string;
  reader: ValueReader;
  userCast?: ColumnPlan['userCast'];
}

/** SPEC §14 user rules of the request (matched against the column name and remoteTypeName), and what the target can store. */
export interface UserCastOptions {
  casts?: readonly UserCast[];
  targetPostgis: boolean;
}

const hasLength = (t: HiveColumnType) => t.length !== undefined && t.length > 0;

export const HIVE_CAST_RULES: readonly CastRule[] = [
  { name: 'boolean → boolean', types: ['BOOLEAN'], to: 'boolean', reader: 'boolean' },
  // PostgreSQL has no one-byte integer.
  { name: 'tinyint, smallint → smallint', types: ['TINYINT', 'SMALLINT'], to: 'smallint', reader: 'integer' },
  { name: 'int → integer', types: ['INT'], to: 'integer', reader: 'integer' },
  // Read from the i64 bytes, never through a JS number (exact beyond 2^53).
  { name: 'bigint → bigint', types: ['BIGINT'], to: 'bigint', reader: 'bigint' },
  // HiveServer2 widens FLOAT to a double on the wire; the reader prints the shortest text of the float.
  { name: 'float → real', types: ['FLOAT'], to: 'real', reader: 'float' },
  { name: 'double → double precision', types: ['DOUBLE'], to: 'double precision', reader: 'double' },
  // DECIMAL travels as Hive's own decimal text: copied as is.
  { name: 'decimal(p,s) → numeric(p,s)', types: ['DECIMAL'], when: (t) => t.precision !== undefined, to: (t) => `numeric(${t.precision},${t.scale ?? 0})`, reader: 'ascii' },
  { name: 'decimal → numeric', types: ['DECIMAL'], to: 'numeric', reader: 'ascii' },
  { name: 'string → text', types: ['STRING'], to: 'text', reader: 'text' },
  // Hive sends CHAR(n) padded to n characters; varchar(n) keeps exactly what Hive sent (SPEC §8).
  { name: 'varchar(n), char(n) → varchar(n)', types: ['VARCHAR', 'CHAR'], when: hasLength, to: (t) => `varchar(${t.length})`, reader: 'text' },
  { name: 'varchar, char → text', types: ['VARCHAR', 'CHAR'], to: 'text', reader: 'text' },
  { name: 'date → date', types: ['DATE'], to: 'date', reader: 'ascii' },
  // Nanoseconds are rounded to microseconds (values.ts roundTimestamp, warning timestamp_rounded).
  { name: 'timestamp → timestamp', types: ['TIMESTAMP'], to: 'timestamp', reader: 'timestamp' },
  { name: 'binary → bytea', types: ['BINARY'], to: 'bytea', reader: 'binary' },
  // Complex values arrive as Hive's JSON rendering (complex-json.ts makes it valid JSON).
  { name: 'array, map, struct → jsonb', types: ['ARRAY', 'MAP', 'STRUCT'], to: 'jsonb', reader: 'json' },
];

/** The local type and reader of a column of `type`, or undefined when it is skipped. */
export function resolveCast(type: HiveColumnType, rules: readonly CastRule[] = HIVE_CAST_RULES): HiveCast | undefined {
  const decided = decideCast(type, rules);
  return 'reason' in decided ? undefined : decided.cast;
}

/** resolveCast, plus what cdb_connector_explain shows: the deciding rule's name, or why the column is skipped. */
export function decideCast(type: HiveColumnType, rules: readonly CastRule[] = HIVE_CAST_RULES): { cast: HiveCast; rule: string } | { reason: string } {
  const match = matchCast(rules, type.id, type, undefined);
  if (!match || match.localType === null) return { reason: skipReason(match, remoteTypeName(type)) };
  return { cast: { localType: match.localType, reader: match.rule.reader }, rule: castRuleName(match.rule) };
}

/**
 * decideCast for the column `name`, with the request's user rules in front of the table: a user
 * rule sets the local type, the reader stays the built-in rule's (it follows the Hive type).
 */
export function decideColumnCast(name: string, type: HiveColumnType, opts: UserCastOptions, rules: readonly CastRule[] = HIVE_CAST_RULES): { cast: HiveCast; rule: string } | { reason: string } {
  const match = matchCast(rules, type.id, type, undefined);
  const decided = decideColumn(match, () => skipReason(match, remoteTypeName(type)), { name, remoteType: remoteTypeName(type) }, opts);
  if ('reason' in decided) return decided;
  const cast: HiveCast = { localType: decided.localType, reader: decided.rule.reader, ...(decided.userCast ? { userCast: decided.userCast } : {}) };
  return { cast, rule: decided.name };
}

const REMOTE_NAMES: Record<string, string> = {
  UNION: 'uniontype', NULL: 'void', USER_DEFINED: 'user_defined', TIMESTAMPLOCALTZ: 'timestamp with local time zone',
};

/** Hive's spelling of the type for plans and warnings: `decimal(38,10)`, `varchar(20)`, `array`. */
export function remoteTypeName(t: HiveColumnType): string {
  const base = REMOTE_NAMES[t.id] ?? t.id.toLowerCase();
  if (t.id === 'DECIMAL' && t.precision !== undefined) return `${base}(${t.precision},${t.scale ?? 0})`;
  if ((t.id === 'VARCHAR' || t.id === 'CHAR') && t.length !== undefined) return `${base}(${t.length})`;
  return base;
}
