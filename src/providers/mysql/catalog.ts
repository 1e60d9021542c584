/**
 * What the remote server says about a table or a query, normalised to RemoteColumn and mapped
 * with the cast rules into a SourcePlan; and the table list.
 *
 * Tables: information_schema, because it knows ENUM/SET members, YEAR, BIT(n), unsigned and the
 * declared lengths exactly. MariaDB stores JSON as LONGTEXT with a `json_valid()` CHECK; such a
 * column is mapped to jsonb (information_schema.CHECK_CONSTRAINTS, MariaDB 10.2.22+).
 *
 * Queries: the statement is prepared, not run (COM_STMT_PREPARE returns the result columns), so
 * a join with two `id` columns describes fine where wrapping it in a derived table would fail
 * with "Duplicate column name". Statements that cannot be prepared (error 1295) fall back to
 * `SELECT * FROM (<query>) q LIMIT 0`.
 */
import type { FieldPacket } from 'mysql2';
import { ConnectorError } from '../../errors.js';
import type { SourcePlan } from '../../rows/plan.js';
import type { RemoteTable } from '../provider.js';
import { decideCast, type CastContext, type RemoteColumn } from './cast-rules.js';
import { driverErrno, type MysqlConnection } from './connection.js';

const COLUMNS_SQL = `SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION, IS_NULLABLE
  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`;
const JSON_CHECKS_SQL = `SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?`;
// Every unique index with its columns in key order; a view has none. A MySQL 8 functional key
// part has no COLUMN_NAME. A prefix part (SUB_PART) still makes the whole column unique.
const UNIQUE_KEYS_SQL = `SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS
  WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX`;
const PRIMARY_INDEX = 'PRIMARY';
const SCHEMA_EXISTS_SQL = 'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?';
// MariaDB 10.10+ lists the ids of its UCA 14.0 collations (2048+) only in the applicability table
// (measured on 10.11: 184 collations with a NULL id in COLLATIONS); MySQL has no ID column there.
const CHARSETS_SQL = `SELECT a.ID, a.CHARACTER_SET_NAME, cs.MAXLEN FROM information_schema.COLLATION_CHARACTER_SET_APPLICABILITY a
  JOIN information_schema.CHARACTER_SETS cs ON cs.CHARACTER_SET_NAME = a.CHARACTER_SET_NAME`;
const CHARSETS_FALLBACK_SQL = `SELECT co.ID, co.CHARACTER_SET_NAME, cs.MAXLEN FROM information_schema.COLLATIONS co
  JOIN information_schema.CHARACTER_SETS cs ON cs.CHARACTER_SET_NAME = co.CHARACTER_SET_NAME WHERE co.ID IS NOT NULL`;
const TABLES_SQL = `SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES
  WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', 'VIEW') ORDER BY TABLE_NAME`;

