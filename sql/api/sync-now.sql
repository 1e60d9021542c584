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
-- A sync paused by a schema change (state paused, SPEC §14) is not run: 22023 (DETAIL error_code
-- 2013, HTTP 400) naming its pending changes and how to approve or reject them.
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
  sync_state text;
  pending text;
  obj jsonb;
begin
  -- already due = what syncs_before_update_limits coalesces: a request the scheduler has not
  -- picked up yet; this call then queues nothing and the object is returned as it is
  select s.state in ('created', 'queued', 'syncing'),
         s.run_at <= now() and (not s.paused or s.sync_now_requested_at >= s.run_at),
         s.state
    into in_flight, already_due, sync_state
    from cdb_connectors.syncs as s where s.id = cdb_connector_sync_now.sync_id;
  if not found then
    perform cdb_connectors.raise_not_found('Synchronization', sync_id);
  end if;
  if sync_state = 'paused' then
    select string_agg(format('%s %s %s', c.kind, c.column_name, coalesce(c.new_type, c.old_type)), '; ' order by c.detected_at, c.column_name)
      into pending
      from cdb_connectors.schema_changes as c where c.sync_id = cdb_connector_sync_now.sync_id and c.action = 'pending';
    raise exception using errcode = '22023', detail = 'error_code 2013',
      message = format('Synchronization %s is paused: its remote columns changed (%s) and each change waits for a decision', sync_id, coalesce(pending, 'no pending change left')),
      hint = format('SELECT id, kind, column_name, old_type, new_type, reason FROM cdb_connectors.schema_changes WHERE sync_id = %L AND action = ''pending''; '
        'then cdb_connector_schema_change_approve(id) or cdb_connector_schema_change_reject(id): the sync runs again when none is left.', sync_id);
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

comment on function :api_schema.cdb_connector_sync_now(uuid) is 'Runs a sync table now (also one paused with paused = true; not one in state paused, waiting for schema change decisions: 22023) and returns its synchronization object, with state queued when this call queued the run; during a run it returns that run. At most once per min_sync_now_interval seconds after a run (SQLSTATE 54000 with the time the next one is allowed). Unknown or another role''s id → SQLSTATE P0002.';
revoke execute on function :api_schema.cdb_connector_sync_now(uuid) from public;
grant execute on function :api_schema.cdb_connector_sync_now(uuid) to cdb_connector_user;
