/**
 * SQL Server column types → PostgreSQL local types (SPEC §8, issue 8 §2), as data matched by the
 * shared rows/cast-rules.ts: the first rule whose type list and condition match wins; no match =
 * the column is skipped and named in a warning. A rule also says how the remote SELECT reads the
 * column (lossy types are converted to text by SQL Server itself, pgloader #1619) and how the
 * tedious value becomes COPY text.
 */
import { ConnectorError } from '../../errors.js';
import { matchCast, skipReason, type CastRule as SharedCastRule } from '../../rows/cast-rules.js';
import { decideColumn, type ColumnCast, type UserCast } from '../../rows/user-casts.js';
import type { WarningCounter } from '../../rows/warnings.js';
import { formatDate, formatTime, formatTimestamp, formatTimestamptz, type TediousTemporal } from './temporal.js';

/** A remote column as catalog.ts normalises it (from INFORMATION_SCHEMA or sp_describe_first_result_set). */
export interface RemoteColumn {
  name: string;
  /** Lower-case base type: `decimal`, `nvarchar`, `datetime2`, `sql_variant`… */
  dataType: string;
  /** Type as SQL Server spells it, e.g. `decimal(12,2)`, `nvarchar(max)` (ColumnPlan.remoteType). */
  remoteType: string;
  /** Characters of char types (bytes for binary); -1 = max. */
  length?: number;
  precision?: number;
  scale?: number;
}

/** Turns one tedious value (never null) into COPY text; `column` and `row` are for error messages. */
export type Converter = (value: unknown, row: number) => string | Buffer;

export interface ConvertContext {
  warnings: WarningCounter;
  /** Decoder for non-Unicode text when the request names an `encoding` (values then arrive as bytes). */
  decodeText?: (bytes: Buffer, column: string, row: number) => string | Buffer;
}

/** What else decides a cast besides the column. */
export interface CastContext {
  /** The request names an `encoding`: non-Unicode text is read as bytes and decoded by rows/encoding.ts. */
  hasEncoding: boolean;
  /** The target can store geometries (SessionOptions.target). */
  targetPostgis: boolean;
  /** SPEC §14 user rules, matched against the column name and `remoteType` (`datetime2(7)`), before this table. */
  casts?: readonly UserCast[];
}

const PLAIN_CONTEXT: CastContext = { hasEncoding: false, targetPostgis: false };

export interface CastRule extends SharedCastRule<RemoteColumn, CastContext> {
  types: readonly string[];
  /** Expression reading the column in the remote SELECT (`q` = the quoted column); absent = the column itself. */
  select?: (q: string, c: RemoteColumn) => string;
  /** How the tedious value becomes COPY text; every rule keeps its column (types without a rule are skipped). */
  convert: (c: RemoteColumn, ctx: ConvertContext) => Converter;
}

/** A column's cast: the rule that decided it (how it is read and converted) and its local type. */
export interface SqlServerCast {
  rule: CastRule;
  localType: string;
}

/** PostgreSQL numeric precision limit; SQL Server's is 38, so every decimal fits. */
const MONEY_TYPE = 'numeric(19,4)';
const SMALLMONEY_TYPE = 'numeric(10,4)';
/** Wide enough for decimal(38,s) with sign and point. */
const DECIMAL_TEXT = 'varchar(50)';
/** CONVERT style 2 for money: no thousands separators, all four decimals (style 0 rounds to two). */
const MONEY_STYLE = 2;
const FLOAT32_MAX_DIGITS = 9;
/** CONVERT style 2 for binary → varchar: hex digits without the 0x prefix. */
const HEX_STYLE = 2;

const NON_UNICODE = ['char', 'varchar', 'text'];
const SPATIAL_TYPES = ['geometry', 'geography'];

