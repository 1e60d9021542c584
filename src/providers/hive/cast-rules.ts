/**
 * Hive type → PostgreSQL type, as data (pgloader's DEFAULT_CAST_RULES: first match wins).
 * A Hive type that matches no rule (UNIONTYPE, INTERVAL_*, TIMESTAMP WITH LOCAL TIME ZONE, void,
 * user-defined) is skipped and named in the `skipped_columns` warning (SPEC §8).
 *
 * `reader` says how rows.ts turns the wire value into COPY text input (values.ts).
 */

/** A column type as HiveServer2 describes it in TTypeDesc (TTypeId name without `_TYPE`). */
export interface HiveColumnType {
  id: string;
  precision?: number;
  scale?: number;
  length?: number;
}

export type ValueReader = 'boolean' | 'integer' | 'bigint' | 'float' | 'double' | 'ascii' | 'text' | 'timestamp' | 'binary' | 'json';

export interface CastRule {
  id: string;
  when?: (t: HiveColumnType) => boolean;
  localType: string | ((t: HiveColumnType) => string);
  reader: ValueReader;
}

const hasLength = (t: HiveColumnType) => t.length !== undefined && t.length > 0;

export const HIVE_CAST_RULES: readonly CastRule[] = [
  { id: 'BOOLEAN', localType: 'boolean', reader: 'boolean' },
  // PostgreSQL has no one-byte integer.
  { id: 'TINYINT', localType: 'smallint', reader: 'integer' },
  { id: 'SMALLINT', localType: 'smallint', reader: 'integer' },
  { id: 'INT', localType: 'integer', reader: 'integer' },
  // Read from the i64 bytes, never through a JS number (exact beyond 2^53).
  { id: 'BIGINT', localType: 'bigint', reader: 'bigint' },
  // HiveServer2 widens FLOAT to a double on the wire; the reader prints the shortest text of the float.
  { id: 'FLOAT', localType: 'real', reader: 'float' },
  { id: 'DOUBLE', localType: 'double precision', reader: 'double' },
  // DECIMAL travels as Hive's own decimal text: copied as is.
  { id: 'DECIMAL', when: (t) => t.precision !== undefined, localType: (t) => `numeric(${t.precision},${t.scale ?? 0})`, reader: 'ascii' },
  { id: 'DECIMAL', localType: 'numeric', reader: 'ascii' },
  { id: 'STRING', localType: 'text', reader: 'text' },
  { id: 'VARCHAR', when: hasLength, localType: (t) => `varchar(${t.length})`, reader: 'text' },
  { id: 'VARCHAR', localType: 'text', reader: 'text' },
  // Hive sends CHAR(n) padded to n characters; varchar(n) keeps exactly what Hive sent (SPEC §8).
  { id: 'CHAR', when: hasLength, localType: (t) => `varchar(${t.length})`, reader: 'text' },
  { id: 'CHAR', localType: 'text', reader: 'text' },
  { id: 'DATE', localType: 'date', reader: 'ascii' },
  // Nanoseconds are rounded to microseconds (values.ts roundTimestamp, warning timestamp_rounded).
  { id: 'TIMESTAMP', localType: 'timestamp', reader: 'timestamp' },
  { id: 'BINARY', localType: 'bytea', reader: 'binary' },
  // Complex values arrive as Hive's JSON rendering (complex-json.ts makes it valid JSON).
  { id: 'ARRAY', localType: 'jsonb', reader: 'json' },
  { id: 'MAP', localType: 'jsonb', reader: 'json' },
  { id: 'STRUCT', localType: 'jsonb', reader: 'json' },
];

export function resolveCast(type: HiveColumnType): { localType: string; reader: ValueReader } | undefined {
  const rule = HIVE_CAST_RULES.find((r) => r.id === type.id && (r.when === undefined || r.when(type)));
  if (!rule) return undefined;
  return { localType: typeof rule.localType === 'string' ? rule.localType : rule.localType(type), reader: rule.reader };
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
