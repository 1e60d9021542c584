/**
 * Diff mode (SPEC §13, provider.ts `hashBuckets`): per key bucket, the row count and a sum of
 * per-row hashes, computed by MySQL in one `SELECT … GROUP BY bucket` that returns only buckets.
 *
 * The bucket is `floor((key - origin) / width)`, exactly, for BIGINT UNSIGNED keys near 2^64 and
 * DECIMAL keys with a scale alike, in DECIMAL arithmetic only (never BIGINT: `DIV` converts its
 * result to BIGINT and fails above 2^63, MariaDB 10.11 error 1690, measured):
 * - `d = key - CAST(origin AS DECIMAL(65,0))`, exact (an integer key minus a DECIMAL is DECIMAL);
 * - `q = FLOOR(d / width)`: the server cuts d / width at `div_precision_increment` decimals
 *   (rounded, or truncated toward zero; 1999999999999 / 10^12 prints as 2.0000 at the default 4),
 *   which never goes below the exact floor and at most to the next integer, so
 * - `bucket = q - (q * width > d)` is exact whatever div_precision_increment is (measured at 0 and 4).
 *   Not a MOD-based floor: MariaDB 10.11 returns a negative zero for MOD(-100.0000000000, 100)
 *   that compares < 0 and <> 0 (measured). This form costs one division and one
 *   multiplication per row: on 1M rows about 1 s of bucket arithmetic against 1.5 s for a
 *   MOD-based one and 0.4 s for the inexact FLOOR(d / width) alone (MariaDB 10.11, loaded host).
 *
 * The row hash is the first 64 bits of MD5 over `CONCAT_WS(',', QUOTE(v1), QUOTE(v2), …)`, every
 * plan column in plan order. QUOTE gives `NULL` (the bare word) for NULL and a quoted string with
 * `'` and `\` escaped for any value, so NULL differs from '' and from the text 'NULL', and no
 * value can reach into its neighbour (moving a value to the next column changes the string).
 * It costs one pass per value: a `<byte length>:<bytes>` encoding (a second CAST and a length
 * per value) was 1.3 to 2.5 times slower on 1M rows (MariaDB 10.11, measured).
 *
 * Each value is `CAST(col AS BINARY)`: the stored bytes of text in the column's own charset (a
 * latin1 and a utf8mb4 column concatenate without "Illegal mix of collations"), and MySQL's text
 * of other values (stable: the session is in UTC, connection.ts). FLOAT is hashed as `col + 0e0` (MySQL prints FLOAT with 6 digits, so a change
 * in the 7th would go unseen); TEXT/BLOB/JSON and geometries as the MD5 of the value, so a row's
 * string stays far below max_allowed_packet (beyond it QUOTE returns NULL and CONCAT_WS would
 * skip the value: a non-LOB row holds at most 64 KB). The bucket hash is the SUM of the row hashes as DECIMAL(20,0): an exact DECIMAL(42,0) sum
 * (MariaDB 10.11, measured; 2^64 rows of 2^64 fit), returned as digits, never a JS number.
 *
 * Rows whose key is NULL (possible in a sql_query) have no bucket and are left out.
 */
import type { Logger } from 'pino';
import { ConnectorError } from '../../errors.js';
import type { ColumnPlan, SourcePlan } from '../../rows/plan.js';
import type { BucketHash, KeyBuckets, SourceObject } from '../provider.js';
import type { MysqlConnection } from './connection.js';
import { normaliseQuery, QUERY_ALIAS, quoteIdent, tableRef } from './sql-text.js';
import { queryKillable } from './statement.js';
import { checkInteger, decimalInteger, numericKeyColumn, remoteDataType } from './window.js';

/** 16 hex digits of the MD5: 64 bits per row, a BIGINT UNSIGNED (CONV's limit). */
const ROW_HASH_HEX_DIGITS = 16;
const HASH_DECIMAL = 'DECIMAL(20,0)';
/** Types whose values can be megabytes: hashed by their MD5 instead of their bytes. */
const LARGE_TYPES = /^(tiny|medium|long)?(text|blob)$|^json$|^(geometry|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection|geomcollection)$/;
const INTEGER_TEXT = /^-?[0-9]+$/;
const DIGITS_TEXT = /^[0-9]+$/;

