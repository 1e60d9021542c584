-- :api_schema.cdb_connector_cancel_run(run_id uuid) → boolean: stops a whole-database run.
-- true  — it was listing or importing: its queued tables are cancelled at once, its running ones
--         are stopped by their sidecars (as cdb_connector_cancel), and once none runs the run
--         ends cancelled (an atomic run publishes nothing and drops its staging schema; a
--         non-atomic one keeps the tables that had completed); the sync tables of a run with
--         "interval" are paused (cdb_connectors.syncs.paused), so nothing of it refreshes later;
--         resume one by setting paused back to false.
-- false — it had already finished.
-- Updates under RLS (members of cdb_connector_admin may cancel any run). Unknown / another
-- role's id → SQLSTATE P0002. Invoker rights.
-- Parameters: run_id (NULL → NULL). Locks: the run's row (FOR UPDATE; waits for a listing to
-- end, so the children it enqueued are cancelled too), then the children's rows.
create or replace function :api_schema.cdb_connector_cancel_run(run_id uuid)
returns boolean
language plpgsql
volatile strict
set search_path = pg_catalog, pg_temp
as $$
declare
  run_state text;
begin
  select r.state into run_state from cdb_connectors.database_runs as r where r.id = cdb_connector_cancel_run.run_id for update;
  if not found then
    perform cdb_connectors.raise_not_found('Run', run_id);
  end if;
  if run_state not in ('listing', 'importing') then
    return false;
  end if;
  update cdb_connectors.database_runs as r set cancel_requested = true where r.id = cdb_connector_cancel_run.run_id;
  update cdb_connectors.jobs as j set cancel_requested = true
   where j.run_id = cdb_connector_cancel_run.run_id and j.state in ('enqueued', 'importing') and not j.cancel_requested;
  update cdb_connectors.syncs as s set paused = true
   where s.run_id = cdb_connector_cancel_run.run_id and not s.paused;
  return true;
end
$$;

comment on function :api_schema.cdb_connector_cancel_run(uuid) is 'Cancels a whole-database run: true if it was listing or importing (its tables stop; an atomic run publishes nothing), false if it had finished. Unknown or another role''s id → SQLSTATE P0002.';
revoke execute on function :api_schema.cdb_connector_cancel_run(uuid) from public;
grant execute on function :api_schema.cdb_connector_cancel_run(uuid) to cdb_connector_user;
