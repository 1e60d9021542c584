/**
 * A read's row estimate (provider.ts estimateRows), never a COUNT(*):
 *   - a table: pg_class.reltuples scaled to the relation's current size, as the planner does
 *     (reltuples / relpages × pages now: rows added since the last ANALYZE or VACUUM count), summed
 *     over inheritance children and partitions; -1 (never analysed, PostgreSQL 14+) is unknown;
 *   - a sql_query: the top plan node's `Plan Rows` of `EXPLAIN (FORMAT JSON)` (planning only,
 *     nothing runs), the query wrapped as describe wraps it so one statement is all it can be.
 */
import { rowsFromStatistics } from '../provider.js';
import type { PgConnection } from './connection.js';
import { fromSql, type DescribedSource } from './sql-text.js';
import { cancellableQuery, type StatementOptions } from './statement.js';

const RELTUPLES_SQL = `with recursive tree(oid) as (
    select c.oid from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and c.relname = $2
    union all
    select i.inhrelid from pg_catalog.pg_inherits i join tree t on i.inhparent = t.oid
  )
  select pg_catalog.sum(case
      when c.reltuples < 0 then null
      when c.relpages > 0 and c.relkind in ('r', 'm') then c.reltuples / c.relpages
        * (pg_catalog.pg_relation_size(c.oid) / pg_catalog.current_setting('block_size')::pg_catalog.float8)
      else c.reltuples end)::pg_catalog.float8 as rows
  from tree t join pg_catalog.pg_class c on c.oid = t.oid`;

export async function estimatePostgresRows(conn: PgConnection, source: DescribedSource, opts: StatementOptions): Promise<number | null> {
  if (source.kind === 'table') {
    const rows = await cancellableQuery<{ rows: number | null }>(conn, RELTUPLES_SQL, [source.schema, source.name], opts);
    return rowsFromStatistics(rows[0]?.rows);
  }
  const rows = await cancellableQuery<{ 'QUERY PLAN': Array<{ Plan?: { 'Plan Rows'?: number } }> }>(
    conn, `explain (format json) select 1 from ${fromSql(source)}`, [], opts);
  return rowsFromStatistics(rows[0]?.['QUERY PLAN']?.[0]?.Plan?.['Plan Rows']);
}

/**
 * The tables' estimates in one statement (whole-database runs): reltuples scaled to the current
 * size as above, for the tables themselves (a partitioned parent's partitions are not summed here).
 */
const SCHEMA_RELTUPLES_SQL = `select c.relname::pg_catalog.text as name,
    (case when c.reltuples < 0 then null
          when c.relpages > 0 and c.relkind in ('r', 'm') then c.reltuples / c.relpages
            * (pg_catalog.pg_relation_size(c.oid) / pg_catalog.current_setting('block_size')::pg_catalog.float8)
          else c.reltuples end)::pg_catalog.float8 as rows
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
 where n.nspname = $1 and c.relname = any ($2::pg_catalog.text[])`;

export async function estimatePostgresTables(conn: PgConnection, schema: string, tables: readonly string[], opts: StatementOptions): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const row of await cancellableQuery<{ name: string; rows: number | null }>(conn, SCHEMA_RELTUPLES_SQL, [schema, [...tables]], opts)) {
    const rows = rowsFromStatistics(row.rows);
    if (rows !== null) out.set(row.name, rows);
  }
  return out;
}
