/**
 * Diff mode (SPEC §13, provider.ts `hashBuckets`): per key bucket, the row count and a sum of
 * per-row hashes, computed by Hive in one `SELECT … GROUP BY` that returns only the buckets.
 *
 * The bucket is `floor((key - origin) / width)`, exactly:
 * - `d = CAST(key AS DECIMAL(38,0)) - origin`. A DECIMAL key with a scale is floored first:
 *   floor((k - o) / w) = floor((floor(k) - o) / w) for integers o and w >= 1, while a CAST to
 *   scale 0 rounds (HiveDecimal, half up: 4.5 → 5, one bucket too far).
 * - `bucket = (d - pmod(d, w)) / w`: pmod is in [0, w), so the division is exact. `FLOOR(d / w)`
 *   would floor a rounded quotient: Hive types DECIMAL(38,0) / DECIMAL(38,0) as DECIMAL(38,6)
 *   (GenericUDFOPDivide, SQL Server's rule), so (2·10^12 - 1) / 10^12 is 2.000000 there, and
 *   PostgreSQL (the test server) keeps about 16 digits. The 32 integer digits of DECIMAL(38,6)
 *   bound |key - origin| to 10^32 (every BIGINT key fits); beyond, Hive answers NULL, refused
 *   below rather than summed into a bucket of its own.
 *
 * The row hash is the first 64 bits of md5 over every plan column in plan order, each written as
 * `<length>:<text>` (`n` for NULL) and joined with ','. The length prefix lets the string be
 * decoded back into its columns, so NULL (`n`), '' (`0:`) and 'NULL' (`4:NULL`) differ, a value
 * holding the separator cannot reach into its neighbour ('a,' 'b' vs 'a' ',b'), and two values
 * swapped between columns change the string. The text of a value is CAST(col AS STRING): every
 * DECIMAL digit, TIMESTAMP nanoseconds, FLOAT/DOUBLE as Java's shortest round-trip text; BINARY
 * is hex() instead, as its CAST decodes UTF-8 and turns every invalid byte into U+FFFD.
 *
 * md5, not crc32 or hash(): the bucket's hash is the SUM of its rows' hashes (order-independent,
 * and unlike XOR two equal rows do not cancel), and crc32 is affine over GF(2): the same edit in
 * two rows of equal length XORs both crcs with one mask, which cancels in the sum whenever the
 * two crcs differ in every bit of the mask — for a 16-bit mask 1 in 65 536, not 2^-64. hash() is
 * a 32-bit Java hashCode. md5 needs Hive 1.3 or later. SUM of DECIMAL(20,0) is DECIMAL(30,0):
 * exact up to 5·10^10 rows per bucket.
 *
 * ARRAY, MAP and STRUCT columns cannot be hashed: no Hive function turns them into text (a CAST
 * to STRING fails on a complex type), and hashing the other columns alone would miss their
 * changes, so such a plan is refused. Rows whose key is NULL belong to no bucket (no key range
 * reads them either). The answer is read as STRING columns: exact digits, never a JS number.
 */
import { ConnectorError } from '../../errors.js';
import type { ColumnPlan, SourcePlan } from '../../rows/plan.js';
import type { BucketHash, KeyBuckets, SourceObject } from '../provider.js';
import { quoteHiveIdentifier, stringColumn } from './catalog.js';
import type { CallGuard } from './connection.js';
import { HiveAborted, HiveTimeoutError } from './errors.js';
import type { HiveOperation } from './operation.js';
import { decimalScale, hiveStringLiteral, numericKeyColumn, sourceColumnName, sourceFrom } from './window.js';

/** 16 hex digits of the md5: 64 bits, the most conv() converts (it goes through a Java long, read unsigned). */
const ROW_HASH_HEX_DIGITS = 16;
/** Hive's DECIMAL limit (HiveDecimal.MAX_PRECISION). */
const MAX_DECIMAL_DIGITS = 38;
const INTEGER_TEXT = /^-?\d+$/;
/** A Hive DECIMAL of scale 0 as text; a trailing `.0…` is tolerated. */
const DECIMAL_INTEGER_TEXT = /^(-?\d+)(?:\.0+)?$/;
const COUNT_TEXT = /^\d+$/;
const UNHASHABLE_TYPES = new Set(['array', 'map', 'struct']);

const OFFSET = quoteHiveIdentifier('cdb_offset');
const HASH = quoteHiveIdentifier('cdb_hash');
const BUCKET = quoteHiveIdentifier('cdb_bucket');

