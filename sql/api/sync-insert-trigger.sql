-- Triggers on INSERT into cdb_connectors.syncs: a direct INSERT is exactly as safe as
-- cdb_connector_sync(). Not security definer: current_user is the caller (postgres-facts.md).
-- BEFORE (syncs_before_insert):
--   * NEW.params on input is the whole request ({"connector": {…}, "interval": n}); it is
--     validated by normalize_params (22023) and replaced by the normalised connector object with
--     the password shown as "***"; a missing interval is an error here.
--   * max_queued_jobs_per_role, for roles under RLS (the first run is a job the role queues):
--     SQLSTATE 54000 when the owner already has that many jobs not finished
--     (check_queued_jobs_limit, whose advisory lock is taken before the one below).
--   * max_syncs_per_role (default 100; NULL = unlimited): SQLSTATE 54000 when the owner has that
--     many already. Counted under a per-owner advisory lock so concurrent creations cannot
--     overshoot it.
--   * Bookkeeping columns are forced: state 'created', run_at now(), no table, no error, the id of
--     the first run in last_import_id. owner is current_user for roles under RLS.
-- AFTER (syncs_after_insert): stores the password in sync_secrets and enqueues the first run: a
--   job INSERT as the caller, marked as this sync's run (pending_sync_setting), so the jobs
--   triggers validate it again, check CREATE on the target schema (42501) and store its secret.
-- Locks: advisory xact locks (namespaces 'CDBQ' of check_queued_jobs_limit, then SYNC_LIMIT_LOCK;
-- owner) when the limits are set.
create or replace function cdb_connectors.syncs_before_insert()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  -- advisory-lock namespace for "count this owner's syncs" ('CDB3')
  sync_limit_lock constant integer := 1128546867;
  normalized jsonb;
  req jsonb;
  max_syncs jsonb;
  owned integer;
begin
  normalized := cdb_connectors.normalize_params(new.params);
  req := cdb_connectors.lower_keys(new.params);
  if not req ? 'interval' then
    raise exception using errcode = '22023', detail = 'error_code 1502',
      message = 'Missing required parameters interval',
      hint = 'A sync table needs "interval": the seconds between refreshes (at least the min_interval setting).';
  end if;
  if new.id is null then new.id := gen_random_uuid(); end if;
  if new.owner is null or row_security_active('cdb_connectors.syncs'::regclass) then
    new.owner := current_user;
  end if;

  if row_security_active('cdb_connectors.syncs'::regclass) then
    perform cdb_connectors.check_queued_jobs_limit(new.owner);
  end if;
  select s.value into max_syncs from cdb_connectors.settings as s where s.name = 'max_syncs_per_role';
  if jsonb_typeof(max_syncs) = 'number' then
    perform pg_advisory_xact_lock(sync_limit_lock, hashtext(new.owner));
    select count(*) into owned from cdb_connectors.syncs as s where s.owner = new.owner;
    if owned >= (max_syncs #>> '{}')::integer then
      raise exception using errcode = '54000',
        message = format('Role %s already has %s sync table(s); the max_syncs_per_role setting allows %s', new.owner, owned, max_syncs #>> '{}'),
        hint = 'Unsync one with cdb_connector_unsync(id), or ask an administrator to raise max_syncs_per_role.';
    end if;
  end if;

  normalized := cdb_connectors.stash_pending_secret(new.id, normalized);

  new.params := normalized;
  new.provider := normalized ->> 'provider';
  new.requested_name := coalesce(normalized ->> 'import_as', normalized ->> 'table');
  new.interval_seconds := (req ->> 'interval')::numeric::integer;
  new.paused := false;
  new.state := 'created';
  new.table_name := null;
  new.table_oid := null;
  new.run_at := now();
  new.ran_at := null;
  new.modified_at := null;
  new.checksum := null;
  new.error_code := null;
  new.error_message := null;
  new.retried_times := 0;
  new.last_import_id := gen_random_uuid();
  new.sync_now_requested_at := null;
  new.created_at := now();
  new.updated_at := now();
  return new;
end
$$;

create or replace function cdb_connectors.syncs_after_insert()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  secret text := cdb_connectors.take_pending_secret(new.id);
  request jsonb := jsonb_build_object('connector', new.params);
begin
  if secret is not null then
    insert into cdb_connectors.sync_secrets (sync_id, password) values (new.id, cdb_connectors.seal_secret(secret));
    request := jsonb_set(request, '{connector,connection,password}', to_jsonb(secret));
  end if;
  perform set_config(cdb_connectors.pending_sync_setting(new.last_import_id), new.id::text, true);
  insert into cdb_connectors.jobs (id, params, target_schema) values (new.last_import_id, request, new.target_schema);
  return null;
end
$$;

drop trigger if exists syncs_before_insert on cdb_connectors.syncs;
create trigger syncs_before_insert before insert on cdb_connectors.syncs
  for each row execute function cdb_connectors.syncs_before_insert();
drop trigger if exists syncs_after_insert on cdb_connectors.syncs;
create trigger syncs_after_insert after insert on cdb_connectors.syncs
  for each row execute function cdb_connectors.syncs_after_insert();

comment on function cdb_connectors.syncs_before_insert() is 'Trigger: validates a new sync (docs/sql-api.md, docs/sync-tables.md), enforces max_queued_jobs_per_role and max_syncs_per_role and forces its bookkeeping columns.';
comment on function cdb_connectors.syncs_after_insert() is 'Trigger: stores a new sync''s password in sync_secrets and enqueues its first run.';
