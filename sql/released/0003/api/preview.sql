-- CALL :api_schema.cdb_connector_preview(params jsonb, rows integer DEFAULT 10, INOUT result jsonb DEFAULT NULL)
-- → result {"columns": [{"name": "Id", "local_name": "id", "remote_type": "int(11)", "local_type": "integer"}, …,
--                       {"name": "shape", "local_name": null, "remote_type": "geometry", "local_type": "skipped"}],
--           "rows": [["1", "Zürich"], …], "warnings": []}
-- What an import of the same parameters would create, and a sample: the importable columns in
-- row order with the local names and types the import would use, then the skipped columns
-- (local_type "skipped"); `rows` holds up to `rows` rows (0–100) of the importable columns'
-- values as text in PostgreSQL input form (bytea as \x hex), NULL as null. `table` or
-- `sql_query` is required (no import_as needed). Remote errors raise 58000 with DETAIL
-- `error_code n`; invalid parameters (and rows outside 0–100) raise 22023.
-- Parameters: params — {"connector": {…}}; rows; result — leave out. Locks: see run_request.
create or replace procedure :api_schema.cdb_connector_preview(params jsonb, rows integer default 10, inout result jsonb default null)
language plpgsql
as $$
begin
  call cdb_connectors.run_request('cdb_connector_preview', 'preview', params, coalesce(cdb_connector_preview.rows, 10), result);
end
$$;

comment on procedure :api_schema.cdb_connector_preview(jsonb, integer, jsonb) is
'Previews an import: CALL cdb_connector_preview(''{"connector": {…, "table": "orders"}}'', 10) returns {"columns": [{"name", "local_name", "remote_type", "local_type" | "skipped"}], "rows": [[…], …]}. Needs a running sidecar; not inside BEGIN … (use cdb_connector_request(''preview'', …) there).';
revoke execute on procedure :api_schema.cdb_connector_preview(jsonb, integer, jsonb) from public;
grant execute on procedure :api_schema.cdb_connector_preview(jsonb, integer, jsonb) to cdb_connector_user;