/** The one statement (see the header): `bucket, COUNT(*), SUM(hash)` per bucket, as STRINGs. */
export function hashBucketsStatement(plan: SourcePlan, source: SourceObject, schema: string, buckets: KeyBuckets): string {
  const key = numericKeyColumn(plan, buckets.column);
  const unhashable = plan.columns.find((c) => UNHASHABLE_TYPES.has(c.remoteType));
  if (unhashable) {
    throw new ConnectorError('INVALID_PARAMETERS',
      `Column "${unhashable.remoteName}" (Hive ${unhashable.remoteType}) cannot be hashed by Hive, so this merge cannot compare key ranges: give a cursor, or read a sql_query that leaves the column out or turns it into a STRING`);
  }
  const origin = integerLiteral(buckets.origin, 'origin');
  const width = integerLiteral(buckets.width, 'width');
  if (BigInt(buckets.width) < 1n) throw new ConnectorError('INVALID_PARAMETERS', `The bucket width ${buckets.width} must be at least 1`);
  const ref = (column: ColumnPlan) => quoteHiveIdentifier(sourceColumnName(plan, source, column));
  const keyValue = decimalScale(key) > 0 ? `FLOOR(${ref(key)})` : ref(key);
  const keys = `SELECT CAST(${keyValue} AS DECIMAL(38,0)) - ${origin} AS ${OFFSET}, ${rowHash(plan.columns, ref)} AS ${HASH}`
    + ` FROM ${sourceFrom(source, schema)} WHERE ${ref(key)} IS NOT NULL`;
  const bucketed = `SELECT FLOOR((${OFFSET} - pmod(${OFFSET}, ${width})) / ${width}) AS ${BUCKET}, ${HASH} FROM (${keys}) ${quoteHiveIdentifier('cdb_keys')}`;
  return `SELECT CAST(${BUCKET} AS STRING), CAST(COUNT(*) AS STRING), CAST(SUM(${HASH}) AS STRING)`
    + ` FROM (${bucketed}) ${quoteHiveIdentifier('cdb_buckets')} GROUP BY ${BUCKET}`;
}

/** `CAST(conv(substr(md5(concat_ws(',', <part per column>)), 1, 16), 16, 10) AS DECIMAL(20,0))`. */
function rowHash(columns: readonly ColumnPlan[], ref: (column: ColumnPlan) => string): string {
  const parts = columns.map((column) => {
    const text = column.remoteType === 'binary' ? `hex(${ref(column)})` : `CAST(${ref(column)} AS STRING)`;
    return `nvl(concat(CAST(length(${text}) AS STRING), ':', ${text}), 'n')`;
  });
  return `CAST(conv(substr(md5(concat_ws(',', ${parts.join(', ')})), 1, ${ROW_HASH_HEX_DIGITS}), 16, 10) AS DECIMAL(20,0))`;
}

/** An integer of the bucket geometry as an exact DECIMAL constant (HiveServer2 has no bound parameters). */
function integerLiteral(text: string, what: string): string {
  if (!INTEGER_TEXT.test(text) || text.replace(/^-?0*/, '').length > MAX_DECIMAL_DIGITS) {
    throw new ConnectorError('INVALID_PARAMETERS', `The bucket ${what} must be an integer of at most ${MAX_DECIMAL_DIGITS} digits, got "${text}"`);
  }
  return `CAST(${hiveStringLiteral(text)} AS DECIMAL(38,0))`;
}

/** Reads the answer page by page, ascending by bucket; the operation is always closed, and cancelled on abort or timeout. */
export async function readBucketHashes(op: HiveOperation, guard: CallGuard, fetchRows: number): Promise<BucketHash[]> {
  const answer: BucketHash[] = [];
  try {
    for (;;) {
      const page = await op.fetch(fetchRows, guard);
      const buckets = stringColumn(page, 0);
      if (buckets.length === 0) break;
      const rows = stringColumn(page, 1);
      const hashes = stringColumn(page, 2);
      buckets.forEach((bucket, i) => answer.push(bucketHash(bucket, rows[i] ?? null, hashes[i] ?? null)));
    }
  } catch (err) {
    if (err instanceof HiveAborted || err instanceof HiveTimeoutError) await op.cancel();
    throw err;
  } finally {
    await op.close();
  }
  return answer.sort((a, b) => (BigInt(a.bucket) < BigInt(b.bucket) ? -1 : 1));
}

function bucketHash(bucket: string | null, rows: string | null, hash: string | null): BucketHash {
  const b = DECIMAL_INTEGER_TEXT.exec(bucket ?? '');
  const h = DECIMAL_INTEGER_TEXT.exec(hash ?? '');
  if (!b || !h || !COUNT_TEXT.test(rows ?? '')) {
    throw new ConnectorError('INVALID_PARAMETERS',
      `Hive returned an unexpected bucket hash row (${bucket}, ${rows}, ${hash}): Hive buckets keys exactly only within 10^32 of the bucket origin (DECIMAL(38,6) arithmetic); give a cursor for this table`);
  }
  // BigInt drops a negative zero's sign and leading zeros: a bucket has one text.
  return { bucket: BigInt(b[1]!).toString(), rows: Number(rows), hash: BigInt(h[1]!).toString() };
}
