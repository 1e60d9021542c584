-- :api_schema.cdb_connector_sync_reset(sync_id uuid) → jsonb: forgets the mark of an incremental
-- sync (SPEC §13): the next run re-reads the whole remote table and merges it (a replace sync
-- has no mark; this changes nothing for it). Returns the sync's row of cdb_connectors.sync_state.
-- An UPDATE of reset_requested_at under RLS; syncs_before_update clears the mark. It does not run
-- the sync: cdb_connector_sync_now(id) does. Unknown / another role's id → P0002 (members of
-- cdb_connector_admin may reset any sync). Invoker rights.
-- Parameters: sync_id. Locks: the sync's row, briefly.
create or replace function :api_schema.cdb_connector_sync_reset(sync_id uuid)
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  state jsonb;
begin
  update cdb_connectors.syncs as s set reset_requested_at = now() where s.id = cdb_connector_sync_reset.sync_id;
  if not found then
    perform cdb_connectors.raise_not_found('Synchronization', sync_id);
  end if;
  select to_jsonb(st) into state from cdb_connectors.sync_state as st where st.sync_id = cdb_connector_sync_reset.sync_id;
  return state;
end
$$;

comment on function :api_schema.cdb_connector_sync_reset(uuid) is 'Forgets the mark of an incremental sync table: its next run re-reads the whole remote table and merges it. Returns its sync_state row. Unknown or another role''s id → SQLSTATE P0002.';
revoke execute on function :api_schema.cdb_connector_sync_reset(uuid) from public;
grant execute on function :api_schema.cdb_connector_sync_reset(uuid) to cdb_connector_user;
