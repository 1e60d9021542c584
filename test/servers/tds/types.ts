/**
 * SQL Server data types as the test server declares them: parsing type names, the PostgreSQL
 * storage type behind each one, TYPE_INFO bytes for COLMETADATA (MS-TDS 2.2.5.4), and the SQL
 * Server type reported for a PostgreSQL result column that has no declared type.
 */
import { ByteWriter } from './bytes.js';
import { temporalStorage } from './temporal-types.js';

export interface SqlType {
  /** Lower-case base name: `int`, `decimal`, `nvarchar`, `datetime2`, … */
  name: string;
  /** Characters (char types) or bytes (binary types); -1 = max. */
  length?: number;
  precision?: number;
  scale?: number;
}

/** SQL_Latin1_General_CP1_CI_AS: LCID 0x0409, flags ignore case/kana/width, sort id 52 → code page 1252. */
export const SERVER_COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);
export const SERVER_COLLATION_NAME = 'SQL_Latin1_General_CP1_CI_AS';
export const SERVER_CODE_PAGE = 1252;
/** Collations accepted in COLLATE clauses: all use code page 1252 (the only one this server encodes). */
export const KNOWN_COLLATIONS = new Set(['sql_latin1_general_cp1_ci_as', 'sql_latin1_general_cp1_cs_as', 'latin1_general_ci_as', 'latin1_general_cs_as', 'latin1_general_bin2']);

const DEFAULT_TIME_SCALE = 7;
const MAX_SCALE = 7;

/** Types a fixture may declare, with their PostgreSQL storage. Time types with 100 ns digits have their own types (temporal-types.ts: PostgreSQL keeps only µs). */
const STORAGE: Record<string, (t: SqlType) => string> = {
  bit: () => 'smallint', tinyint: () => 'smallint', smallint: () => 'smallint', int: () => 'integer', bigint: () => 'bigint',
  decimal: (t) => `numeric(${t.precision},${t.scale})`, numeric: (t) => `numeric(${t.precision},${t.scale})`,
  money: () => 'numeric(19,4)', smallmoney: () => 'numeric(10,4)',
  real: () => 'real', float: (t) => ((t.precision ?? 53) <= 24 ? 'real' : 'double precision'),
  char: (t) => `char(${t.length})`, nchar: (t) => `char(${t.length})`,
  varchar: (t) => (t.length === -1 ? 'text' : `varchar(${t.length})`), nvarchar: (t) => (t.length === -1 ? 'text' : `varchar(${t.length})`),
  text: () => 'text', ntext: () => 'text',
  date: () => 'date', time: () => temporalStorage('time'), datetime2: () => temporalStorage('datetime2'), datetimeoffset: () => temporalStorage('datetimeoffset'),
  datetime: () => 'timestamp(3)', smalldatetime: () => 'timestamp(0)',
  uniqueidentifier: () => 'uuid', binary: () => 'bytea', varbinary: () => 'bytea', image: () => 'bytea',
  sql_variant: () => 'text', xml: () => 'text',
  // PostGIS types: only in a backing database with the postgis extension (spatial.ts).
  geometry: () => 'geometry', geography: () => 'geography',
};

export function isKnownType(name: string): boolean {
  return Object.hasOwn(STORAGE, name.toLowerCase()) || name.toLowerCase() === 'sysname';
}

