-- Privileges for schema changes of sync tables (SPEC §14), in the pattern of grants-syncs.sql:
-- users read their changes (RLS) and decide one with a column-level UPDATE of action, checked by
-- schema_changes_before_update (pending → approved | rejected only), through
-- cdb_connector_schema_change_approve / _reject; the sync resumes through a column-level UPDATE
-- of syncs.resume_requested_at (syncs_before_update). No SECURITY DEFINER. New functions get no
-- EXECUTE for PUBLIC; the helpers the functions and triggers call get EXECUTE for users.
-- Parameters: none. Locks: catalog locks of GRANT/REVOKE (migration only).
revoke all on cdb_connectors.schema_changes from public;
grant select on cdb_connectors.schema_changes to cdb_connector_user;
grant update (action) on cdb_connectors.schema_changes to cdb_connector_user;
grant update (resume_requested_at) on cdb_connectors.syncs to cdb_connector_user;

revoke execute on function cdb_connectors.schema_changes_before_update(), cdb_connectors.decide_schema_change(uuid, text) from public;
grant execute on function cdb_connectors.schema_changes_before_update(), cdb_connectors.decide_schema_change(uuid, text) to cdb_connector_user;
