-- cdb_connectors.normalize_params(raw jsonb) → jsonb: ALL validation of SPEC §2 for one import
-- request {"connector": {…}, "interval": n}. Returns the normalised connector object (see
-- normalize_connector: lower-case keys, defaults applied, password still present). Every problem
-- found is reported in ONE error, messages joined by newline:
--   SQLSTATE 22023, DETAIL 'error_code 1502' — invalid parameters (CARTO's texts, SPEC §2);
--   SQLSTATE 22023, DETAIL 'error_code 1501' — the provider is disabled (reported alone: nothing
--     else matters while the provider cannot be used);
-- A valid `interval` is accepted here; whether it makes a sync is the callers' business
-- (cdb_connector_import/syncs_before_insert create a sync; jobs_before_insert refuses it).
-- Parameters: raw — the request as the user gave it. Locks: none (reads settings).
create or replace function cdb_connectors.normalize_params(raw jsonb)
returns jsonb
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  top_keys constant text[] := array['connector', 'interval'];
  problems text[] := '{}';
  invalid_keys text[];
  dupes text[];
  req jsonb;
  has_connector boolean;
  connector record;
  problem text;
begin
  if raw is null or jsonb_typeof(raw) <> 'object' then
    raise exception using errcode = '22023', detail = 'error_code 1502',
      message = 'The import parameters must be a JSON object like {"connector": {"provider": …, "connection": {…}, "table": …}}';
  end if;
  req := cdb_connectors.lower_keys(raw);
  has_connector := jsonb_typeof(req -> 'connector') = 'object';
  -- run on '{}' without a usable connector object, so that the record is always assigned
  select * into connector
  from cdb_connectors.normalize_connector(case when has_connector then req -> 'connector' else '{}' end) as n;

  dupes := cdb_connectors.case_duplicate_keys(raw);
  if dupes <> '{}' then
    problems := problems || ('Duplicate parameters (keys are case-insensitive): ' || array_to_string(dupes, ', '));
  end if;
  if not req ? 'connector' then
    problems := problems || 'Missing required parameters connector'::text;
  elsif not has_connector then
    problems := problems || 'The connector parameter must be a JSON object'::text;
  end if;
  invalid_keys := array(
    select u.key from (
      select k.key from jsonb_object_keys(raw) as k(key) where lower(k.key) <> all (top_keys)
      union all
      select k.key from unnest(connector.invalid_keys) as k(key) where has_connector
    ) as u(key)
    order by u.key collate "C");
  if invalid_keys <> '{}' then
    problems := problems || ('Invalid parameters: ' || array_to_string(invalid_keys, ', '));
  end if;
  if has_connector then
    problems := problems || connector.problems;
  end if;
  if req ? 'interval' then
    problem := cdb_connectors.interval_problem(req -> 'interval');
    if problem is not null then problems := problems || problem; end if;
  end if;

  if has_connector and connector.disabled_provider is not null then
    raise exception using errcode = '22023', detail = 'error_code 1501',
      message = format('The %s provider is disabled on this database', connector.disabled_provider),
      hint = 'An administrator can enable it in the enabled_providers row of cdb_connectors.settings.';
  end if;
  if problems <> '{}' then
    raise exception using errcode = '22023', detail = 'error_code 1502',
      message = array_to_string(problems, E'\n'),
      hint = 'SELECT * FROM cdb_connector_providers() lists the parameters of each provider.';
  end if;
  return connector.normalized;
end
$$;

comment on function cdb_connectors.normalize_params(jsonb) is 'Validates import parameters (SPEC §2) and returns the normalised connector object; raises SQLSTATE 22023 with every problem found (DETAIL error_code 1502, or 1501 for a disabled provider).';
