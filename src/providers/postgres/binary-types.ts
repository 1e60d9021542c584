/**
 * When the binary COPY fast path is exact (issue 4 §3).
 *
 * Binary COPY carries each value in its type's send/recv format and no type identifiers, so two
 * servers can exchange it only for types whose binary form is the same on both. The cast rules
 * make every planned value one of these local types (other types are cast to text or numeric in
 * the remote SELECT), so normally every plan qualifies:
 *
 * - integer kinds, float4/8, numeric, bool, text/varchar/bpchar, bytea, uuid, json, jsonb (format
 *   version 1), date, time, timetz, timestamp(tz), inet/cidr, macaddr(8), bit/varbit: one format
 *   since PostgreSQL 8.x/9.4 (jsonb), 10 (macaddr8). Text is sent in the client encoding, UTF8 on
 *   both connections, so differing server encodings are converted exactly as on the text path.
 * - PostGIS geometry/geography: send/recv are EWKB (the same bytes the hex text form spells),
 *   stable across PostGIS versions.
 * - xml, the geometric types (point, line, lseg, box, path, polygon, circle: float8 fields),
 *   tsvector, tsquery, pg_lsn; the built-in ranges (flags + the bounds in their subtype's form)
 *   and multiranges (PostgreSQL 14+ on both sides, or the plan would not have them).
 * - arrays of all of these except the PostGIS types: array_send writes the element type's OID,
 *   and array_recv refuses one that differs from the column's element type (older releases
 *   always; newer minor releases, 15.18 measured, only when both are built-in OIDs). Built-in OIDs are
 *   fixed; PostGIS's differ per database, so its arrays take the text path; arrays of domains
 *   are cast to arrays of the base type in the SELECT (cast-rules.ts).
 *
 * Exceptions that fall back to the text path:
 * - a remote without integer datetimes (pre-10 builds with --disable-integer-datetimes send
 *   float8 timestamps);
 * - interval from PostgreSQL ≥ 17 into an older target: 17 encodes ±infinity as the extreme
 *   int values, which an older server would store as a huge finite interval instead of rejecting.
 */
import type { ColumnPlan, TargetCapabilities } from '../../rows/plan.js';
import type { ServerInfo } from './connection.js';

/** server_version_num of the first release with infinite intervals. */
const INFINITE_INTERVAL_VERSION = 170000;
const BINARY_STABLE_TYPE = new RegExp('^(' + [
  'smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric', 'boolean', 'text', 'character varying',
  'character', 'bytea', 'uuid', 'json', 'jsonb', 'date', 'time', 'timestamp', 'interval', 'inet', 'cidr',
  'macaddr', 'macaddr8', 'bit', 'bit varying', 'geometry', 'geography', 'xml', 'point', 'line', 'lseg', 'box', 'path',
  'polygon', 'circle', 'tsvector', 'tsquery', 'pg_lsn', 'int4range', 'int8range', 'numrange', 'tsrange', 'tstzrange', 'daterange',
  'int4multirange', 'int8multirange', 'nummultirange', 'tsmultirange', 'tstzmultirange', 'datemultirange',
].join('|') + ')\\b');
/** Element types whose OIDs differ between databases: arrays of them cannot go binary. */
const EXTENSION_ARRAY = /^(geometry|geography)\b.*\[\]$/;

export function binaryCopyAllowed(columns: readonly ColumnPlan[], server: ServerInfo, target: TargetCapabilities | undefined): boolean {
  if (!server.integerDatetimes) return false;
  const targetVersion = target?.serverVersionNum ?? 0;
  for (const column of columns) {
    if (!BINARY_STABLE_TYPE.test(column.localType) || EXTENSION_ARRAY.test(column.localType)) return false;
    if (column.localType.startsWith('interval') && server.versionNum >= INFINITE_INTERVAL_VERSION && targetVersion < INFINITE_INTERVAL_VERSION) return false;
  }
  return true;
}
