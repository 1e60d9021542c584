/**
 * The test server's metastore: Hive databases are PostgreSQL schemas, and the DECLARED Hive type
 * of every column lives in `hive_meta.columns`, so metadata reports `timestamp` for a column that
 * PostgreSQL stores as text and `array<int>` for one stored as JSON text.
 *
 * Result columns are typed through PostgreSQL's RowDescription: a column read straight from a
 * table carries (table OID, attnum), which we look up here; computed columns fall back to the
 * PostgreSQL type (hive-types.ts hiveTypeOfPg).
 */
import pg from 'pg';
import { formatHiveType, parseHiveTypeText, type HiveType } from './hive-types.js';
import { databaseNotFound, tableNotFound } from './errors.js';
import { hiveFunctionsSql } from './functions.js';

export const META_SCHEMA = 'hive_meta';
/** Operators for Hive's TIMESTAMP storage (below) and Hive's functions (functions.ts); on every statement's search_path. */
export const OPS_SCHEMA = 'hive_ops';
const HIDDEN_SCHEMAS = ['information_schema', 'public', META_SCHEMA, OPS_SCHEMA];

/**
 * TIMESTAMP columns hold Hive's own text (`2024-01-02 03:04:05.123456789`, trailing fraction zeros
 * dropped: literals.ts normalizeTimestamp), because PostgreSQL's timestamp keeps microseconds and
 * Hive nanoseconds. That text sorts in time order byte by byte (fixed-width fields, COLLATE "C").
 * Hive compares a TIMESTAMP with a timestamp value (`ts >= CAST('…' AS timestamp)`, which PostgreSQL
 * computes as a timestamp) in time, to the nanosecond, and a string compared with a timestamp is read
 * as a timestamp (NULL when it is not one). These operators do the same for text against PostgreSQL
 * timestamp: both sides become Hive's text, then compare bytewise.
 */
const TIMESTAMP_OPERATORS: Record<string, string> = { '<': 'lt', '<=': 'le', '=': 'eq', '<>': 'ne', '>=': 'ge', '>': 'gt' };
const TIMESTAMP_TEXT_SQL = String.raw`
  create or replace function ${OPS_SCHEMA}.hive_timestamp_text(value timestamp) returns text
    language sql immutable strict as $$ select regexp_replace(to_char(value, 'YYYY-MM-DD HH24:MI:SS.US'), '\.?0+$', '') $$;
  create or replace function ${OPS_SCHEMA}.hive_timestamp_text(value text) returns text
    language sql immutable strict as $$
      select m[1] || '-' || lpad(m[2], 2, '0') || '-' || lpad(m[3], 2, '0') || ' ' || lpad(coalesce(m[4], '0'), 2, '0') || ':'
          || lpad(coalesce(m[5], '0'), 2, '0') || ':' || lpad(coalesce(m[6], '0'), 2, '0') || coalesce('.' || nullif(rtrim(m[7], '0'), ''), '')
        from regexp_match(value, '^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?\s*$') m $$;`;

function timestampOperatorSql(op: string, name: string): string {
  const compare = (left: string, right: string) => `
    create or replace function ${OPS_SCHEMA}.timestamp_${name}(a ${left}, b ${right}) returns boolean language sql immutable strict as
      $$ select ${OPS_SCHEMA}.hive_timestamp_text(a) collate "C" ${op} ${OPS_SCHEMA}.hive_timestamp_text(b) collate "C" $$;
    if not exists (select from pg_operator o join pg_namespace n on n.oid = o.oprnamespace
                    where n.nspname = '${OPS_SCHEMA}' and o.oprname = '${op}' and o.oprleft = '${left}'::regtype and o.oprright = '${right}'::regtype) then
      create operator ${OPS_SCHEMA}.${op} (leftarg = ${left}, rightarg = ${right}, function = ${OPS_SCHEMA}.timestamp_${name});
    end if;`;
  return compare('text', 'timestamp') + compare('timestamp', 'text');
}

/** `set local search_path` for a statement run in database `db`. */
export function searchPathSql(db: string): string {
  return `set local search_path to ${pgIdent(db)}, ${OPS_SCHEMA}`;
}

export interface CatalogColumn { name: string; type: HiveType; comment: string }
export type TableKind = 'MANAGED_TABLE' | 'VIRTUAL_VIEW';
export interface CatalogTable { db: string; name: string; kind: TableKind; columns: CatalogColumn[] }

/** Double-quotes a PostgreSQL identifier. */
export function pgIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

export class Catalog {
  private byOid = new Map<number, { table: string; types: Map<number, HiveType> } | null>();

  constructor(private readonly pool: pg.Pool) {}

  async ensure(): Promise<void> {
    await this.pool.query(`
      create schema if not exists ${META_SCHEMA};
      create table if not exists ${META_SCHEMA}.tables (db text, tbl text, kind text not null, primary key (db, tbl));
      create table if not exists ${META_SCHEMA}.columns (db text, tbl text, pos int, col text not null, hive_type text not null,
        comment text not null default '', primary key (db, tbl, pos));
      create schema if not exists "default";
      create schema if not exists ${OPS_SCHEMA};
      ${TIMESTAMP_TEXT_SQL}
      ${hiveFunctionsSql(OPS_SCHEMA)}
      do $do$ begin ${Object.entries(TIMESTAMP_OPERATORS).map(([op, name]) => timestampOperatorSql(op, name)).join('')} end $do$;`);
  }