/** Shortest decimal that reads back as the same float32 (tedious hands a real over as a double). */
export function formatReal(v: number): string {
  for (let p = 1; p <= FLOAT32_MAX_DIGITS; p++) {
    const candidate = Number(v.toPrecision(p));
    if (Math.fround(candidate) === v) return String(candidate);
  }
  return String(v);
}

const asString: Converter = (v) => String(v);
const temporal = (format: (d: TediousTemporal) => { text: string; rounded: boolean }) =>
  (c: RemoteColumn, ctx: ConvertContext): Converter => (v) => {
    const r = format(v as TediousTemporal);
    if (r.rounded) ctx.warnings.count('timestamp_rounded', c.name);
    return r.text;
  };

const REPLACEMENT_CHAR = '\uFFFD';

export const SQLSERVER_CAST_RULES: readonly CastRule[] = [
  { name: 'bit → boolean', types: ['bit'], to: 'boolean', convert: () => (v) => (v ? 't' : 'f') },
  { name: 'tinyint, smallint → smallint', types: ['tinyint', 'smallint'], to: 'smallint', convert: () => asString },
  { name: 'int → integer', types: ['int'], to: 'integer', convert: () => asString },
  // tedious already hands BIGINT over as a string (exact).
  { name: 'bigint → bigint', types: ['bigint'], to: 'bigint', convert: () => asString },
  { name: 'decimal(p,s) → numeric(p,s)', types: ['decimal', 'numeric'], to: (c) => `numeric(${c.precision},${c.scale})`, select: (q) => `CONVERT(${DECIMAL_TEXT}, ${q})`, convert: () => asString },
  { name: 'money → numeric(19,4)', types: ['money'], to: MONEY_TYPE, select: (q) => `CONVERT(${DECIMAL_TEXT}, ${q}, ${MONEY_STYLE})`, convert: () => asString },
  { name: 'smallmoney → numeric(10,4)', types: ['smallmoney'], to: SMALLMONEY_TYPE, select: (q) => `CONVERT(${DECIMAL_TEXT}, ${q}, ${MONEY_STYLE})`, convert: () => asString },
  { name: 'real → real', types: ['real'], to: 'real', convert: () => (v) => formatReal(v as number) },
  { name: 'float → double precision', types: ['float'], to: 'double precision', convert: () => asString },
  // With `encoding`, non-Unicode text is read as bytes and decoded by rows/encoding.ts (exact or error 1510).
  {
    name: 'char, varchar, text → varchar(n) / text (decoded with "encoding")',
    types: NON_UNICODE, when: (_c, ctx) => ctx.hasEncoding,
    to: (c) => (c.dataType === 'text' || c.length === -1 ? 'text' : `varchar(${c.length})`),
    select: (q) => `CONVERT(varbinary(max), ${q})`,
    convert: (c, ctx) => (v, row) => ctx.decodeText!(v as Buffer, c.name, row),
  },
  {
    // Without it, tedious decodes with the column collation's code page; an undefined byte becomes U+FFFD there, which we refuse.
    name: 'char, varchar, text → varchar(n) / text',
    types: NON_UNICODE,
    to: (c) => (c.dataType === 'text' || c.length === -1 ? 'text' : `varchar(${c.length})`),
    convert: (c) => (v, row) => {
      const s = v as string;
      if (s.includes(REPLACEMENT_CHAR)) throw undecodable(c.name, row);
      return s;
    },
  },
  { name: 'nchar, nvarchar, ntext → varchar(n) / text', types: ['nchar', 'nvarchar', 'ntext', 'sysname'], to: (c) => (c.dataType === 'ntext' || c.length === -1 ? 'text' : `varchar(${c.length})`), convert: () => (v) => v as string },
  { name: 'date → date', types: ['date'], to: 'date', convert: () => (v) => formatDate(v as Date) },
  { name: 'time → time', types: ['time'], to: 'time', convert: temporal(formatTime) },
  { name: 'datetime2, datetime, smalldatetime → timestamp', types: ['datetime2', 'datetime', 'smalldatetime'], to: 'timestamp', convert: temporal(formatTimestamp) },
  { name: 'datetimeoffset → timestamptz', types: ['datetimeoffset'], to: 'timestamptz', convert: temporal(formatTimestamptz) },
  { name: 'uniqueidentifier → uuid', types: ['uniqueidentifier'], to: 'uuid', convert: () => (v) => String(v).toLowerCase() },
  { name: 'binary, varbinary, image, rowversion → bytea', types: ['binary', 'varbinary', 'image', 'timestamp', 'rowversion'], to: 'bytea', convert: () => (v) => `\\x${(v as Buffer).toString('hex')}` },
  // SPEC §12: with PostGIS in the target, SQL Server serialises the value itself as WKB (its CLR
  // format is not WKB) plus the SRID, as `SRID=n;<hex WKB>`, which PostGIS's input function reads.
  // Geography WKB is longitude first, like PostGIS. Z and M values are dropped by STAsBinary.
  {
    name: 'geometry, geography → geometry (PostGIS in the target)',
    types: ['geometry', 'geography'], when: (_c, ctx) => ctx.targetPostgis, to: 'geometry',
    select: (q) => `CASE WHEN ${q} IS NULL THEN NULL ELSE CONCAT('SRID=', ${q}.STSrid, ';', CONVERT(varchar(max), ${q}.STAsBinary(), ${HEX_STYLE})) END`,
    convert: () => asString,
  },
  // sql_variant, xml, hierarchyid, CLR types (and spatial types without PostGIS): skipped with a warning.
];

