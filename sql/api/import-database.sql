-- :api_schema.cdb_connector_import_database(params jsonb, target_schema name default current_schema())
-- → jsonb {"run_id": "<uuid>", "success": true, "state": "listing"}                     (SPEC §15)
-- Imports (or, with "interval", syncs) every table of a remote schema that include/exclude
-- select, with the remote structure reproduced: one job per table, grouped by the run. The
-- function validates and stores the run (database_runs_before_insert: 22023 like an import,
-- 42501, 3F000) and returns at once; a sidecar lists the remote tables within a round trip
-- (cdb_connectors.runs.tables_total), so the table count is not part of the answer: a function
-- cannot wait for a sidecar to see its uncommitted row (SPEC §7).
-- target_schema is created when missing, by the caller (who then needs CREATE on the database),
-- and so owned by the caller. When no sidecar is alive the run waits, and a NOTICE says so.
-- Invoker rights: the run's owner is the caller's current_user.
-- Parameters: params — the request; target_schema — where the tables appear.
-- Locks: RowExclusive on database_runs and run_secrets.
create or replace function :api_schema.cdb_connector_import_database(params jsonb, target_schema name default current_schema())
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  run_id uuid := gen_random_uuid();
begin
  if target_schema is not null and not exists (select from pg_namespace as n where n.nspname = cdb_connector_import_database.target_schema) then
    begin
      execute format('create schema %I', target_schema);
    exception when insufficient_privilege then
      raise exception 'Schema % does not exist, and role % may not create it (CREATE on database %)',
          format('%I', target_schema), format('%I', current_user), format('%I', current_database())
        using errcode = '42501', hint = 'Create the schema first (or ask for it), or pass target_schema => an existing schema of your own.';
    end;
  end if;
  insert into cdb_connectors.database_runs (id, params, target_schema)
  values (run_id, params, cdb_connector_import_database.target_schema);
  if not exists (select from cdb_connectors.workers as w where w.alive) then
    raise notice 'no connector sidecar is running for this database: the run waits until one starts'
      using detail = format('Run %s is stored; cdb_connectors.workers lists no sidecar seen within lease_seconds.', run_id),
      hint = 'Start one with `connector-bridge run` (DATABASE_URL pointing at this database) or `npm start`.';
  end if;
  return jsonb_build_object('run_id', run_id, 'success', true, 'state', 'listing');
end
$$;

comment on function :api_schema.cdb_connector_import_database(jsonb, name) is
'Imports every selected table of a remote schema: cdb_connector_import_database(''{"connector": {"provider": "mysql", "connection": {…}, "schema": "shop", "include": ["order%"], "exclude": ["~_backup$"]}}'', target_schema => ''shop'') returns {"run_id": …, "success": true}. Follow it in cdb_connectors.runs; cdb_connector_run_summary(run_id) lists the tables. Primary keys, indexes, NOT NULL and foreign keys are reproduced ("structure"); atomic by default (every table appears at once, or none). With "interval" every table becomes a sync table.';
revoke execute on function :api_schema.cdb_connector_import_database(jsonb, name) from public;
grant execute on function :api_schema.cdb_connector_import_database(jsonb, name) to cdb_connector_user;
