-- AFTER UPDATE trigger on cdb_connectors.jobs: a job's password is deleted in the transaction
-- that finishes the job (complete, failure or cancelled — whoever finishes it: the sidecar, a
-- cancel of a queued job, the reapers), so job_secrets only ever holds passwords of live jobs
-- (issue 16 §4). A sync keeps its own copy in sync_secrets for its next runs.
-- SECURITY DEFINER: the user who cancels a queued job has no DELETE on job_secrets.
-- Parameters: none. Locks: RowExclusive on job_secrets.
create or replace function cdb_connectors.jobs_forget_secret()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  delete from cdb_connectors.job_secrets where job_id = new.id;
  return null;
end
$$;

revoke all on function cdb_connectors.jobs_forget_secret() from public;

drop trigger if exists jobs_forget_secret on cdb_connectors.jobs;
-- Not `update of state`: a cancel of a queued job sets only cancel_requested, and the BEFORE
-- trigger changes the state (a column list sees the SET clause, the WHEN clause the new row).
create trigger jobs_forget_secret after update on cdb_connectors.jobs
  for each row when (new.state in ('complete', 'failure', 'cancelled') and old.state is distinct from new.state)
  execute function cdb_connectors.jobs_forget_secret();

comment on function cdb_connectors.jobs_forget_secret() is 'Trigger: deletes a job''s password when the job finishes.';
