-- Privileges of cdb_connector_user (and so of cdb_connector_admin, which is a member). User
-- actions are INSERTs and a column-level UPDATE under RLS, checked by triggers; nothing else:
--   jobs        SELECT (RLS filters); INSERT (id, params, target_schema) only — owner comes from
--               its default/current_user, every other column is forced by jobs_before_insert;
--               UPDATE (cancel_requested) only.
--   job_secrets INSERT only (never SELECT).
--   job_log     SELECT (RLS filters; read through cdb_connectors.import_log, a security_invoker view).
--   imports, import_log, workers, settings, error_codes: SELECT. settings is changed by DBAs.
-- The sidecars connect as the owner of these tables or a superuser. The API functions carry their
-- own REVOKE/GRANT (sql/api/*.sql); internal functions are executable by users only.
-- Parameters: none. Locks: catalog locks of GRANT/REVOKE (migration only).
revoke all on all tables in schema cdb_connectors from public;
revoke all on all functions in schema cdb_connectors from public;

grant usage on schema cdb_connectors to cdb_connector_user;
grant select on cdb_connectors.jobs to cdb_connector_user;
grant insert (id, params, target_schema) on cdb_connectors.jobs to cdb_connector_user;
grant update (cancel_requested) on cdb_connectors.jobs to cdb_connector_user;
grant insert on cdb_connectors.job_secrets to cdb_connector_user;
grant select on cdb_connectors.job_log to cdb_connector_user;
grant select on cdb_connectors.imports, cdb_connectors.import_log, cdb_connectors.workers,
  cdb_connectors.settings, cdb_connectors.error_codes to cdb_connector_user;
-- Trigger functions run as the inserting user and call these helpers.
grant execute on all functions in schema cdb_connectors to cdb_connector_user;
