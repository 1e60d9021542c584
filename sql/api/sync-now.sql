-- :api_schema.cdb_connector_sync_now(sync_id uuid) → jsonb: runs a sync as soon as a sidecar
-- can (CARTO's PUT /synchronizations/:id/sync_now), also a paused one; returns the
-- synchronization object — with state "queued" when this call queued a run (the sidecars'
-- scheduler marks the row queued moments later; the previous run's "success" would read as
-- "already done"). An UPDATE of sync_now_requested_at under RLS; syncs_before_update sets
-- run_at = now() and NOTIFYs the sidecars, whose schedulers enqueue the run within milliseconds.
-- Coalesced, never stacked (issue 16, attack 9):
--   * during a run (created/queued/syncing) it changes nothing and returns the object, whose
--     last_import_id / data_import.item_queue_id is the run in flight: that run is the fresh copy;
--   * on a sync already due (a request not yet picked up) it queues nothing more;
--   * otherwise, for roles under RLS, syncs_before_update_limits refuses it with SQLSTATE 54000
--     (HTTP 403) less than min_sync_now_interval seconds after the sync's last run ended (or was
--     queued, started or asked for), saying when the next one is allowed; and when the role
--     already has max_queued_jobs_per_role jobs not finished (54000 too).
-- Unknown / another role's id → P0002 (members of cdb_connector_admin may run any sync).
-- Invoker rights.
-- Parameters: sync_id. Locks: the sync's row, briefly.
create or replace function :api_schema.cdb_connector_sync_now(sync_id uuid)
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  in_flight boolean;
  already_due boolean;
  obj jsonb;
begin
  -- already due = what syncs_before_update_limits coalesces: a request the scheduler has not
  -- picked up yet; this call then queues nothing and the object is returned as it is
  select s.state in ('created', 'queued', 'syncing'),
         s.run_at <= now() and (not s.paused or s.sync_now_requested_at >= s.run_at)
    into in_flight, already_due
    from cdb_connectors.syncs as s where s.id = cdb_connector_sync_now.sync_id;
  if not found then
    perform cdb_connectors.raise_not_found('Synchronization', sync_id);
  end if;
  -- a run in flight is returned as it is: no row update, no NOTIFY, however often this is called
  if not in_flight then
    update cdb_connectors.syncs as s set sync_now_requested_at = now() where s.id = cdb_connector_sync_now.sync_id;
    if not found then
      perform cdb_connectors.raise_not_found('Synchronization', sync_id);
    end if;
  end if;
  obj := cdb_connectors.sync_object(sync_id);
  if not in_flight and not coalesce(already_due, false) then
    obj := obj || jsonb_build_object('state', 'queued');
  end if;
  return obj;
end
$$;

comment on function :api_schema.cdb_connector_sync_now(uuid) is 'Runs a sync table now (also a paused one) and returns its synchronization object, with state queued when this call queued the run; during a run it returns that run. At most once per min_sync_now_interval seconds after a run (SQLSTATE 54000 with the time the next one is allowed). Unknown or another role''s id → SQLSTATE P0002.';
revoke execute on function :api_schema.cdb_connector_sync_now(uuid) from public;
grant execute on function :api_schema.cdb_connector_sync_now(uuid) to cdb_connector_user;
