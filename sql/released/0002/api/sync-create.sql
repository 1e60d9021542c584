-- :api_schema.cdb_connector_sync(params jsonb, target_schema name default current_schema())
-- → jsonb: the synchronization object (SPEC §5; CARTO's POST /api/v1/synchronizations answer):
--   {"id", "name": null, "interval", "url": null, "state": "created", "user_id", "created_at",
--    "updated_at", "run_at", "ran_at", "modified_at", "etag": null, "checksum", "log_id",
--    "error_code", "error_message", "retried_times", "service_name": "connector",
--    "service_item_id", "type_guessing": true, "quoted_fields_guessing": true,
--    "content_guessing": false, "visualization_id": null, "from_external_source": false,
--    "data_import": {"endpoint": "/api/v1/imports", "item_queue_id"}, "table_name",
--    "target_schema", "last_import_id", "paused", "provider"}
-- Creates a sync table and enqueues its first run at once (data_import.item_queue_id).
-- `interval` is required. All validation happens in the syncs and jobs triggers before anything
-- is stored (22023 with DETAIL error_code 1502/1501; 42501 without CREATE on the schema; 54000
-- over max_syncs_per_role), so a direct INSERT into cdb_connectors.syncs behaves the same.
-- Invoker rights: the sync and its table belong to the caller. cdb_connector_import() with
-- "interval" calls this function.
-- Parameters: params — the request; target_schema — where the table is created.
-- Locks: RowExclusive on syncs, sync_secrets, jobs, job_secrets.
create or replace function :api_schema.cdb_connector_sync(params jsonb, target_schema name default current_schema())
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  sync_id uuid := gen_random_uuid();
begin
  insert into cdb_connectors.syncs (id, params, target_schema)
  values (sync_id, params, cdb_connector_sync.target_schema);
  return cdb_connectors.sync_object(sync_id);
end
$$;

comment on function :api_schema.cdb_connector_sync(jsonb, name) is
'Creates a sync table: cdb_connector_sync(''{"connector": {…}, "interval": 3600}'') imports the table now and refreshes it in place every interval seconds. Returns the synchronization object; follow it in cdb_connectors.synchronizations.';
revoke execute on function :api_schema.cdb_connector_sync(jsonb, name) from public;
grant execute on function :api_schema.cdb_connector_sync(jsonb, name) to cdb_connector_user;
