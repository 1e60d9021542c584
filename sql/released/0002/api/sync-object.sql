-- cdb_connectors.sync_object(sync_id uuid) → jsonb: one row of cdb_connectors.synchronizations as
-- a JSON object, the answer of every sync function (CARTO's synchronization object, SPEC §5).
-- Reads the view with invoker rights, so RLS decides: an unknown id or another role's sync
-- raises SQLSTATE P0002 (the HTTP API maps it to 404), the two cases alike on purpose.
-- Parameters: sync_id. Locks: AccessShare on syncs.
create or replace function cdb_connectors.sync_object(sync_id uuid)
returns jsonb
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
  obj jsonb;
begin
  select to_jsonb(v) into obj from cdb_connectors.synchronizations as v where v.id = sync_object.sync_id;
  if obj is null then
    raise exception 'Synchronization % not found', coalesce(sync_id::text, 'NULL') using errcode = 'P0002',
      hint = 'The id does not exist or the synchronization belongs to another role.';
  end if;
  return obj;
end
$$;

comment on function cdb_connectors.sync_object(uuid) is 'Internal: a synchronization as JSON (CARTO fields); P0002 when not visible.';
