-- :api_schema.cdb_connector_sync_now(sync_id uuid) → jsonb: runs a sync as soon as a sidecar
-- can (CARTO's PUT /synchronizations/:id/sync_now), also a paused one; returns the
-- synchronization object. An UPDATE of sync_now_requested_at under RLS; syncs_before_update sets
-- run_at = now() and NOTIFYs the sidecars, whose schedulers enqueue the run within milliseconds.
-- During a run it changes nothing: that run is the fresh copy. Unknown / another role's id →
-- P0002 (members of cdb_connector_admin may run any sync). Invoker rights.
-- Parameters: sync_id. Locks: the sync's row, briefly.
create or replace function :api_schema.cdb_connector_sync_now(sync_id uuid)
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  update cdb_connectors.syncs as s set sync_now_requested_at = now() where s.id = cdb_connector_sync_now.sync_id;
  if not found then
    raise exception 'Synchronization % not found', coalesce(sync_id::text, 'NULL') using errcode = 'P0002',
      hint = 'The id does not exist or the synchronization belongs to another role.';
  end if;
  return cdb_connectors.sync_object(sync_id);
end
$$;

comment on function :api_schema.cdb_connector_sync_now(uuid) is 'Runs a sync table now (also a paused one) and returns its synchronization object. Unknown or another role''s id → SQLSTATE P0002.';
revoke execute on function :api_schema.cdb_connector_sync_now(uuid) from public;
grant execute on function :api_schema.cdb_connector_sync_now(uuid) to cdb_connector_user;
