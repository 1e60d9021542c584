/**
 * A table's row estimate (provider.ts estimateRows) from information_schema.TABLES.TABLE_ROWS:
 * exact for MyISAM and Aria, InnoDB's sampled estimate otherwise, which "may vary from the
 * actual value by as much as 40% to 50%" (MySQL 8.0 manual, The INFORMATION_SCHEMA TABLES
 * Table). MySQL 8 also caches it for information_schema_stats_expiry (24 h by default; MariaDB
 * reads it live). A view or a sql_query has no statistics: null. Never a COUNT(*).
 */
import { ConnectorError } from '../../errors.js';
import { rowsFromStatistics, type SourceObject } from '../provider.js';
import type { MysqlConnection } from './connection.js';

const TABLE_ROWS_SQL = `SELECT TABLE_ROWS FROM information_schema.TABLES
  WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND TABLE_TYPE <> 'VIEW'`;

export async function estimateMysqlRows(conn: MysqlConnection, schema: string, source: SourceObject, signal: AbortSignal): Promise<number | null> {
  if (source.kind === 'query') return null;
  if (signal.aborted) throw new ConnectorError('CANCELLED', 'Import cancelled before the row estimate was read');
  const rows = await conn.execute(TABLE_ROWS_SQL, [schema, source.table]);
  return rowsFromStatistics(rows[0]?.[0]);
}

const SCHEMA_TABLE_ROWS_SQL = `SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES
  WHERE TABLE_SCHEMA = ? AND TABLE_TYPE <> 'VIEW'`;

/** Every table's TABLE_ROWS of the schema in one statement (whole-database runs); the asked ones kept. */
export async function estimateMysqlTables(conn: MysqlConnection, schema: string, tables: readonly string[]): Promise<Map<string, number>> {
  const wanted = new Set(tables);
  const out = new Map<string, number>();
  for (const row of await conn.execute(SCHEMA_TABLE_ROWS_SQL, [schema])) {
    const name = String(row[0]);
    const rows = rowsFromStatistics(row[1]);
    if (wanted.has(name) && rows !== null) out.set(name, rows);
  }
  return out;
}
