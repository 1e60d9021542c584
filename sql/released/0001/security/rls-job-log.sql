-- Row-level security on cdb_connectors.job_log: a role reads the log lines of the jobs it may see
-- (its own; all for cdb_connector_admin members). Only sidecars write log lines.
-- Parameters: none. Locks: AccessExclusive on job_log while altering (migration only).
alter table cdb_connectors.job_log enable row level security;

drop policy if exists job_log_select on cdb_connectors.job_log;
create policy job_log_select on cdb_connectors.job_log for select
  using (exists (
    select from cdb_connectors.jobs as j
    where j.id = job_id
      and (j.owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'))));
