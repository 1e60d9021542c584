/**
 * Diff mode (SPEC §13; provider.ts KeyBuckets, BucketHash, ReadWindow.keyRanges) in T-SQL.
 *
 * Buckets: `floor((key - origin) / width)` in exact integer arithmetic. T-SQL's decimal division
 * is not exact — decimal(38,0) / decimal(38,0) is decimal(38,6), ROUNDED, so a quotient of
 * 2.9999999 would come back as 3.000000 and FLOOR would put the row one bucket too high — and
 * CAST(2.5 AS decimal(38,0)) rounds to 3. So: d = FLOOR(key) - origin (the floor of the key is
 * exact, and floor((key - o) / w) = floor((floor(key) - o) / w) for integers o and w >= 1), then
 * the truncating division of an exact multiple, (d - d % w) / w, minus 1 when the remainder is
 * negative (`%` keeps the dividend's sign). Keys beyond 32 integral digits overflow the division
 * (error 8115, SOURCE_QUERY_FAILED); bigint and money keys are far from it.
 *
 * Row hash: SHA2_256 (HASHBYTES) of an unambiguous text of the row, its first 7 bytes read as a
 * non-negative bigint, summed per bucket as decimal(38,0) — order-independent, and 2^63 rows of
 * 2^56 still fit. Not BINARY_CHECKSUM/CHECKSUM (32 bits, skip text/ntext/image/xml, collide on
 * simple swaps; CHECKSUM even ignores case under a CI collation) nor CHECKSUM_AGG (XOR: two equal
 * changes cancel). The text is one field per plan column, in plan order, each followed by `,`:
 * `N` for NULL, else `"<value>"` with `"` doubled — so NULL, '' and 'NULL' differ, and values
 * cannot move between columns without changing it. Each value's text is exact and independent of
 * the session: CONVERT(nvarchar(max), …) for numbers (all decimals) and Unicode text; money
 * with style 2 (4 decimals); date/time types with style 121 (every fractional digit, the
 * offset); float/real as the hex of their IEEE bytes (no decimal rounding); non-Unicode text and
 * binary types as the hex of their bytes (no code-page conversion, which is lossy); spatial types
 * as the SRID + WKB the import reads. The whole text is nvarchar(max): HASHBYTES hashes its
 * UTF-16 bytes, with no 8000-byte limit from SQL Server 2016 on (2012/2014 fail on longer rows).
 *
 * Key ranges: `(key >= @from AND key < @to) OR …`, each bound a parameter CAST to the key's own
 * type, so the key's index serves every range; a bound beyond the type's values is dropped (it
 * holds for every row) and a range outside them skipped, so the CAST neither rounds nor overflows.
 */
import { ConnectorError } from '../../errors.js';
import type { KeyBuckets, ReadWindow } from '../provider.js';
import type { CastRule, RemoteColumn } from './cast-rules.js';
import { exactNumericType, type ExactNumericType } from './window.js';

/** A plan column as one statement names it. */
export interface NamedColumn {
  column: RemoteColumn;
  rule: CastRule;
  /** The qualified column (`[cdb_t].[c]`). */
  ref: string;
}

export interface Statement {
  sql: string;
  params: Array<{ name: string; value: string }>;
}

type KeyRanges = NonNullable<ReadWindow['keyRanges']>['ranges'];

/** SQL Server's widest exact type: (key - origin) of any bigint, money or decimal key, and every bucket number. */
const EXACT = 'decimal(38,0)';
const EXACT_DIGITS = 38;
const INTEGER_TEXT = /^-?\d+$/;
const ORIGIN_PARAMETER = 'cdb_origin';
const WIDTH_PARAMETER = 'cdb_width';
const RANGE_PARAMETER_PREFIX = 'cdb_k';
/** sp_executesql takes at most 2100 parameters: two per range, and room for the cursor's. */
const MAX_RANGES = 1000;
/** First bytes of the SHA-256 kept per row: 56 bits, a non-negative bigint. */
const ROW_HASH_BYTES = 7;
/** CONCAT takes at most 254 arguments; wider rows are concatenated in groups (an even size keeps field and separator together). */
const CONCAT_MAX_ARGS = 254;
/** varchar(40) holds every decimal(38,0) with its sign. */
const NUMBER_TEXT = 'varchar(40)';
/** CONVERT styles: 2 = money with 4 decimals / binary as hex without 0x; 121 = yyyy-mm-dd hh:mi:ss.fffffff[ +hh:mm]. */
const MONEY_STYLE = 2;
const HEX_STYLE = 2;
const ODBC_STYLE = 121;
/** Binary comparison in REPLACE: under a width-insensitive collation `＂` would match `"` and two values would collide. */
const BINARY_COLLATION = 'Latin1_General_BIN2';

