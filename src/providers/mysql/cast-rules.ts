/**
 * MySQL/MariaDB column types → PostgreSQL local types (SPEC §8), as data.
 *
 * pgloader's DEFAULT_CAST_RULES idea: an ordered table, the first rule whose type list and
 * condition match wins; a column no rule matches is skipped and named in a warning. Both
 * catalog sources (information_schema for tables, result metadata for sql_query) are first
 * normalised to a RemoteColumn so the same rules serve both.
 */

/** A remote column as catalog.ts normalises it. */
export interface RemoteColumn {
  name: string;
  /** Lower-case MySQL data type without modifiers: `varchar`, `bigint`, `enum`, `json`, `geometry`… */
  dataType: string;
  /** Type as MySQL spells it, e.g. `bigint(20) unsigned`, `enum('a','b')` (ColumnPlan.remoteType). */
  columnType: string;
  unsigned: boolean;
  /** Characters for char/varchar, bits for bit; absent for other types. */
  length?: number;
  /** Digits of decimal/numeric. */
  precision?: number;
  scale?: number;
  /** Fractional-second digits of time, datetime and timestamp. */
  fsp?: number;
}

/** What the target can store (SessionOptions.target). */
export interface CastContext {
  targetPostgis: boolean;
}

const PLAIN_TARGET: CastContext = { targetPostgis: false };

export interface CastRule {
  types: readonly string[];
  /** Extra condition; absent = the type list alone decides. */
  when?: (column: RemoteColumn, ctx: CastContext) => boolean;
  /** PostgreSQL type expression, or null to skip the column. */
  to: string | ((column: RemoteColumn) => string) | null;
}

/** PostgreSQL's varchar limit (src/include/access/htup_details.h MaxAttrSize / 1 byte per char). */
const PG_MAX_VARCHAR_LENGTH = 10_485_760;
/** PostgreSQL numeric precision limit. */
const PG_MAX_NUMERIC_PRECISION = 1000;
/** Fractional seconds beyond microseconds do not exist in either server. */
const MAX_FSP = 6;

const signed = (c: RemoteColumn) => !c.unsigned;
const fsp = (c: RemoteColumn) => Math.min(Math.max(c.fsp ?? 0, 0), MAX_FSP);

export const SPATIAL_TYPES = [
  'geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon',
  'geometrycollection', 'geomcollection',
] as const;

export const MYSQL_CAST_RULES: readonly CastRule[] = [
  // CHAR is read back without its pad spaces (MySQL strips them), so varchar keeps the value exact.
  { types: ['char', 'varchar'], when: (c) => (c.length ?? 0) >= 1 && (c.length ?? 0) <= PG_MAX_VARCHAR_LENGTH, to: (c) => `varchar(${c.length})` },
  { types: ['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set', 'null'], to: 'text' },
  { types: ['json'], to: 'jsonb' },
  {
    types: ['decimal', 'numeric'],
    when: (c) => c.precision !== undefined && c.precision >= 1 && c.precision <= PG_MAX_NUMERIC_PRECISION && (c.scale ?? 0) >= 0 && (c.scale ?? 0) <= c.precision,
    to: (c) => `numeric(${c.precision},${c.scale ?? 0})`,
  },
  { types: ['decimal', 'numeric'], to: 'numeric' },
  { types: ['float'], to: 'real' },
  { types: ['double', 'real', 'double precision'], to: 'double precision' },
  { types: ['tinyint'], to: 'smallint' },
  { types: ['smallint'], when: signed, to: 'smallint' },
  { types: ['smallint', 'mediumint'], to: 'integer' },
  { types: ['int', 'integer'], when: signed, to: 'integer' },
  { types: ['int', 'integer'], to: 'bigint' },
  { types: ['bigint'], when: signed, to: 'bigint' },
  // 18446744073709551615 has 20 digits.
  { types: ['bigint'], to: 'numeric(20,0)' },
  { types: ['year'], to: 'smallint' },
  { types: ['date'], to: 'date' },
  { types: ['time'], to: (c) => `time(${fsp(c)})` },
  { types: ['datetime'], to: (c) => `timestamp(${fsp(c)})` },
  // The session runs with time_zone '+00:00', so TIMESTAMP values arrive in UTC (rows.ts adds `+00`).
  { types: ['timestamp'], to: (c) => `timestamptz(${fsp(c)})` },
  { types: ['bit'], when: (c) => c.length === 1, to: 'boolean' },
  // Fixed width: MySQL always returns all n bits of a BIT(n) value.
  { types: ['bit'], when: (c) => (c.length ?? 0) > 1, to: (c) => `bit(${c.length})` },
  { types: ['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob'], to: 'bytea' },
  // MariaDB 10.7+ UUID and 10.10+/10.5+ INET4/INET6 print in forms PostgreSQL parses.
  { types: ['uuid'], to: 'uuid' },
  { types: ['inet4', 'inet6'], to: 'inet' },
  // SPEC §12: with PostGIS in the target, any spatial column becomes a geometry (SRIDs vary per
  // value in MySQL, so no typmod); values.ts turns MySQL's internal bytes into EWKB text.
  // Without PostGIS they are skipped and named in the warning.
  { types: SPATIAL_TYPES, when: (_c, ctx) => ctx.targetPostgis, to: 'geometry' },
  { types: SPATIAL_TYPES, to: null },
];

/** The local type for a column, or null when it must be skipped. */
export function resolveCast(column: RemoteColumn, rules: readonly CastRule[] = MYSQL_CAST_RULES, ctx: CastContext = PLAIN_TARGET): string | null {
  for (const rule of rules) {
    if (!rule.types.includes(column.dataType)) continue;
    if (rule.when && !rule.when(column, ctx)) continue;
    if (rule.to === null) return null;
    return typeof rule.to === 'string' ? rule.to : rule.to(column);
  }
  return null;
}
