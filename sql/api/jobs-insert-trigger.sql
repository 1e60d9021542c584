-- BEFORE INSERT trigger on cdb_connectors.jobs: makes a direct INSERT exactly as safe as
-- cdb_connector_import(). Deliberately NOT security definer: current_user is the caller, so the
-- owner and the CREATE check are the caller's (shared/notes/postgres-facts.md).
--   * NEW.params on input is the whole request as given ({"connector": {…}, "interval": …});
--     it is replaced by the normalised connector object with the password shown as "***".
--   * NEW.provider, NEW.requested_name (import_as, else table) are derived from it.
--   * Bookkeeping columns are forced (state 'enqueued', counters 0, no error, no lease, …), so a
--     user cannot enqueue a job in another state. owner is forced to current_user for roles under
--     RLS; privileged inserters (table owner, superuser) may set owner, sync_id and run_id (the
--     sidecar enqueues the children of a whole-database run so: sql/schema/database-runs.sql).
--   * A run of a sync table: sync_id comes from pending_sync_setting (set by syncs_after_insert
--     and the scheduler, both acting as the owner) or from a privileged inserter; the sync must
--     belong to the job's owner and have exactly the job's parameters and target schema (22023).
--     For a role under RLS the sync must also be expecting this run (issue 16, attack 9): its
--     first run (state created, last_import_id = this id) or a due run (success/failure, run_at
--     passed, not paused unless sync_now asked) — what the scheduler enqueues. A run set up by
--     hand for an idle sync would otherwise refresh it at will, around min_interval and
--     min_sync_now_interval (22023 as well).
--     Any other job with "interval" is refused (22023), and so is a one-off import with a mode
--     other than replace or with on_schema_change (sync-only keys): a sync is created through
--     cdb_connector_sync / cdb_connector_import or an INSERT into cdb_connectors.syncs.
--   * max_queued_jobs_per_role (issue 16, attack 10): a one-off import by a role under RLS is
--     refused with SQLSTATE 54000 when the role already has that many jobs not finished
--     (check_queued_jobs_limit). Runs of sync tables are never refused by it (a new sync is
--     counted in syncs_before_insert instead).
--   * The owner must have CREATE on NEW.target_schema (SQLSTATE 42501 otherwise).
--   * The password is handed to jobs_after_insert (stash_pending_secret) for job_secrets.
-- Errors: 22023 (validation, see normalize_params), 3F000 (no/unknown schema), 42501, 54000.
-- Locks: none beyond the INSERT's own, but the advisory lock of check_queued_jobs_limit.
create or replace function cdb_connectors.jobs_before_insert()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  normalized jsonb;
  schema_oid oid;
  pending_sync text;
  sync_params jsonb;
  sync_schema name;
  sync_expects_run boolean;
  limited constant boolean := row_security_active('cdb_connectors.jobs'::regclass);
begin
  normalized := cdb_connectors.normalize_params(new.params);
  if new.id is null then new.id := gen_random_uuid(); end if;
  if new.owner is null or limited then
    new.owner := current_user;
    new.sync_id := null;
    new.run_id := null;
  end if;
  pending_sync := nullif(current_setting(cdb_connectors.pending_sync_setting(new.id), true), '');
  if pending_sync is not null then
    perform set_config(cdb_connectors.pending_sync_setting(new.id), '', true);
    new.sync_id := pending_sync::uuid;
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

  if new.sync_id is null and limited then
    perform cdb_connectors.check_queued_jobs_limit(new.owner);
  end if;

  normalized := cdb_connectors.stash_pending_secret(new.id, normalized);

  if new.sync_id is not null then
    select s.params, s.target_schema,
           (s.state = 'created' and s.last_import_id = new.id)
           or (s.state in ('success', 'failure') and s.run_at <= now() and (not s.paused or s.sync_now_requested_at >= s.run_at))
      into sync_params, sync_schema, sync_expects_run
    from cdb_connectors.syncs as s where s.id = new.sync_id and s.owner = new.owner;
    if sync_params is distinct from normalized or sync_schema is distinct from new.target_schema then
      raise exception 'Synchronization % of role % does not exist or has other parameters than this run', new.sync_id, new.owner
        using errcode = '22023', hint = 'Runs of a sync table are enqueued by the sidecars'' scheduler; use cdb_connector_sync_now(id).';
    end if;
    if limited and sync_expects_run is not true then
      raise exception 'Synchronization % is not due: its runs are enqueued by the sidecars'' scheduler', new.sync_id
        using errcode = '22023', hint = 'Use cdb_connector_sync_now(id) to run it now.';
    end if;
  elsif cdb_connectors.lower_keys(new.params) ? 'interval' then
    raise exception using errcode = '22023', detail = 'error_code 1502',
      message = 'The interval parameter makes a sync table: use cdb_connector_sync() or cdb_connector_import(), or INSERT INTO cdb_connectors.syncs',
      hint = 'Without "interval" this INSERT enqueues a one-off import.';
  elsif coalesce(normalized ->> 'mode', 'replace') <> 'replace' then
    raise exception using errcode = '22023', detail = 'error_code 1502',
      message = format('The mode parameter "%s" makes an incremental sync table and needs an interval parameter', normalized ->> 'mode'),
      hint = 'Add "interval": seconds (at least min_interval) to the request, or use cdb_connector_sync().';
  elsif normalized ? 'on_schema_change' then
    raise exception using errcode = '22023', detail = 'error_code 1502',
      message = 'The on_schema_change parameter applies to sync tables (what a refresh does when the remote columns changed) and needs an interval parameter',
      hint = 'Add "interval": seconds to make a sync table, or leave on_schema_change out of a one-off import.';
  end if;

  new.params := normalized;
  new.provider := normalized ->> 'provider';
  new.requested_name := coalesce(normalized ->> 'import_as', normalized ->> 'table');
  new.state := 'enqueued';
  new.table_name := null;
  new.rows_fetched := 0;
  new.rows_estimated := null;
  new.remote_columns := null;
  new.rows_imported := null;
  new.truncated := null;
  new.rows_inserted := null;
  new.rows_updated := null;
  new.rows_deleted := null;
  new.rows_unchanged := null;
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

comment on function cdb_connectors.jobs_before_insert() is 'Trigger: validates and normalises a new job (docs/sql-api.md, Validation), forces its bookkeeping columns and checks CREATE on the target schema.';
