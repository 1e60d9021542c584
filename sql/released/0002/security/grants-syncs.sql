-- Privileges of cdb_connector_user (and so of cdb_connector_admin) on the sync objects, in the
-- pattern of grants.sql: user actions are INSERTs, column-level UPDATEs and DELETEs under RLS,
-- checked by triggers; no SECURITY DEFINER.
--   syncs             SELECT (RLS); INSERT (id, params, target_schema) — syncs_before_insert sets
--                     the rest; UPDATE (interval_seconds, paused, sync_now_requested_at) —
--                     checked by syncs_before_update; DELETE (unsync; syncs_before_delete).
--   sync_secrets      INSERT only (never SELECT).
--   synchronizations  SELECT; UPDATE (interval, paused); DELETE — the view passes them to syncs,
--                     where the same privileges, policies and triggers apply.
-- Functions created after grants.sql ran get EXECUTE for PUBLIC by default: revoke, then grant
-- the helpers the triggers call to users. settle_sync_run() is for the sidecars only.
-- Parameters: none. Locks: catalog locks of GRANT/REVOKE (migration only).
revoke all on cdb_connectors.syncs, cdb_connectors.sync_secrets, cdb_connectors.synchronizations from public;

grant select on cdb_connectors.syncs to cdb_connector_user;
grant insert (id, params, target_schema) on cdb_connectors.syncs to cdb_connector_user;
grant update (interval_seconds, paused, sync_now_requested_at) on cdb_connectors.syncs to cdb_connector_user;
grant delete on cdb_connectors.syncs to cdb_connector_user;
grant insert on cdb_connectors.sync_secrets to cdb_connector_user;
grant select, delete on cdb_connectors.synchronizations to cdb_connector_user;
grant update (interval, paused) on cdb_connectors.synchronizations to cdb_connector_user;

revoke all on all functions in schema cdb_connectors from public;
grant execute on all functions in schema cdb_connectors to cdb_connector_user;
revoke execute on function cdb_connectors.settle_sync_run(uuid) from cdb_connector_user;
