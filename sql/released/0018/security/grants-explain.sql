-- Privileges for cdb_connector_explain (SPEC §14), like cdb_connector_preview's: a new procedure
-- is executable by PUBLIC by default; only cdb_connector_user may call it. Its request rows fall
-- under the requests table's RLS and grants (rls-requests.sql, requests-grants.sql) unchanged.
-- Parameters: :api_schema. Locks: catalog locks of GRANT/REVOKE (migration only).
revoke execute on procedure :api_schema.cdb_connector_explain(jsonb, jsonb) from public;
grant execute on procedure :api_schema.cdb_connector_explain(jsonb, jsonb) to cdb_connector_user;
