-- BEFORE DELETE trigger on cdb_connectors.syncs (unsync: cdb_connector_unsync() or a DELETE on
-- cdb_connectors.synchronizations): asks the sync's active run to stop, as the deleting role
-- (an UPDATE of jobs.cancel_requested under RLS, so jobs_before_update cancels a queued run at
-- once and NOTIFYs the sidecar running it). The synced table is never touched: it stays, with
-- its last data, as an ordinary table of its owner. The runs stay in cdb_connectors.imports with
-- sync_id NULL (foreign key ON DELETE SET NULL); the password goes with the sync (CASCADE).
-- Parameters: none. Locks: row locks on the sync's active job.
create or replace function cdb_connectors.syncs_before_delete()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  update cdb_connectors.jobs as j set cancel_requested = true
   where j.sync_id = old.id and j.state in ('enqueued', 'importing') and not j.cancel_requested;
  return old;
end
$$;

drop trigger if exists syncs_before_delete on cdb_connectors.syncs;
create trigger syncs_before_delete before delete on cdb_connectors.syncs
  for each row execute function cdb_connectors.syncs_before_delete();

comment on function cdb_connectors.syncs_before_delete() is 'Trigger: unsync cancels the sync''s active run; the table is kept.';
