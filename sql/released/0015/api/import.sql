-- :api_schema.cdb_connector_import(params jsonb, target_schema name default current_schema())
-- → jsonb {"item_queue_id": "<uuid>", "success": true}            (CARTO Import API)
-- With a (non-null) "interval" it creates a sync table instead and returns the synchronization
-- object: it is then exactly cdb_connector_sync(params, target_schema) (sql/api/sync-create.sql).
-- When no sidecar is alive (cdb_connectors.workers, seen within lease_seconds) the job is still
-- enqueued (a sidecar started later runs it), and a NOTICE says so at once, the way
-- cdb_connector_check fails at once without one (cdb_connectors.submit_request).
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
  -- lower_keys drops JSON nulls: "interval": null is a plain import, as everywhere else
  if jsonb_typeof(params) = 'object' and cdb_connectors.lower_keys(params) ? 'interval' then
    return :api_schema.cdb_connector_sync(params, cdb_connector_import.target_schema);
  end if;
  insert into cdb_connectors.jobs (id, params, target_schema)
  values (job_id, params, cdb_connector_import.target_schema);
  if not exists (select from cdb_connectors.workers as w where w.alive) then
    raise notice 'no connector sidecar is running for this database: the import waits in the queue until one starts'
      using detail = format('Import %s is enqueued; cdb_connectors.workers lists no sidecar seen within lease_seconds.', job_id),
      hint = 'Start one with `connector-bridge run` (DATABASE_URL pointing at this database) or `npm start`.';
  end if;
  return jsonb_build_object('item_queue_id', job_id, 'success', true);
end
$$;

comment on function :api_schema.cdb_connector_import(jsonb, name) is
'Imports a remote table: cdb_connector_import(''{"connector": {"provider": "mysql", "connection": {"server": …, "database": …, "username": …, "password": …}, "table": "orders"}}'') returns {"item_queue_id": …, "success": true}. The table is created in current_schema() by a sidecar; follow it in cdb_connectors.imports or with cdb_connector_wait(). Invalid parameters raise SQLSTATE 22023 and enqueue nothing. Without a live sidecar the job waits in the queue (a NOTICE says so). With "interval": creates a sync table and returns its synchronization object (see cdb_connector_sync).';
revoke execute on function :api_schema.cdb_connector_import(jsonb, name) from public;
grant execute on function :api_schema.cdb_connector_import(jsonb, name) to cdb_connector_user;
