-- Row-level security on cdb_connectors.schema_changes (SPEC §14), in the pattern of
-- rls-syncs.sql: a role sees and decides only the changes of its own syncs (owner is the sync's
-- owner, copied by the sidecar); members of cdb_connector_admin see and decide all. No INSERT or
-- DELETE policy: only the sidecars (table owner, or BYPASSRLS logins) write rows, and a sync's
-- rows go with it (ON DELETE CASCADE).
-- Parameters: none. Locks: AccessExclusive on schema_changes while altering (migration only).
alter table cdb_connectors.schema_changes enable row level security;

drop policy if exists schema_changes_select on cdb_connectors.schema_changes;
create policy schema_changes_select on cdb_connectors.schema_changes for select
  using (owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'));

drop policy if exists schema_changes_update on cdb_connectors.schema_changes;
create policy schema_changes_update on cdb_connectors.schema_changes for update
  using (owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'))
  with check (owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'));
