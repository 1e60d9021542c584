-- BEFORE UPDATE OF sync_now_requested_at, interval_seconds trigger on cdb_connectors.syncs: the
-- min_sync_now_interval limit (issue 16, attack 9: cdb_connector_sync_now in a loop refreshed a
-- big table back to back, around min_interval). Fires after syncs_before_update (triggers of one
-- event fire in name order), so NEW already holds that trigger's run_at and request time. Only
-- for roles under row-level security (users, cdb_connector_admin members); the table owner and
-- superusers (DBAs, the sidecars) are not limited. A sync's "last activity" is the latest of its
-- last run's queueing, start and end (jobs.created_at, started_at, finished_at), its ran_at and
-- its last sync_now request; min_sync_now_interval (0 = off) is counted from there.
--   A sync_now request (sync_now_requested_at written):
--     * a run in flight (created/queued/syncing): nothing to check — no run is queued, the run in
--       flight is the fresh copy (cdb_connector_sync_now returns it without even updating);
--     * already due and not yet picked up by a scheduler (run_at passed; for a paused sync, a
--       request already pending): nothing to check — the scheduler enqueues that one run;
--     * otherwise it would queue a run: refused with SQLSTATE 54000 (program_limit_exceeded, HTTP
--       403) before last activity + min_sync_now_interval, the message saying when the next one
--       is allowed; then max_queued_jobs_per_role applies (check_queued_jobs_limit, 54000).
--   An interval change that would make an idle sync due at once (syncs_before_update reschedules
--   it at coalesce(ran_at, created_at) + interval, in the past for a sync whose runs kept
--   failing) is not refused: its run_at is moved to last activity + min_sync_now_interval, so
--   re-setting the interval is no loop around the limit either.
-- Parameters: none. Locks: the UPDATE's row lock; see check_queued_jobs_limit.
create or replace function cdb_connectors.syncs_before_update_limits()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  requested constant boolean := new.sync_now_requested_at is distinct from old.sync_now_requested_at;
  min_seconds integer;
  last_at timestamptz;
  next_at timestamptz;
begin
  if old.state in ('created', 'queued', 'syncing') or not row_security_active('cdb_connectors.syncs'::regclass) then
    return new;
  end if;
  if requested then
    if old.run_at <= now() and (not old.paused or old.sync_now_requested_at >= old.run_at) then
      return new;
    end if;
  elsif not (new.run_at <= now() and old.run_at > now()) then
    return new;
  end if;

  select (s.value #>> '{}')::integer into min_seconds
    from cdb_connectors.settings as s
   where s.name = 'min_sync_now_interval' and jsonb_typeof(s.value) = 'number';
  if coalesce(min_seconds, 0) > 0 then
    select greatest(j.created_at, j.started_at, j.finished_at) into last_at
      from cdb_connectors.jobs as j where j.id = old.last_import_id;
    last_at := greatest(last_at, old.ran_at, old.sync_now_requested_at);
    next_at := last_at + make_interval(secs => min_seconds);
    if next_at > now() then
      if not requested then
        new.run_at := next_at;
        return new;
      end if;
      raise exception using errcode = '54000',
        message = format('Synchronization %s ran or was asked to run less than %s seconds ago: the next sync_now is allowed at %s (in %s s)',
          new.id, min_seconds, to_char(next_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
          ceil(extract(epoch from next_at - now()))::integer),
        hint = format('The min_sync_now_interval setting (%s seconds) spaces the on-demand runs of a sync, counted from the end of its last run. '
          'Scheduled runs are not affected; a sync_now during a run returns that run.', min_seconds);
    end if;
  end if;
  if requested then
    perform cdb_connectors.check_queued_jobs_limit(old.owner);
  end if;
  return new;
end
$$;

drop trigger if exists syncs_before_update_limits on cdb_connectors.syncs;
create trigger syncs_before_update_limits before update of sync_now_requested_at, interval_seconds on cdb_connectors.syncs
  for each row execute function cdb_connectors.syncs_before_update_limits();

comment on function cdb_connectors.syncs_before_update_limits() is 'Trigger: min_sync_now_interval and max_queued_jobs_per_role for sync-now requests; an interval change cannot make a sync due before min_sync_now_interval either.';
revoke execute on function cdb_connectors.syncs_before_update_limits() from public;
grant execute on function cdb_connectors.syncs_before_update_limits() to cdb_connector_user;
