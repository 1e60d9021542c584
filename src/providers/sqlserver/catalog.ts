/**
 * What the remote columns are: INFORMATION_SCHEMA.COLUMNS for a table (declared types, with
 * parameters — names never pasted into SQL), sp_describe_first_result_set for a sql_query
 * (SQL Server's own description of a query's first result set, without running it).
 */
import { ConnectorError } from '../../errors.js';
import type { RemoteTable } from '../provider.js';
import type { RemoteColumn } from './cast-rules.js';
import type { SqlServerConnection } from './connection.js';

/** `[name]` with `]` doubled, as QUOTENAME does: the only safe way to put an identifier into T-SQL. */
export function quoteName(name: string): string {
  return `[${name.replace(/]/g, ']]')}]`;
}

const COLUMNS_SQL = `SELECT c.COLUMN_NAME, c.DATA_TYPE, c.CHARACTER_MAXIMUM_LENGTH, c.NUMERIC_PRECISION, c.NUMERIC_SCALE, c.DATETIME_PRECISION
FROM INFORMATION_SCHEMA.COLUMNS AS c
WHERE c.TABLE_SCHEMA = @schema AND c.TABLE_NAME = @table
ORDER BY c.ORDINAL_POSITION`;

const SCHEMA_SQL = 'SELECT s.SCHEMA_NAME FROM INFORMATION_SCHEMA.SCHEMATA AS s WHERE s.SCHEMA_NAME = @schema';

/**
 * PRIMARY KEY and UNIQUE constraints with their columns in key order, and whether each column
 * is nullable (SQL Server lets a UNIQUE constraint hold one NULL: not a merge key). Unique
 * indexes that are not constraints do not appear here (they are not in INFORMATION_SCHEMA).
 */
const KEYS_SQL = `SELECT t.CONSTRAINT_NAME, t.CONSTRAINT_TYPE, k.COLUMN_NAME, k.ORDINAL_POSITION, c.IS_NULLABLE
FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS AS t
JOIN INFORMATION_SCHEMA.KEY_COLUMN_USAGE AS k
  ON k.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = t.CONSTRAINT_NAME AND k.TABLE_SCHEMA = t.TABLE_SCHEMA AND k.TABLE_NAME = t.TABLE_NAME
JOIN INFORMATION_SCHEMA.COLUMNS AS c
  ON c.TABLE_SCHEMA = k.TABLE_SCHEMA AND c.TABLE_NAME = k.TABLE_NAME AND c.COLUMN_NAME = k.COLUMN_NAME
WHERE t.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE') AND t.TABLE_SCHEMA = @schema AND t.TABLE_NAME = @table
ORDER BY t.CONSTRAINT_NAME, k.ORDINAL_POSITION`;

/** A PRIMARY KEY or UNIQUE constraint of a table. */
export interface RemoteKey {
  primary: boolean;
  /** Column names in key order. */
  columns: string[];
  /** Every column is NOT NULL (always true for a primary key). */
  notNull: boolean;
}

export interface RemoteTableShape {
  columns: RemoteColumn[];
  /** Primary key first, then UNIQUE constraints by name. */
  keys: RemoteKey[];
}

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));

/** `decimal(12,2)`, `nvarchar(max)`, `datetime2(7)`: how SQL Server spells a type. */
export function spellType(c: Omit<RemoteColumn, 'remoteType'>): string {
  switch (c.dataType) {
    case 'decimal': case 'numeric': return `${c.dataType}(${c.precision},${c.scale})`;
    case 'char': case 'varchar': case 'nchar': case 'nvarchar': case 'binary': case 'varbinary':
      return `${c.dataType}(${c.length === -1 ? 'max' : c.length})`;
    case 'time': case 'datetime2': case 'datetimeoffset': return `${c.dataType}(${c.scale})`;
    default: return c.dataType;
  }
}

const TIME_TYPES = new Set(['time', 'datetime2', 'datetimeoffset']);

