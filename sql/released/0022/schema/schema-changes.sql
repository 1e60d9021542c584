-- Schema changes of sync tables (SPEC §14, issue 19 item 1): what a run does when the remote
-- columns changed is the sync's "on_schema_change" (evolve, fail, pause; in params), and every
-- change a run detects is a row of cdb_connectors.schema_changes:
--   syncs.remote_columns     the remote's columns as the last successful run staged them
--                            ([{"name", "type"}], local names, format_type spellings): a column
--                            only the table has was dropped remotely when it is listed here, and
--                            added by the table's owner when it is not (src/load/column-changes.ts);
--   syncs.resume_requested_at written by cdb_connector_schema_change_approve / _reject (an UPDATE
--                            under RLS): syncs_before_update resumes a paused sync once none of
--                            its changes is pending;
--   syncs.state 'paused'     a run stopped for a change that waits for a decision; the scheduler
--                            never runs it, cdb_connector_sync_now refuses it, saying why.
-- schema_changes rows: kind add / drop / widen (a type change PostgreSQL applies in place keeping
-- every value, src/load/type-widening.ts) / retype (any other); old_type is the table's, new_type
-- the remote's (NULL for add / drop respectively); action applied (by the policy, or a rebuild),
-- failed (policy fail), pending (waits for a decision; reason says why), approved / rejected
-- (decided_by, decided_at; an approved change gets applied_at once a run applied it). The sidecars
-- insert them; users read their own (RLS) and decide with the two functions.
-- Re-applicable: IF NOT EXISTS, DROP … IF EXISTS / ADD for the state check.
-- Parameters: none. Locks: AccessExclusive on syncs while altering (migration only).
alter table cdb_connectors.syncs
  add column if not exists remote_columns jsonb,
  add column if not exists resume_requested_at timestamptz;

alter table cdb_connectors.syncs drop constraint if exists syncs_state_check;
alter table cdb_connectors.syncs add constraint syncs_state_check
  check (state in ('created', 'queued', 'syncing', 'success', 'failure', 'paused'));

create table if not exists cdb_connectors.schema_changes (
  id uuid primary key default gen_random_uuid(),
  sync_id uuid not null references cdb_connectors.syncs (id) on delete cascade,
  -- the sync's owner, for the row-level security policies
  owner name not null,
  -- the run that detected it
  job_id uuid,
  detected_at timestamptz not null default now(),
  kind text not null check (kind in ('add', 'drop', 'widen', 'retype')),
  column_name text not null,
  old_type text,
  new_type text,
  action text not null check (action in ('applied', 'failed', 'pending', 'approved', 'rejected')),
  reason text,
  decided_by name,
  decided_at timestamptz,
  applied_at timestamptz,
  check ((kind = 'add') = (old_type is null) and (kind = 'drop') = (new_type is null))
);

-- A run reads its sync's latest row per change; approve/reject and sync_now look for pending ones.
create index if not exists schema_changes_sync on cdb_connectors.schema_changes (sync_id, detected_at);
create index if not exists schema_changes_pending on cdb_connectors.schema_changes (sync_id) where action = 'pending';
create index if not exists schema_changes_owner on cdb_connectors.schema_changes (owner);

comment on table cdb_connectors.schema_changes is 'Every remote column change a sync run detected (on_schema_change): kind add/drop/widen/retype, the action taken (applied, failed, pending, approved, rejected) and who decided. Each role sees its own; decide with cdb_connector_schema_change_approve(id) / _reject(id).';
comment on column cdb_connectors.schema_changes.old_type is 'The synced table''s type of the column (NULL for add).';
comment on column cdb_connectors.schema_changes.new_type is 'The remote''s type, mapped to PostgreSQL (NULL for drop).';
comment on column cdb_connectors.schema_changes.action is 'applied (by on_schema_change evolve, or a rebuild), failed (on_schema_change fail), pending (waits for a decision; the sync is paused), approved, rejected.';
comment on column cdb_connectors.schema_changes.reason is 'Why the change was not applied on its own (the policy, not a widening, the error PostgreSQL gave), or how it was applied.';
comment on column cdb_connectors.schema_changes.decided_by is 'The role that approved or rejected it (NULL: the sync''s policy decided).';
comment on column cdb_connectors.schema_changes.applied_at is 'When a run applied it to the table (approved changes: the run after the approval).';
comment on column cdb_connectors.syncs.remote_columns is 'The remote''s columns as the last successful run staged them ([{"name", "type"}]): tells a column the remote dropped from one the owner added.';

-- The override keeps its meaning; its description now says what it overrides.
update cdb_connectors.settings
   set description = 'When the remote columns of a replace sync table changed so that a run would pause or fail (on_schema_change, a retype, a view blocking ALTER TYPE): false = keep the table and pause or fail with 2013; true = drop it (CASCADE: dependent views go too) and recreate it.'
 where name = 'sync_rebuild_on_schema_change';
