-- AFTER INSERT trigger on cdb_connectors.jobs: stores the password that jobs_before_insert took
-- out of params into job_secrets (as the caller, who may INSERT there but never SELECT), blanks
-- the hand-over setting, and wakes the sidecars with pg_notify on channel cdb_connectors_jobs:
--   {"op": "enqueued", "id": "<job id>", "nonce": "<random>"}
-- The nonce keeps PostgreSQL from merging identical notifications of one transaction. The NOTIFY
-- is delivered at commit, so a sidecar never sees a job before it is visible.
-- Parameters: none. Locks: the job_secrets INSERT's; the FK check takes FOR KEY SHARE on the job.
create or replace function cdb_connectors.jobs_after_insert()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  setting_name text := cdb_connectors.pending_secret_setting(new.id);
  pending text := current_setting(setting_name, true);
begin
  if pending like 'p%' then
    perform set_config(setting_name, '', true);
    insert into cdb_connectors.job_secrets (job_id, password) values (new.id, substr(pending, 2));
  end if;
  perform pg_notify('cdb_connectors_jobs', json_build_object(
    'op', 'enqueued', 'id', new.id, 'nonce', md5(random()::text || clock_timestamp()::text))::text);
  return null;
end
$$;

drop trigger if exists jobs_after_insert on cdb_connectors.jobs;
create trigger jobs_after_insert after insert on cdb_connectors.jobs
  for each row execute function cdb_connectors.jobs_after_insert();

comment on function cdb_connectors.jobs_after_insert() is 'Trigger: moves a new job''s password into job_secrets and notifies the sidecars (channel cdb_connectors_jobs).';
