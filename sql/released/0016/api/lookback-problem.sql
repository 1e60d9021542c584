-- cdb_connectors.lookback_problem(v jsonb) → text: NULL when v is a valid `lookback` (SPEC §13),
-- else the message. A number (at least 0) is for numeric cursors; a string is a PostgreSQL
-- interval ('10 minutes', '1 day', 'PT10M') of at least zero, for date and time cursors. Which
-- kind the cursor needs only the remote can tell: the first run checks it (1502).
-- Parameters: v — the value as given. Locks: none.
create or replace function cdb_connectors.lookback_problem(v jsonb)
returns text
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  parsed interval;
begin
  if jsonb_typeof(v) = 'number' then
    if (v #>> '{}')::numeric < 0 then return 'The lookback parameter must not be negative'; end if;
    return null;
  end if;
  if jsonb_typeof(v) <> 'string' or length(v #>> '{}') > 100 then
    return 'The lookback parameter must be an interval such as "10 minutes" (time cursors) or a number (numeric cursors)';
  end if;
  begin
    parsed := (v #>> '{}')::interval;
  exception when others then
    return format('The lookback parameter %s is not an interval such as "10 minutes" or "1 day"', left(v::text, 100));
  end;
  if parsed < interval '0' then return 'The lookback parameter must not be negative'; end if;
  return null;
end
$$;

comment on function cdb_connectors.lookback_problem(jsonb) is 'Internal: NULL when the lookback parameter is valid (a number ≥ 0 or an interval ≥ 0), else the message.';
