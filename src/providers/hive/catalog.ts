/**
 * What HiveServer2 says about a result (GetResultSetMetadata) and its tables (GetTables), turned
 * into a SourcePlan (rows/plan.ts) and the provider contract's table list, plus the HiveQL text we send.
 *
 * A table is described by executing the very SELECT that streams it and reading the result's
 * metadata: the same code path serves `table` and `sql_query`, and the operation is kept open
 * for streamRows so Hive runs the query once.
 */
import { ConnectorError } from '../../errors.js';
import type { ColumnPlan, SkippedColumn, SourcePlan } from '../../rows/plan.js';
import type { RemoteTable } from '../provider.js';
import { decideColumnCast, remoteTypeName, resolveCast, type HiveColumnType, type UserCastOptions, type ValueReader } from './cast-rules.js';
import type { CallGuard, HiveConnection } from './connection.js';
import { HiveOperation, type TColumnDescLike, type TColumnLike } from './operation.js';
import { TTypes } from './thrift.js';

/** The columns of a result as the provider reads them (names already un-prefixed). */
export interface ResultLayout {
  names: string[];
  types: HiveColumnType[];
}

const TYPE_ID_NAMES = new Map<number, string>(Object.entries(TTypes.TTypeId as Record<string, number>).map(([name, id]) => [id, name.replace(/_TYPE$/, '')]));

