/**
 * SQL Server's 100 ns time types in the backing PostgreSQL, whose own types keep 1 µs:
 * `tds_sys.sql_datetime2`, `tds_sys.sql_datetimeoffset`, `tds_sys.sql_time` hold the value's text
 * as written (text's own input/output functions, so all 7 digits survive and values.ts encodes
 * them exactly) and compare the way SQL Server does: by value with 100 ns resolution, and a
 * datetimeoffset by its UTC instant (`10:00 +05:30` = `04:30 +00:00`). Each has the six
 * comparison operators and a default btree operator class, so WHERE, ORDER BY, DISTINCT and
 * indexes see values, not strings. A malformed value is accepted when stored (SQL Server would
 * refuse it at the INSERT) and fails with a conversion error (22007, errors.ts) when compared.
 *
 * Category `S` (string) keeps what the columns could do while they were plain text: PostgreSQL
 * then converts them to and from other types through their text (CAST(x AS date), an INSERT of a
 * timestamp), and an implicit cast to text lets text functions take them (LEN, LIKE, CONCAT).
 *
 * Base types with internal I/O functions need a superuser backend (the test clusters run as
 * postgres). The operators live in `dbo`, the sessions' search_path (session.ts), because
 * PostgreSQL only finds operators on the search_path.
 */
import type pg from 'pg';
import type { SqlType } from './types.js';

/** PostgreSQL type name (in tds_sys) → the SQL Server type it holds, and the key kind of temporal_key. */
export const TEMPORAL_TYPES: Record<string, { sqlName: 'datetime2' | 'datetimeoffset' | 'time'; kind: string }> = {
  sql_datetime2: { sqlName: 'datetime2', kind: 'datetime2' },
  sql_datetimeoffset: { sqlName: 'datetimeoffset', kind: 'datetimeoffset' },
  sql_time: { sqlName: 'time', kind: 'time' },
};

/** The storage type of a SQL Server time type (for types.ts). */
export function temporalStorage(sqlName: string): string {
  return `tds_sys.sql_${sqlName}`;
}

const DEFAULT_SCALE = 7;

/** The SQL Server type of a result column of one of these types (no typmod: the widest scale). */
export function temporalSqlType(typname: string): SqlType | undefined {
  const t = TEMPORAL_TYPES[typname];
  return t ? { name: t.sqlName, scale: DEFAULT_SCALE } : undefined;
}

/**
 * A text that sorts like the value (in the C collation): `YYYY-MM-DD HH:MM:SS.fffffff` (UTC for
 * datetimeoffset, the wall time for datetime2, which ignores an offset like SQL Server's CAST) or
 * `HH:MM:SS.fffffff`. Offsets are whole minutes, so the fraction never moves.
 */
const KEY_FUNCTION = `
create or replace function tds_sys.temporal_key(v text, kind text) returns text language plpgsql immutable strict as $$
declare
  m text[];
  base timestamp;
  offset_minutes int := 0;
  off text;
begin
  if kind = 'time' then
    m := regexp_match(v, '^\\s*(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d*))?)?\\s*$');
    if m is null then raise exception 'Conversion failed when converting date and/or time from character string: %', v using errcode = '22007'; end if;
    return lpad(m[1], 2, '0') || ':' || m[2] || ':' || lpad(coalesce(m[3], '0'), 2, '0') || '.' || rpad(left(coalesce(m[4], ''), 7), 7, '0');
  end if;
  m := regexp_match(v, '^\\s*(\\d{4,})-(\\d{1,2})-(\\d{1,2})(?:[ T](\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d*))?)?)?\\s*(Z|[+-]\\d{2}(?::?\\d{2})?)?\\s*$');
  if m is null then raise exception 'Conversion failed when converting date and/or time from character string: %', v using errcode = '22007'; end if;
  base := make_timestamp(m[1]::int, m[2]::int, m[3]::int, coalesce(m[4], '0')::int, coalesce(m[5], '0')::int, coalesce(m[6], '0')::int);
  if kind = 'datetimeoffset' and m[8] is not null and m[8] <> 'Z' then
    off := replace(substr(m[8], 2), ':', '');
    offset_minutes := (substr(off, 1, 2)::int * 60 + coalesce(nullif(substr(off, 3, 2), '')::int, 0)) * (case when left(m[8], 1) = '-' then -1 else 1 end);
    base := base - make_interval(mins => offset_minutes);
  end if;
  return to_char(base, 'YYYY-MM-DD HH24:MI:SS') || '.' || rpad(left(coalesce(m[7], ''), 7), 7, '0');
end $$;
`;

const OPERATORS: Array<[string, string, string, string]> = [
  // [operator, function suffix, commutator, negator]
  ['<', 'lt', '>', '>='], ['<=', 'le', '>=', '>'], ['=', 'eq', '=', '<>'],
  ['>=', 'ge', '<=', '<'], ['>', 'gt', '<', '<='], ['<>', 'ne', '<>', '='],
];

function typeSql(typname: string, kind: string): string {
  const t = `tds_sys.${typname}`;
  const ops = OPERATORS.map(([op, suffix, commutator, negator]) => `
create function tds_sys.${typname}_${suffix}(a ${t}, b ${t}) returns boolean language sql immutable strict as $$ select tds_sys.${typname}_cmp(a, b) ${op} 0 $$;
create operator dbo.${op} (leftarg = ${t}, rightarg = ${t}, function = tds_sys.${typname}_${suffix}, commutator = operator(dbo.${commutator}), negator = operator(dbo.${negator}));`).join('');
  return `
create type ${t};
create function tds_sys.${typname}_in(cstring) returns ${t} language internal immutable strict as 'textin';
create function tds_sys.${typname}_out(${t}) returns cstring language internal immutable strict as 'textout';
create type ${t} (input = tds_sys.${typname}_in, output = tds_sys.${typname}_out, like = text, category = 'S');
create cast (${t} as text) without function as implicit;
create function tds_sys.${typname}_cmp(a ${t}, b ${t}) returns int language sql immutable strict as $$
  select case when ka < kb then -1 when ka > kb then 1 else 0 end
  from (select tds_sys.temporal_key(a::text, '${kind}') collate "C" as ka, tds_sys.temporal_key(b::text, '${kind}') collate "C" as kb) as k $$;
${ops}
create operator class tds_sys.${typname}_ops default for type ${t} using btree as
  operator 1 dbo.<, operator 2 dbo.<=, operator 3 dbo.=, operator 4 dbo.>=, operator 5 dbo.>,
  function 1 tds_sys.${typname}_cmp(${t}, ${t});
`;
}

/** Creates the types once per backing database (inside bootstrapCatalog's locked transaction). */
export async function createTemporalTypes(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ present: boolean }>("select to_regtype('tds_sys.sql_datetime2') is not null as present");
  if (rows[0]!.present) return;
  const { rows: su } = await client.query<{ rolsuper: boolean }>('select rolsuper from pg_roles where rolname = current_user');
  if (!su[0]?.rolsuper) throw new Error('The TDS test server needs a superuser backend connection: it creates base types for datetime2, datetimeoffset and time');
  await client.query(KEY_FUNCTION);
  for (const [typname, { kind }] of Object.entries(TEMPORAL_TYPES)) await client.query(typeSql(typname, kind));
}
