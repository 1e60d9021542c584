-- CALL :api_schema.cdb_connector_check(params jsonb, INOUT result jsonb DEFAULT NULL)
-- → result {"connected": true}
--   or     {"connected": false, "errors": ["<remote text>"], "error_code": 1503}   (SPEC §3, §7)
-- Can the sidecar log in to the remote server with these parameters? `table` and `sql_query` are
-- optional; when given they are validated like an import's and otherwise ignored. A failed
-- connection (1503 authentication, 1504 unreachable, 1505 unknown database, 1502 a server not in
-- allowed_hosts, …) is the answer, not an error. Invalid parameters raise 22023 like
-- cdb_connector_import. A procedure, not a function: see cdb_connectors.run_request (it commits,
-- so it cannot run inside BEGIN …: 25001; use cdb_connector_request('check', …) there).
-- Parameters: params — {"connector": {…}}; result — leave out. Locks: see run_request.
create or replace procedure :api_schema.cdb_connector_check(params jsonb, inout result jsonb default null)
language plpgsql
as $$
begin
  call cdb_connectors.run_request('cdb_connector_check', 'check', params, null, result);
end
$$;

comment on procedure :api_schema.cdb_connector_check(jsonb, jsonb) is
'Checks a connection: CALL cdb_connector_check(''{"connector": {"provider": "mysql", "connection": {…}}}'') returns {"connected": true} or {"connected": false, "errors": […], "error_code": n}. Needs a running sidecar; not inside BEGIN … (use cdb_connector_request(''check'', …) there).';
revoke execute on procedure :api_schema.cdb_connector_check(jsonb, jsonb) from public;
grant execute on procedure :api_schema.cdb_connector_check(jsonb, jsonb) to cdb_connector_user;
