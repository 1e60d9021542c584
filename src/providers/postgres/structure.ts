/**
 * A PostgreSQL schema's structure for whole-database runs (rows/structure.ts), from pg_catalog in
 * one statement per kind for all the tables asked for:
 * - NOT NULL: pg_attribute.attnotnull;
 * - indexes (pg_index): the key columns (INCLUDE columns, beyond indnkeyatts, are left out: they
 *   change neither what the index enforces nor its order), DESC from indoption's bit 0, the access
 *   method (btree and hash map; a GiST index on one PostGIS column is `spatial`; anything else is
 *   `other`, named), expressions and partial predicates flagged;
 * - foreign keys (pg_constraint contype f): columns and referenced columns in key order, the
 *   actions from confupdtype / confdeltype.
 * Every name is bound as a parameter; the statements are schema-qualified (pg_catalog.*).
 */
import type { ForeignKeyAction, IndexKind, RemoteForeignKey, RemoteIndex, TableStructure } from '../../rows/structure.js';
import type { PgConnection } from './connection.js';

const NOT_NULL_SQL = `select c.relname, a.attname
  from pg_catalog.pg_attribute a
  join pg_catalog.pg_class c on c.oid = a.attrelid
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname = $1 and c.relname = any($2::text[]) and a.attnum > 0 and not a.attisdropped and a.attnotnull
  order by c.relname, a.attnum`;

const INDEXES_SQL = `select t.relname as table, ic.relname as name, i.indisprimary as primary, i.indisunique as unique, am.amname as method,
    i.indexprs is not null as expression, pg_catalog.pg_get_expr(i.indpred, i.indrelid) as predicate,
    array(select a.attname::text from pg_catalog.unnest(i.indkey::pg_catalog.int2[]) with ordinality k(attnum, ord)
          join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
          where k.ord <= i.indnkeyatts order by k.ord) as columns,
    array(select (o.opt & 1) = 1 from pg_catalog.unnest(i.indoption::pg_catalog.int2[]) with ordinality o(opt, ord)
          where o.ord <= i.indnkeyatts order by o.ord) as descending,
    array(select ty.typname::text from pg_catalog.unnest(i.indkey::pg_catalog.int2[]) with ordinality k(attnum, ord)
          join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
          join pg_catalog.pg_type ty on ty.oid = a.atttypid
          where k.ord <= i.indnkeyatts order by k.ord) as types
  from pg_catalog.pg_index i
  join pg_catalog.pg_class ic on ic.oid = i.indexrelid
  join pg_catalog.pg_class t on t.oid = i.indrelid
  join pg_catalog.pg_namespace n on n.oid = t.relnamespace
  join pg_catalog.pg_am am on am.oid = ic.relam
  where n.nspname = $1 and t.relname = any($2::text[])
  order by t.relname, i.indisprimary desc, ic.relname`;

const FOREIGN_KEYS_SQL = `select t.relname as table, con.conname as name, rn.nspname as ref_schema, rt.relname as ref_table,
    array(select a.attname::text from pg_catalog.unnest(con.conkey) with ordinality k(attnum, ord)
          join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum order by k.ord) as columns,
    array(select a.attname::text from pg_catalog.unnest(con.confkey) with ordinality k(attnum, ord)
          join pg_catalog.pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum order by k.ord) as ref_columns,
    con.confupdtype as on_update, con.confdeltype as on_delete
  from pg_catalog.pg_constraint con
  join pg_catalog.pg_class t on t.oid = con.conrelid
  join pg_catalog.pg_namespace n on n.oid = t.relnamespace
  join pg_catalog.pg_class rt on rt.oid = con.confrelid
  join pg_catalog.pg_namespace rn on rn.oid = rt.relnamespace
  where con.contype = 'f' and n.nspname = $1 and t.relname = any($2::text[])
  order by t.relname, con.conname`;

/** pg_constraint.confupdtype / confdeltype. */
const ACTIONS: Record<string, ForeignKeyAction> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

const SPATIAL_TYPES = new Set(['geometry', 'geography']);

interface IndexRow {
  table: string; name: string; primary: boolean; unique: boolean; method: string;
  expression: boolean; predicate: string | null; columns: string[]; descending: boolean[]; types: string[];
}

interface ForeignKeyRow { table: string; name: string; ref_schema: string; ref_table: string; columns: string[]; ref_columns: string[]; on_update: string; on_delete: string }

export async function readStructure(conn: PgConnection, schema: string, tables: readonly string[]): Promise<TableStructure[]> {
  const params = [schema, [...tables]];
  const notNull = await conn.query<{ relname: string; attname: string }>(NOT_NULL_SQL, params);
  const indexes = await conn.query<IndexRow>(INDEXES_SQL, params);
  const foreignKeys = await conn.query<ForeignKeyRow>(FOREIGN_KEYS_SQL, params);
  const byTable = new Map(tables.map((t) => [t, { schema, table: t, notNull: [], indexes: [], foreignKeys: [] } as TableStructure]));
  for (const r of notNull.rows) byTable.get(r.relname)?.notNull.push(r.attname);
  for (const r of indexes.rows) byTable.get(r.table)?.indexes.push(indexOf(r));
  for (const r of foreignKeys.rows) byTable.get(r.table)?.foreignKeys.push(foreignKeyOf(r));
  return [...byTable.values()];
}

function indexOf(r: IndexRow): RemoteIndex {
  const kind: IndexKind = r.method === 'btree' || r.method === 'hash' ? r.method
    : r.method === 'gist' && r.types.length === 1 && SPATIAL_TYPES.has(r.types[0]!) ? 'spatial' : 'other';
  return {
    name: r.name, unique: r.unique, primary: r.primary, kind,
    columns: r.columns.map((name, i) => ({ name, descending: r.descending[i] ?? false })),
    ...(kind === 'other' ? { method: r.method } : {}),
    ...(r.expression ? { expression: true } : {}),
    ...(r.predicate !== null ? { predicate: r.predicate } : {}),
  };
}

function foreignKeyOf(r: ForeignKeyRow): RemoteForeignKey {
  return {
    name: r.name, columns: r.columns, refSchema: r.ref_schema, refTable: r.ref_table, refColumns: r.ref_columns,
    onUpdate: ACTIONS[r.on_update] ?? 'NO ACTION', onDelete: ACTIONS[r.on_delete] ?? 'NO ACTION',
  };
}
