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
