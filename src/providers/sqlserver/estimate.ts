/**
 * A table's row estimate (provider.ts estimateRows) from sys.partitions: the rows of its heap or
 * clustered index (index_id 0 or 1), summed over partitions, which SQL Server keeps current
 * without a scan. sys.partitions needs only a permission on the table, where
 * sys.dm_db_partition_stats needs VIEW DATABASE STATE. A view or a sql_query: null. Never a COUNT(*).
 */
import type { RowSink } from '../../rows/sink.js';
import type { WarningCounter } from '../../rows/warnings.js';
import { rowsFromStatistics, type SourceObject } from '../provider.js';
import { quoteName } from './catalog.js';
import type { SqlServerConnection } from './connection.js';
import { streamSelect, type SelectPlan } from './rows.js';

const TABLE_PARAMETER = 'cdb_table';
const ROWS_SQL = `SELECT CAST(SUM(p.rows) AS bigint) AS row_count FROM sys.partitions AS p
  WHERE p.object_id = OBJECT_ID(@${TABLE_PARAMETER}) AND p.index_id IN (0, 1)`;
const NO_WARNINGS: WarningCounter = { count: () => undefined };

export async function estimateSqlServerRows(sc: SqlServerConnection, schema: string, source: SourceObject, signal: AbortSignal, statementTimeoutMs: number): Promise<number | null> {
  if (source.kind === 'query') return null;
  let count: unknown = null;
  const sink: RowSink = { full: false, write: ([value]) => { count = value; return true; }, drained: () => Promise.resolve() };
  const select: SelectPlan = {
    sql: ROWS_SQL, what: 'reading the row estimate', resultWidth: 1,
    params: [{ name: TABLE_PARAMETER, value: `${quoteName(schema)}.${quoteName(source.table)}` }],
    columns: [{ index: 0, name: 'row_count', convert: (v) => String(v) }],
  };
  await streamSelect(sc, select, sink, { limit: Number.MAX_SAFE_INTEGER, warnings: NO_WARNINGS, signal }, statementTimeoutMs);
  return rowsFromStatistics(count);
}
