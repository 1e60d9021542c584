-- BEFORE UPDATE trigger on cdb_connectors.jobs: turns a user's cancel request into the right
-- state change, and keeps updated_at current on every update.
-- Users can only write cancel_requested (column privilege), sidecars write everything; the
-- trigger acts only on the transition cancel_requested false → true, so sidecar updates (claim,
-- heartbeat, progress, finish — which never raise the flag) pass through untouched:
--   enqueued  → cancelled at once, error 1509 'Cancelled by <role> before it started';
--   importing → state kept; NOTIFY {"op": "cancel"} on cdb_connectors_jobs, a hint without the
--               job's id (issue 16, attack 6: anyone may LISTEN and NOTIFY there): the sidecars
--               re-read which of their running jobs have cancel_requested, and the one running
--               this job aborts the remote query and the COPY and writes 'cancelled';
--   finished  → nothing to stop: the flag stays false.
-- A user (a role under RLS) cannot lower the flag again once raised. A job handed back to the
-- queue (importing → enqueued: sidecar shutdown, target outage) with the flag raised is cancelled
-- there and then: sidecars never claim flagged jobs, so it would otherwise wait forever.
-- The state tests use OLD and NEW both, so a sidecar that changes the state in the same UPDATE
-- (e.g. claims the job) is never overridden. Parameters: none. Locks: the UPDATE's row lock.
create or replace function cdb_connectors.jobs_before_update()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  -- clock_timestamp(): the sidecar marks a job complete inside its long load transaction, where now() is its start
  new.updated_at := clock_timestamp();
  if old.cancel_requested and not new.cancel_requested and row_security_active('cdb_connectors.jobs'::regclass) then
    new.cancel_requested := true;
  end if;
  if new.cancel_requested and not old.cancel_requested then
    if old.state = 'enqueued' and new.state = 'enqueued' then
      new.state := 'cancelled';
      new.error_code := 1509;
      new.error_message := format('Cancelled by %s before it started', current_user);
      new.finished_at := now();
    elsif old.state = 'importing' and new.state = 'importing' then
      perform pg_catalog.pg_notify('cdb_connectors_jobs', '{"op": "cancel"}');
    elsif old.state in ('complete', 'failure', 'cancelled') then
      new.cancel_requested := false;
    end if;
  end if;
  if new.cancel_requested and new.state = 'enqueued' and old.state <> 'enqueued' then
    new.state := 'cancelled';
    new.error_code := 1509;
    new.error_message := 'Cancelled on request before it finished';
    new.finished_at := now();
  end if;
  return new;
end
$$;

drop trigger if exists jobs_before_update on cdb_connectors.jobs;
create trigger jobs_before_update before update on cdb_connectors.jobs
  for each row execute function cdb_connectors.jobs_before_update();

comment on function cdb_connectors.jobs_before_update() is 'Trigger: applies cancel requests (enqueued → cancelled, importing → NOTIFY cancel hint) and maintains updated_at.';
