-- cdb_connectors.settle_sync_run(sync_id uuid) → text: records the end of a sync run that did
-- not succeed, and schedules the next one. A successful run is recorded by the refresh itself,
-- in the transaction that switches the data (src/load/refresh-table.ts); everything else ends
-- here: a failed or cancelled job, a queued run cancelled by the user, a run whose job vanished.
-- Called by the sidecar that recorded the failure, and by every scheduler tick for syncs whose
-- run is over but still look in flight (a crash between the two, or a cancel of a queued run), so
-- a sync can never stay stuck in created/queued/syncing.
--   state failure, error_code/error_message of the run (99999 if its job is gone),
--   retried_times + 1, and run_at:
--     retryable code (cdb_connectors.error_codes) and retried_times < max_retries:
--        now() + d/2 + random() * d/2 with d = least(interval, sync_retry_base_seconds * 2^retried_times)
--        (exponential backoff with "equal jitter", capped at the interval);
--     otherwise (permanent error, cancel 1509, retries exhausted): now() + interval.
-- The data of the synced table is never touched. Returns 'failure', or NULL when there was
-- nothing to settle (unknown sync, a run still active, already settled, or the sync row is
-- locked by another sidecar doing this — SKIP LOCKED, so two sidecars never deadlock).
-- For the sidecars only (no grant to users). Locks: the sync's row (FOR UPDATE SKIP LOCKED).
create or replace function cdb_connectors.settle_sync_run(sync_id uuid)
returns text
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  -- exponent cap: 2^30 × any base already exceeds the largest interval (2^31 - 1 s)
  max_exponent constant integer := 30;
  s record;
  job record;
  run_code integer;
  retryable boolean;
  max_retries integer;
  base_seconds numeric;
  cap_seconds numeric;
  delay_seconds numeric;
begin
  select * into s from cdb_connectors.syncs as x where x.id = settle_sync_run.sync_id for update skip locked;
  if not found or s.state not in ('created', 'queued', 'syncing') then
    return null;
  end if;
  if exists (select from cdb_connectors.jobs as j where j.sync_id = s.id and j.state in ('enqueued', 'importing')) then
    return null;
  end if;
  select j.state, j.error_code, j.error_message into job from cdb_connectors.jobs as j where j.id = s.last_import_id;
  if job.state = 'complete' then
    return null;
  end if;
  run_code := coalesce(job.error_code, 99999);
  retryable := coalesce((select e.retryable from cdb_connectors.error_codes as e where e.code = run_code), false);
  select coalesce((select (v.value #>> '{}')::integer from cdb_connectors.settings as v where v.name = 'max_retries'), 10) into max_retries;
  select coalesce((select (v.value #>> '{}')::numeric from cdb_connectors.settings as v where v.name = 'sync_retry_base_seconds'), 60) into base_seconds;
  if retryable and s.retried_times < max_retries then
    cap_seconds := least(s.interval_seconds, base_seconds * 2 ^ least(s.retried_times, max_exponent));
    delay_seconds := cap_seconds / 2 + random()::numeric * cap_seconds / 2;
  else
    delay_seconds := s.interval_seconds;
  end if;
  update cdb_connectors.syncs as x
     set state = 'failure',
         error_code = run_code,
         error_message = coalesce(job.error_message,
           case when job.state is null then format('The sync run %s is gone before it finished', s.last_import_id)
                else format('The sync run %s ended as %s', s.last_import_id, job.state) end),
         retried_times = x.retried_times + 1,
         run_at = now() + make_interval(secs => delay_seconds::double precision)
   where x.id = s.id;
  return 'failure';
end
$$;

comment on function cdb_connectors.settle_sync_run(uuid) is 'Internal (sidecars): records a sync run that did not succeed as failure and schedules the retry (backoff with jitter, transient errors only) or the next interval.';
