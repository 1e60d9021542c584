/**
 * What the remote says about a table or a query, normalised to RemoteColumn, mapped with the cast
 * rules into a SourcePlan; and the table list.
 *
 * Tables: pg_attribute + format_type(), looked up with `$n::name` so that a name longer than 63
 * bytes is truncated exactly as the server truncated it at CREATE time (a 70-character name
 * finds its table). Queries: `select * from (<query>) as cdb_query limit 0` returns the result
 * columns' type OIDs and typmods in RowDescription without reading a row (a LIMIT 0 node never
 * pulls from its child); the same type lookup then serves both.
 *
 * A table's unique key (SourcePlan.uniqueKey, the default merge key of SPEC §13) is its primary
 * key, else a unique index whose key columns are all NOT NULL; an index that is partial, over
 * expressions or not valid (a failed CREATE INDEX CONCURRENTLY) guarantees nothing for all rows.
 */
import { ConnectorError } from '../../errors.js';
import type { ColumnPlan, PlanWarning, SkippedColumn, SourcePlan, TargetCapabilities } from '../../rows/plan.js';
import { changedByUserCast, type UserCast } from '../../rows/user-casts.js';
import type { RemoteTable } from '../provider.js';
import { binaryCopyAllowed } from './binary-types.js';
import { decideCast, type CastContext, type ElementType, type RemoteColumn } from './cast-rules.js';
import type { PgConnection } from './connection.js';
import { describeQuerySql, type DescribedSource, type SelectedColumn } from './sql-text.js';
import { cursorTypeOf } from './window.js';

export interface Described {
  plan: SourcePlan;
  source: DescribedSource;
  selected: SelectedColumn[];
}

/** Tables, views, materialized views, foreign and partitioned tables: everything SELECT reads. */
const READABLE_RELKINDS = "('r', 'v', 'm', 'f', 'p')";
const RELATION_SQL = `select c.oid::int8 as oid, n.nspname, c.relname from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname = $1::name and c.relname = $2::name and c.relkind in ${READABLE_RELKINDS}`;
const SCHEMA_SQL = 'select 1 from pg_catalog.pg_namespace where nspname = $1::name';
const ATTRIBUTES_SQL = `select a.attname, a.atttypid::int8 as type_oid, a.atttypmod from pg_catalog.pg_attribute a
  where a.attrelid = $1::oid and a.attnum > 0 and not a.attisdropped order by a.attnum`;
/** PostgreSQL 11 added INCLUDE columns: only the first indnkeyatts of indkey are the key. */
const INDEX_KEY_COLUMNS_VERSION = 110000;
/**
 * Candidate keys in preference order: the primary key, then fewest columns, then index name
 * (stable across dump and restore, unlike OIDs). Names in key order.
 */
const uniqueKeysSql = (keyCount: string) => `with keys as (
    select i.indexrelid, i.indisprimary, ${keyCount} as key_count, k.ord, a.attname::text as attname, a.attnotnull
    from pg_catalog.pg_index i
    cross join lateral unnest(i.indkey::int2[]) with ordinality as k(attnum, ord)
    join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
    where i.indrelid = $1::oid and i.indisunique and i.indisvalid and i.indpred is null and i.indexprs is null and k.ord <= ${keyCount}
  )
  select keys.indisprimary as is_primary, array_agg(keys.attname order by keys.ord) as columns
  from keys join pg_catalog.pg_class ic on ic.oid = keys.indexrelid
  group by keys.indexrelid, keys.indisprimary, keys.key_count, ic.relname
  having bool_and(keys.attnotnull)
  order by keys.indisprimary desc, keys.key_count, ic.relname`;
/**
 * Domains (also nested) are followed to their base type; the deepest step wins. An array's
 * element type (a true array: the element's typarray is the array type, unlike int2vector or
 * point) is followed through domains the same way: the column's typmod applies to the element,
 * a domain's own typmod replaces it.
 */
const TYPES_SQL = `with recursive cols as (
    select ord, type_oid, typmod from unnest($1::oid[], $2::int4[]) with ordinality as u(type_oid, typmod, ord)
  ), base(ord, type_oid, typmod, depth) as (
    select ord, type_oid, typmod, 0 from cols
    union all
    select b.ord, t.typbasetype, t.typtypmod, b.depth + 1 from base b join pg_catalog.pg_type t on t.oid = b.type_oid where t.typtype = 'd'
  ), top as (
    select distinct on (ord) ord, type_oid, typmod, depth from base order by ord, depth desc
  ), elem(ord, type_oid, typmod, depth) as (
    select top.ord, t.typelem, top.typmod, 0 from top join pg_catalog.pg_type t on t.oid = top.type_oid
    join pg_catalog.pg_type e on e.oid = t.typelem and e.typarray = t.oid
    union all
    select e.ord, t.typbasetype, t.typtypmod, e.depth + 1 from elem e join pg_catalog.pg_type t on t.oid = e.type_oid where t.typtype = 'd'
  ), elem_top as (
    select distinct on (ord) ord, type_oid, typmod, depth from elem order by ord, depth desc
  )
  select b.ord, pg_catalog.format_type(c.type_oid, c.typmod) as remote_type, t.typname, n.nspname,
    t.typtype, t.typcategory, pg_catalog.format_type(b.type_oid, b.typmod) as base_type, b.typmod, b.depth > 0 as is_domain,
    et.typname as elem_typname, en.nspname as elem_nspname, et.typtype as elem_typtype, et.typcategory as elem_typcategory,
    pg_catalog.format_type(eb.type_oid, eb.typmod) as elem_base_type, eb.typmod as elem_typmod, eb.depth > 0 as elem_domain
  from top b join cols c on c.ord = b.ord join pg_catalog.pg_type t on t.oid = b.type_oid
  join pg_catalog.pg_namespace n on n.oid = t.typnamespace
  left join elem_top eb on eb.ord = b.ord left join pg_catalog.pg_type et on et.oid = eb.type_oid
  left join pg_catalog.pg_namespace en on en.oid = et.typnamespace
  order by b.ord`;
