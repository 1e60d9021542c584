-- cdb_connectors.normalize_params(raw jsonb) → jsonb: ALL validation of SPEC §2 for one import
-- request {"connector": {…}, "interval": n}. Returns the normalised connector object (see
-- normalize_connector: lower-case keys, defaults applied, password still present). Every problem
-- found is reported in ONE error, messages joined by newline:
--   SQLSTATE 22023, DETAIL 'error_code 1502' — invalid parameters (CARTO's texts, SPEC §2);
--   SQLSTATE 22023, DETAIL 'error_code 1501' — the provider is disabled (reported alone: nothing
--     else matters while the provider cannot be used);
-- A valid `interval` is accepted here; whether it makes a sync is the callers' business
-- (cdb_connector_import/syncs_before_insert create a sync; jobs_before_insert refuses it).
-- Messages name the bad value and where it belongs (issue 22 §9), after the text CARTO's
-- reference has: 'Invalid provider "mariadb" — use one of mysql, postgres, sqlserver, hive';
-- 'Invalid parameters: interval — "interval" belongs at the top level, next to "connector"'
-- (likewise connector keys given at the top level and connection keys given in the connector);
-- `encoding` for postgres says why it is not taken. normalize_connector() reports the bare
-- 'Invalid provider' and the unknown keys; this function, which sees the whole request, adds the
-- detail.
-- Parameters: raw — the request as the user gave it. Locks: none (reads settings).
create or replace function cdb_connectors.normalize_params(raw jsonb)
returns jsonb
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  top_keys constant text[] := array['connector', 'interval'];
  -- longest part of a bad value quoted back in a message (a 1 MB "provider" is not echoed whole)
  max_quoted_chars constant integer := 100;
  -- names people try for a provider, and the provider that reads them
  provider_aliases constant jsonb := '{"mariadb": "mysql", "postgresql": "postgres", "pg": "postgres",
    "mssql": "sqlserver", "azuresql": "sqlserver", "sql server": "sqlserver", "hiveserver2": "hive"}';
  problems text[] := '{}';
  invalid_keys text[];
  dupes text[];
  req jsonb;
  has_connector boolean;
  connector record;
  problem text;
  provider_value jsonb;
  suggestion text;
  notes text[] := '{}';
  misplaced text[];
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
    -- connector keys at the top level: the "connector" wrapper was forgotten. They are the keys
    -- normalize_connector() takes: asked (once, for all of them), not copied, so that a key added
    -- there is known here too.
    select array(select k.key from jsonb_object_keys(raw) as k(key) where lower(k.key) <> all (top_keys) and k.key <> all (n.invalid_keys)
                 order by k.key collate "C")
      into misplaced
      from cdb_connectors.normalize_connector(coalesce(
        (select jsonb_object_agg(k.key, 1) from jsonb_object_keys(raw) as k(key) where lower(k.key) <> all (top_keys)), '{}')) as n;
    if misplaced <> '{}' then
      notes := notes || format('%s %s inside "connector"', array_to_string(array(select format('"%s"', m.key) from unnest(misplaced) as m(key)), ', '),
        case when cardinality(misplaced) = 1 then 'belongs' else 'belong' end);
    end if;
    if has_connector then
      if exists (select from unnest(connector.invalid_keys) as k(key) where lower(k.key) = 'interval') then
        notes := notes || '"interval" belongs at the top level, next to "connector"'::text;
      end if;
      -- connection keys of any provider given in the connector: the "connection" object was flattened
      misplaced := array(
        select k.key from unnest(connector.invalid_keys) as k(key)
        where lower(k.key) in (select c.key from cdb_connectors.provider_catalog() as p, unnest(p.required_connection || p.optional_connection) as c(key))
        order by k.key collate "C");
      if misplaced <> '{}' then
        notes := notes || format('%s %s inside "connection"', array_to_string(array(select format('"%s"', m.key) from unnest(misplaced) as m(key)), ', '),
          case when cardinality(misplaced) = 1 then 'belongs' else 'belong' end);
      end if;
      if connector.normalized ->> 'provider' = 'postgres'
         and exists (select from unnest(connector.invalid_keys) as k(key) where lower(k.key) = 'encoding') then
        notes := notes || 'the postgres provider takes no "encoding": a PostgreSQL source server converts its text itself, whatever its encoding'::text;
      end if;
    end if;
    problems := problems || ('Invalid parameters: ' || array_to_string(invalid_keys, ', ')
      || coalesce(' — ' || nullif(array_to_string(notes, '; '), ''), ''));
  end if;
  if has_connector then
    if 'Invalid provider' = any (connector.problems) then
      provider_value := cdb_connectors.lower_keys(req -> 'connector') -> 'provider';
      suggestion := coalesce(provider_aliases ->> lower(btrim(provider_value #>> '{}')),
        (select c.provider from cdb_connectors.provider_catalog() as c where c.provider = lower(btrim(provider_value #>> '{}'))));
      problem := format('Invalid provider %s — use one of %s%s',
        case when length(provider_value::text) > max_quoted_chars then left(provider_value::text, max_quoted_chars) || '…' else provider_value::text end,
        array_to_string(array(select c.provider from cdb_connectors.provider_catalog() as c), ', '),
        case when suggestion is not null then format(' (for %s: "%s")', provider_value::text, suggestion) else '' end);
      connector.problems := array_replace(connector.problems, 'Invalid provider', problem);
    end if;
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

comment on function cdb_connectors.normalize_params(jsonb) is 'Validates import parameters (docs/sql-api.md, Validation) and returns the normalised connector object; raises SQLSTATE 22023 with every problem found (DETAIL error_code 1502, or 1501 for a disabled provider).';
