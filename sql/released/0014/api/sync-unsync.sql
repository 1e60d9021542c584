-- :api_schema.cdb_connector_unsync(sync_id uuid) → boolean: stops syncing a table (CARTO's
-- DELETE /synchronizations/:id). The table stays, with its last data, as an ordinary table of
-- its owner; an active run is cancelled (syncs_before_delete); the runs stay in
-- cdb_connectors.imports with sync_id NULL. true when the sync was removed. A DELETE under RLS
-- (members of cdb_connector_admin may unsync any sync). Unknown / another role's id → P0002.
-- Invoker rights.
-- Parameters: sync_id. Locks: the sync's row and its active job's row.
create or replace function :api_schema.cdb_connector_unsync(sync_id uuid)
returns boolean
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  delete from cdb_connectors.syncs as s where s.id = cdb_connector_unsync.sync_id;
  if not found then
    perform cdb_connectors.raise_not_found('Synchronization', sync_id);
  end if;
  return true;
end
$$;

comment on function :api_schema.cdb_connector_unsync(uuid) is 'Stops syncing a table and keeps the table with its last data (an active run is cancelled). Unknown or another role''s id → SQLSTATE P0002.';
revoke execute on function :api_schema.cdb_connector_unsync(uuid) from public;
grant execute on function :api_schema.cdb_connector_unsync(uuid) to cdb_connector_user;
