/**
 * SQL Server built-in functions the connector's diff mode and sub-microsecond cursors send
 * (providers/sqlserver/diff.ts, window.ts), emulated in the backing PostgreSQL so that they give
 * what SQL Server gives — same bytes in, same digest out:
 *
 * - `HASHBYTES(alg, nvarchar)` hashes the UTF-16LE bytes of the text, as SQL Server does for an
 *   nvarchar (`tds_sys.utf16le`: BMP characters as one code unit, others as a surrogate pair),
 *   and `HASHBYTES(alg, varbinary)` the bytes themselves. PostgreSQL text cannot tell varchar
 *   from nvarchar, so a text argument is always hashed as nvarchar; the connector only ever
 *   passes nvarchar. MD5, SHA2_256 and SHA2_512 (PostgreSQL has no SHA-1 without pgcrypto).
 * - `CONVERT(bigint, <binary>)` reads the bytes as a big-endian integer, the rightmost 8 bytes
 *   when longer, zero-extended when shorter (a cast bytea → bigint).
 * - `CONVERT(binary(n), <float|real|int…>)` gives the value's big-endian bytes: IEEE 754 for
 *   float and real, two's complement for integers (`tds_sys.varbin` overloads). smallint-stored
 *   tinyint and bit give 2 bytes where SQL Server gives 1; decimal is refused (its binary form is
 *   SQL Server's internal one).
 * - `DATEADD(part, n, <datetime2|datetimeoffset|time>)` in 100 ns units, keeping a
 *   datetimeoffset's offset, wrapping a time around midnight, and failing (8115) outside
 *   0001-01-01 … 9999-12-31 as SQL Server fails with 517; nanoseconds round to 100 ns.
 * - `CONVERT(nvarchar, <date/time>, 121 | 126 | 127)`: `yyyy-mm-dd hh:mi:ss.fffffff[ +hh:mm]`
 *   (`T` between date and time for 126/127). SQL Server prints as many digits as the column's
 *   scale; the test server always prints 7 (its values carry no scale).
 *
 * Created in bootstrapCatalog's transaction, after the temporal types (temporal-types.ts).
 */
import type pg from 'pg';

const HNS_PER_DAY = 864_000_000_000;

