-- Row-level security on cdb_connectors.jobs (SPEC §3): a role sees and cancels only its own jobs;
-- members of cdb_connector_admin see and cancel all; a new job's owner is the inserting role.
-- The table owner and superusers (the sidecars, the migrator) bypass RLS. Policy expressions
-- are bound to catalog objects when created, so a caller's search_path cannot change them.
-- Parameters: none. Locks: AccessExclusive on jobs while altering (migration only).
alter table cdb_connectors.jobs enable row level security;

drop policy if exists jobs_select on cdb_connectors.jobs;
create policy jobs_select on cdb_connectors.jobs for select
  using (owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'));

drop policy if exists jobs_insert on cdb_connectors.jobs;
create policy jobs_insert on cdb_connectors.jobs for insert
  with check (owner = current_user);

drop policy if exists jobs_update on cdb_connectors.jobs;
create policy jobs_update on cdb_connectors.jobs for update
  using (owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'))
  with check (owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'));
