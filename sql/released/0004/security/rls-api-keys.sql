-- Row-level security on cdb_connectors.api_keys (SPEC §11): a role sees and revokes the keys of
-- roles it is a member of (its own; a superuser or a DBA granted the role sees theirs too), and
-- creates keys only for such roles (api_keys_before_insert says why, with clear messages; this
-- policy is the backstop). Members of cdb_connector_admin see and revoke every key: revoking
-- grants no power, and admins already see every job. pg_has_role on an OID is false for a role
-- that was dropped, so the policies never fail on stale rows. The table owner and superusers (the
-- sidecars, the migrator) bypass RLS: the sidecars look keys up by hash.
-- Parameters: none. Locks: AccessExclusive on api_keys while altering (migration only).
alter table cdb_connectors.api_keys enable row level security;

drop policy if exists api_keys_select on cdb_connectors.api_keys;
create policy api_keys_select on cdb_connectors.api_keys for select
  using (pg_catalog.pg_has_role(current_user, role_oid, 'member') or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'));

drop policy if exists api_keys_insert on cdb_connectors.api_keys;
create policy api_keys_insert on cdb_connectors.api_keys for insert
  with check (pg_catalog.pg_has_role(current_user, role_oid, 'member'));

drop policy if exists api_keys_update on cdb_connectors.api_keys;
create policy api_keys_update on cdb_connectors.api_keys for update
  using (pg_catalog.pg_has_role(current_user, role_oid, 'member') or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'))
  with check (pg_catalog.pg_has_role(current_user, role_oid, 'member') or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'));
