-- Privileges on cdb_connectors.rejects (SPEC §14), in the pattern of grants.sql: users read and
-- clean up their rejected rows under RLS (rls-rejects.sql); nothing else. The sidecars' role
-- cdb_connector_worker has its privileges from worker-role.sql's default privileges.
-- Parameters: none. Locks: catalog locks of GRANT/REVOKE (migration only).
revoke all on cdb_connectors.rejects from public;
grant select, delete on cdb_connectors.rejects to cdb_connector_user;
