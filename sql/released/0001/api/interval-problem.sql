-- cdb_connectors.interval_problem(value jsonb) → text: why a top-level `interval` (sync period in
-- seconds, SPEC §2) is unacceptable, or NULL when it is fine. The floor is the min_interval
-- setting (900 by default). Strings ("900") are rejected like other wrong JSON types: numbers
-- are JSON numbers throughout the API. 1e3 and 900.0 are whole numbers and accepted.
-- Parameters: value — the JSON value as given (not JSON null). Locks: none (reads settings).
create or replace function cdb_connectors.interval_problem(value jsonb)
returns text
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  -- stored as integer seconds by the sync feature; larger values cannot be represented
  max_interval constant numeric := 2147483647;
  min_interval integer;
  seconds numeric;
begin
  if jsonb_typeof(value) <> 'number' or (value #>> '{}')::numeric <> trunc((value #>> '{}')::numeric) then
    return 'The interval parameter must be a whole number of seconds';
  end if;
  seconds := (value #>> '{}')::numeric;
  if seconds > max_interval then
    return format('The interval parameter must be at most %s seconds', max_interval);
  end if;
  select (s.value #>> '{}')::integer into min_interval from cdb_connectors.settings s where s.name = 'min_interval';
  if seconds < coalesce(min_interval, 900) then
    return format('The interval parameter must be at least %s seconds', coalesce(min_interval, 900));
  end if;
  return null;
end
$$;

comment on function cdb_connectors.interval_problem(jsonb) is 'Internal: the validation message for a sync interval, or NULL when it is acceptable.';
