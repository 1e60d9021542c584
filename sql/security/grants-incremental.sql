-- Privileges for incremental sync tables (SPEC §13), in the pattern of grants-syncs.sql: users
-- reset a mark with a column-level UPDATE under RLS (syncs_before_update clears the mark, through
-- cdb_connector_sync_reset); the new internal helper gets no EXECUTE for PUBLIC and EXECUTE for
-- cdb_connector_user (normalize_connector calls it with the inserting user's rights).
-- Parameters: none. Locks: catalog locks of GRANT/REVOKE (migration only).
grant update (reset_requested_at) on cdb_connectors.syncs to cdb_connector_user;
revoke all on function cdb_connectors.lookback_problem(jsonb) from public;
grant execute on function cdb_connectors.lookback_problem(jsonb) to cdb_connector_user;
