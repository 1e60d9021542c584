/**
 * The declared SQL Server types, kept in the backing PostgreSQL database (`tds_sys.columns`),
 * because PostgreSQL storage types cannot say `nvarchar(50)` vs `varchar(50)` or `datetime2(7)`.
 * INFORMATION_SCHEMA.{COLUMNS,TABLES,SCHEMATA} are views over it (schema
 * `tds_information_schema`), TABLE_CONSTRAINTS and KEY_COLUMN_USAGE views over PostgreSQL's own
 * pg_constraint (PRIMARY KEY, UNIQUE, FOREIGN KEY: the constraints the table really has; the
 * CHECKs the server adds for bit/tinyint are storage details and not listed), and COLMETADATA
 * maps result columns back to it through PostgreSQL's (table oid, attnum) in RowDescription.
 */
import type pg from 'pg';
import { SERVER_CODE_PAGE, SERVER_COLLATION_NAME, formatSqlType, sqlTypeForPg, type SqlType } from './types.js';
import { createBuiltins } from './builtins.js';
import { createTemporalTypes, temporalSqlType } from './temporal-types.js';
import type { ResultColumn } from './tokens.js';

export interface DeclaredColumn {
  name: string;
  type: SqlType;
  nullable: boolean;
  primaryKey: boolean;
  collation?: string;
}

const bootstrapSql = (database: string) => `
create schema if not exists dbo;
create schema if not exists tds_sys;
create schema if not exists tds_information_schema;
create table if not exists tds_sys.schemas (schema_name text primary key, pg_schema text not null unique);
insert into tds_sys.schemas values ('dbo', 'dbo') on conflict do nothing;
create table if not exists tds_sys.objects (object_oid oid primary key, schema_name text not null, object_name text not null, object_type text not null);
create table if not exists tds_sys.columns (
  object_oid oid not null references tds_sys.objects on delete cascade, attnum int not null,
  column_name text not null, ordinal int not null, type_name text not null, data_type text not null,
  char_max_length int, numeric_precision int, numeric_scale int, datetime_precision int,
  collation_name text, is_nullable boolean not null, is_primary_key boolean not null,
  primary key (object_oid, attnum));
create or replace function tds_sys.db_name() returns text language sql immutable as $$ select ${literal(database)}::text $$;
create or replace function tds_sys.collationproperty(name text, property text) returns int language sql immutable as
  $$ select case when lower(property) = 'codepage' and name is not null then ${SERVER_CODE_PAGE} end $$;
create or replace function tds_sys.varbin(v text) returns bytea language sql immutable as $$ select convert_to(v, 'WIN1252') $$;
create or replace function tds_sys.varbin(v bytea) returns bytea language sql immutable as $$ select v $$;
create or replace function tds_sys.binary_style(v bytea, style int) returns text language sql immutable as
  $$ select case when style = 1 then '0x' else '' end || upper(encode(v, 'hex')) $$;
create or replace function tds_sys.binary_style(v anyelement, style int) returns anyelement language sql immutable as $$ select v $$;
create or replace function tds_sys.object_id(name text) returns int language sql stable as
  $$ select o.object_oid::int from tds_sys.objects o
     where lower(o.schema_name || '.' || o.object_name) = lower(case when position('.' in name) > 0 then name else 'dbo.' || name end)
        or lower('[' || o.schema_name || '].[' || o.object_name || ']') = lower(name) $$;
create or replace view tds_information_schema.schemata as
  select tds_sys.db_name() as catalog_name, schema_name, 'dbo'::text as schema_owner from tds_sys.schemas;
create or replace view tds_information_schema.tables as
  select tds_sys.db_name() as table_catalog, schema_name as table_schema, object_name as table_name, object_type as table_type from tds_sys.objects;
create or replace view tds_information_schema.columns as
  select tds_sys.db_name() as table_catalog, o.schema_name as table_schema, o.object_name as table_name, c.column_name,
         c.ordinal as ordinal_position, null::text as column_default, case when c.is_nullable then 'YES' else 'NO' end as is_nullable,
         c.data_type, c.char_max_length as character_maximum_length, c.numeric_precision, c.numeric_scale, c.datetime_precision,
         case when c.collation_name is not null then 'iso_1' end as character_set_name, c.collation_name
  from tds_sys.columns c join tds_sys.objects o using (object_oid);
create or replace function tds_sys.row_count(rel oid) returns bigint language plpgsql stable as
  $$ declare n bigint; begin execute format('select count(*) from %s', rel::regclass) into n; return n; end $$;
-- sys.partitions: one heap partition (index_id 0) per table, its rows counted (SQL Server keeps them current)
create or replace view tds_sys.partitions as
  select o.object_oid::int as object_id, 0 as index_id, 1 as partition_number, tds_sys.row_count(o.object_oid) as rows
  from tds_sys.objects o where o.object_type = 'BASE TABLE';
drop view if exists tds_information_schema.key_column_usage;
drop view if exists tds_information_schema.table_constraints;
create view tds_information_schema.table_constraints as
  select tds_sys.db_name() as constraint_catalog, o.schema_name as constraint_schema, k.conname::text as constraint_name,
         tds_sys.db_name() as table_catalog, o.schema_name as table_schema, o.object_name as table_name,
         case k.contype when 'p' then 'PRIMARY KEY' when 'u' then 'UNIQUE' else 'FOREIGN KEY' end as constraint_type,
         'NO'::text as is_deferrable, 'NO'::text as initially_deferred
  from pg_constraint k join tds_sys.objects o on o.object_oid = k.conrelid
  where k.contype in ('p', 'u', 'f');
create view tds_information_schema.key_column_usage as
  select tds_sys.db_name() as constraint_catalog, o.schema_name as constraint_schema, k.conname::text as constraint_name,
         tds_sys.db_name() as table_catalog, o.schema_name as table_schema, o.object_name as table_name,
         c.column_name, u.ordinal::int as ordinal_position
  from pg_constraint k join tds_sys.objects o on o.object_oid = k.conrelid
  cross join lateral unnest(k.conkey) with ordinality as u(attnum, ordinal)
  join tds_sys.columns c on c.object_oid = k.conrelid and c.attnum = u.attnum
  where k.contype in ('p', 'u', 'f');
`;

