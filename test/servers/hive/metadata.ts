/**
 * The JDBC-shaped metadata result sets HiveServer2 returns for GetSchemas / GetTables /
 * GetColumns / GetTableTypes / GetCatalogs (service/cli/operation/Get*Operation.java), built from
 * the test server's catalog. Patterns are JDBC patterns (`%`, `_`); a null pattern matches all.
 * Table types use Hive's default CLASSIC mapping: MANAGED_TABLE → TABLE, VIRTUAL_VIEW → VIEW.
 */
import { Catalog } from './catalog.js';
import { formatHiveType, javaSqlType, type HiveType, type PrimitiveName } from './hive-types.js';
import type { RawRow, ResultColumn } from './rowset.js';

export interface StaticResult { columns: ResultColumn[]; rows: RawRow[] }

const t = (name: PrimitiveName): HiveType => ({ kind: 'primitive', name });
const cols = (spec: Array<[string, PrimitiveName]>): ResultColumn[] => spec.map(([name, type]) => ({ name, type: t(type) }));

const CLASSIC_TYPE = { MANAGED_TABLE: 'TABLE', VIRTUAL_VIEW: 'VIEW' } as const;

function jdbcPattern(pattern: string | null | undefined): (value: string) => boolean {
  if (pattern === null || pattern === undefined || pattern === '' || pattern === '*') return () => true;
  const re = pattern.replace(/[.+?^${}()[\]|\\*]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  const compiled = new RegExp(`^${re}$`, 'i');
  return (value) => compiled.test(value);
}

export async function getSchemas(catalog: Catalog, schemaPattern?: string | null): Promise<StaticResult> {
  const matches = jdbcPattern(schemaPattern);
  const rows = (await catalog.databases()).filter(matches).map((db): RawRow => [db, '']);
  return { columns: cols([['TABLE_SCHEM', 'string'], ['TABLE_CATALOG', 'string']]), rows };
}

export async function getTables(catalog: Catalog, req: { schemaName?: string | null; tableName?: string | null; tableTypes?: string[] | null }): Promise<StaticResult> {
  const schemaMatches = jdbcPattern(req.schemaName);
  const tableMatches = jdbcPattern(req.tableName);
  const types = req.tableTypes?.map((x) => x.toUpperCase());
  const rows = (await catalog.tables())
    .filter((tb) => schemaMatches(tb.db) && tableMatches(tb.name))
    .filter((tb) => !types || types.length === 0 || types.includes(CLASSIC_TYPE[tb.kind]) || types.includes(tb.kind))
    .map((tb): RawRow => ['', tb.db, tb.name, CLASSIC_TYPE[tb.kind], '', null, null, null, null, null]);
  return {
    columns: cols([['TABLE_CAT', 'string'], ['TABLE_SCHEM', 'string'], ['TABLE_NAME', 'string'], ['TABLE_TYPE', 'string'],
      ['REMARKS', 'string'], ['TYPE_CAT', 'string'], ['TYPE_SCHEM', 'string'], ['TYPE_NAME', 'string'],
      ['SELF_REFERENCING_COL_NAME', 'string'], ['REF_GENERATION', 'string']]),
    rows,
  };
}

export function getTableTypes(): StaticResult {
  return { columns: cols([['TABLE_TYPE', 'string']]), rows: [['TABLE'], ['VIEW']] };
}

export function getCatalogs(): StaticResult {
  return { columns: cols([['TABLE_CAT', 'string']]), rows: [] };
}

function columnSize(type: HiveType): string | null {
  if (type.kind !== 'primitive') return null;
  const sizes: Partial<Record<PrimitiveName, number>> = { tinyint: 3, smallint: 5, int: 10, bigint: 19, float: 7, double: 15, date: 10, timestamp: 29, string: 2147483647, binary: 2147483647 };
  if (type.name === 'decimal') return String(type.precision);
  if (type.name === 'varchar' || type.name === 'char') return String(type.length);
  return sizes[type.name] === undefined ? null : String(sizes[type.name]);
}

export async function getColumns(catalog: Catalog, req: { schemaName?: string | null; tableName?: string | null; columnName?: string | null }): Promise<StaticResult> {
  const schemaMatches = jdbcPattern(req.schemaName);
  const tableMatches = jdbcPattern(req.tableName);
  const columnMatches = jdbcPattern(req.columnName);
  const rows: RawRow[] = [];
  for (const tb of await catalog.tables()) {
    if (!schemaMatches(tb.db) || !tableMatches(tb.name)) continue;
    const table = await catalog.table(tb.db, tb.name);
    for (const [i, c] of (table?.columns ?? []).entries()) {
      if (!columnMatches(c.name)) continue;
      const scale = c.type.kind === 'primitive' && c.type.name === 'decimal' ? String(c.type.scale) : null;
      rows.push(['', tb.db, tb.name, c.name, String(javaSqlType(c.type)), formatHiveType(c.type).toUpperCase(), columnSize(c.type),
        null, scale, '10', '1', c.comment, null, null, null, null, String(i + 1), 'YES', null, null, null, null, 'NO']);
    }
  }
  return {
    columns: cols([['TABLE_CAT', 'string'], ['TABLE_SCHEM', 'string'], ['TABLE_NAME', 'string'], ['COLUMN_NAME', 'string'],
      ['DATA_TYPE', 'int'], ['TYPE_NAME', 'string'], ['COLUMN_SIZE', 'int'], ['BUFFER_LENGTH', 'tinyint'], ['DECIMAL_DIGITS', 'int'],
      ['NUM_PREC_RADIX', 'int'], ['NULLABLE', 'int'], ['REMARKS', 'string'], ['COLUMN_DEF', 'string'], ['SQL_DATA_TYPE', 'int'],
      ['SQL_DATETIME_SUB', 'int'], ['CHAR_OCTET_LENGTH', 'int'], ['ORDINAL_POSITION', 'int'], ['IS_NULLABLE', 'string'],
      ['SCOPE_CATALOG', 'string'], ['SCOPE_SCHEMA', 'string'], ['SCOPE_TABLE', 'string'], ['SOURCE_DATA_TYPE', 'smallint'],
      ['IS_AUTO_INCREMENT', 'string']]),
    rows,
  };
}
