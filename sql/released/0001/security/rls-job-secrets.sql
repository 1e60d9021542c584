-- Row-level security on cdb_connectors.job_secrets: users may only INSERT, and only the password
-- of a job they own (jobs_after_insert does it for them). There is no SELECT policy and no SELECT
-- grant: a stored password can never be read back by any user, only by the sidecars (table
-- owner / superuser, which bypass RLS) — shared/notes/postgres-facts.md.
-- Parameters: none. Locks: AccessExclusive on job_secrets while altering (migration only).
alter table cdb_connectors.job_secrets enable row level security;

drop policy if exists job_secrets_insert on cdb_connectors.job_secrets;
create policy job_secrets_insert on cdb_connectors.job_secrets for insert
  with check (exists (select from cdb_connectors.jobs as j where j.id = job_id and j.owner = current_user));