/** Quotes a Hive identifier: backticks, with a backtick doubled (hive.support.quoted.identifiers=column). */
export function quoteHiveIdentifier(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

export function tableSelect(schema: string, table: string): string {
  return `SELECT * FROM ${quoteHiveIdentifier(schema)}.${quoteHiveIdentifier(table)}`;
}

/** Statements that only read. HiveServer2 has no read-only session, so sql_query is checked before it is sent. */
const READING_STATEMENT = /^(select|with|from|values|show|describe|desc|explain)\b|^\(/i;
const LEADING_COMMENTS = /^(\s+|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*/;
/** String literals and quoted identifiers, removed before looking for a write keyword. */
const QUOTED_TEXT = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`]|``)*`/g;
/** `FROM src INSERT …` and `WITH … INSERT …` are Hive writes that start like queries. */
const WRITE_KEYWORD = /\b(insert|update|delete|merge)\b/i;

/**
 * A user's HiveQL as HiveServer2 accepts it: one statement, no trailing semicolon. Anything but a
 * query (INSERT, DROP, SET …) is refused before it reaches the server: an import must never
 * change the source.
 */
export function normaliseQuery(sql: string): string {
  const statement = sql.trim().replace(/(;\s*)+$/, '');
  const code = statement.replace(LEADING_COMMENTS, '');
  if (!READING_STATEMENT.test(code) || WRITE_KEYWORD.test(code.replace(QUOTED_TEXT, "''"))) {
    throw new ConnectorError('SOURCE_QUERY_FAILED', 'sql_query must be a HiveQL query (SELECT, WITH, FROM …, VALUES, SHOW, DESCRIBE); other statements are not run against the source');
  }
  return statement;
}

function columnType(desc: TColumnDescLike): HiveColumnType {
  const entry = desc.typeDesc?.types?.[0] ?? {};
  const primitive = entry.primitiveEntry;
  if (!primitive) {
    // HiveServer2 describes complex types with a primitive entry carrying ARRAY/MAP/STRUCT ids;
    // the nested entries of the IDL are accepted too.
    const kind = ['arrayEntry', 'mapEntry', 'structEntry', 'unionEntry', 'userDefinedTypeEntry'].find((k) => entry[k]);
    return { id: kind ? kind.replace(/Entry$/, '').replace('userDefinedType', 'USER_DEFINED').toUpperCase() : 'USER_DEFINED' };
  }
  const q = primitive.typeQualifiers?.qualifiers ?? {};
  const int = (key: string) => (typeof q[key]?.i32Value === 'number' ? q[key]!.i32Value! : undefined);
  return { id: TYPE_ID_NAMES.get(primitive.type) ?? 'USER_DEFINED', precision: int('precision'), scale: int('scale'), length: int('characterMaximumLength') };
}

/**
 * Hive names the columns of `SELECT *` `table.column` (hive.resultset.use.unique.column.names).
 * When every column carries the same qualifier (one table), it is dropped; a join keeps
 * `a.id` / `b.id` apart. Hive column names cannot contain dots, so nothing else is cut.
 */
function stripCommonQualifier(names: string[]): string[] {
  const qualifiers = new Set(names.map((n) => (n.includes('.') ? n.slice(0, n.indexOf('.')) : '')));
  if (qualifiers.size !== 1 || qualifiers.has('')) return names;
  return names.map((n) => n.slice(n.indexOf('.') + 1));
}

export function layoutOf(schema: TColumnDescLike[]): ResultLayout {
  return { names: stripCommonQualifier(schema.map((c) => c.columnName)), types: schema.map(columnType) };
}

export function planOf(layout: ResultLayout, opts: UserCastOptions = { targetPostgis: false }): SourcePlan {
  const columns: ColumnPlan[] = [];
  const skipped: SkippedColumn[] = [];
  layout.names.forEach((name, i) => {
    const type = layout.types[i]!;
    const decided = decideColumnCast(name, type, opts);
    if ('reason' in decided) skipped.push({ remoteName: name, remoteType: remoteTypeName(type), reason: decided.reason });
    else {
      const { userCast } = decided.cast;
      columns.push({ remoteName: name, remoteType: remoteTypeName(type), localType: decided.cast.localType, rule: decided.rule, ...(userCast ? { userCast } : {}) });
    }
  });
  return { columns, skipped };
}

/** A plan column as a read emits it: where it is in the Hive result, and how its values are read. */
export interface BoundColumn {
  column: ColumnPlan;
  position: number;
  reader: ValueReader;
}

/** For each plan column, its position in the result and its reader: matched by name, in order (duplicates allowed). */
export function bindPlan(plan: SourcePlan, layout: ResultLayout): BoundColumn[] {
  let from = 0;
  return plan.columns.map((column) => {
    const position = layout.names.indexOf(column.remoteName, from);
    const cast = position >= 0 ? resolveCast(layout.types[position]!) : undefined;
    if (!cast) throw new ConnectorError('INTERNAL', `Column "${column.remoteName}" of the plan is not in the Hive result any more`);
    from = position + 1;
    return { column, position, reader: cast.reader };
  });
}

/**
 * Plan columns bound to the result positions a statement built for them selects (window.ts): by
 * position, as a derived table renames a query's columns; the type must still be the plan's.
 */
export function bindPositions(columns: ColumnPlan[], positions: number[], layout: ResultLayout): BoundColumn[] {
  return columns.map((column, i) => {
    const position = positions[i]!;
    const type = layout.types[position];
    const cast = type && remoteTypeName(type) === column.remoteType ? resolveCast(type) : undefined;
    if (!cast) {
      throw new ConnectorError('INTERNAL', `Column "${column.remoteName}" (${column.remoteType}) of the plan is not in the Hive result of the windowed read (found ${type ? remoteTypeName(type) : 'nothing'} at position ${position + 1})`);
    }
    return { column, position, reader: cast.reader };
  });
}

/** A column of a page as strings (metadata results are small; Buffers from the raw protocol are UTF-8). */
export function stringColumn(page: TColumnLike[], index: number): Array<string | null> {
  const column = Object.values(page[index] ?? {}).find((v) => v && Array.isArray(v.values));
  if (!column) return [];
  return column.values.map((v, i) => ((column.nulls[i >> 3] ?? 0) & (1 << (i & 7)) ? null : Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}

/** GetTables: tables and views the user can see, in `schema` when given, else in every database. */
export async function listTables(conn: HiveConnection, schema: string | undefined, limit: number, guard: CallGuard): Promise<RemoteTable[]> {
  const op = await HiveOperation.start(conn, (d) => d.getTables({
    sessionHandle: conn.sessionHandle as never,
    schemaName: schema ?? '%',
    tableName: '%',
  } as never), guard, 'GetTables');
  const tables: RemoteTable[] = [];
  try {
    // JDBC column order: TABLE_CAT, TABLE_SCHEM, TABLE_NAME, TABLE_TYPE, REMARKS, …
    while (tables.length < limit) {
      const page = await op.fetch(Math.min(limit - tables.length, 1000), guard);
      const names = stringColumn(page, 2);
      if (names.length === 0) break;
      const schemas = stringColumn(page, 1);
      const types = stringColumn(page, 3);
      names.forEach((name, i) => {
        const type = (types[i] ?? '').toUpperCase();
        tables.push({ schema: schemas[i] ?? '', name: name ?? '', kind: type.includes('VIEW') ? 'view' : type.includes('TABLE') ? 'table' : 'other' });
      });
    }
  } finally {
    await op.close();
  }
  return tables.slice(0, limit);
}
