-- CALL :api_schema.cdb_connector_list_tables(params jsonb, INOUT result jsonb DEFAULT NULL)
-- → result {"tables": [{"schema": "shop", "name": "orders", "kind": "table"}, …], "truncated": false}
-- The remote tables and views the login can read (kind table | view | other), sorted by schema
-- and name, at most the max_listed_tables setting (500); "truncated" is true when there were
-- more (the sidecar fetches one more than the limit to know). Only `schema` given → that schema
-- (MySQL: that database); no `schema` → every schema the login can see (MySQL: the connection's
-- database). `table` / `sql_query` are optional and ignored. Remote errors raise 58000 with the
-- remote text and DETAIL `error_code n` (1503, 1504, 1505, …); invalid parameters raise 22023.
-- Parameters: params — {"connector": {…}}; result — leave out. Locks: see run_request.
create or replace procedure :api_schema.cdb_connector_list_tables(params jsonb, inout result jsonb default null)
language plpgsql
as $$
begin
  call cdb_connectors.run_request('cdb_connector_list_tables', 'list_tables', params, null, result);
end
$$;

comment on procedure :api_schema.cdb_connector_list_tables(jsonb, jsonb) is
'Lists remote tables: CALL cdb_connector_list_tables(''{"connector": {…}}'') returns {"tables": [{"schema", "name", "kind"}, …], "truncated": bool}, at most max_listed_tables (500). Needs a running sidecar; not inside BEGIN … (use cdb_connector_request(''list_tables'', …) there).';
revoke execute on procedure :api_schema.cdb_connector_list_tables(jsonb, jsonb) from public;
grant execute on procedure :api_schema.cdb_connector_list_tables(jsonb, jsonb) to cdb_connector_user;
