-- Sync tables (SPEC §5, issue 5): one row per synchronization. Users create rows through
-- cdb_connector_sync() / cdb_connector_import() with "interval" (or a direct INSERT); the
-- BEFORE INSERT trigger (sql/api/sync-insert-trigger.sql) validates, forces the bookkeeping
-- columns and moves the password to sync_secrets; the AFTER INSERT trigger enqueues the first run.
-- Users may then only UPDATE interval_seconds, paused and sync_now_requested_at (checked by
-- sql/api/sync-update-trigger.sql) and DELETE (unsync). Everything else is written by the
-- sidecars: the scheduler (src/sidecar/scheduler.ts) enqueues due runs as jobs with sync_id, the
-- refresh (src/load/refresh-table.ts) records success in the transaction that switches the data,
-- and settle_sync_run() records failures and schedules retries.
-- State machine: created (first run queued) | queued → syncing → success | failure. A sync in
-- created/queued/syncing has a run in flight; only success/failure syncs are due (run_at).
-- Parameters: none. Locks: AccessExclusive on jobs while adding the foreign key (migration only).
create table cdb_connectors.syncs (
  id uuid primary key default gen_random_uuid(),
  owner name not null default current_user,
  provider text not null,
  -- the normalised `connector` object (as in jobs.params), password replaced by "***"
  params jsonb not null,
  -- local table name asked for (import_as or table), before identifier rules
  requested_name text not null,
  target_schema name not null,
  interval_seconds integer not null check (interval_seconds > 0),
  -- a paused sync is never run by the scheduler, except on an explicit cdb_connector_sync_now()
  paused boolean not null default false,
  state text not null default 'created'
    check (state in ('created', 'queued', 'syncing', 'success', 'failure')),
  -- the synced table as last recorded; its OID is its identity (the user may rename or move it)
  table_name text,
  table_oid oid,
  run_at timestamptz not null default now(),
  ran_at timestamptz,
  modified_at timestamptz,
  checksum text,
  error_code integer,
  error_message text,
  retried_times integer not null default 0,
  last_import_id uuid,
  sync_now_requested_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- The scheduler's scan: due syncs are finished ones (success/failure) whose run_at has passed.
create index syncs_due on cdb_connectors.syncs (run_at) where state in ('success', 'failure');
-- The scheduler's reconcile scan and max_syncs_per_role's count.
create index syncs_in_flight on cdb_connectors.syncs (state) where state in ('created', 'queued', 'syncing');
create index syncs_owner on cdb_connectors.syncs (owner);

-- Passwords of syncs, apart so that users can INSERT them but never SELECT them back (like
-- job_secrets). The scheduler copies the password into each run's job (and so job_secrets).
create table cdb_connectors.sync_secrets (
  sync_id uuid primary key references cdb_connectors.syncs (id) on delete cascade,
  password text not null
);

-- A run is a job with sync_id; unsync (DELETE) keeps the runs' history without the link.
alter table cdb_connectors.jobs
  add constraint jobs_sync_id_fkey foreign key (sync_id) references cdb_connectors.syncs (id) on delete set null;

-- One active run per sync, enforced by the database: however many sidecars schedule, a second
-- enqueued/importing job of the same sync is a unique violation.
create unique index jobs_one_active_run on cdb_connectors.jobs (sync_id)
  where sync_id is not null and state in ('enqueued', 'importing');

comment on table cdb_connectors.syncs is 'Sync tables (users read cdb_connectors.synchronizations). Users may UPDATE interval_seconds, paused, sync_now_requested_at and DELETE (unsync).';
comment on table cdb_connectors.sync_secrets is 'Passwords of sync tables: INSERT-only for users, read by the sidecars.';
