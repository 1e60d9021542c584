-- cdb_connectors.check_queued_jobs_limit(job_owner name): the max_queued_jobs_per_role limit
-- (issue 16, attack 10). Raises SQLSTATE 54000 (program_limit_exceeded; HTTP 403) when the role
-- already has that many jobs that have not finished — enqueued or importing, runs of its sync
-- tables included. Called before a role queues work of its own: a one-off import
-- (jobs_before_insert), a new sync table, whose first run is a job (syncs_before_insert), and a
-- cdb_connector_sync_now that would queue a run (syncs_before_update_limits). Never for the runs
-- the scheduler enqueues: a sync's own schedule is not the role's to exhaust, and a sync has at
-- most one active run (jobs_one_active_run). Counted under a per-owner advisory lock, so
-- concurrent READ COMMITTED transactions of one role cannot overshoot it. A missing or
-- non-numeric setting means no limit (check_setting only lets integers >= 1 in).
-- Invoker rights: under RLS a role counts its own jobs, an admin member every role's.
-- Parameters: job_owner — the role the job would belong to.
-- Locks: advisory xact lock (namespace QUEUE_LIMIT_LOCK, owner); reads jobs_owner_active.
create or replace function cdb_connectors.check_queued_jobs_limit(job_owner name)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  -- advisory-lock namespace for "count this owner's queued jobs" ('CDBQ'); syncs_before_insert
  -- takes it before its own 'CDB3' lock, always in that order, so the two never deadlock
  queue_limit_lock constant integer := 1128546897;
  max_queued integer;
  queued integer;
begin
  select (s.value #>> '{}')::integer into max_queued
    from cdb_connectors.settings as s
   where s.name = 'max_queued_jobs_per_role' and jsonb_typeof(s.value) = 'number';
  if max_queued is null then
    return;
  end if;
  perform pg_advisory_xact_lock(queue_limit_lock, hashtext(job_owner));
  select count(*) into queued
    from cdb_connectors.jobs as j
   where j.owner = job_owner and j.state in ('enqueued', 'importing');
  if queued >= max_queued then
    raise exception using errcode = '54000',
      message = format('Role %s already has %s queued or running job(s); the max_queued_jobs_per_role setting allows %s', job_owner, queued, max_queued),
      hint = 'Wait for some to finish (cdb_connector_wait, cdb_connectors.imports) or cancel some with cdb_connector_cancel(id), or ask an administrator to raise max_queued_jobs_per_role.';
  end if;
end
$$;

comment on function cdb_connectors.check_queued_jobs_limit(name) is 'Internal: raises 54000 when the role already has max_queued_jobs_per_role jobs that have not finished.';
revoke execute on function cdb_connectors.check_queued_jobs_limit(name) from public;
grant execute on function cdb_connectors.check_queued_jobs_limit(name) to cdb_connector_user;
