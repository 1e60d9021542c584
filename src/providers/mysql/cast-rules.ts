/**
 * MySQL/MariaDB column types → PostgreSQL local types (SPEC §8), as data.
 *
 * pgloader's DEFAULT_CAST_RULES idea, matched by the shared rows/cast-rules.ts: an ordered table,
 * the first rule whose type list and condition match wins; a column no rule matches is skipped
 * and named in a warning. Both catalog sources (information_schema for tables, result metadata
 * for sql_query) are first normalised to a RemoteColumn so the same rules serve both.
 *
 * A rule also names the decoder (values.ts, charsets.ts) that turns the column's wire bytes into
 * COPY text; no decoder = MySQL already prints the value the way PostgreSQL reads it, and its
 * bytes go to the sink untouched (issue 7: the raw-bytes path). Decoders that null a value
 * PostgreSQL would reject count it in a warning, named beside them.
 */
import { matchCast, skipReason, type CastRule as SharedCastRule } from '../../rows/cast-rules.js';
import type { ColumnPlan } from '../../rows/plan.js';
import { decideColumn, type UserCast } from '../../rows/user-casts.js';

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

/** What the target can store (SessionOptions.target), and the request's user cast rules (SPEC §14). */
export interface CastContext {
  targetPostgis: boolean;
  /** Matched against the column name and `columnType` (its spelling in information_schema), before this table. */
  casts?: readonly UserCast[];
}

const PLAIN_TARGET: CastContext = { targetPostgis: false };

/**
 * How a column's wire bytes become COPY text (values.ts `valueConverterFor`):
 *   text           the request's `encoding` decoded, when given (charsets.ts); else UTF-8 as is
 *   date           zero / impossible dates → NULL (warnings zero_dates, invalid_values)
 *   datetime       the same checks on DATETIME
 *   timestamp-utc  the same, plus `+00` (the session reads TIMESTAMP in UTC, connection.ts)
 *   time           beyond PostgreSQL's 00:00–24:00 → NULL (warning time_out_of_range)
 *   bit-boolean    BIT(1) byte → t/f
 *   bit-string     BIT(n) bytes → n binary digits
 *   bytea-hex      bytes → `\x` hex
 *   geometry       MySQL's internal SRID + WKB → `SRID=n;<hex WKB>` (warning invalid_values)
 */
export type MysqlDecoder = 'text' | 'date' | 'datetime' | 'timestamp-utc' | 'time' | 'bit-boolean' | 'bit-string' | 'bytea-hex' | 'geometry';

export interface CastRule extends SharedCastRule<RemoteColumn, CastContext> {
  types: readonly string[];
  /** Absent: the bytes pass as MySQL sends them. */
  decoder?: MysqlDecoder;
}

