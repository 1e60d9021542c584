-- Whole-database runs (SPEC §15, issue 20): one row per cdb_connector_import_database() call.
-- Users create rows through that function (or a direct INSERT: the BEFORE INSERT trigger in
-- sql/api/database-runs-insert-trigger.sql validates and forces the bookkeeping columns, as for
-- jobs) and may only UPDATE cancel_requested (cdb_connector_cancel_run). Everything else is
-- written by the sidecars (src/sidecar/database-runs.ts):
--   listing    — a sidecar lists the remote schema, applies include/exclude, reads the tables'
--                row estimates and structure, and enqueues one child job (jobs.run_id) or sync
--                per table, all in the transaction that moves the run to importing;
--   importing  — the children run like any import, at most `concurrency` at a time;
--   complete | failure | cancelled — set by the transaction that publishes the run (atomic: the
--                tables move from the staging schema into the target together, with their
--                structure) once no child is queued or running.
-- Users read the cdb_connectors.runs view (progress aggregated from the children).
-- Parameters: none. Locks: AccessExclusive on jobs and syncs while adding columns (migration only).
create table if not exists cdb_connectors.database_runs (
  id uuid primary key default gen_random_uuid(),
  owner name not null default current_user,
  provider text not null,
  -- the normalised `connector` object shared by every table (no table, password "***")
  params jsonb not null,
  -- include, exclude, structure, concurrency, atomic, tables (per-table keys), interval
  options jsonb not null,
  target_schema name not null,
  -- atomic runs: the owner's schema the tables load into, out of sight, until they are published
  staging_schema name,
  state text not null default 'listing'
    check (state in ('listing', 'importing', 'complete', 'failure', 'cancelled')),
  tables_total integer,
  -- remote table → rows estimated from the remote's statistics at listing (NULL: unknown)
  table_estimates jsonb not null default '{}',
  -- the remote structure read at listing (rows/structure.ts TableStructure[]), applied at publishing
  structure jsonb,
  warnings jsonb not null default '[]',
  error_code integer,
  error_message text,
  cancel_requested boolean not null default false,
  worker_id text,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now()
);
create index if not exists database_runs_active on cdb_connectors.database_runs (state) where state in ('listing', 'importing');
create index if not exists database_runs_owner on cdb_connectors.database_runs (owner, created_at desc);

-- The run's password (sealed like job_secrets), copied into each child's job or sync; INSERT-only for users.
create table if not exists cdb_connectors.run_secrets (
  run_id uuid primary key references cdb_connectors.database_runs (id) on delete cascade,
  password text not null
);

-- A child job of a run; the remote column names in the order of the local table's columns
-- (whole-database runs map the remote structure onto the local names with them).
alter table cdb_connectors.jobs add column if not exists run_id uuid references cdb_connectors.database_runs (id) on delete set null;
alter table cdb_connectors.jobs add column if not exists remote_columns text[];
create index if not exists jobs_run on cdb_connectors.jobs (run_id) where run_id is not null;
-- A sync made by a whole-database run with "interval" (grouped by the run, SPEC §15).
alter table cdb_connectors.syncs add column if not exists run_id uuid references cdb_connectors.database_runs (id) on delete set null;

insert into cdb_connectors.settings (name, value, description) values
  ('max_tables_per_run', '1000', 'Tables one cdb_connector_import_database run may take at most; a run whose include/exclude select more fails with error 1502.'),
  ('max_active_runs_per_role', '2', 'Whole-database runs of one role listing or importing at once at most; one more is refused (SQLSTATE 54000). A run''s tables are bounded by max_tables_per_run instead of max_queued_jobs_per_role.')
on conflict (name) do nothing;

comment on table cdb_connectors.database_runs is 'Whole-database runs (users read cdb_connectors.runs). Users may UPDATE cancel_requested only (cdb_connector_cancel_run).';
comment on table cdb_connectors.run_secrets is 'Passwords of whole-database runs: INSERT-only for users, read by the sidecars.';
