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
import { matchCast, type CastRule as SharedCastRule } from '../../rows/cast-rules.js';

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

/** A column's cast: its local type and its decoder. */
export interface MysqlCast {
  localType: string;
  decoder?: MysqlDecoder;
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
  { types: ['char', 'varchar'], when: (c) => (c.length ?? 0) >= 1 && (c.length ?? 0) <= PG_MAX_VARCHAR_LENGTH, to: (c) => `varchar(${c.length})`, decoder: 'text' },
  { types: ['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set', 'null'], to: 'text', decoder: 'text' },
  { types: ['json'], to: 'jsonb', decoder: 'text' },
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
  { types: ['date'], to: 'date', decoder: 'date' },
  { types: ['time'], to: (c) => `time(${fsp(c)})`, decoder: 'time' },
  { types: ['datetime'], to: (c) => `timestamp(${fsp(c)})`, decoder: 'datetime' },
  // The session runs with time_zone '+00:00', so TIMESTAMP values arrive in UTC (rows.ts adds `+00`).
  { types: ['timestamp'], to: (c) => `timestamptz(${fsp(c)})`, decoder: 'timestamp-utc' },
  { types: ['bit'], when: (c) => c.length === 1, to: 'boolean', decoder: 'bit-boolean' },
  // Fixed width: MySQL always returns all n bits of a BIT(n) value.
  { types: ['bit'], when: (c) => (c.length ?? 0) > 1, to: (c) => `bit(${c.length})`, decoder: 'bit-string' },
  { types: ['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob'], to: 'bytea', decoder: 'bytea-hex' },
  // MariaDB 10.7+ UUID and 10.10+/10.5+ INET4/INET6 print in forms PostgreSQL parses.
  { types: ['uuid'], to: 'uuid' },
  { types: ['inet4', 'inet6'], to: 'inet' },
  // SPEC §12: with PostGIS in the target, any spatial column becomes a geometry (SRIDs vary per
  // value in MySQL, so no typmod); values.ts turns MySQL's internal bytes into EWKB text.
  // Without PostGIS they are skipped and named in the warning.
  { types: SPATIAL_TYPES, when: (_c, ctx) => ctx.targetPostgis, to: 'geometry', decoder: 'geometry' },
  { types: SPATIAL_TYPES, to: null },
];

/** The local type and decoder for a column, or null when it must be skipped. */
export function castColumn(column: RemoteColumn, ctx: CastContext = PLAIN_TARGET, rules: readonly CastRule[] = MYSQL_CAST_RULES): MysqlCast | null {
  const match = matchCast(rules, column.dataType, column, ctx);
  if (!match || match.localType === null) return null;
  return match.rule.decoder ? { localType: match.localType, decoder: match.rule.decoder } : { localType: match.localType };
}

/** The local type for a column, or null when it must be skipped. */
export function resolveCast(column: RemoteColumn, rules: readonly CastRule[] = MYSQL_CAST_RULES, ctx: CastContext = PLAIN_TARGET): string | null {
  return castColumn(column, ctx, rules)?.localType ?? null;
}