/** Where the rows come from: `schema`.`table`, or `(<query>) AS cdb_window`, and the qualifier of its columns. */
export interface BucketSource {
  from: string;
  qualifier: string;
}

/** A sql_query is hashed as a derived table, like a windowed read (sql-text.ts buildQuerySelect). */
export function bucketSource(schema: string, source: SourceObject): BucketSource {
  if (source.kind === 'query') return { from: `(\n${normaliseQuery(source.sql)}\n) AS ${QUERY_ALIAS}`, qualifier: QUERY_ALIAS };
  const table = tableRef(schema, source.table);
  return { from: table, qualifier: table };
}

/**
 * The one statement (see the header): `bucket, COUNT(*), SUM(hash)` per bucket, ascending. The
 * derived tables only name the expressions; MySQL merges them into one scan of the source.
 */
export function hashBucketsSql(plan: SourcePlan, buckets: KeyBuckets, source: BucketSource): string {
  const key = numericKeyColumn(plan, buckets.column);
  checkInteger(buckets.origin, 'bucket origin');
  if (checkInteger(buckets.width, 'bucket width') < 1n) throw new ConnectorError('INTERNAL', `A MySQL diff-mode bucket width must be at least 1, got "${buckets.width}"`);
  const keyRef = `${source.qualifier}.${quoteIdent(key.remoteName)}`;
  const width = decimalInteger(buckets.width);
  const rows = `SELECT ${keyRef} - ${decimalInteger(buckets.origin)} AS d, ${rowHash(plan.columns, source.qualifier)} AS h`
    + ` FROM ${source.from} WHERE ${keyRef} IS NOT NULL`;
  const bucketed = `SELECT FLOOR(d / ${width}) - (FLOOR(d / ${width}) * ${width} > d) AS b, h FROM (${rows}) AS cdb_keys`;
  return `SELECT b, COUNT(*), SUM(h) FROM (${bucketed}) AS cdb_buckets GROUP BY b ORDER BY b`;
}

export async function runHashBuckets(conn: MysqlConnection, sql: string, signal: AbortSignal, log: Logger): Promise<BucketHash[]> {
  const rows = await queryKillable({ conn, sql, signal, log, what: 'the bucket hash query' });
  return rows.map(([bucket, count, hash]) => {
    const b = String(bucket);
    const rowCount = String(count);
    const sum = String(hash);
    if (!INTEGER_TEXT.test(b) || !DIGITS_TEXT.test(rowCount) || !DIGITS_TEXT.test(sum)) {
      throw new ConnectorError('CONNECTOR_ERROR', `MySQL returned an unexpected bucket hash row (${b}, ${rowCount}, ${sum}); retry the sync`);
    }
    // BigInt drops a negative zero's sign and any leading zeros: a bucket always has one text.
    return { bucket: BigInt(b).toString(), rows: Number(rowCount), hash: BigInt(sum).toString() };
  });
}

/** `CAST(CONV(LEFT(MD5(CONCAT_WS(',', <parts>)), 16), 16, 10) AS DECIMAL(20,0))`. */
function rowHash(columns: readonly ColumnPlan[], qualifier: string): string {
  const parts = columns.map((c) => columnPart(c, `${qualifier}.${quoteIdent(c.remoteName)}`)).join(', ');
  return `CAST(CONV(LEFT(MD5(CONCAT_WS(',', ${parts})), ${ROW_HASH_HEX_DIGITS}), 16, 10) AS ${HASH_DECIMAL})`;
}

/** `QUOTE(CAST(col AS BINARY))`; `QUOTE(MD5(…))` for large types; FLOAT as a DOUBLE. */
function columnPart(column: ColumnPlan, ref: string): string {
  const type = remoteDataType(column.remoteType);
  const bytes = `CAST(${type === 'float' ? `(${ref} + 0e0)` : ref} AS BINARY)`;
  return `QUOTE(${LARGE_TYPES.test(type) ? `MD5(${bytes})` : bytes})`;
}
