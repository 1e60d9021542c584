/**
 * A table's row estimate (provider.ts estimateRows) from its `numRows` table parameter, which
 * Hive's metastore keeps when statistics are gathered (hive.stats.autogather on INSERT, or
 * ANALYZE TABLE … COMPUTE STATISTICS): `SHOW TBLPROPERTIES t('numRows')`, a metastore lookup
 * that starts no job. Hive answers a missing property with a sentence instead of an error
 * ("Table … does not have property: numRows") and unknown statistics with -1: both are null.
 * Hive 3 answers one column (the value), some versions two (name, value): the first cell that is
 * an integer is the value. A view or a sql_query: null.
 */
import { rowsFromStatistics, type SourceObject } from '../provider.js';
import { quoteHiveIdentifier, stringColumn } from './catalog.js';
import type { CallGuard, HiveConnection } from './connection.js';
import { HiveOperation } from './operation.js';

const INTEGER = /^-?\d+$/;
/** The answer is one row; a page this size holds it. */
const PROPERTY_ROWS = 10;

export async function estimateHiveRows(conn: HiveConnection, schema: string, source: SourceObject, guard: CallGuard): Promise<number | null> {
  if (source.kind === 'query') return null;
  const op = await HiveOperation.execute(conn, `SHOW TBLPROPERTIES ${quoteHiveIdentifier(schema)}.${quoteHiveIdentifier(source.table)}('numRows')`, guard);
  try {
    const page = await op.fetch(PROPERTY_ROWS, guard);
    const cells = page.map((_, i) => stringColumn(page, i)[0]);
    return rowsFromStatistics(cells.find((cell) => cell !== null && cell !== undefined && INTEGER.test(cell.trim()))?.trim());
  } finally {
    await op.close();
  }
}
