-- Triggers on INSERT into cdb_connectors.database_runs (SPEC §15): a direct INSERT is exactly as
-- safe as cdb_connector_import_database(). Not security definer: current_user is the caller.
-- BEFORE (database_runs_before_insert):
--   * NEW.params on input is the whole request ({"connector": {…, "include", "exclude",
--     "structure", "concurrency", "atomic", "tables"}, "interval": n}). The run's own keys are
--     checked here; the rest of the connector is validated by normalize_params exactly as an
--     import's (22023, DETAIL error_code 1502 / 1501), with the table of each child standing in:
--     once for the shared keys, once per entry of "tables" (per-table keys such as "mode",
--     "primary_key", "cursor", "import_as"). "table", "sql_query" and "import_as" name one table
--     and are refused at the connector's level.
--   * NEW.params becomes the normalised connector (no table, password "***"), NEW.options the
--     run's keys with their defaults: structure all true but defaults, concurrency 2, atomic true
--     (false with "interval": the tables of sync tables appear as each first run completes, so an
--     explicit "atomic": true with "interval" is refused).
--   * The target schema must exist (cdb_connector_import_database creates it) and the owner needs
--     CREATE on it (42501). An atomic run gets its staging schema here, created by the caller and so
--     owned by the caller (who needs CREATE on the database: 42501 with a hint otherwise).
--   * max_queued_jobs_per_role (54000) applies to roles under RLS as for an import, and
--     max_active_runs_per_role (54000) to their runs listing or importing (counted under a
--     per-owner advisory lock): the children are enqueued by the sidecar, bounded by
--     max_tables_per_run, so without it a role could queue any number of runs' worth of jobs.
--   * Bookkeeping columns are forced; owner is current_user for roles under RLS.
-- AFTER (database_runs_after_insert): seals the password into run_secrets and wakes the sidecars.
-- Errors: 22023, 3F000, 42501, 54000. Locks: the INSERT's; check_queued_jobs_limit's advisory lock.
create or replace function cdb_connectors.database_runs_before_insert()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  run_keys constant text[] := array['include', 'exclude', 'structure', 'concurrency', 'atomic', 'tables'];
  structure_keys constant text[] := array['primary_keys', 'indexes', 'foreign_keys', 'not_null', 'defaults'];
  table_keys constant text[] := array['import_as', 'mode', 'primary_key', 'cursor', 'lookback', 'deletes', 'encoding',
                                      'on_row_limit', 'on_error', 'max_rejects', 'max_reject_ratio', 'casts', 'on_schema_change'];
  max_concurrency constant integer := 32;
  max_patterns constant integer := 1000;
  max_pattern_chars constant integer := 1024;
  -- stands in for each child's table while the shared keys are validated
  placeholder constant text := 'cdb_run_placeholder';
  limited constant boolean := row_security_active('cdb_connectors.database_runs'::regclass);
  -- advisory-lock namespace for "count this owner's active runs" ('CDB4')
  run_limit_lock constant integer := 1128546868;
  max_runs integer;
  active_runs integer;
  req jsonb;
  connector jsonb;
  base jsonb;
  interval_value jsonb;
  -- {"interval": n} when given, else {}: merged into each request normalize_params checks
  interval_part jsonb;
  options jsonb;
  structure jsonb := '{"primary_keys": true, "indexes": true, "foreign_keys": true, "not_null": true, "defaults": false}';
  overrides jsonb := '{}';
  normalized jsonb;
  problems text[] := '{}';
  k text;
  item jsonb;
  i integer;
  schema_oid oid;
