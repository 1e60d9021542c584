-- Row-level security on cdb_connectors.rejects (SPEC §14): a role sees and deletes only the
-- rejected rows of its own jobs (the remote values are its data); members of cdb_connector_admin
-- see and delete all. Only sidecars insert (they bypass RLS as table owner, superuser or a
-- BYPASSRLS login of cdb_connector_worker). Policy expressions are bound to catalog objects when
-- created, so a caller's search_path cannot change them.
-- Parameters: none. Locks: AccessExclusive on rejects while altering (migration only).
alter table cdb_connectors.rejects enable row level security;

drop policy if exists rejects_select on cdb_connectors.rejects;
create policy rejects_select on cdb_connectors.rejects for select
  using (owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'));

drop policy if exists rejects_delete on cdb_connectors.rejects;
create policy rejects_delete on cdb_connectors.rejects for delete
  using (owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'));