const TEXT_TYPES = new Set(['tinytext', 'text', 'mediumtext', 'longtext']);
const INTEGER_LOCAL_TYPES = new Set(['smallint', 'integer', 'bigint']);
/** MariaDB's CHECK for a JSON column, exactly as it generates it. */
const JSON_CHECK = /^json_valid\(`((?:[^`]|``)+)`\)$/;

/** Collation id → character set, from the server (ids differ between MySQL and MariaDB versions). */
export interface CharsetInfo {
  name: string;
  maxBytesPerChar: number;
}

export async function describeTable(conn: MysqlConnection, schema: string, table: string, ctx?: CastContext): Promise<SourcePlan> {
  const rows = await conn.execute(COLUMNS_SQL, [schema, table]);
  if (rows.length === 0) throw await tableNotFound(conn, schema, table);
  const jsonColumns = conn.flavour === 'mariadb' ? await mariadbJsonColumns(conn, schema, table) : new Set<string>();
  const columns = rows.map((r) => infoSchemaColumn(r, jsonColumns));
  const plan = planColumns(columns, ctx);
  const keys = await uniqueIndexes(conn, schema, table);
  const pk = keys.get(PRIMARY_INDEX) ?? [];
  if (pk.length === 1) {
    const column = plan.columns.find((c) => c.remoteName === pk[0]);
    if (column && INTEGER_LOCAL_TYPES.has(column.localType)) plan.primaryKey = column.remoteName;
  }
  const notNull = new Set(rows.filter((r) => text(r[7]) === 'NO').map((r) => text(r[0])));
  const uniqueKey = chooseUniqueKey(keys, plan, notNull);
  if (uniqueKey) plan.uniqueKey = uniqueKey;
  return plan;
}

/** Unique index name → its columns in key order (null for a functional key part). */
async function uniqueIndexes(conn: MysqlConnection, schema: string, table: string): Promise<Map<string, Array<string | null>>> {
  const keys = new Map<string, Array<string | null>>();
  for (const [index, column] of await conn.execute(UNIQUE_KEYS_SQL, [schema, table])) {
    const name = text(index);
    if (!keys.has(name)) keys.set(name, []);
    keys.get(name)!.push(column === null || column === undefined ? null : text(column));
  }
  return keys;
}

/**
 * SourcePlan.uniqueKey: the primary key, else the first unique key by index name (code-unit
 * order, not the server's collation, so every server picks the same) whose columns are all NOT
 * NULL (a UNIQUE over a nullable column admits many NULLs); every column must be a plan column.
 */
function chooseUniqueKey(keys: Map<string, Array<string | null>>, plan: SourcePlan, notNull: Set<string>): string[] | undefined {
  const planned = new Set(plan.columns.map((c) => c.remoteName));
  const usable = (columns: Array<string | null>): columns is string[] => columns.every((c) => c !== null && planned.has(c) && notNull.has(c));
  const names = [...keys.keys()].filter((n) => n !== PRIMARY_INDEX).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of [PRIMARY_INDEX, ...names]) {
    const columns = keys.get(name);
    if (columns && columns.length > 0 && usable(columns)) return [...columns];
  }
  return undefined;
}

export async function describeQuery(conn: MysqlConnection, sql: string, charsets: Map<number, CharsetInfo>, ctx?: CastContext): Promise<SourcePlan> {
  let fields: FieldPacket[];
  try {
    const described = await conn.describeStatement(sql);
    if (described.parameters > 0) {
      throw new ConnectorError('SOURCE_QUERY_FAILED', 'The sql_query contains ? placeholders; write the values into the query');
    }
    fields = described.columns;
  } catch (err) {
    if (driverErrno(err) !== ER_UNSUPPORTED_PS) throw err;
    fields = await conn.queryFields(`SELECT * FROM (${sql}) AS cdb_query LIMIT 0`);
  }
  if (fields.length === 0) {
    throw new ConnectorError('SOURCE_QUERY_FAILED', 'The sql_query returns no result set; it must be a SELECT (or another statement returning rows)');
  }
  return planColumns(fields.map((f) => fieldColumn(f, charsets)), ctx);
}

export async function listTables(conn: MysqlConnection, schema: string, limit: number): Promise<RemoteTable[]> {
  const rows = await conn.execute(`${TABLES_SQL} LIMIT ${Math.max(0, Math.floor(limit))}`, [schema]);
  return rows.map((r) => ({ schema: text(r[0]), name: text(r[1]), kind: text(r[2]) === 'VIEW' ? 'view' : 'table' }));
}

export async function loadCharsets(conn: MysqlConnection): Promise<Map<number, CharsetInfo>> {
  const rows = await conn.query(CHARSETS_SQL).catch((err) => {
    if (driverErrno(err) !== ER_BAD_FIELD) throw err;
    return conn.query(CHARSETS_FALLBACK_SQL);
  });
  return new Map(rows.map((r) => [Number(r[0]), { name: text(r[1]).toLowerCase(), maxBytesPerChar: Number(r[2]) }]));
}

const ER_UNSUPPORTED_PS = 1295;
const ER_BAD_FIELD = 1054;

function planColumns(columns: RemoteColumn[], ctx?: CastContext): SourcePlan {
  const plan: SourcePlan = { columns: [], skipped: [] };
  for (const column of columns) {
    const decided = decideCast(column, ctx);
    if ('reason' in decided) plan.skipped.push({ remoteName: column.name, remoteType: column.columnType, reason: decided.reason });
    else plan.columns.push({ remoteName: column.name, remoteType: column.columnType, ...decided.cast, rule: decided.rule });
  }
  return plan;
}

async function tableNotFound(conn: MysqlConnection, schema: string, table: string): Promise<ConnectorError> {
  const schemaExists = (await conn.execute(SCHEMA_EXISTS_SQL, [schema])).length > 0;
  const where = `MySQL server ${conn.ctx.server}:${conn.ctx.port}`;
  return new ConnectorError('SOURCE_NOT_FOUND', schemaExists
    ? `${where}: table "${table}" not found in database "${schema}" (or user "${conn.ctx.username ?? ''}" has no privileges on it); check the table and schema parameters`
    : `${where}: database "${schema}" not found (or user "${conn.ctx.username ?? ''}" cannot see it); check the schema parameter`);
}

async function mariadbJsonColumns(conn: MysqlConnection, schema: string, table: string): Promise<Set<string>> {
  const names = new Set<string>();
  try {
    for (const [clause] of await conn.execute(JSON_CHECKS_SQL, [schema, table])) {
      const match = JSON_CHECK.exec(text(clause).trim());
      if (match) names.add(match[1]!.replace(/``/g, '`'));
    }
  } catch (err) {
    // MariaDB before 10.2.22 has no CHECK_CONSTRAINTS: its JSON columns stay text.
    if (driverErrno(err) !== ER_UNKNOWN_TABLE) throw err;
  }
  return names;
}