const TABLES_SQL = `select n.nspname, c.relname, c.relkind from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ${READABLE_RELKINDS} and n.nspname <> 'information_schema' and n.nspname !~ '^pg_'
    and ($1::name is null or n.nspname = $1::name) and pg_catalog.has_table_privilege(c.oid, 'select')
  order by 1, 2 limit $2`;

const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint']);

interface TypeRow {
  ord: string;
  remote_type: string;
  typname: string;
  nspname: string;
  typtype: string;
  typcategory: string;
  base_type: string;
  typmod: number;
  is_domain: boolean;
  elem_typname: string | null;
  elem_nspname: string | null;
  elem_typtype: string | null;
  elem_typcategory: string | null;
  elem_base_type: string | null;
  elem_typmod: number | null;
  elem_domain: boolean | null;
}

export async function describeTable(conn: PgConnection, schema: string, table: string, target: TargetCapabilities | undefined, casts?: readonly UserCast[]): Promise<Described> {
  const relation = (await conn.query<{ oid: string; nspname: string; relname: string }>(RELATION_SQL, [schema, table])).rows[0];
  if (!relation) throw await tableNotFound(conn, schema, table);
  const attributes = (await conn.query<{ attname: string; type_oid: string; atttypmod: number }>(ATTRIBUTES_SQL, [relation.oid])).rows;
  const remote = await remoteColumns(conn, attributes.map((a) => ({ name: a.attname, typeOid: a.type_oid, typmod: a.atttypmod })));
  const described = planColumns(conn, remote, castContext(target, casts), target, { kind: 'table', schema: relation.nspname, name: relation.relname });
  await addKeys(conn, relation.oid, described.plan);
  return described;
}

/** plan.uniqueKey from the first candidate whose columns are all planned; plan.primaryKey for a single integer one. */
async function addKeys(conn: PgConnection, relationOid: string, plan: SourcePlan): Promise<void> {
  const keyCount = conn.server.versionNum >= INDEX_KEY_COLUMNS_VERSION ? 'i.indnkeyatts' : 'i.indnatts';
  const { rows } = await conn.query<{ is_primary: boolean; columns: string[] }>(uniqueKeysSql(keyCount), [relationOid]);
  const planned = new Map(plan.columns.map((c) => [c.remoteName, c]));
  const key = rows.find((r) => r.columns.every((name) => planned.has(name)));
  if (!key) return;
  plan.uniqueKey = key.columns;
  const single = key.is_primary && key.columns.length === 1 ? planned.get(key.columns[0]!) : undefined;
  if (single && INTEGER_TYPES.has(single.localType)) plan.primaryKey = single.remoteName;
}

export async function describeQuery(conn: PgConnection, sql: string, target: TargetCapabilities | undefined, casts?: readonly UserCast[]): Promise<Described> {
  const result = await conn.query(describeQuerySql(sql));
  if (result.fields.length === 0) {
    throw new ConnectorError('SOURCE_QUERY_FAILED', 'The sql_query returns no columns; it must be a SELECT (or VALUES, TABLE, WITH … SELECT)');
  }
  const remote = await remoteColumns(conn, result.fields.map((f) => ({ name: f.name, typeOid: String(f.dataTypeID), typmod: f.dataTypeModifier })));
  return planColumns(conn, remote, castContext(target, casts), target, { kind: 'query', sql, width: result.fields.length });
}

export async function listTables(conn: PgConnection, schema: string | undefined, limit: number): Promise<RemoteTable[]> {
  const { rows } = await conn.query<{ nspname: string; relname: string; relkind: string }>(TABLES_SQL, [schema ?? null, Math.max(0, Math.floor(limit))]);
  return rows.map((r) => ({
    schema: r.nspname, name: r.relname,
    kind: r.relkind === 'v' || r.relkind === 'm' ? 'view' : r.relkind === 'r' || r.relkind === 'p' ? 'table' : 'other',
  }));
}

