-- BEFORE UPDATE trigger on cdb_connectors.syncs: turns the four columns users may write into
-- the right bookkeeping, and keeps updated_at current. Sidecar updates (state, run_at, checksum…)
-- never touch those columns and pass through untouched.
--   interval_seconds — validated like the interval parameter (min_interval floor, 22023 with
--       DETAIL error_code 1502); a sync that is not running is rescheduled at
--       coalesce(ran_at, created_at) + the new interval (a run in flight sets run_at when it ends).
--   sync_now_requested_at — forced to now() whatever the value written; a sync that is not
--       running becomes due at once (run_at = now(), also when paused: the scheduler runs a
--       paused sync when sync_now_requested_at >= run_at), and NOTIFY {"op": "sync_now"} on
--       cdb_connectors_jobs (a hint without the sync's id, issue 16 attack 6) makes the sidecars'
--       schedulers tick now. During a run it changes nothing else: the run in flight is the
--       fresh copy asked for.
--   reset_requested_at — forced to now(); clears the incremental mark (SPEC §13), so the next
--       run re-reads the whole remote table and merges it. A run in flight that read with the
--       old mark does not store its own (src/sidecar/sync-store.ts compares reset_requested_at).
--   paused — any boolean; the scheduler skips paused syncs. Resuming a sync whose run_at passed
--       runs it at the next tick.
--   resume_requested_at — forced to now(); written by cdb_connector_schema_change_approve /
--       _reject (SPEC §14). A sync in state paused (a run stopped for a schema change) whose
--       changes are no longer pending goes back to failure (its last run did stop), due at once,
--       and the sidecars are woken as for sync_now (no min_sync_now_interval: the decision, not
--       a loop, asks for this one run). With changes still pending, or in any other state, it
--       changes nothing else.
-- Parameters: none. Locks: the UPDATE's row lock.
create or replace function cdb_connectors.syncs_before_update()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  problem text;
  running constant boolean := old.state in ('created', 'queued', 'syncing');
begin
  new.updated_at := now();
  if new.interval_seconds is distinct from old.interval_seconds then
    problem := case when new.interval_seconds is null then 'The interval parameter must be a whole number of seconds'
                    else cdb_connectors.interval_problem(to_jsonb(new.interval_seconds)) end;
    if problem is not null then
      raise exception using errcode = '22023', detail = 'error_code 1502', message = problem;
    end if;
    if not running then
      new.run_at := coalesce(new.ran_at, new.created_at) + make_interval(secs => new.interval_seconds);
    end if;
  end if;
  if new.sync_now_requested_at is distinct from old.sync_now_requested_at then
    new.sync_now_requested_at := now();
    if not running then
      new.run_at := now();
    end if;
    perform pg_catalog.pg_notify('cdb_connectors_jobs', '{"op": "sync_now"}');
  end if;
  if new.reset_requested_at is distinct from old.reset_requested_at then
    -- cdb_connector_sync_reset: the next run re-reads everything and merges it (SPEC §13)
    new.reset_requested_at := now();
    new.mark := null;
    new.rows_at_mark := null;
    new.mark_updated_at := now();
  end if;
  if new.resume_requested_at is distinct from old.resume_requested_at then
    new.resume_requested_at := now();
    if old.state = 'paused' and not exists (
         select from cdb_connectors.schema_changes as c where c.sync_id = old.id and c.action = 'pending') then
      new.state := 'failure';
      new.run_at := now();
      perform pg_catalog.pg_notify('cdb_connectors_jobs', '{"op": "sync_now"}');
    end if;
  end if;
  if new.paused is null then
    new.paused := old.paused;
  end if;
  return new;
end
$$;

drop trigger if exists syncs_before_update on cdb_connectors.syncs;
create trigger syncs_before_update before update on cdb_connectors.syncs
  for each row execute function cdb_connectors.syncs_before_update();

comment on function cdb_connectors.syncs_before_update() is 'Trigger: validates interval changes and reschedules, applies sync-now requests (run at once + NOTIFY) and schema-change resumes, maintains updated_at.';
