-- Privileges for the answers-now objects (issue 10), in the style of grants.sql: users act by
-- INSERT (through triggers) and DELETE under RLS, and call the procedures / functions.
--   requests         SELECT, DELETE (RLS: own rows); INSERT (id, kind, params, preview_rows) only —
--                    owner comes from current_user, every other column is forced by the trigger.
--   request_secrets  INSERT only (never SELECT).
-- New functions are executable by PUBLIC by default: revoke that, grant cdb_connector_user.
-- The user-facing procedures and functions carry their own REVOKE/GRANT (sql/api/*.sql).
-- Parameters: none. Locks: catalog locks of GRANT/REVOKE (migration only).
revoke all on cdb_connectors.requests, cdb_connectors.request_secrets from public;
grant select, delete on cdb_connectors.requests to cdb_connector_user;
grant insert (id, kind, params, preview_rows) on cdb_connectors.requests to cdb_connector_user;
grant insert on cdb_connectors.request_secrets to cdb_connector_user;

revoke all on function
  cdb_connectors.normalize_request(text, jsonb),
  cdb_connectors.requests_before_insert(),
  cdb_connectors.requests_after_insert(),
  cdb_connectors.submit_request(text, jsonb, integer),
  cdb_connectors.take_answer(uuid, timestamptz, boolean),
  cdb_connectors.answer_result(jsonb)
from public;
grant execute on function
  cdb_connectors.normalize_request(text, jsonb),
  cdb_connectors.requests_before_insert(),
  cdb_connectors.requests_after_insert(),
  cdb_connectors.submit_request(text, jsonb, integer),
  cdb_connectors.take_answer(uuid, timestamptz, boolean),
  cdb_connectors.answer_result(jsonb)
to cdb_connector_user;

revoke all on procedure
  cdb_connectors.require_transaction_control(text),
  cdb_connectors.run_request(text, text, jsonb, integer, jsonb)
from public;
grant execute on procedure
  cdb_connectors.require_transaction_control(text),
  cdb_connectors.run_request(text, text, jsonb, integer, jsonb)
to cdb_connector_user;