function literal(s: string): string { return `'${s.replace(/'/g, "''")}'`; }

/** Bootstraps the catalog once per backing database; concurrent servers on one database are fine (idempotent DDL in a lock). */
export async function bootstrapCatalog(client: pg.Client, database: string): Promise<void> {
  await client.query('begin');
  await client.query('select pg_advisory_xact_lock(842211)');
  await client.query(bootstrapSql(database));
  await createTemporalTypes(client);
  await createBuiltins(client);
  await client.query('commit');
}

const TIME_TYPES = new Set(['time', 'datetime2', 'datetimeoffset']);
const CHAR_TYPES = new Set(['char', 'varchar', 'nchar', 'nvarchar', 'text', 'ntext']);
const DATETIME_PRECISION: Record<string, number> = { date: 0, datetime: 3, smalldatetime: 0 };
const NUMERIC_PRECISION: Record<string, [number, number]> = { bit: [1, 0], tinyint: [3, 0], smallint: [5, 0], int: [10, 0], bigint: [19, 0], money: [19, 4], smallmoney: [10, 4], real: [24, 0], float: [53, 0] };
const TEXT_CHAR_MAX = 2147483647;
const NTEXT_CHAR_MAX = 1073741823;

/** INFORMATION_SCHEMA.COLUMNS fields of a declared type, as SQL Server fills them. */
export function informationSchemaFields(t: SqlType): { charMax: number | null; precision: number | null; scale: number | null; datetimePrecision: number | null } {
  const charMax = t.name === 'text' ? TEXT_CHAR_MAX : t.name === 'ntext' ? NTEXT_CHAR_MAX : t.name === 'image' ? TEXT_CHAR_MAX : t.length ?? null;
  if (t.name === 'decimal' || t.name === 'numeric') return { charMax: null, precision: t.precision!, scale: t.scale!, datetimePrecision: null };
  const num = NUMERIC_PRECISION[t.name];
  if (num) return { charMax: null, precision: t.name === 'float' ? (t.precision ?? 53) <= 24 ? 24 : 53 : num[0], scale: t.name === 'real' || t.name === 'float' ? null : num[1], datetimePrecision: null };
  if (TIME_TYPES.has(t.name)) return { charMax: null, precision: null, scale: null, datetimePrecision: t.scale! };
  if (t.name in DATETIME_PRECISION) return { charMax: null, precision: null, scale: null, datetimePrecision: DATETIME_PRECISION[t.name]! };
  return { charMax, precision: null, scale: null, datetimePrecision: null };
}

export class Catalog {
  private byAttr = new Map<string, DeclaredColumn>();
  /** Types of result columns computed in tds_sys types (CAST(… AS datetime2)), by type oid. */
  private byTypeOid = new Map<number, SqlType>();
  private loaded = false;

  async refresh(client: pg.Client): Promise<void> {
    const { rows } = await client.query<{ object_oid: string; attnum: number; column_name: string; type_name: string; is_nullable: boolean; is_primary_key: boolean; collation_name: string | null }>(
      'select object_oid::text, attnum, column_name, type_name, is_nullable, is_primary_key, collation_name from tds_sys.columns');
    this.byAttr = new Map(rows.map((r) => [`${r.object_oid}:${r.attnum}`, { name: r.column_name, type: JSON.parse(r.type_name) as SqlType, nullable: r.is_nullable, primaryKey: r.is_primary_key, collation: r.collation_name ?? undefined }]));
    const types = await client.query<{ oid: string; typname: string }>("select oid::text, typname from pg_type where typnamespace = 'tds_sys'::regnamespace");
    this.byTypeOid = new Map(types.rows.flatMap((r) => { const t = temporalSqlType(r.typname); return t ? [[Number(r.oid), t] as const] : []; }));
    this.loaded = true;
  }