const BUILTINS_SQL = `
create or replace function tds_sys.u16le(unit int) returns bytea language sql immutable strict as
  $$ select set_byte(set_byte('\\x0000'::bytea, 0, unit & 255), 1, unit >> 8) $$;
create or replace function tds_sys.utf16le(v text) returns bytea language sql immutable strict as $$
  select coalesce(string_agg(
    case when cp < 65536 then tds_sys.u16le(cp)
         else tds_sys.u16le(55296 + ((cp - 65536) >> 10)) || tds_sys.u16le(56320 + ((cp - 65536) & 1023)) end,
    ''::bytea order by i), ''::bytea)
  from (select i, ascii(substr(v, i, 1)) as cp from generate_series(1, length(v)) as i) as chars $$;
create or replace function tds_sys.hashbytes(algorithm text, v bytea) returns bytea language plpgsql immutable strict as $$
begin
  case upper(algorithm)
    when 'SHA2_256' then return sha256(v);
    when 'SHA2_512' then return sha512(v);
    when 'MD5' then return decode(md5(v), 'hex');
    else raise exception 'HASHBYTES algorithm % is not supported by the TDS test server', algorithm using errcode = '22023';
  end case;
end $$;
create or replace function tds_sys.hashbytes(algorithm text, v text) returns bytea language sql immutable strict as
  $$ select tds_sys.hashbytes(algorithm, tds_sys.utf16le(v)) $$;
create or replace function tds_sys.varbin_bigint(v bytea) returns bigint language sql immutable strict as
  $$ select ('x' || lpad(right(encode(v, 'hex'), 16), 16, '0'))::bit(64)::bigint $$;
do $$ begin
  if not exists (select 1 from pg_cast where castsource = 'bytea'::regtype and casttarget = 'int8'::regtype) then
    create cast (bytea as bigint) with function tds_sys.varbin_bigint(bytea);
  end if;
end $$;
create or replace function tds_sys.varbin(v double precision) returns bytea language sql immutable strict as $$ select float8send(v) $$;
create or replace function tds_sys.varbin(v real) returns bytea language sql immutable strict as $$ select float4send(v) $$;
create or replace function tds_sys.varbin(v bigint) returns bytea language sql immutable strict as $$ select int8send(v) $$;
create or replace function tds_sys.varbin(v integer) returns bytea language sql immutable strict as $$ select int4send(v) $$;
create or replace function tds_sys.varbin(v smallint) returns bytea language sql immutable strict as $$ select int2send(v) $$;
create or replace function tds_sys.varbin(v numeric) returns bytea language plpgsql immutable strict as $$
begin
  raise exception 'CONVERT(binary, decimal) is not supported by the TDS test server' using errcode = '22023';
end $$;

create or replace function tds_sys.dto_offset(v text) returns text language sql immutable strict as $$
  select case when m is null or m[1] = 'Z' then '+00:00'
              else left(m[1], 1) || substr(replace(m[1], ':', ''), 2, 2) || ':' || coalesce(nullif(substr(replace(m[1], ':', ''), 4, 2), ''), '00') end
  from regexp_match(v, '^\\s*\\d{4,}-\\d{1,2}-\\d{1,2}(?:[ T]\\d{1,2}:\\d{2}(?::\\d{2}(?:\\.\\d*)?)?)?\\s*(Z|[+-]\\d{2}(?::?\\d{2})?)\\s*$') as m $$;
create or replace function tds_sys.dateadd_units(part text, n numeric) returns numeric language plpgsql immutable strict as $$
begin
  case lower(part)
    when 'ns', 'nanosecond' then return round(n / 100);
    when 'mcs', 'microsecond' then return n * 10;
    when 'ms', 'millisecond' then return n * 10000;
    when 's', 'ss', 'second' then return n * 10000000;
    when 'mi', 'n', 'minute' then return n * 600000000;
    when 'hh', 'hour' then return n * 36000000000;
    when 'd', 'dd', 'day' then return n * ${HNS_PER_DAY};
    else raise exception 'DATEADD part % is not supported by the TDS test server', part using errcode = '22023';
  end case;
end $$;
create or replace function tds_sys.add_hns(v text, kind text, units numeric) returns text language plpgsql immutable strict as $$
declare
  k text;
  total numeric;
  secs numeric;
  base timestamp;
begin
  if kind = 'time' then
    k := tds_sys.temporal_key(v, 'time');
    total := ((substr(k, 1, 2)::numeric * 60 + substr(k, 4, 2)::numeric) * 60 + substr(k, 7, 2)::numeric) * 10000000 + substr(k, 10, 7)::numeric + units;
    total := mod(mod(total, ${HNS_PER_DAY}) + ${HNS_PER_DAY}, ${HNS_PER_DAY});
    secs := floor(total / 10000000);
    return lpad(floor(secs / 3600)::text, 2, '0') || ':' || lpad(floor(mod(secs, 3600) / 60)::text, 2, '0') || ':' || lpad(mod(secs, 60)::text, 2, '0')
      || '.' || lpad((total - secs * 10000000)::text, 7, '0');
  end if;
  -- the wall time; a datetimeoffset keeps its offset
  k := tds_sys.temporal_key(v, 'datetime2');
  total := substr(k, 21, 7)::numeric + units;
  secs := floor(total / 10000000);
  base := left(k, 19)::timestamp + make_interval(secs => secs::double precision);
  if base < '0001-01-01'::timestamp or base >= '10000-01-01'::timestamp then
    raise exception 'Adding a value to a ''%'' column caused an overflow.', kind using errcode = '22003';
  end if;
  return to_char(base, 'YYYY-MM-DD HH24:MI:SS') || '.' || lpad((total - secs * 10000000)::text, 7, '0')
    || case when kind = 'datetimeoffset' then ' ' || tds_sys.dto_offset(v) else '' end;
end $$;
create or replace function tds_sys.dateadd(part text, n numeric, v tds_sys.sql_datetime2) returns tds_sys.sql_datetime2 language sql immutable strict as
  $$ select tds_sys.add_hns(v::text, 'datetime2', tds_sys.dateadd_units(part, n))::tds_sys.sql_datetime2 $$;
create or replace function tds_sys.dateadd(part text, n numeric, v tds_sys.sql_datetimeoffset) returns tds_sys.sql_datetimeoffset language sql immutable strict as
  $$ select tds_sys.add_hns(v::text, 'datetimeoffset', tds_sys.dateadd_units(part, n))::tds_sys.sql_datetimeoffset $$;
create or replace function tds_sys.dateadd(part text, n numeric, v tds_sys.sql_time) returns tds_sys.sql_time language sql immutable strict as
  $$ select tds_sys.add_hns(v::text, 'time', tds_sys.dateadd_units(part, n))::tds_sys.sql_time $$;

create or replace function tds_sys.style_text(k text, style int) returns text language sql immutable strict as
  $$ select case when style in (126, 127) then regexp_replace(k, '^(\\d{4,}-\\d{2}-\\d{2}) ', '\\1T') else k end $$;
create or replace function tds_sys.date_style(v tds_sys.sql_datetime2, style int) returns text language sql immutable strict as
  $$ select tds_sys.style_text(tds_sys.temporal_key(v::text, 'datetime2'), style) $$;
create or replace function tds_sys.date_style(v tds_sys.sql_datetimeoffset, style int) returns text language sql immutable strict as
  $$ select tds_sys.style_text(tds_sys.temporal_key(v::text, 'datetime2'), style) || case when style in (126, 127) then '' else ' ' end || tds_sys.dto_offset(v::text) $$;
create or replace function tds_sys.date_style(v tds_sys.sql_time, style int) returns text language sql immutable strict as
  $$ select tds_sys.temporal_key(v::text, 'time') $$;
create or replace function tds_sys.date_style(v date, style int) returns text language sql immutable strict as
  $$ select to_char(v, 'YYYY-MM-DD') $$;
create or replace function tds_sys.date_style(v timestamp, style int) returns text language sql immutable strict as
  $$ select tds_sys.style_text(to_char(v, 'YYYY-MM-DD HH24:MI:SS.MS'), style) $$;
create or replace function tds_sys.date_style(v anyelement, style int) returns text language sql immutable strict as $$ select v::text $$;
`;

/** Creates (or replaces) the functions; idempotent, so every server start on a backing database may run it. */
export async function createBuiltins(client: pg.Client): Promise<void> {
  await client.query(BUILTINS_SQL);
}
