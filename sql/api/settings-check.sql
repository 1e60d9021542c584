-- cdb_connectors.check_setting(): BEFORE INSERT OR UPDATE trigger on cdb_connectors.settings.
-- One rule per setting name (SPEC §6); a bad value raises SQLSTATE 22023 with a message naming
-- the setting and the rule, so `UPDATE cdb_connectors.settings SET value = '0' WHERE name =
-- 'max_rows'` fails loudly instead of breaking every import later. Unknown names are rejected:
-- a new setting needs its rule here first (catches typos in INSERTs by DBAs and migrations).
-- cast_rules (SPEC §14) is checked rule by rule with cdb_connectors.cast_rule_problem(), whose
-- message names the entry (`cast_rules[2]`), and stored with lower-case keys.
-- Parameters: none. Locks: the row lock of the INSERT/UPDATE.
create or replace function cdb_connectors.check_setting()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  known_providers constant text[] := array(select p.provider from cdb_connectors.provider_catalog() as p);
  -- the largest value an integer setting may hold: the sidecar reads them as 32-bit integers
  max_int constant numeric := 2147483647;
  -- PostgreSQL's limit of columns in a table (MaxHeapAttributeNumber): a max_columns above it
  -- would let a job through validation only to fail at CREATE TABLE (issue 22 §9)
  max_table_columns constant integer := 1600;
  -- cast rules in the setting cast_rules at most, as in a job's "casts" (normalize_connector)
  max_cast_rules constant integer := 200;
  v jsonb := new.value;
  n numeric;
  rule text;
  item jsonb;
  problem text;
  i integer;
begin
  if jsonb_typeof(v) = 'number' and (v #>> '{}')::numeric = trunc((v #>> '{}')::numeric) and (v #>> '{}')::numeric <= max_int then
    n := (v #>> '{}')::numeric;
  end if;
  case new.name
    when 'max_rows', 'max_listed_tables', 'max_concurrent_jobs_per_role', 'max_queued_jobs_per_role', 'fetch_rows', 'max_tables_per_run', 'max_active_runs_per_role' then
      if n is null or n < 1 then rule := 'an integer of at least 1'; end if;
    when 'cdc_max_lag_bytes' then
      if n is null or n < 1 then rule := 'a whole number of bytes of at least 1'; end if;
    when 'table_read_streams' then
      if n is null or n < 1 or n > 8 then rule := 'an integer from 1 to 8'; end if;
    when 'max_columns' then
      if n is null or n < 1 or n > max_table_columns then
        rule := format('an integer of at least 1 and at most %s, PostgreSQL''s limit of columns in a table', max_table_columns);
      end if;
    when 'connect_timeout', 'statement_timeout' then
      if n is null or n < 1 then rule := 'a whole number of seconds greater than 0'; end if;
    when 'max_retries' then
      if n is null or n < 0 then rule := 'an integer of at least 0'; end if;
    when 'max_syncs_per_role' then
      if jsonb_typeof(v) <> 'null' and (n is null or n < 0) then rule := 'null (unlimited) or an integer of at least 0'; end if;
    when 'min_sync_now_interval' then
      if n is null or n < 0 then rule := 'a whole number of seconds of at least 0 (0 = no wait between on-demand runs)'; end if;
    when 'min_interval' then
      if n is null or n < 60 then rule := 'a whole number of seconds of at least 60'; end if;
    when 'sync_retry_base_seconds' then
      if n is null or n < 1 then rule := 'a whole number of seconds of at least 1'; end if;
    when 'max_delete_ratio' then
      if jsonb_typeof(v) <> 'number' or (v #>> '{}')::numeric not between 0 and 1 then
        rule := 'a number from 0 to 1 (the share of a sync table one run may delete; 1 = no guard)';
      end if;
    when 'sync_rebuild_on_schema_change' then
      if jsonb_typeof(v) <> 'boolean' then rule := 'true or false'; end if;
    when 'cartodbfy' then
      if jsonb_typeof(v) <> 'string' or v #>> '{}' not in ('auto', 'on', 'off') then rule := '"auto", "on" or "off"'; end if;
    when 'ssl_ca_file' then
      if jsonb_typeof(v) <> 'null' and (jsonb_typeof(v) <> 'string' or v #>> '{}' !~ '^/' or v #>> '{}' ~ '[[:cntrl:]]') then
        rule := 'null or an absolute path (on the sidecars'' hosts) to a PEM file of CA certificates';
      end if;
    when 'lease_seconds' then
      if n is null or n < 5 then rule := 'a whole number of seconds of at least 5'; end if;
    when 'max_identifier_length' then
      if n is distinct from 63 then rule := '63 (fixed by PostgreSQL''s NAMEDATALEN)'; end if;
    when 'enabled_providers' then
      if jsonb_typeof(v) <> 'array'
         or exists (select from jsonb_array_elements(v) as e where jsonb_typeof(e) <> 'string' or e #>> '{}' <> all (known_providers)) then
        rule := 'a JSON array of provider names out of ' || array_to_string(known_providers, ', ');
      end if;
    when 'cast_rules' then
      -- SPEC §14: the DBA's default cast rules, matched after a job's own "casts" and before the
      -- built-in tables; each entry like a job's rule plus an optional "provider" (absent = all)
      if jsonb_typeof(v) <> 'array' or jsonb_array_length(v) > max_cast_rules then
        rule := format('a JSON array of at most %s cast rules such as {"type": "tinyint(1)", "to": "boolean", "provider": "mysql"}', max_cast_rules);
      else
        for i in 0 .. jsonb_array_length(v) - 1 loop
          problem := cdb_connectors.cast_rule_problem(v -> i, format('cast_rules[%s]', i + 1), true);
          if problem is not null then
            raise exception 'Invalid value for setting cast_rules: %', problem using errcode = '22023';
          end if;
        end loop;
        -- stored as the sidecar reads them: keys lower-cased, provider names too
        new.value := coalesce((select jsonb_agg(case when r ? 'provider' then r || jsonb_build_object('provider', lower(r ->> 'provider')) else r end order by a.ord)
          from jsonb_array_elements(v) with ordinality as a(e, ord), cdb_connectors.lower_keys(a.e) as r), '[]'::jsonb);
      end if;
    when 'allowed_hosts' then
      if jsonb_typeof(v) <> 'array' then
        rule := 'a JSON array of host names, IP addresses or CIDR ranges, each with an optional :port ([] allows public addresses only)';
      else
        for item in select e from jsonb_array_elements(v) as e loop
          if not cdb_connectors.is_host_pattern(item) then
            rule := format('a JSON array of host names, IP addresses or CIDR ranges, each with an optional :port; %s is none of these', left(item::text, 100));
            exit;
          end if;
        end loop;
      end if;
    else
      raise exception 'Unknown setting %', format('%L', new.name) using errcode = '22023',
        hint = 'Known settings are the rows of cdb_connectors.settings; a new one needs a rule in cdb_connectors.check_setting().';
  end case;
  if rule is not null then
    raise exception 'Invalid value % for setting %: it must be %', left(v::text, 100), new.name, rule using errcode = '22023';
  end if;
  return new;
end
$$;

drop trigger if exists settings_check on cdb_connectors.settings;
create trigger settings_check before insert or update on cdb_connectors.settings
  for each row execute function cdb_connectors.check_setting();

comment on function cdb_connectors.check_setting() is 'Trigger: rejects invalid values in cdb_connectors.settings with a message naming the setting.';
