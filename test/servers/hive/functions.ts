/**
 * Hive built-in functions that PostgreSQL lacks or defines differently, written as SQL functions
 * in the operators schema (on every statement's search_path) with Hive's semantics for the
 * argument types they take, so a translated query gives Hive's answer for the same bytes:
 *
 * - `concat`: NULL when any argument is NULL (GenericUDFConcat); PostgreSQL's skips NULLs.
 *   Renamed to hive_concat, since pg_catalog.concat would win the name lookup.
 * - `substr` / `substring` / `mid`: 1-based, a negative start counts from the end, a start beyond
 *   the string or a length <= 0 gives '' (UDFSubstr); PostgreSQL's counts a negative start
 *   before the string. Renamed to hive_substr for the same reason.
 * - `conv(num, from, to)`: through an unsigned 64-bit value like UDFConv — parsing stops at the
 *   first character that is no digit of `from`, an overflow reads as 2^64 - 1 (MySQL's -1), a
 *   negative `to` prints a signed result, digits upper-case.
 * - `pmod(a, b)`: ((a % b) + b) % b, NULL for b = 0 (GenericUDFPosMod).
 * - `hex`: upper-case hex of a BINARY's bytes, of a STRING's UTF-8 bytes, of a BIGINT's two's
 *   complement (UDFHex).
 * - `CAST(binary AS STRING)` decodes the bytes as UTF-8, each maximal invalid subsequence becoming
 *   one U+FFFD (Java's decoder), where PostgreSQL's prints `\x…`. Installed as the cast from bytea
 *   to text when the backend role may create it (a superuser; the test runs connect as one).
 *
 * `md5`, `length`, `concat_ws`, `floor` and the aggregates are PostgreSQL's own and already agree
 * with Hive's for strings (md5 of the UTF-8 bytes as lower-case hex, length in characters,
 * concat_ws skipping NULLs) and exact numerics.
 */

/** Hive names whose PostgreSQL namesakes differ, and the function that has Hive's semantics. */
export const HIVE_FUNCTION_RENAMES: Record<string, string> = { concat: 'hive_concat', substr: 'hive_substr', substring: 'hive_substr', mid: 'hive_substr' };

export function hiveFunctionsSql(schema: string): string {
  return String.raw`
  create or replace function ${schema}.hive_concat(variadic parts text[]) returns text language sql immutable as $$
    select case when array_position(parts, null) is null then array_to_string(parts, '') end $$;

  create or replace function ${schema}.hive_substr(str text, pos bigint, len bigint) returns text language sql immutable strict as $$
    select case
      when greatest(abs(pos), abs(len)) > 2147483647 then null
      when len <= 0 or (pos < 0 and -pos > length(str)) then ''
      else substr(str, (case when pos > 0 then pos when pos = 0 then 1 else length(str) + pos + 1 end)::int, least(len, 2147483647)::int)
    end $$;
  create or replace function ${schema}.hive_substr(str text, pos bigint) returns text language sql immutable strict as $$
    select ${schema}.hive_substr(str, pos, 2147483647) $$;

  create or replace function ${schema}.conv(num text, from_base integer, to_base integer) returns text language plpgsql immutable strict as $$
    declare
      two64 constant numeric := 18446744073709551616;
      two63 constant numeric := 9223372036854775808;
      alphabet constant text := '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
      negative boolean := left(num, 1) = '-';
      val numeric := 0;
      digit integer;
      result text := '';
    begin
      if from_base not between 2 and 36 or abs(to_base) not between 2 and 36 or num = '' then return null; end if;
      for i in (case when negative then 2 else 1 end) .. length(num) loop
        digit := strpos(alphabet, upper(substr(num, i, 1))) - 1;
        exit when digit < 0 or digit >= from_base;
        val := val * from_base + digit;
        if val >= two64 then val := two64 - 1; exit; end if;
      end loop;
      if negative and to_base > 0 then val := case when val >= two63 then two64 - 1 else mod(two64 - val, two64) end; end if;
      if to_base < 0 and val >= two63 then val := two64 - val; negative := true; end if;
      loop
        result := substr(alphabet, mod(val, abs(to_base))::integer + 1, 1) || result;
        val := div(val, abs(to_base));
        exit when val = 0;
      end loop;
      return case when negative and to_base < 0 then '-' || result else result end;
    end $$;
  create or replace function ${schema}.conv(num bigint, from_base integer, to_base integer) returns text language sql immutable strict as $$
    select ${schema}.conv(num::text, from_base, to_base) $$;

  create or replace function ${schema}.pmod(a numeric, b numeric) returns numeric language sql immutable strict as $$
    select case when b <> 0 then mod(mod(a, b) + b, b) end $$;
  create or replace function ${schema}.pmod(a bigint, b bigint) returns bigint language sql immutable strict as $$
    select ${schema}.pmod(a::numeric, b::numeric)::bigint $$;
  create or replace function ${schema}.pmod(a integer, b integer) returns integer language sql immutable strict as $$
    select ${schema}.pmod(a::numeric, b::numeric)::integer $$;

  create or replace function ${schema}.hex(value bytea) returns text language sql immutable strict as $$
    select upper(encode(value, 'hex')) $$;
  create or replace function ${schema}.hex(value text) returns text language sql immutable strict as $$
    select upper(encode(convert_to(value, 'UTF8'), 'hex')) $$;
  create or replace function ${schema}.hex(value bigint) returns text language sql immutable strict as $$
    select upper(to_hex(value)) $$;

  create or replace function ${schema}.binary_to_string(value bytea) returns text language plpgsql immutable strict as $$
    declare
      i integer := 0;
      lead integer;
      need integer;
      valid integer;
      result text := '';
    begin
      while i < length(value) loop
        lead := get_byte(value, i);
        need := case when lead < 128 then 0 when lead between 194 and 223 then 1 when lead between 224 and 239 then 2 when lead between 240 and 244 then 3 else -1 end;
        valid := 1;
        -- The second byte's range excludes overlong forms and surrogates (E0, ED, F0, F4), later ones are 80–BF.
        while need > 0 and valid <= need and i + valid < length(value) and get_byte(value, i + valid) between
            (case when valid = 1 and lead = 224 then 160 when valid = 1 and lead = 240 then 144 else 128 end) and
            (case when valid = 1 and lead = 237 then 159 when valid = 1 and lead = 244 then 143 else 191 end) loop
          valid := valid + 1;
        end loop;
        if lead = 0 then raise exception 'the test server cannot hold NUL characters in strings'; end if;
        if need >= 0 and valid = need + 1 then
          result := result || convert_from(substring(value from i + 1 for valid), 'UTF8');
        else
          result := result || chr(65533);
        end if;
        i := i + valid;
      end loop;
      return result;
    end $$;
  do $casts$ begin
    if not exists (select from pg_cast where castsource = 'bytea'::regtype and casttarget = 'text'::regtype) then
      create cast (bytea as text) with function ${schema}.binary_to_string(bytea);
    end if;
  exception when insufficient_privilege then null;
  end $casts$;`;
}
