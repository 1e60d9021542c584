-- Who may see and change named connections (issue 22 §6): a user (cdb_connector_user) reads and
-- changes only their own rows; members of cdb_connector_admin read all (to audit) but a
-- connection is always used by its owner only (normalize_connector looks up owner = current_user).
-- Writes are column-limited: the triggers force id, owner, provider and has_password from what
-- they validate. connection_secrets: no privileges for users at all (not even INSERT: the
-- SECURITY DEFINER trigger writes it), sidecars through cdb_connector_worker's schema-wide grants.
-- Re-applicable: DROP POLICY IF EXISTS, REVOKE/GRANT.
-- Parameters: none. Locks: AccessExclusive on the two tables while policies change (migration only).
alter table cdb_connectors.connections enable row level security;

drop policy if exists connections_select on cdb_connectors.connections;
create policy connections_select on cdb_connectors.connections for select
  using (owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'));

drop policy if exists connections_insert on cdb_connectors.connections;
create policy connections_insert on cdb_connectors.connections for insert
  with check (owner = current_user);

drop policy if exists connections_update on cdb_connectors.connections;
create policy connections_update on cdb_connectors.connections for update
  using (owner = current_user) with check (owner = current_user);

drop policy if exists connections_delete on cdb_connectors.connections;
create policy connections_delete on cdb_connectors.connections for delete
  using (owner = current_user);

alter table cdb_connectors.connection_secrets enable row level security;

revoke all on cdb_connectors.connections, cdb_connectors.connection_secrets from public;
grant select on cdb_connectors.connections to cdb_connector_user;
grant insert (name, params) on cdb_connectors.connections to cdb_connector_user;
grant update (params, provider) on cdb_connectors.connections to cdb_connector_user;
grant delete on cdb_connectors.connections to cdb_connector_user;
