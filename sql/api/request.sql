-- :api_schema.cdb_connector_request(kind text, params jsonb, rows integer DEFAULT 10) → uuid
-- The first half of the two-step form of cdb_connector_check / _list_tables / _preview / _explain, for
-- clients that can only run SELECT inside a transaction (BI tools, some drivers): it validates
-- and stores the request (22023 like an import; 55000 when no sidecar is alive) and returns its
-- id. The sidecars see it once the transaction commits; then
-- cdb_connector_request_result(id) returns the answer.
-- kind: 'check' | 'list_tables' | 'preview' | 'explain'; rows: preview only (0–100).
-- Parameters: kind, params, rows. Locks: RowExclusive on requests and request_secrets.
create or replace function :api_schema.cdb_connector_request(kind text, params jsonb, rows integer default 10)
returns uuid
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  return cdb_connectors.submit_request(kind, params, cdb_connector_request.rows);
end
$$;

comment on function :api_schema.cdb_connector_request(text, jsonb, integer) is
'Two-step form of check / list_tables / preview / explain: SELECT cdb_connector_request(''preview'', ''{"connector": {…}}'', 10) returns a request id; after COMMIT, cdb_connector_request_result(id) returns the answer.';
revoke execute on function :api_schema.cdb_connector_request(text, jsonb, integer) from public;
grant execute on function :api_schema.cdb_connector_request(text, jsonb, integer) to cdb_connector_user;