/** Parses `decimal(12, 2)`, `nvarchar(max)`, `datetime2(7)`, `float(24)`, `sysname`. */
export function parseSqlType(name: string, args: string[] = []): SqlType {
  const base = name.toLowerCase();
  if (base === 'sysname') return { name: 'nvarchar', length: 128 };
  if (!Object.hasOwn(STORAGE, base)) throw new Error(`Column, parameter, or variable: cannot find data type ${name}.`);
  const n = (i: number, dflt: number) => (args[i] === undefined ? dflt : args[i]!.toLowerCase() === 'max' ? -1 : Number(args[i]));
  switch (base) {
    case 'decimal': case 'numeric': return { name: base, precision: n(0, 18), scale: n(1, 0) };
    case 'float': return { name: base, precision: n(0, 53) };
    case 'char': case 'nchar': case 'binary': return { name: base, length: n(0, 1) };
    case 'varchar': case 'nvarchar': case 'varbinary': return { name: base, length: n(0, 1) };
    case 'time': case 'datetime2': case 'datetimeoffset': return { name: base, scale: Math.min(n(0, DEFAULT_TIME_SCALE), MAX_SCALE) };
    default: return { name: base };
  }
}

export function formatSqlType(t: SqlType): string {
  const len = (l: number | undefined) => (l === -1 ? 'max' : String(l));
  switch (t.name) {
    case 'decimal': case 'numeric': return `${t.name}(${t.precision},${t.scale})`;
    case 'char': case 'nchar': case 'binary': case 'varchar': case 'nvarchar': case 'varbinary': return `${t.name}(${len(t.length)})`;
    case 'time': case 'datetime2': case 'datetimeoffset': return `${t.name}(${t.scale})`;
    case 'float': return (t.precision ?? 53) <= 24 ? 'real' : 'float';
    default: return t.name;
  }
}

export function storageType(t: SqlType): string { return STORAGE[t.name]!(t); }
/**
 * CAST/CONVERT targets in expressions are the storage types, so a cast value compares with a
 * column of its type (`col >= CAST(@p AS datetime2(7))` compares 100 ns values). The scale of a
 * time type is not applied: the value keeps the digits it was written with (values.ts rounds them
 * when it encodes a column).
 */
export function castType(t: SqlType): string { return storageType(t); }

export function isPlp(t: SqlType): boolean {
  return ((t.name === 'varchar' || t.name === 'nvarchar' || t.name === 'varbinary') && t.length === -1) || t.name === 'xml';
}

/** Bytes of the fixed part of a decimal value for a precision (MS-TDS 2.2.5.5.1.6). */
export function decimalBytes(precision: number): number {
  return precision <= 9 ? 5 : precision <= 19 ? 9 : precision <= 28 ? 13 : 17;
}

/** Bytes of a time value for a scale (MS-TDS 2.2.5.5.1.8). */
export function timeBytes(scale: number): number {
  return scale <= 2 ? 3 : scale <= 4 ? 4 : 5;
}

const INT_BYTES: Record<string, number> = { tinyint: 1, smallint: 2, int: 4, bigint: 8 };
const TEXT_MAX_BYTES = 0x7fffffff;
const NTEXT_MAX_BYTES = 0x7ffffffe;
const VARIANT_MAX_BYTES = 8016;
const MAX_LENGTH_MARKER = 0xffff;

