/**
 * A MySQL/MariaDB schema's structure for whole-database runs (rows/structure.ts): NOT NULL
 * columns, indexes and foreign keys of the given tables, read from information_schema in one
 * statement each for the whole schema (a 1,000-table schema costs three round trips, not 3,000).
 *
 * - STATISTICS has one row per index column: NON_UNIQUE, SEQ_IN_INDEX, SUB_PART (a prefix
 *   index's length), INDEX_TYPE (BTREE, HASH, FULLTEXT, SPATIAL, RTREE) and COLLATION (`D` for a
 *   descending column on MySQL 8 and MariaDB 10.8+). A functional index part (MySQL 8.0.13+) has
 *   COLUMN_NAME NULL.
 * - KEY_COLUMN_USAGE joined with REFERENTIAL_CONSTRAINTS gives each foreign key's columns in
 *   order with their referenced columns and the ON UPDATE / ON DELETE rules.
 */
import { FOREIGN_KEY_ACTIONS, type ForeignKeyAction, type IndexKind, type RemoteForeignKey, type RemoteIndex, type TableStructure } from '../../rows/structure.js';
import { num, text } from './catalog.js';
import type { MysqlConnection, Row } from './connection.js';

const NOT_NULL_SQL = `SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS
  WHERE TABLE_SCHEMA = ? AND IS_NULLABLE = 'NO' ORDER BY TABLE_NAME, ORDINAL_POSITION`;
const INDEXES_SQL = `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, INDEX_TYPE, COLLATION
  FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`;
const FOREIGN_KEYS_SQL = `SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME,
    k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE
  FROM information_schema.KEY_COLUMN_USAGE k
  JOIN information_schema.REFERENTIAL_CONSTRAINTS r
    ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
  WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL
  ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`;

/** MySQL's own name of the primary key index. */
const PRIMARY = 'PRIMARY';

const INDEX_KINDS: Record<string, IndexKind> = { BTREE: 'btree', HASH: 'hash', FULLTEXT: 'fulltext', SPATIAL: 'spatial', RTREE: 'spatial' };

export async function readStructure(conn: MysqlConnection, schema: string, tables: readonly string[]): Promise<TableStructure[]> {
  // one connection runs one statement at a time: three in a row
  const notNull = await conn.execute(NOT_NULL_SQL, [schema]);
  const indexes = await conn.execute(INDEXES_SQL, [schema]);
  const foreignKeys = await conn.execute(FOREIGN_KEYS_SQL, [schema]);
  const byTable = new Map(tables.map((t) => [t, { schema, table: t, notNull: [], indexes: [], foreignKeys: [] } as TableStructure]));
  for (const r of notNull) byTable.get(text(r[0]))?.notNull.push(text(r[1]));
  for (const [table, index] of groupRows(indexes, 2, indexOf)) byTable.get(table)?.indexes.push(index);
  for (const [table, fk] of groupRows(foreignKeys, 2, foreignKeyOf)) byTable.get(table)?.foreignKeys.push(fk);
  for (const s of byTable.values()) s.indexes.sort((a, b) => Number(b.primary) - Number(a.primary));
  return [...byTable.values()];
}

/** Consecutive rows with the same first `keyWidth` columns (table, object name), folded by `build`. */
function* groupRows<T>(rows: Row[], keyWidth: number, build: (rows: Row[]) => T): Generator<[string, T]> {
  let group: Row[] = [];
  const key = (r: Row) => JSON.stringify(r.slice(0, keyWidth).map(text));
  for (const row of rows) {
    if (group.length > 0 && key(group[0]!) !== key(row)) {
      yield [text(group[0]![0]), build(group)];
      group = [];
    }
    group.push(row);
  }
  if (group.length > 0) yield [text(group[0]![0]), build(group)];
}

function indexOf(rows: Row[]): RemoteIndex {
  const [, name, nonUnique, , , type] = rows[0]!;
  const kind = INDEX_KINDS[text(type).toUpperCase()] ?? 'other';
  const index: RemoteIndex = {
    name: text(name), unique: Number(nonUnique) === 0, primary: text(name) === PRIMARY, kind,
    columns: rows.filter((r) => r[3] !== null).map((r) => {
      // MariaDB reports a SUB_PART of 32 for a SPATIAL index's column: no prefix
      const prefixLength = kind === 'spatial' ? undefined : num(r[4]);
      return { name: text(r[3]), descending: text(r[6]) === 'D', ...(prefixLength !== undefined ? { prefixLength } : {}) };
    }),
  };
  if (kind === 'other') index.method = text(type);
  if (rows.some((r) => r[3] === null)) index.expression = true;
  return index;
}

function foreignKeyOf(rows: Row[]): RemoteForeignKey {
  const [, name, , refSchema, refTable, , onUpdate, onDelete] = rows[0]!;
  return {
    name: text(name), columns: rows.map((r) => text(r[2])), refSchema: text(refSchema), refTable: text(refTable),
    refColumns: rows.map((r) => text(r[5])), onUpdate: action(onUpdate), onDelete: action(onDelete),
  };
}

function action(v: unknown): ForeignKeyAction {
  const rule = text(v).toUpperCase() as ForeignKeyAction;
  return FOREIGN_KEY_ACTIONS.includes(rule) ? rule : 'NO ACTION';
}
