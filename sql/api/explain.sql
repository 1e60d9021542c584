-- CALL :api_schema.cdb_connector_explain(params jsonb, INOUT result jsonb DEFAULT NULL)
-- → result {"columns": [{"name": "Id", "local_name": "id", "remote_type": "int(11)", "local_type": "integer",
--                        "rule": "int → integer", "skipped": false, "reason": null}, …,
--                       {"name": "shape", "local_name": null, "remote_type": "geometry", "local_type": null,
--                        "rule": null, "skipped": true, "reason": "spatial types skipped without PostGIS in the target"}],
--           "carto": {"columns": ["cartodb_id", "the_geom", "the_geom_webmercator"] | [], "note": "…"},
--           "warnings": [{"code": "skipped_columns", …}]}
-- The mapping an import of the same parameters would use, without importing and without reading
-- a row (SPEC §14): per remote column, in remote order, its remote type, the local name and type
-- the import would give it, the name of the cast rule that decided it, and for a skipped column
-- why. `table` or `sql_query` is required (no import_as needed). Remote errors raise 58000 with
-- DETAIL `error_code n`; invalid parameters raise 22023 like an import (docs/check-and-browse.md).
-- Parameters: params — {"connector": {…}}; result — leave out. Locks: see run_request.
create or replace procedure :api_schema.cdb_connector_explain(params jsonb, inout result jsonb default null)
language plpgsql
as $$
begin
  call cdb_connectors.run_request('cdb_connector_explain', 'explain', params, null, result);
end
$$;

comment on procedure :api_schema.cdb_connector_explain(jsonb, jsonb) is
'Explains an import without running it: CALL cdb_connector_explain(''{"connector": {…, "table": "orders"}}'') returns {"columns": [{"name", "local_name", "remote_type", "local_type", "rule", "skipped", "reason"}], "carto": {…}, "warnings": […]}. Needs a running sidecar; not inside BEGIN … (use cdb_connector_request(''explain'', …) there).';