/** A column's cast: its local type and its decoder (the built-in rule's, also under a user rule). */
export interface MysqlCast {
  localType: string;
  decoder?: MysqlDecoder;
  userCast?: ColumnPlan['userCast'];
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
  { name: 'char(n), varchar(n) → varchar(n)', types: ['char', 'varchar'], when: (c) => (c.length ?? 0) >= 1 && (c.length ?? 0) <= PG_MAX_VARCHAR_LENGTH, to: (c) => `varchar(${c.length})`, decoder: 'text' },
  { name: 'text types, enum, set → text', types: ['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set', 'null'], to: 'text', decoder: 'text' },
  { name: 'json → jsonb', types: ['json'], to: 'jsonb', decoder: 'text' },
  {
    name: 'decimal(p,s) → numeric(p,s)',
    types: ['decimal', 'numeric'],
    when: (c) => c.precision !== undefined && c.precision >= 1 && c.precision <= PG_MAX_NUMERIC_PRECISION && (c.scale ?? 0) >= 0 && (c.scale ?? 0) <= c.precision,
    to: (c) => `numeric(${c.precision},${c.scale ?? 0})`,
  },
  { name: 'decimal beyond numeric(1000) → numeric', types: ['decimal', 'numeric'], to: 'numeric' },
  { name: 'float → real', types: ['float'], to: 'real' },
  { name: 'double → double precision', types: ['double', 'real', 'double precision'], to: 'double precision' },
  { name: 'tinyint → smallint', types: ['tinyint'], to: 'smallint' },
  { name: 'smallint → smallint', types: ['smallint'], when: signed, to: 'smallint' },
  { name: 'mediumint, smallint unsigned → integer', types: ['smallint', 'mediumint'], to: 'integer' },
  { name: 'int → integer', types: ['int', 'integer'], when: signed, to: 'integer' },
  { name: 'int unsigned → bigint', types: ['int', 'integer'], to: 'bigint' },
  { name: 'bigint → bigint', types: ['bigint'], when: signed, to: 'bigint' },
  // 18446744073709551615 has 20 digits.
  { name: 'bigint unsigned → numeric(20,0)', types: ['bigint'], to: 'numeric(20,0)' },
  { name: 'year → smallint', types: ['year'], to: 'smallint' },
  { name: 'date → date (zero dates → NULL)', types: ['date'], to: 'date', decoder: 'date' },
  { name: 'time(fsp) → time(fsp)', types: ['time'], to: (c) => `time(${fsp(c)})`, decoder: 'time' },
  { name: 'datetime(fsp) → timestamp(fsp)', types: ['datetime'], to: (c) => `timestamp(${fsp(c)})`, decoder: 'datetime' },
  // The session runs with time_zone '+00:00', so TIMESTAMP values arrive in UTC (rows.ts adds `+00`).
  { name: 'timestamp(fsp) → timestamptz(fsp)', types: ['timestamp'], to: (c) => `timestamptz(${fsp(c)})`, decoder: 'timestamp-utc' },
  { name: 'bit(1) → boolean', types: ['bit'], when: (c) => c.length === 1, to: 'boolean', decoder: 'bit-boolean' },
  // Fixed width: MySQL always returns all n bits of a BIT(n) value.
  { name: 'bit(n) → bit(n)', types: ['bit'], when: (c) => (c.length ?? 0) > 1, to: (c) => `bit(${c.length})`, decoder: 'bit-string' },
  { name: 'binary types, blobs → bytea', types: ['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob'], to: 'bytea', decoder: 'bytea-hex' },
  // MariaDB 10.7+ UUID and 10.10+/10.5+ INET4/INET6 print in forms PostgreSQL parses.
  { name: 'uuid → uuid', types: ['uuid'], to: 'uuid' },
  { name: 'inet4, inet6 → inet', types: ['inet4', 'inet6'], to: 'inet' },
  // SPEC §12: with PostGIS in the target, any spatial column becomes a geometry (SRIDs vary per
  // value in MySQL, so no typmod); values.ts turns MySQL's internal bytes into EWKB text.
  // Without PostGIS they are skipped and named in the warning.
  { name: 'spatial types → geometry (PostGIS in the target)', types: SPATIAL_TYPES, when: (_c, ctx) => ctx.targetPostgis, to: 'geometry', decoder: 'geometry' },
  { name: 'spatial types skipped without PostGIS in the target', types: SPATIAL_TYPES, to: null },
];

/** The local type and decoder for a column, or null when it must be skipped. */
export function castColumn(column: RemoteColumn, ctx: CastContext = PLAIN_TARGET, rules: readonly CastRule[] = MYSQL_CAST_RULES): MysqlCast | null {
  const decided = decideCast(column, ctx, rules);
  return 'reason' in decided ? null : decided.cast;
}

/**
 * castColumn, plus what cdb_connector_explain shows: the deciding rule's name, or why the column
 * is skipped. A user rule (ctx.casts) decides the local type; the decoder stays the built-in
 * rule's, so a user `tinyint → boolean` never decodes like BIT(1).
 */
export function decideCast(column: RemoteColumn, ctx: CastContext = PLAIN_TARGET, rules: readonly CastRule[] = MYSQL_CAST_RULES):
  { cast: MysqlCast; rule: string } | { reason: string } {
  const match = matchCast(rules, column.dataType, column, ctx);
  const decided = decideColumn(match, () => skipReason(match, column.dataType), { name: column.name, remoteType: column.columnType }, ctx);
  if ('reason' in decided) return decided;
  const { decoder } = decided.rule;
  const cast: MysqlCast = { localType: decided.localType, ...(decoder ? { decoder } : {}), ...(decided.userCast ? { userCast: decided.userCast } : {}) };
  return { cast, rule: decided.name };
}

/** The local type for a column, or null when it must be skipped. */
export function resolveCast(column: RemoteColumn, rules: readonly CastRule[] = MYSQL_CAST_RULES, ctx: CastContext = PLAIN_TARGET): string | null {
  return castColumn(column, ctx, rules)?.localType ?? null;
}