begin
  if jsonb_typeof(new.params) <> 'object' then
    raise exception using errcode = '22023', detail = 'error_code 1502', message = 'Missing required parameters connector',
      hint = 'cdb_connector_import_database(''{"connector": {"provider": …, "connection": {…}, "schema": …}}'')';
  end if;
  req := cdb_connectors.lower_keys(new.params);
  connector := cdb_connectors.lower_keys(coalesce(req -> 'connector', 'null'));
  interval_value := req -> 'interval';
  interval_part := case when interval_value is null then '{}' else jsonb_build_object('interval', interval_value) end;
  if jsonb_typeof(connector) = 'object' then
    foreach k in array array['table', 'sql_query', 'import_as'] loop
      if connector ? k then
        problems := problems || format('Invalid parameters: %s — a whole-database run imports every table that include/exclude select; "%s" names one (per-table keys go in "tables": {"<remote table>": {…}})', k, k);
      end if;
    end loop;

    if connector ? 'include' or connector ? 'exclude' then
      foreach k in array array['include', 'exclude'] loop
        item := connector -> k;
        continue when item is null;
        if jsonb_typeof(item) <> 'array' or jsonb_array_length(item) > max_patterns
           or exists (select from jsonb_array_elements(item) as e
                       where jsonb_typeof(e) <> 'string' or e #>> '{}' = '' or length(e #>> '{}') > max_pattern_chars) then
          problems := problems || format('Invalid %s: it must be an array of at most %s non-empty names or patterns (exact, LIKE with %%, or ~regex), each at most %s characters', k, max_patterns, max_pattern_chars);
          continue;
        end if;
        for i in 0 .. jsonb_array_length(item) - 1 loop
          continue when left(item ->> i, 1) <> '~';
          begin
            perform '' operator(pg_catalog.~) substr(item ->> i, 2);
          exception when invalid_regular_expression then
            problems := problems || format('Invalid %s[%s]: %s is not a valid regular expression (%s)', k, i + 1, left(item ->> i, 100), sqlerrm);
          end;
        end loop;
      end loop;
    end if;

    if connector ? 'structure' then
      item := connector -> 'structure';
      if jsonb_typeof(item) = 'boolean' then
        structure := (select jsonb_object_agg(s, item) from unnest(structure_keys) as s) || '{"defaults": false}';
      elsif jsonb_typeof(item) = 'object' and not exists (select from jsonb_each(item) as e where lower(e.key) <> all (structure_keys) or jsonb_typeof(e.value) <> 'boolean') then
        structure := structure || cdb_connectors.lower_keys(item);
      else
        problems := problems || format('Invalid structure: true, false, or an object of booleans among %s', array_to_string(structure_keys, ', '));
      end if;
      if (structure ->> 'defaults')::boolean is true then
        problems := problems || 'Invalid structure.defaults: reproducing the remote column defaults is not supported (expressions differ between databases); leave it out or set it to false'::text;
      end if;
    end if;

    if connector ? 'concurrency' and (jsonb_typeof(connector -> 'concurrency') <> 'number'
        or (connector ->> 'concurrency')::numeric <> trunc((connector ->> 'concurrency')::numeric)
        or (connector ->> 'concurrency')::numeric not between 1 and max_concurrency) then
      problems := problems || format('Invalid concurrency: a whole number of tables loaded at once, from 1 to %s', max_concurrency);
    end if;
    if connector ? 'atomic' and jsonb_typeof(connector -> 'atomic') <> 'boolean' then
      problems := problems || 'Invalid atomic: true (the tables appear together when all succeeded) or false (each appears as it completes)'::text;
    elsif (connector -> 'atomic') = 'true' and interval_value is not null then
      problems := problems || 'Invalid atomic: a whole-database sync ("interval") makes sync tables, which appear as each first run completes; leave "atomic" out or set it to false'::text;
    end if;

    if connector ? 'tables' then
      item := connector -> 'tables';
      if jsonb_typeof(item) <> 'object' or exists (select from jsonb_each(item) as e where jsonb_typeof(e.value) <> 'object') then
        problems := problems || 'Invalid tables: an object of remote table name → object of per-table keys'::text;
      else
        for k in select e.key from jsonb_each(item) as e where exists (select from jsonb_object_keys(cdb_connectors.lower_keys(e.value)) as t(key) where t.key <> all (table_keys)) loop
          problems := problems || format('Invalid tables.%s: per-table keys are %s', left(k, 100), array_to_string(table_keys, ', '));
        end loop;
        overrides := (select coalesce(jsonb_object_agg(e.key, cdb_connectors.lower_keys(e.value)), '{}') from jsonb_each(item) as e);
      end if;
    end if;
  end if;
  if problems <> '{}' then
    raise exception using errcode = '22023', detail = 'error_code 1502', message = array_to_string(problems, E'\n');
  end if;

  base := (select coalesce(jsonb_object_agg(e.key, e.value), '{}') from jsonb_each(coalesce(req -> 'connector', '{}')) as e
            where lower(e.key) <> all (run_keys));
  normalized := cdb_connectors.normalize_params(jsonb_build_object('connector', base || jsonb_build_object('table', placeholder))
                                                || interval_part);
  for k, item in select e.key, e.value from jsonb_each(overrides) as e loop
    begin
      perform cdb_connectors.normalize_params(jsonb_build_object('connector', base || item || jsonb_build_object('table', k))
                                              || interval_part);
    exception when sqlstate '22023' then
      raise exception using errcode = '22023', detail = 'error_code 1502', message = format('In tables.%s: %s', left(k, 100), sqlerrm);
    end;
    if interval_value is null and (coalesce(item ->> 'mode', 'replace') <> 'replace' or item ? 'on_schema_change') then
      raise exception using errcode = '22023', detail = 'error_code 1502',
        message = format('In tables.%s: "mode" and "on_schema_change" make sync tables and need an interval parameter', left(k, 100)),
        hint = 'Add "interval": seconds next to "connector" to make every table a sync table.';
    end if;
  end loop;
  if interval_value is null and (coalesce(normalized ->> 'mode', 'replace') <> 'replace' or normalized ? 'on_schema_change') then
    raise exception using errcode = '22023', detail = 'error_code 1502',
      message = '"mode" and "on_schema_change" make sync tables and need an interval parameter',
      hint = 'Add "interval": seconds next to "connector" to make every table a sync table.';
  end if;

  if new.id is null then new.id := gen_random_uuid(); end if;
  if new.owner is null or limited then
    new.owner := current_user;
  end if;
  if new.target_schema is null then
    raise exception 'No target schema: the search_path names no existing schema to create the tables in'
      using errcode = '3F000', hint = 'Pass target_schema => ''name'' or SET search_path, then run again.';
  end if;
  select n.oid into schema_oid from pg_namespace n where n.nspname = new.target_schema;
  if schema_oid is null then
    raise exception 'Schema % does not exist', format('%I', new.target_schema) using errcode = '3F000';
  end if;
  if new.target_schema in ('pg_catalog', 'information_schema', 'pg_toast', 'cdb_connectors')
     or new.target_schema ~ '^pg_(toast_)?temp_' then
    raise exception 'Cannot import into the system schema %', format('%I', new.target_schema) using errcode = '42501';
  end if;
  if not has_schema_privilege(new.owner, schema_oid, 'CREATE') then
    raise exception 'permission denied for schema %: role % needs CREATE on it to import tables there',
        format('%I', new.target_schema), format('%I', new.owner)
      using errcode = '42501', hint = 'Pass target_schema => a schema of your own, or ask for GRANT CREATE ON SCHEMA.';
  end if;
  if limited then
    perform cdb_connectors.check_queued_jobs_limit(new.owner);
    perform pg_advisory_xact_lock(run_limit_lock, hashtext(new.owner));
    select coalesce((s.value #>> '{}')::integer, 2) into max_runs from cdb_connectors.settings as s where s.name = 'max_active_runs_per_role';
    select count(*) into active_runs from cdb_connectors.database_runs as r where r.owner = new.owner and r.state in ('listing', 'importing');
    if active_runs >= coalesce(max_runs, 2) then
      raise exception using errcode = '54000',
        message = format('Role %s already has %s whole-database run(s) listing or importing; the max_active_runs_per_role setting allows %s', new.owner, active_runs, coalesce(max_runs, 2)),
        hint = 'Wait for one to finish (cdb_connectors.runs), cancel one with cdb_connector_cancel_run(run_id), or ask an administrator to raise max_active_runs_per_role.';
    end if;
  end if;

  options := jsonb_build_object(
    'include', coalesce(connector -> 'include', '[]'), 'exclude', coalesce(connector -> 'exclude', '[]'),
    'structure', structure, 'concurrency', coalesce(connector -> 'concurrency', '2'),
    'atomic', coalesce(connector -> 'atomic', to_jsonb(interval_value is null)),
    'tables', overrides) || interval_part;

  new.staging_schema := null;
  if (options ->> 'atomic')::boolean then
    new.staging_schema := 'cdb_run_' || replace(new.id::text, '-', '');
    begin
      -- as the caller: the schema, and so everything staged in it, is the owner's
      execute format('create schema %I', new.staging_schema);
    exception when insufficient_privilege then
      raise exception 'permission denied to create the staging schema of an atomic run: role % needs CREATE on database %',
          format('%I', current_user), format('%I', current_database())
        using errcode = '42501', hint = 'Add "atomic": false (each table appears as it completes), or ask for GRANT CREATE ON DATABASE.';
    end;
    execute format('comment on schema %I is %L', new.staging_schema,
      format('Staging schema of whole-database run %s: its tables move to %s when the run succeeds, and it is dropped.', new.id, new.target_schema));
  end if;

  new.params := cdb_connectors.stash_pending_secret(new.id, normalized - 'table');
  new.provider := normalized ->> 'provider';
  new.options := options;
  new.state := 'listing';
  new.tables_total := null;
  new.table_estimates := '{}';
  new.structure := null;
  new.warnings := '[]';
  new.error_code := null;
  new.error_message := null;
  new.cancel_requested := false;
  new.worker_id := null;
  new.created_at := now();
  new.started_at := null;
  new.finished_at := null;
  new.updated_at := now();
  return new;
end
$$;

create or replace function cdb_connectors.database_runs_after_insert()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  secret text := cdb_connectors.take_pending_secret(new.id);
begin
  if secret is not null then
    insert into cdb_connectors.run_secrets (run_id, password) values (new.id, cdb_connectors.seal_secret(secret));
  end if;
  perform cdb_connectors.notify_new_row('enqueued', new.id);
  return null;
end
$$;

-- BEFORE UPDATE (database_runs_before_update): a role under RLS may only raise cancel_requested
-- (false → true), never lower it again — an admin's cancel stays a cancel, as for jobs.
create or replace function cdb_connectors.database_runs_before_update()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  if old.cancel_requested and not new.cancel_requested and row_security_active('cdb_connectors.database_runs'::regclass) then
    new.cancel_requested := true;
  end if;
  new.updated_at := clock_timestamp();
  return new;
end
$$;

drop trigger if exists database_runs_before_update on cdb_connectors.database_runs;
create trigger database_runs_before_update before update on cdb_connectors.database_runs
  for each row execute function cdb_connectors.database_runs_before_update();

drop trigger if exists database_runs_before_insert on cdb_connectors.database_runs;
create trigger database_runs_before_insert before insert on cdb_connectors.database_runs
  for each row execute function cdb_connectors.database_runs_before_insert();
drop trigger if exists database_runs_after_insert on cdb_connectors.database_runs;
create trigger database_runs_after_insert after insert on cdb_connectors.database_runs
  for each row execute function cdb_connectors.database_runs_after_insert();

comment on function cdb_connectors.database_runs_before_insert() is 'Trigger: validates a new whole-database run (docs/whole-database.md), forces its bookkeeping columns and creates the staging schema of an atomic run as the caller.';
comment on function cdb_connectors.database_runs_before_update() is 'Trigger: a cancel request of a run cannot be withdrawn by a role under RLS; maintains updated_at.';
comment on function cdb_connectors.database_runs_after_insert() is 'Trigger: stores a new run''s password in run_secrets and wakes the sidecars.';
