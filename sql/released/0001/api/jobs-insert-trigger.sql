-- BEFORE INSERT trigger on cdb_connectors.jobs: makes a direct INSERT exactly as safe as
-- cdb_connector_import(). Deliberately NOT security definer: current_user is the caller, so the
-- owner and the CREATE check are the caller's (shared/notes/postgres-facts.md).
--   * NEW.params on input is the whole request as given ({"connector": {…}, "interval": …});
--     it is replaced by the normalised connector object with the password shown as "***".
--   * NEW.provider, NEW.requested_name (import_as, else table) are derived from it.
--   * Bookkeeping columns are forced (state 'enqueued', counters 0, no error, no lease, …), so a
--     user cannot enqueue a job in another state. owner is forced to current_user for roles under
--     RLS; privileged inserters (table owner, superuser: the sidecar, the sync scheduler) may set
--     owner and sync_id.
--   * The owner must have CREATE on NEW.target_schema (SQLSTATE 42501 otherwise).
--   * The password is handed to jobs_after_insert (pending_secret_setting) for job_secrets.
-- Errors: 22023 (validation, see normalize_params), 3F000 (no/unknown schema), 42501.
-- Locks: none beyond the INSERT's own.
create or replace function cdb_connectors.jobs_before_insert()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  normalized jsonb;
  secret text;
  schema_oid oid;
begin
  normalized := cdb_connectors.normalize_params(new.params);
  if new.id is null then new.id := gen_random_uuid(); end if;
  if new.owner is null or row_security_active('cdb_connectors.jobs'::regclass) then
    new.owner := current_user;
    new.sync_id := null;
  end if;

  if new.target_schema is null then
    raise exception 'No target schema: the search_path names no existing schema to create the table in'
      using errcode = '3F000', hint = 'SET search_path TO a schema where you may create tables, then import again.';
  end if;
  select n.oid into schema_oid from pg_namespace n where n.nspname = new.target_schema;
  if schema_oid is null then
    raise exception 'Schema % does not exist', format('%I', new.target_schema) using errcode = '3F000';
  end if;
  if new.target_schema in ('pg_catalog', 'information_schema', 'pg_toast', 'cdb_connectors')
     or new.target_schema ~ '^pg_(toast_)?temp_' then
    raise exception 'Cannot import into the system schema %', format('%I', new.target_schema)
      using errcode = '42501', hint = 'SET search_path TO a schema of your own, then import again.';
  end if;
  if not has_schema_privilege(new.owner, schema_oid, 'CREATE') then
    raise exception 'permission denied for schema %: role % needs CREATE on it to import a table there',
        format('%I', new.target_schema), format('%I', new.owner)
      using errcode = '42501',
        hint = 'SET search_path TO a schema where you may create tables, or ask for GRANT CREATE ON SCHEMA.';
  end if;

  secret := normalized #>> '{connection,password}';
  if secret is not null then
    normalized := jsonb_set(normalized, '{connection,password}', '"***"');
    -- 'p' prefix: an empty password stays distinguishable from the blanked setting
    perform set_config(cdb_connectors.pending_secret_setting(new.id), 'p' || secret, true);
  end if;

  new.params := normalized;
  new.provider := normalized ->> 'provider';
  new.requested_name := coalesce(normalized ->> 'import_as', normalized ->> 'table');
  new.state := 'enqueued';
  new.table_name := null;
  new.rows_fetched := 0;
  new.rows_imported := null;
  new.columns_imported := null;
  new.warnings := '[]';
  new.error_code := null;
  new.error_message := null;
  new.attempt := 0;
  new.worker_id := null;
  new.backend_pid := null;
  new.lease_expires_at := null;
  new.cancel_requested := false;
  new.run_after := now();
  new.created_at := now();
  new.started_at := null;
  new.finished_at := null;
  new.updated_at := now();
  return new;
end
$$;

drop trigger if exists jobs_before_insert on cdb_connectors.jobs;
create trigger jobs_before_insert before insert on cdb_connectors.jobs
  for each row execute function cdb_connectors.jobs_before_insert();

comment on function cdb_connectors.jobs_before_insert() is 'Trigger: validates and normalises a new job (SPEC §2), forces its bookkeeping columns and checks CREATE on the target schema.';
