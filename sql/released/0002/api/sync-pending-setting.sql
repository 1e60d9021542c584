-- cdb_connectors.pending_sync_setting(job_id uuid) → text: name of the transaction-local setting
-- that marks a job about to be inserted as a run of a synchronization (value: the sync id).
-- Users cannot name jobs.sync_id in an INSERT (no column privilege), so the sync's AFTER INSERT
-- trigger and the scheduler (both acting as the sync's owner) set this, and jobs_before_insert
-- reads it, blanks it and checks that the sync belongs to the job's owner and has the job's
-- parameters. A user who sets it by hand can only start a run of their own sync.
-- Parameters: job_id. Locks: none.
create or replace function cdb_connectors.pending_sync_setting(job_id uuid)
returns text
language sql immutable strict parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select 'cdb_connectors.pending_sync_' || replace(job_id::text, '-', '')
$$;

comment on function cdb_connectors.pending_sync_setting(uuid) is 'Internal: name of the transaction-local setting marking a new job as a run of a synchronization.';