const ER_UNKNOWN_TABLE = 1109;

function infoSchemaColumn(r: unknown[], jsonColumns: Set<string>): RemoteColumn {
  const name = text(r[0]);
  let dataType = text(r[1]).toLowerCase();
  const columnType = text(r[2]);
  if (TEXT_TYPES.has(dataType) && jsonColumns.has(name)) dataType = 'json';
  return {
    name, dataType, columnType,
    unsigned: /\bunsigned\b/i.test(columnType),
    length: dataType === 'bit' ? num(r[4]) : num(r[3]),
    precision: num(r[4]),
    scale: num(r[5]),
    fsp: num(r[6]),
  };
}

// Result-metadata type codes (include/mysql_com.h enum_field_types) and flags.
const T = {
  DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, NULL: 6, TIMESTAMP: 7, LONGLONG: 8, INT24: 9,
  DATE: 10, TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, VARCHAR: 15, BIT: 16, JSON: 245, NEWDECIMAL: 246,
  ENUM: 247, SET: 248, TINY_BLOB: 249, MEDIUM_BLOB: 250, LONG_BLOB: 251, BLOB: 252, VAR_STRING: 253, STRING: 254, GEOMETRY: 255,
} as const;
const FLAG_UNSIGNED = 32;
/** The display width of tinyint(1) (BOOLEAN) in result metadata. */
const BOOLEAN_WIDTH = 1;
const FLAG_ENUM = 256;
const FLAG_SET = 2048;
export const BINARY_CHARSET_ID = 63;
/** MySQL's "no fixed number of decimals" marker (31; MariaDB uses 39): any precision up to 6. */
const MAX_REAL_DECIMALS = 6;

const INTEGER_NAMES: Record<number, string> = { [T.TINY]: 'tinyint', [T.SHORT]: 'smallint', [T.INT24]: 'mediumint', [T.LONG]: 'int', [T.LONGLONG]: 'bigint' };
const SIMPLE_NAMES: Record<number, string> = {
  [T.FLOAT]: 'float', [T.DOUBLE]: 'double', [T.NULL]: 'null', [T.DATE]: 'date', [T.NEWDATE]: 'date', [T.YEAR]: 'year',
  [T.JSON]: 'json', [T.GEOMETRY]: 'geometry',
};
const TIME_NAMES: Record<number, string> = { [T.TIME]: 'time', [T.DATETIME]: 'datetime', [T.TIMESTAMP]: 'timestamp' };
const EXTENDED_TYPES = new Set(['uuid', 'inet4', 'inet6']);

