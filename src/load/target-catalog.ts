/**
 * Questions a load asks the target's catalog, shared by more than one load module: the import
 * strategy (strategies/new-table.ts) names the table with findFreeTableName, cartodbfy-table.ts
 * names its key, indexes and sequence with it; the sync strategies find their table by OID and
 * compare its columns. A module of its own so that none of those has to import another.
 */
import type pg from 'pg';
import { withSuffix } from './identifiers.js';

/**
 * A table also takes the name of its row type, and PostgreSQL cannot form the array type name of
 * a 63-byte name made only of underscores (makeArrayTypeName prefixes `_` and cuts to 63 bytes:
 * CREATE and RENAME fail with 23505). Such names come from long non-ASCII names (issue 6 §7).
 */
const UNUSABLE_TABLE_NAME = /^_{63}$/;

/**
 * `base`, else `base_1`, `base_2`, … : a new import never overwrites an existing relation (SPEC §4.4),
 * nor fails on a name held by a type of the schema (an enum, a domain, a composite type: RENAME
 * would raise 42710). Implicit array types do not count: PostgreSQL moves them out of the way.
 */
export async function findFreeTableName(client: pg.ClientBase, schema: string, base: string): Promise<string> {
  const { rows } = await client.query<{ name: string }>(
    `select c.relname as name from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and (c.relname = $2 or c.relname like $3)
     union
     select t.typname from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
      where n.nspname = $1 and (t.typname = $2 or t.typname like $3)
        and not exists (select 1 from pg_catalog.pg_type e where e.typarray = t.oid)`,
    [schema, base, `${base.slice(0, 50).replace(/[\\%_]/g, '\\$&')}%`],
  );
  const taken = new Set(rows.map((r) => r.name));
  let name = base;
  for (let n = 1; taken.has(name) || UNUSABLE_TABLE_NAME.test(name); n++) name = withSuffix(base, n);
  return name;
}

/** A table column as the catalog spells it, the same way for staged and synced tables. */
export interface TableColumn {
  name: string;
  /** format_type(), e.g. `character varying(20)`. */
  type: string;
}

/** A table (plain or partitioned) by OID; undefined when it is gone. */
export async function findTable(client: pg.ClientBase, oid: number): Promise<{ schema: string; name: string } | undefined> {
  const { rows } = await client.query<{ schema: string; name: string }>(
    `select n.nspname as schema, c.relname as name from pg_catalog.pg_class c
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.oid = $1 and c.relkind in ('r', 'p')`, [oid]);
  return rows[0];
}

export async function oidOf(client: pg.ClientBase, qualifiedName: string): Promise<number> {
  const { rows } = await client.query<{ oid: number }>('select $1::pg_catalog.regclass::pg_catalog.oid as oid', [qualifiedName]);
  return Number(rows[0]!.oid);
}

export async function columnsOf(client: pg.ClientBase, oid: number): Promise<TableColumn[]> {
  const { rows } = await client.query<TableColumn>(
    `select a.attname as name, pg_catalog.format_type(a.atttypid, a.atttypmod) as type from pg_catalog.pg_attribute a
      where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped order by a.attnum`, [oid]);
  return rows;
}