/** TYPE_INFO of one column (MS-TDS 2.2.5.4). */
export function writeTypeInfo(w: ByteWriter, t: SqlType): void {
  const charLen = (bytesPerChar: number) => (t.length === -1 ? MAX_LENGTH_MARKER : t.length! * bytesPerChar);
  switch (t.name) {
    case 'bit': w.u8(0x68).u8(1); break;
    case 'tinyint': case 'smallint': case 'int': case 'bigint': w.u8(0x26).u8(INT_BYTES[t.name]!); break;
    case 'real': w.u8(0x6d).u8(4); break;
    case 'float': w.u8(0x6d).u8((t.precision ?? 53) <= 24 ? 4 : 8); break;
    case 'money': w.u8(0x6e).u8(8); break;
    case 'smallmoney': w.u8(0x6e).u8(4); break;
    case 'decimal': w.u8(0x6a).u8(decimalBytes(t.precision!)).u8(t.precision!).u8(t.scale!); break;
    case 'numeric': w.u8(0x6c).u8(decimalBytes(t.precision!)).u8(t.precision!).u8(t.scale!); break;
    case 'date': w.u8(0x28); break;
    case 'time': w.u8(0x29).u8(t.scale!); break;
    case 'datetime2': w.u8(0x2a).u8(t.scale!); break;
    case 'datetimeoffset': w.u8(0x2b).u8(t.scale!); break;
    case 'datetime': w.u8(0x6f).u8(8); break;
    case 'smalldatetime': w.u8(0x6f).u8(4); break;
    case 'uniqueidentifier': w.u8(0x24).u8(16); break;
    case 'char': w.u8(0xaf).u16(charLen(1)).bytes(SERVER_COLLATION); break;
    case 'varchar': w.u8(0xa7).u16(charLen(1)).bytes(SERVER_COLLATION); break;
    case 'nchar': w.u8(0xef).u16(charLen(2)).bytes(SERVER_COLLATION); break;
    case 'nvarchar': w.u8(0xe7).u16(charLen(2)).bytes(SERVER_COLLATION); break;
    case 'binary': w.u8(0xad).u16(charLen(1)); break;
    case 'varbinary': w.u8(0xa5).u16(charLen(1)); break;
    case 'text': w.u8(0x23).u32(TEXT_MAX_BYTES).bytes(SERVER_COLLATION); break;
    case 'ntext': w.u8(0x63).u32(NTEXT_MAX_BYTES).bytes(SERVER_COLLATION); break;
    case 'image': w.u8(0x22).u32(TEXT_MAX_BYTES); break;
    case 'sql_variant': w.u8(0x62).u32(VARIANT_MAX_BYTES); break;
    case 'xml': w.u8(0xf1).u8(0); break;
    default: throw new Error(`no TDS type for ${t.name}`);
  }
}

/** TEXT, NTEXT and IMAGE columns carry a table name in COLMETADATA (TDS ≥ 7.2: parts count + US_VARCHAR parts). */
export function hasTableName(t: SqlType): boolean {
  return t.name === 'text' || t.name === 'ntext' || t.name === 'image';
}

export interface PgField {
  dataTypeID: number;
  dataTypeModifier: number;
}

/** Unconstrained numeric expressions (e.g. SUM) have no declared scale; SQL Server would derive one, we pick a wide one. */
const UNCONSTRAINED_NUMERIC: SqlType = { name: 'decimal', precision: 38, scale: 10 };
const VARHDRSZ = 4;

/** The SQL Server type reported for a result column computed by PostgreSQL (no declared column behind it). */
export function sqlTypeForPg(f: PgField): SqlType {
  const mod = f.dataTypeModifier;
  switch (f.dataTypeID) {
    case 16: return { name: 'bit' };
    case 21: return { name: 'smallint' };
    case 23: case 26: return { name: 'int' };
    case 20: return { name: 'bigint' };
    case 1700: return mod < VARHDRSZ ? UNCONSTRAINED_NUMERIC : { name: 'decimal', precision: ((mod - VARHDRSZ) >> 16) & 0xffff, scale: (mod - VARHDRSZ) & 0xffff };
    case 700: return { name: 'real' };
    case 701: return { name: 'float', precision: 53 };
    case 1042: return { name: 'char', length: mod > VARHDRSZ ? mod - VARHDRSZ : 1 };
    case 1043: return mod > VARHDRSZ ? { name: 'varchar', length: mod - VARHDRSZ } : { name: 'nvarchar', length: -1 };
    case 19: return { name: 'nvarchar', length: 128 };
    case 1082: return { name: 'date' };
    case 1083: return { name: 'time', scale: 7 };
    case 1114: return mod === 3 ? { name: 'datetime' } : mod === 0 ? { name: 'smalldatetime' } : { name: 'datetime2', scale: 7 };
    case 1184: return { name: 'datetimeoffset', scale: 7 };
    case 2950: return { name: 'uniqueidentifier' };
    case 17: return { name: 'varbinary', length: -1 };
    default: return { name: 'nvarchar', length: -1 };
  }
}
