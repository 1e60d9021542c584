-- :api_schema.cdb_connector_import_status(item_queue_id uuid) → jsonb: the import's status in
-- the shape of CARTO's import status (SPEC §3): id, item_queue_id, state, success, table_name,
-- target_schema, rows_fetched, rows_estimated (from remote statistics, NULL = unknown), rows_imported, columns_imported, rows_inserted, rows_updated,
-- rows_deleted, rows_unchanged (incremental sync runs), truncated (stopped at max_rows), warnings, error_code,
-- get_error_text {title, what_about} (NULL without error), error_message, sync_id, attempt,
-- created_at, started_at, finished_at, updated_at, provider, params (password "***").
-- A job that does not exist or belongs to another role raises SQLSTATE P0002 (no_data_found;
-- the HTTP API maps it to 404): the two cases are indistinguishable on purpose.
-- Reads through the imports view, so RLS decides visibility. Invoker rights.
-- Parameters: item_queue_id (NULL → NULL). Locks: AccessShare on jobs, error_codes.
create or replace function :api_schema.cdb_connector_import_status(item_queue_id uuid)
returns jsonb
language plpgsql
stable strict
set search_path = pg_catalog, pg_temp
as $$
declare
  status jsonb;
begin
  select jsonb_build_object(
    'id', i.id, 'item_queue_id', i.id, 'state', i.state, 'success', i.state = 'complete',
    'table_name', i.table_name, 'target_schema', i.target_schema,
    'rows_fetched', i.rows_fetched, 'rows_estimated', i.rows_estimated, 'rows_imported', i.rows_imported, 'columns_imported', i.columns_imported,
    'truncated', i.truncated, 'rows_inserted', i.rows_inserted, 'rows_updated', i.rows_updated, 'rows_deleted', i.rows_deleted, 'rows_unchanged', i.rows_unchanged,
    'warnings', i.warnings, 'error_code', i.error_code,
    'get_error_text', case
      when i.error_code is null then null
      when e.code is null then jsonb_build_object('title', 'Error ' || i.error_code, 'what_about', i.error_message)
      else jsonb_build_object('title', e.title, 'what_about', e.what_about) end,
    'error_message', i.error_message, 'sync_id', i.sync_id, 'attempt', i.attempt,
    'created_at', i.created_at, 'started_at', i.started_at, 'finished_at', i.finished_at, 'updated_at', i.updated_at,
    'provider', i.provider, 'params', i.params)
  into status
  from cdb_connectors.imports as i
  left join cdb_connectors.error_codes as e on e.code = i.error_code
  where i.id = cdb_connector_import_status.item_queue_id;
  if status is null then
    perform cdb_connectors.raise_not_found('Import', item_queue_id);
  end if;
  return status;
end
$$;

comment on function :api_schema.cdb_connector_import_status(uuid) is 'Status of one import as JSON (CARTO import status shape: state, success, table_name, rows_fetched, warnings, error_code, get_error_text, …). Unknown or another role''s id → SQLSTATE P0002.';
revoke execute on function :api_schema.cdb_connector_import_status(uuid) from public;
grant execute on function :api_schema.cdb_connector_import_status(uuid) to cdb_connector_user;
