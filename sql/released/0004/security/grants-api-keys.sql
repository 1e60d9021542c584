-- Privileges of cdb_connector_user (and so of cdb_connector_admin) on API keys, in the pattern of
-- grants.sql: user actions are an INSERT and a column-level UPDATE under RLS, checked by triggers.
--   api_keys  SELECT (RLS; key_hash included: a SHA-256 of 244 random bits reveals nothing, and
--             cdb_connector_revoke_api_key finds a key by it with invoker rights);
--             INSERT (role_name, label) — api_keys_before_insert sets the rest;
--             UPDATE (revoked_at) — api_keys_before_update makes it permanent. No DELETE: rows
--             are the audit trail.
-- Functions created after grants.sql get EXECUTE for PUBLIC by default: revoke it from the new
-- ones (by name, so other migrations' revocations stay as they are).
-- Parameters: none. Locks: catalog locks of GRANT/REVOKE (migration only).
revoke all on cdb_connectors.api_keys from public;

grant select on cdb_connectors.api_keys to cdb_connector_user;
grant insert (role_name, label) on cdb_connectors.api_keys to cdb_connector_user;
grant update (revoked_at) on cdb_connectors.api_keys to cdb_connector_user;

revoke all on function cdb_connectors.api_keys_before_insert(), cdb_connectors.api_keys_before_update() from public;
grant execute on function cdb_connectors.api_keys_before_insert(), cdb_connectors.api_keys_before_update() to cdb_connector_user;