  /** Records a table created in the same transaction (`client` holds it). */
  async addTable(client: pg.ClientBase, table: CatalogTable): Promise<void> {
    await client.query(`insert into ${META_SCHEMA}.tables (db, tbl, kind) values ($1, $2, $3)`, [table.db, table.name, table.kind]);
    for (const [i, c] of table.columns.entries()) {
      await client.query(`insert into ${META_SCHEMA}.columns (db, tbl, pos, col, hive_type, comment) values ($1, $2, $3, $4, $5, $6)`,
        [table.db, table.name, i + 1, c.name, formatHiveType(c.type), c.comment]);
    }
    this.byOid.clear();
  }

  async removeTable(client: pg.ClientBase, db: string, name: string): Promise<void> {
    await client.query(`delete from ${META_SCHEMA}.columns where db = $1 and tbl = $2`, [db, name]);
    await client.query(`delete from ${META_SCHEMA}.tables where db = $1 and tbl = $2`, [db, name]);
    this.byOid.clear();
  }

  async removeDatabase(client: pg.ClientBase, db: string): Promise<void> {
    await client.query(`delete from ${META_SCHEMA}.columns where db = $1`, [db]);
    await client.query(`delete from ${META_SCHEMA}.tables where db = $1`, [db]);
    this.byOid.clear();
  }

  async table(db: string, name: string): Promise<CatalogTable | undefined> {
    const t = await this.pool.query<{ kind: TableKind }>(`select kind from ${META_SCHEMA}.tables where db = $1 and tbl = $2`, [db, name]);
    if (t.rows.length === 0) return undefined;
    const cols = await this.pool.query<{ col: string; hive_type: string; comment: string }>(
      `select col, hive_type, comment from ${META_SCHEMA}.columns where db = $1 and tbl = $2 order by pos`, [db, name]);
    return { db, name, kind: t.rows[0]!.kind, columns: cols.rows.map((r) => ({ name: r.col, type: parseHiveTypeText(r.hive_type), comment: r.comment })) };
  }

  /** The rows of a managed table now (what Hive's numRows statistic says after INSERT). */
  async rowCount(db: string, name: string): Promise<number> {
    const r = await this.pool.query<{ n: string }>(`select count(*) as n from ${pgIdent(db)}.${pgIdent(name)}`);
    return Number(r.rows[0]!.n);
  }

  async requireTable(db: string, name: string): Promise<CatalogTable> {
    const table = await this.table(db, name);
    if (!table) throw tableNotFound(name);
    return table;
  }

  async databaseExists(db: string): Promise<boolean> {
    const r = await this.pool.query('select 1 from pg_namespace where nspname = $1', [db]);
    return r.rows.length > 0 && !HIDDEN_SCHEMAS.includes(db);
  }

  async requireDatabase(db: string): Promise<void> {
    if (!(await this.databaseExists(db))) throw databaseNotFound(db);
  }

  async databases(): Promise<string[]> {
    const r = await this.pool.query<{ nspname: string }>(
      `select nspname from pg_namespace where nspname !~ '^pg_' and nspname <> all($1) order by 1`, [HIDDEN_SCHEMAS]);
    return r.rows.map((row) => row.nspname);
  }

  async tables(): Promise<Array<{ db: string; name: string; kind: TableKind }>> {
    const r = await this.pool.query<{ db: string; tbl: string; kind: TableKind }>(`select db, tbl, kind from ${META_SCHEMA}.tables order by db, tbl`);
    return r.rows.map((row) => ({ db: row.db, name: row.tbl, kind: row.kind }));
  }

  /** The declared Hive type of a result column read straight from a catalogued table, and that table's name. */
  async fieldSource(tableOid: number, attnum: number): Promise<{ table: string; type?: HiveType } | undefined> {
    if (tableOid === 0) return undefined;
    if (!this.byOid.has(tableOid)) {
      const r = await this.pool.query<{ relname: string; attnum: number; hive_type: string | null }>(`
        select c.relname, a.attnum, m.hive_type
          from pg_class c
          join pg_namespace n on n.oid = c.relnamespace
          left join ${META_SCHEMA}.columns m on m.db = n.nspname and m.tbl = c.relname
          left join pg_attribute a on a.attrelid = c.oid and a.attname = m.col
         where c.oid = $1`, [tableOid]);
      const types = new Map<number, HiveType>();
      for (const row of r.rows) if (row.hive_type && row.attnum) types.set(row.attnum, parseHiveTypeText(row.hive_type));
      this.byOid.set(tableOid, r.rows.length > 0 ? { table: r.rows[0]!.relname, types } : null);
    }
    const entry = this.byOid.get(tableOid);
    return entry ? { table: entry.table, type: entry.types.get(attnum) } : undefined;
  }
}
