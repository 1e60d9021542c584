-- AFTER INSERT trigger on cdb_connectors.jobs: stores the password that jobs_before_insert took
-- out of params (take_pending_secret, which blanks the hand-over setting) into job_secrets (as the
-- caller, who may INSERT there but never SELECT), and wakes the sidecars (notify_new_row):
--   {"op": "enqueued", "id": "<job id>", "nonce": "<random>"} on channel cdb_connectors_jobs,
-- delivered at commit, so a sidecar never sees a job before it is visible.
-- Parameters: none. Locks: the job_secrets INSERT's; the FK check takes FOR KEY SHARE on the job.
create or replace function cdb_connectors.jobs_after_insert()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  secret text := cdb_connectors.take_pending_secret(new.id);
begin
  if secret is not null then
    insert into cdb_connectors.job_secrets (job_id, password) values (new.id, cdb_connectors.seal_secret(secret));
  end if;
  perform cdb_connectors.notify_new_row('enqueued', new.id);
  return null;
end
$$;

drop trigger if exists jobs_after_insert on cdb_connectors.jobs;
create trigger jobs_after_insert after insert on cdb_connectors.jobs
  for each row execute function cdb_connectors.jobs_after_insert();

comment on function cdb_connectors.jobs_after_insert() is 'Trigger: moves a new job''s password into job_secrets and notifies the sidecars (channel cdb_connectors_jobs).';