export async function describeTableColumns(conn: SqlServerConnection, schema: string, table: string): Promise<RemoteTableShape> {
  const params = [{ name: 'schema', value: schema }, { name: 'table', value: table }];
  const rows = await conn.query(COLUMNS_SQL, params, `describing ${schema}.${table}`);
  if (rows.length === 0) {
    const schemas = await conn.query(SCHEMA_SQL, [{ name: 'schema', value: schema }], `looking up schema ${schema}`);
    const what = schemas.length === 0 ? `Schema "${schema}" does not exist` : `Table "${schema}"."${table}" does not exist`;
    throw new ConnectorError('SOURCE_NOT_FOUND', `${what} in SQL Server database "${conn.errorContext.database}" at ${conn.errorContext.where} (or the user cannot see it).`);
  }
  const columns = rows.map((r) => {
    const dataType = String(r.DATA_TYPE).toLowerCase();
    const base = {
      name: String(r.COLUMN_NAME), dataType, length: num(r.CHARACTER_MAXIMUM_LENGTH),
      precision: num(r.NUMERIC_PRECISION), scale: TIME_TYPES.has(dataType) ? num(r.DATETIME_PRECISION) : num(r.NUMERIC_SCALE),
    };
    return { ...base, remoteType: spellType(base) };
  });
  const keyRows = await conn.query(KEYS_SQL, params, `reading the keys of ${schema}.${table}`);
  return { columns, keys: groupKeys(keyRows) };
}

function groupKeys(rows: Array<Record<string, unknown>>): RemoteKey[] {
  const byName = new Map<string, RemoteKey>();
  for (const r of rows) {
    const name = String(r.CONSTRAINT_NAME);
    let key = byName.get(name);
    if (!key) byName.set(name, key = { primary: r.CONSTRAINT_TYPE === 'PRIMARY KEY', columns: [], notNull: true });
    key.columns.push(String(r.COLUMN_NAME));
    if (r.IS_NULLABLE !== 'NO') key.notNull = false;
  }
  const keys = [...byName.values()];
  return [...keys.filter((k) => k.primary), ...keys.filter((k) => !k.primary)];
}

/**
 * sp_describe_first_result_set describes a query without running it. Its `system_type_name` is
 * the spelled type (`nvarchar(50)`), `max_length` is in bytes, precision/scale are numeric.
 */
export async function describeQueryColumns(conn: SqlServerConnection, query: string): Promise<RemoteColumn[]> {
  const rows = await conn.callProcedure('sp_describe_first_result_set', [{ name: 'tsql', value: query }], 'describing the sql_query');
  return rows.filter((r) => !r.is_hidden).map((r) => {
    const spelled = String(r.system_type_name ?? '').toLowerCase();
    const m = /^([a-z0-9_]+)(?:\((max|\d+)(?:,\s*(\d+))?\))?/.exec(spelled);
    const dataType = m?.[1] ?? spelled;
    const length = m?.[2] === 'max' ? -1 : m?.[2] !== undefined && !['decimal', 'numeric'].includes(dataType) ? Number(m[2]) : undefined;
    const base = { name: String(r.name ?? ''), dataType, length, precision: num(r.precision), scale: num(r.scale) };
    return { ...base, remoteType: spelled || dataType };
  });
}

/** Tables and views of `schema`, or of every schema when it is absent (cdb_connector_list_tables without a schema). */
export async function listRemoteTables(conn: SqlServerConnection, limit: number, schema?: string): Promise<RemoteTable[]> {
  const rows = await conn.query(
    `SELECT TOP (@limit) t.TABLE_SCHEMA, t.TABLE_NAME, t.TABLE_TYPE FROM INFORMATION_SCHEMA.TABLES AS t${schema === undefined ? '' : ' WHERE t.TABLE_SCHEMA = @schema'}`
      + ' ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME',
    [{ name: 'limit', value: limit }, ...(schema === undefined ? [] : [{ name: 'schema', value: schema }])], 'listing tables');
  return rows.map((r) => ({
    schema: String(r.TABLE_SCHEMA), name: String(r.TABLE_NAME),
    kind: r.TABLE_TYPE === 'BASE TABLE' ? 'table' : r.TABLE_TYPE === 'VIEW' ? 'view' : 'other',
  }));
}