/** A result column (prepare or LIMIT 0 metadata) as a RemoteColumn. Lengths are bytes in the column's charset. */
export function fieldColumn(f: FieldPacket, charsets: Map<number, CharsetInfo>): RemoteColumn {
  const type = f.columnType ?? f.type ?? -1;
  const flags = typeof f.flags === 'number' ? f.flags : 0;
  const unsigned = (flags & FLAG_UNSIGNED) !== 0;
  const bytes = f.columnLength ?? 0;
  const binary = f.characterSet === BINARY_CHARSET_ID;
  const column = (dataType: string, columnType: string, extra: Partial<RemoteColumn> = {}): RemoteColumn => ({ name: f.name, dataType, columnType, unsigned, ...extra });
  const sign = unsigned ? ' unsigned' : '';
  if (f.extendedFormat === 'json') return column('json', 'json');
  if (f.extendedTypeName && EXTENDED_TYPES.has(f.extendedTypeName)) return column(f.extendedTypeName, f.extendedTypeName);
  if (f.extendedTypeName && type === T.GEOMETRY) return column(f.extendedTypeName, f.extendedTypeName);
  // tinyint(1), MySQL's BOOLEAN, keeps its width in the spelling, as in information_schema: what a
  // user cast rule {"type": "tinyint(1)"} names (SPEC §14); other widths are display only
  if (type === T.TINY && bytes === BOOLEAN_WIDTH) return column('tinyint', `tinyint(${BOOLEAN_WIDTH})${sign}`);
  if (INTEGER_NAMES[type]) return column(INTEGER_NAMES[type]!, INTEGER_NAMES[type]! + sign);
  if (SIMPLE_NAMES[type]) return column(SIMPLE_NAMES[type]!, SIMPLE_NAMES[type]! + sign);
  if (TIME_NAMES[type]) {
    const fsp = f.decimals <= MAX_REAL_DECIMALS ? f.decimals : MAX_REAL_DECIMALS;
    return column(TIME_NAMES[type]!, fsp > 0 ? `${TIME_NAMES[type]}(${fsp})` : TIME_NAMES[type]!, { fsp });
  }
  if (type === T.DECIMAL || type === T.NEWDECIMAL) {
    const scale = f.decimals;
    const precision = bytes - (scale > 0 ? 1 : 0) - (unsigned ? 0 : 1);
    return column('decimal', `decimal(${precision},${scale})${sign}`, { precision, scale });
  }
  if (type === T.BIT) return column('bit', `bit(${bytes})`, { length: bytes });
  if (type === T.ENUM || (flags & FLAG_ENUM) !== 0) return column('enum', 'enum');
  if (type === T.SET || (flags & FLAG_SET) !== 0) return column('set', 'set');
  if (type === T.VAR_STRING || type === T.VARCHAR || type === T.STRING) {
    const fixed = type === T.STRING;
    if (binary) return column(fixed ? 'binary' : 'varbinary', `${fixed ? 'binary' : 'varbinary'}(${bytes})`, { length: bytes });
    const length = Math.ceil(bytes / (charsets.get(f.characterSet ?? -1)?.maxBytesPerChar ?? 1));
    return column(fixed ? 'char' : 'varchar', `${fixed ? 'char' : 'varchar'}(${length})`, { length });
  }
  if (type === T.TINY_BLOB || type === T.MEDIUM_BLOB || type === T.LONG_BLOB || type === T.BLOB) {
    const name = binary ? 'longblob' : 'longtext';
    return column(name, name);
  }
  return column(`type ${type}`, `unknown type ${type}`);
}

export function text(v: unknown): string {
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v ?? '');
}

export function num(v: unknown): number | undefined {
  return v === null || v === undefined ? undefined : Number(v);
}