const DECIMAL_TEXT_TYPES = new Set(['bit', 'tinyint', 'smallint', 'int', 'bigint', 'decimal', 'numeric', 'uniqueidentifier']);
const TEMPORAL_TYPES = new Set(['date', 'time', 'datetime2', 'datetime', 'smalldatetime', 'datetimeoffset']);
const BYTE_TYPES = new Set(['char', 'varchar', 'text', 'binary', 'varbinary', 'image', 'timestamp', 'rowversion']);
const FLOAT_BYTES: Record<string, number> = { real: 4, float: 8 };

/** The key's exact type, or INVALID_PARAMETERS: diff mode needs an integer, decimal or money key. */
export function diffKeyType(c: RemoteColumn): ExactNumericType {
  const t = exactNumericType(c);
  if (t) return t;
  throw new ConnectorError('INVALID_PARAMETERS',
    `Column "${c.name}" (SQL Server ${c.remoteType}) cannot be the key of a merge without a cursor: diff mode needs a single-column integer or decimal primary_key`);
}

/** The WHERE condition of a diff-mode read and its parameters (`@cdb_k0`, `@cdb_k1`, …). */
export function keyRangesCondition(c: RemoteColumn, ref: string, ranges: KeyRanges): { condition: string; params: Statement['params'] } {
  const t = diffKeyType(c);
  if (ranges.length > MAX_RANGES) throw new ConnectorError('INTERNAL', `A SQL Server diff-mode read takes at most ${MAX_RANGES} key ranges (${ranges.length} were asked for)`);
  const unit = 10n ** BigInt(t.scale);
  const params: Statement['params'] = [];
  const bind = (value: bigint) => {
    const name = `${RANGE_PARAMETER_PREFIX}${params.length}`;
    params.push({ name, value: value.toString() });
    return `CAST(@${name} AS ${t.type})`;
  };
  const arms: string[] = [];
  for (const r of joinRanges(ranges)) {
    // The column's values are the unscaled v with min <= v <= max; the range holds from*unit <= v < to*unit.
    const lo = r.from * unit;
    const hi = r.to * unit;
    if (lo > t.max || hi <= t.min) continue;
    const sides = [...(lo > t.min ? [`${ref} >= ${bind(r.from)}`] : []), ...(hi <= t.max ? [`${ref} < ${bind(r.to)}`] : [])];
    arms.push(sides.length > 0 ? `(${sides.join(' AND ')})` : `${ref} IS NOT NULL`);
  }
  return { condition: arms.length > 0 ? `(${arms.join(' OR ')})` : '1 = 0', params };
}

/** Ranges as BigInts, empty ones dropped and adjacent ones joined (fewer OR arms, fewer parameters). */
function joinRanges(ranges: KeyRanges): Array<{ from: bigint; to: bigint }> {
  const joined: Array<{ from: bigint; to: bigint }> = [];
  for (const range of ranges) {
    const from = integer(range.from, 'key range bound');
    const to = integer(range.to, 'key range bound');
    if (from >= to) continue;
    const last = joined[joined.length - 1];
    if (last !== undefined && last.to === from) last.to = to;
    else joined.push({ from, to });
  }
  return joined;
}

/**
 * One statement returning, per non-empty bucket of `key`, its number, row count and hash, as
 * text (`bucket`, `row_count`, `bucket_hash`); `from` is the source with its alias. Rows whose
 * key is NULL (a sql_query) belong to no bucket: no merge can match them by key either.
 */