function undecodable(column: string, row: number): ConnectorError {
  return new ConnectorError('ENCODING_ERROR',
    `Column "${column}", row ${row}: bytes that are not valid in the column's code page. Set the "encoding" parameter to the remote data's real character set.`);
}

/** The cast of a column, or null when it must be skipped (no rule, or a rule that maps to null). */
export function castColumn(column: RemoteColumn, ctx: CastContext = PLAIN_CONTEXT, rules: readonly CastRule[] = SQLSERVER_CAST_RULES): SqlServerCast | null {
  const match = matchCast(rules, column.dataType, column, ctx);
  if (!match || match.localType === null) return null;
  return { rule: match.rule, localType: match.localType };
}

/**
 * Why a column is skipped, for cdb_connector_explain: spatial types match no rule only when the
 * target has no PostGIS, which says more than "no rule maps geometry".
 */
export function skippedBecause(column: RemoteColumn, ctx: CastContext = PLAIN_CONTEXT, rules: readonly CastRule[] = SQLSERVER_CAST_RULES): string {
  if (SPATIAL_TYPES.includes(column.dataType) && !ctx.targetPostgis) return 'geometry, geography skipped without PostGIS in the target';
  return skipReason(matchCast(rules, column.dataType, column, ctx), column.dataType);
}

/**
 * The cast of a column with the request's user rules (ctx.casts) in front of the table: a user
 * rule sets the local type, the built-in rule still says how the column is read and converted
 * (`CONVERT(varchar(50), …)` for decimal, the temporal formatting), so values arrive exactly.
 */
export function decideCast(column: RemoteColumn, ctx: CastContext = PLAIN_CONTEXT, rules: readonly CastRule[] = SQLSERVER_CAST_RULES): ColumnCast<CastRule> | { reason: string } {
  const match = matchCast(rules, column.dataType, column, ctx);
  return decideColumn(match, () => skippedBecause(column, ctx, rules), { name: column.name, remoteType: column.remoteType }, ctx);
}

/** The local type for a column, or null when it must be skipped. */
export function resolveCast(column: RemoteColumn, ctx: CastContext = PLAIN_CONTEXT, rules: readonly CastRule[] = SQLSERVER_CAST_RULES): string | null {
  return castColumn(column, ctx, rules)?.localType ?? null;
}