async function remoteColumns(conn: PgConnection, columns: Array<{ name: string; typeOid: string; typmod: number }>): Promise<RemoteColumn[]> {
  if (columns.length === 0) return [];
  const { rows } = await conn.query<TypeRow>(TYPES_SQL, [columns.map((c) => c.typeOid), columns.map((c) => c.typmod)]);
  const byOrd = new Map(rows.map((r) => [Number(r.ord), r]));
  return columns.map((c, i) => {
    const t = byOrd.get(i + 1);
    if (!t) throw new ConnectorError('CONNECTOR_ERROR', `The remote server has no type with OID ${c.typeOid} (column "${c.name}")`);
    return {
      name: c.name, remoteType: t.remote_type, typeName: t.typname, typeSchema: t.nspname, typtype: t.typtype,
      category: t.typcategory, baseType: t.base_type, typmod: t.typmod, ...(t.is_domain ? { domain: true } : {}),
      ...(t.elem_typname !== null ? { element: elementOf(t) } : {}),
    };
  });
}

function castContext(target: TargetCapabilities | undefined, casts: readonly UserCast[] | undefined): CastContext {
  return { targetPostgis: target?.postgis ?? false, ...(target ? { targetVersionNum: target.serverVersionNum } : {}), ...(casts ? { casts } : {}) };
}

function elementOf(t: TypeRow): ElementType {
  return {
    typeName: t.elem_typname!, typeSchema: t.elem_nspname!, typtype: t.elem_typtype!, category: t.elem_typcategory!,
    baseType: t.elem_base_type!, typmod: t.elem_typmod!, domain: t.elem_domain === true,
  };
}

function planColumns(conn: PgConnection, remote: RemoteColumn[], ctx: CastContext, target: TargetCapabilities | undefined, source: DescribedSource): Described {
  const columns: ColumnPlan[] = [];
  const skipped: SkippedColumn[] = [];
  const selected: SelectedColumn[] = [];
  /** The RemoteColumn of each plan column, in the plan's order. */
  const planned: RemoteColumn[] = [];
  remote.forEach((column, i) => {
    const decided = decideCast(column, ctx);
    if ('reason' in decided) {
      skipped.push({ remoteName: column.name, remoteType: column.remoteType, reason: decided.reason });
      return;
    }
    const { cast } = decided;
    const { userCast } = cast;
    columns.push({ remoteName: column.name, remoteType: column.remoteType, localType: cast.localType, rule: decided.rule, ...(userCast ? { userCast } : {}) });
    planned.push(column);
    const cursorType = cursorTypeOf(column);
    selected.push({
      name: column.name, position: i + 1, ...(cast.selectCast ? { selectCast: cast.selectCast } : {}), ...(cursorType ? { cursorType } : {}),
      ...(userCast?.timeZone ? { timeZone: userCast.timeZone } : {}),
    });
  });
  const plan: SourcePlan = { columns, skipped };
  const warnings = typeWarnings(planned, columns);
  if (warnings.length > 0) plan.warnings = warnings;
  // Binary COPY sends each value in its remote type's binary form: exact only when the local type
  // is that same type, so a plan a user cast changed takes the text path (PostgreSQL parses the text).
  if (columns.length > 0 && !columns.some(changedByUserCast) && binaryCopyAllowed(columns, conn.server, target)) plan.binaryCopy = true;
  return { plan, source, selected };
}

/**
 * What the local column no longer checks: an enum (or array of one) imported as text accepts any
 * string; a domain imported as its base type loses its CHECK constraints and NOT NULL.
 */
function typeWarnings(planned: readonly RemoteColumn[], columns: readonly ColumnPlan[]): PlanWarning[] {
  const named = (keep: (c: RemoteColumn, i: number) => boolean, label: (c: RemoteColumn, i: number) => string) =>
    planned.flatMap((c, i) => (keep(c, i) ? [label(c, i)] : []));
  // a user cast that gave an enum column another type chose it; the built-in rules make it text
  const enums = named((c, i) => (c.typtype === 'e' || c.element?.typtype === 'e') && columns[i]!.localType === 'text', (c) => `${c.name} (${c.remoteType})`);
  const domains = named((c) => c.domain === true || c.element?.domain === true, (c, i) => `${c.name} (${c.remoteType} → ${columns[i]!.localType})`);
  return [
    ...(enums.length ? [{ code: 'enum_as_text', message: `Enum columns were imported as text; the target does not check that values are among the enum's labels: ${enums.join(', ')}` }] : []),
    ...(domains.length ? [{ code: 'domain_as_base_type', message: `Domain columns were imported as their base type, without the domain's CHECK and NOT NULL constraints: ${domains.join(', ')}` }] : []),
  ];
}

async function tableNotFound(conn: PgConnection, schema: string, table: string): Promise<ConnectorError> {
  const where = `PostgreSQL server ${conn.ctx.server}:${conn.ctx.port}, database "${conn.ctx.database}"`;
  const schemaExists = (await conn.query(SCHEMA_SQL, [schema])).rows.length > 0;
  if (!schemaExists) return new ConnectorError('SOURCE_NOT_FOUND', `Schema "${schema}" does not exist on ${where}; check the schema parameter`);
  return new ConnectorError('SOURCE_NOT_FOUND', `Table "${schema}"."${table}" does not exist on ${where} (or is not a table or view); check the schema and table parameters`);
}