export function bucketHashStatement(from: string, key: NamedColumn, columns: readonly NamedColumn[], buckets: KeyBuckets): Statement {
  const t = diffKeyType(key.column);
  const origin = integer(buckets.origin, 'bucket origin', EXACT_DIGITS);
  const width = integer(buckets.width, 'bucket width', EXACT_DIGITS);
  if (width < 1n) throw new ConnectorError('INVALID_PARAMETERS', `The bucket width ${buckets.width} must be at least 1`);
  const keyFloor = t.scale === 0 ? `CAST(${key.ref} AS ${EXACT})` : `FLOOR(CAST(${key.ref} AS decimal(${EXACT_DIGITS},${t.scale})))`;
  const w = `CAST(@${WIDTH_PARAMETER} AS ${EXACT})`;
  const d = '[cdb_k].[key_offset]';
  const rowHash = `CAST(CONVERT(bigint, SUBSTRING(HASHBYTES('SHA2_256', ${rowText(columns)}), 1, ${ROW_HASH_BYTES})) AS ${EXACT})`;
  const offsets = `SELECT ${keyFloor} - CAST(@${ORIGIN_PARAMETER} AS ${EXACT}) AS [key_offset], ${rowHash} AS [row_hash] FROM ${from} WHERE ${key.ref} IS NOT NULL`;
  const numbered = `SELECT CAST((${d} - ${d} % ${w}) / ${w} AS ${EXACT}) - CASE WHEN ${d} % ${w} < 0 THEN 1 ELSE 0 END AS [bucket], [cdb_k].[row_hash] AS [row_hash] FROM (${offsets}) AS [cdb_k]`;
  return {
    sql: `SELECT CONVERT(${NUMBER_TEXT}, [cdb_b].[bucket]) AS [bucket], COUNT_BIG(*) AS [row_count], CONVERT(${NUMBER_TEXT}, SUM([cdb_b].[row_hash])) AS [bucket_hash]`
      + ` FROM (${numbered}) AS [cdb_b] GROUP BY [cdb_b].[bucket]`,
    params: [{ name: ORIGIN_PARAMETER, value: origin.toString() }, { name: WIDTH_PARAMETER, value: width.toString() }],
  };
}

/** `CONCAT(<field 1>, N',', <field 2>, N',', …)`: the row's text (see the file comment). */
function rowText(columns: readonly NamedColumn[]): string {
  return concat(columns.flatMap((c) => [field(c), "N','"]));
}

function concat(args: string[]): string {
  if (args.length <= CONCAT_MAX_ARGS) return `CONCAT(${args.join(', ')})`;
  const groups: string[] = [];
  for (let i = 0; i < args.length; i += CONCAT_MAX_ARGS) groups.push(concat(args.slice(i, i + CONCAT_MAX_ARGS)));
  return concat(groups);
}

function field(c: NamedColumn): string {
  return `CASE WHEN ${c.ref} IS NULL THEN N'N' ELSE CONCAT(N'"', ${valueText(c)}, N'"') END`;
}

/** The exact nvarchar text of a non-NULL value; only Unicode text can hold `"`, so only it is escaped. */
function valueText({ column, rule, ref }: NamedColumn): string {
  const text = (expr: string, style?: number) => `CONVERT(nvarchar(max), ${expr}${style === undefined ? '' : `, ${style}`})`;
  const hex = (bytes: string) => text(`CONVERT(varchar(max), ${bytes}, ${HEX_STYLE})`);
  const type = column.dataType;
  if (DECIMAL_TEXT_TYPES.has(type)) return text(ref);
  if (type === 'money' || type === 'smallmoney') return text(ref, MONEY_STYLE);
  if (TEMPORAL_TYPES.has(type)) return text(ref, ODBC_STYLE);
  if (FLOAT_BYTES[type] !== undefined) return hex(`CONVERT(binary(${FLOAT_BYTES[type]}), ${ref})`);
  if (BYTE_TYPES.has(type)) return hex(`CONVERT(varbinary(max), ${ref})`);
  if (rule.select && (type === 'geometry' || type === 'geography')) return text(rule.select(ref, column));
  return `REPLACE(${text(ref)} COLLATE ${BINARY_COLLATION}, N'"', N'""')`;
}

/** Plain-digit integer text as a BigInt, or INVALID_PARAMETERS naming `what`. */
function integer(value: string, what: string, maxDigits = Infinity): bigint {
  if (!INTEGER_TEXT.test(value)) throw new ConnectorError('INVALID_PARAMETERS', `The ${what} ${JSON.stringify(value)} is not an integer in plain digits`);
  if (value.replace('-', '').length > maxDigits) throw new ConnectorError('INVALID_PARAMETERS', `The ${what} ${value} has more than ${maxDigits} digits`);
  return BigInt(value);
}