  /** Columns of a PostgreSQL result, typed the SQL Server way. */
  async resultColumns(client: pg.Client, fields: Array<{ name: string; tableID: number; columnID: number; dataTypeID: number; dataTypeModifier: number }>, spellings: Map<string, string>): Promise<ResultColumn[]> {
    if (!this.loaded || fields.some((f) => f.tableID !== 0 && !this.byAttr.has(`${f.tableID}:${f.columnID}`))) await this.refresh(client);
    return fields.map((f) => {
      const declared = f.tableID !== 0 ? this.byAttr.get(`${f.tableID}:${f.columnID}`) : undefined;
      const name = spellings.get(f.name) ?? declared?.name ?? (f.name === '?column?' ? '' : f.name);
      return { name, type: declared?.type ?? this.byTypeOid.get(f.dataTypeID) ?? sqlTypeForPg(f) };
    });
  }

  /** Records a created table or view (columns in attnum order). */
  async record(client: pg.Client, oid: number, schema: string, name: string, objectType: 'BASE TABLE' | 'VIEW', columns: DeclaredColumn[]): Promise<void> {
    const { rows } = await client.query<{ attnum: number }>('select attnum from pg_attribute where attrelid = $1 and attnum > 0 and not attisdropped order by attnum', [oid]);
    await client.query('insert into tds_sys.objects values ($1, $2, $3, $4)', [oid, schema, name, objectType]);
    for (const [i, c] of columns.entries()) {
      const f = informationSchemaFields(c.type);
      const collation = CHAR_TYPES.has(c.type.name) ? c.collation ?? SERVER_COLLATION_NAME : null;
      await client.query('insert into tds_sys.columns values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)',
        [oid, rows[i]!.attnum, c.name, i + 1, JSON.stringify(c.type), c.type.name, f.charMax, f.precision, f.scale, f.datetimePrecision, collation, c.nullable, c.primaryKey]);
    }
    this.loaded = false;
  }

  invalidate(): void { this.loaded = false; }
}

/** sp_describe_first_result_set's leading columns (SQL Server returns more; clients read them by name). */
export const DESCRIBE_COLUMNS: ResultColumn[] = [
  { name: 'is_hidden', type: { name: 'bit' } },
  { name: 'column_ordinal', type: { name: 'int' } },
  { name: 'name', type: { name: 'nvarchar', length: 128 } },
  { name: 'is_nullable', type: { name: 'bit' } },
  { name: 'system_type_id', type: { name: 'int' } },
  { name: 'system_type_name', type: { name: 'nvarchar', length: 256 } },
  { name: 'max_length', type: { name: 'smallint' } },
  { name: 'precision', type: { name: 'tinyint' } },
  { name: 'scale', type: { name: 'tinyint' } },
  { name: 'collation_name', type: { name: 'nvarchar', length: 128 } },
];

const SYSTEM_TYPE_IDS: Record<string, number> = {
  image: 34, text: 35, uniqueidentifier: 36, date: 40, time: 41, datetime2: 42, datetimeoffset: 43, tinyint: 48, smallint: 52, int: 56,
  smalldatetime: 58, real: 59, money: 60, datetime: 61, float: 62, sql_variant: 98, ntext: 99, bit: 104, decimal: 106, numeric: 108,
  smallmoney: 122, bigint: 127, varbinary: 165, varchar: 167, binary: 173, char: 175, nvarchar: 231, nchar: 239, xml: 241,
};
const FIXED_BYTES: Record<string, number> = { bit: 1, tinyint: 1, smallint: 2, int: 4, bigint: 8, real: 4, money: 8, smallmoney: 4, date: 3, datetime: 8, smalldatetime: 4, uniqueidentifier: 16, text: 16, ntext: 16, image: 16, sql_variant: 8016 };

export function describeRow(c: ResultColumn, ordinal: number): Array<string | null> {
  const t = c.type;
  const maxLength = t.length === -1 || t.name === 'xml' ? -1 : t.name.startsWith('n') && t.length !== undefined ? t.length * 2 : t.length ?? FIXED_BYTES[t.name] ?? (t.name === 'float' ? 8 : t.name.startsWith('date') || t.name === 'time' ? 10 : 17);
  const f = informationSchemaFields(t);
  return ['0', String(ordinal), c.name, '1', String(SYSTEM_TYPE_IDS[t.name] ?? 231), formatSqlType(t), String(maxLength),
    String(f.precision ?? 0), String(f.scale ?? f.datetimePrecision ?? 0), CHAR_TYPES.has(t.name) ? SERVER_COLLATION_NAME : null];
}
