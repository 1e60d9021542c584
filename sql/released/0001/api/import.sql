-- :api_schema.cdb_connector_import(params jsonb, target_schema name default current_schema())
-- → jsonb {"item_queue_id": "<uuid>", "success": true}            (SPEC §3, CARTO Import API)
-- Enqueues one import. All validation happens in the jobs_before_insert trigger before anything
-- is stored (SQLSTATE 22023, DETAIL error_code 1502/1501; 42501 without CREATE on the schema),
-- so this function and a direct INSERT behave the same. Invoker rights: the job's owner is the
-- caller's current_user. The id is generated here and returned without INSERT … RETURNING
-- (shared/notes/postgres-facts.md). The default of target_schema is evaluated in the caller's
-- context (argument defaults are, unlike the body, which runs under the pinned search_path), so
-- the table lands in the caller's current schema.
-- Parameters: params — the request; target_schema — where the table is created.
-- Locks: RowExclusive on jobs and job_secrets.
create or replace function :api_schema.cdb_connector_import(params jsonb, target_schema name default current_schema())
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  job_id uuid := gen_random_uuid();
begin
  insert into cdb_connectors.jobs (id, params, target_schema)
  values (job_id, params, cdb_connector_import.target_schema);
  return jsonb_build_object('item_queue_id', job_id, 'success', true);
end
$$;

comment on function :api_schema.cdb_connector_import(jsonb, name) is
'Imports a remote table: cdb_connector_import(''{"connector": {"provider": "mysql", "connection": {"server": …, "database": …, "username": …, "password": …}, "table": "orders"}}'') returns {"item_queue_id": …, "success": true}. The table is created in current_schema() by a sidecar; follow it in cdb_connectors.imports or with cdb_connector_wait(). Invalid parameters raise SQLSTATE 22023 and enqueue nothing.';
revoke execute on function :api_schema.cdb_connector_import(jsonb, name) from public;
grant execute on function :api_schema.cdb_connector_import(jsonb, name) to cdb_connector_user;
