-- :api_schema.cdb_connector_cancel(item_queue_id uuid) → boolean: asks an import to stop.
-- The id may also be a synchronization's: then its active run is cancelled (false when none is
-- queued or running). The sync keeps its table and data and waits for its next interval (its
-- state becomes failure with error 1509 once the run has stopped: settle_sync_run).
-- true  — it was enqueued (now cancelled, error 1509) or importing (the sidecar aborts the remote
--         query and the COPY, drops the staging table and sets 'cancelled');
-- false — it had already finished (complete, failure, cancelled): nothing to stop.
-- An UPDATE of cancel_requested under RLS (members of cdb_connector_admin may cancel any job);
-- jobs_before_update does the rest. Unknown / another role's id → SQLSTATE P0002. Invoker rights.
-- Parameters: item_queue_id (NULL → NULL). Locks: the job's row (FOR UPDATE), briefly.
create or replace function :api_schema.cdb_connector_cancel(item_queue_id uuid)
returns boolean
language plpgsql
volatile strict
set search_path = pg_catalog, pg_temp
as $$
declare
  job_id uuid;
  job_state text;
  already_requested boolean;
begin
  select j.state, j.cancel_requested into job_state, already_requested
  from cdb_connectors.jobs as j
  where j.id = cdb_connector_cancel.item_queue_id
  for update;
  if not found then
    -- a synchronization's id: its active run, if any (the partial unique index allows one)
    select j.id, j.state, j.cancel_requested into job_id, job_state, already_requested
    from cdb_connectors.jobs as j
    where j.sync_id = cdb_connector_cancel.item_queue_id and j.state in ('enqueued', 'importing')
    for update;
    if not found and exists (select from cdb_connectors.syncs as s where s.id = cdb_connector_cancel.item_queue_id) then
      return false;
    end if;
  else
    job_id := item_queue_id;
  end if;
  if job_id is null then
    raise exception 'Import % not found', item_queue_id using errcode = 'P0002',
      hint = 'The id does not exist or the import belongs to another role.';
  end if;
  if job_state in ('complete', 'failure', 'cancelled') then
    return false;
  end if;
  if not already_requested then
    update cdb_connectors.jobs as j set cancel_requested = true where j.id = job_id;
  end if;
  return true;
end
$$;

comment on function :api_schema.cdb_connector_cancel(uuid) is 'Cancels an import: true if it was enqueued or importing (it stops, state cancelled, error 1509), false if it had already finished. A synchronization id cancels its active run (the sync keeps its data). Unknown or another role''s id → SQLSTATE P0002.';
revoke execute on function :api_schema.cdb_connector_cancel(uuid) from public;
grant execute on function :api_schema.cdb_connector_cancel(uuid) to cdb_connector_user;
