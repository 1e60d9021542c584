-- :api_schema.cdb_connector_set_interval(sync_id uuid, seconds integer) → jsonb: changes how
-- often a sync runs; returns the synchronization object. `seconds` is validated like the
-- interval parameter (at least min_interval: 22023, DETAIL error_code 1502). A sync that is not
-- running is rescheduled at coalesce(ran_at, created_at) + seconds (at once if that has passed);
-- a run in flight schedules the next one with the new interval when it ends. An UPDATE of
-- interval_seconds under RLS, checked by syncs_before_update. Unknown / another role's id →
-- P0002. Invoker rights.
-- Parameters: sync_id; seconds. Locks: the sync's row, briefly.
create or replace function :api_schema.cdb_connector_set_interval(sync_id uuid, seconds integer)
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  update cdb_connectors.syncs as s set interval_seconds = seconds where s.id = cdb_connector_set_interval.sync_id;
  if not found then
    perform cdb_connectors.raise_not_found('Synchronization', sync_id);
  end if;
  return cdb_connectors.sync_object(sync_id);
end
$$;

comment on function :api_schema.cdb_connector_set_interval(uuid, integer) is 'Changes the interval of a sync table (seconds, at least min_interval) and reschedules it; returns its synchronization object. Unknown or another role''s id → SQLSTATE P0002.';
revoke execute on function :api_schema.cdb_connector_set_interval(uuid, integer) from public;
grant execute on function :api_schema.cdb_connector_set_interval(uuid, integer) to cdb_connector_user;
