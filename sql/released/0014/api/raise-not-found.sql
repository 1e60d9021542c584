-- cdb_connectors.raise_not_found(kind text, id uuid): raises SQLSTATE P0002 (no_data_found; the
-- HTTP API maps it to 404) for an import or synchronization the caller cannot find, with the one
-- message and hint every API function gives: '<kind> <id> not found' and "The id does not exist
-- or the <kind> belongs to another role." RLS makes the two cases look the same, on purpose.
-- Called by cdb_connector_import_status, _cancel, _sync_now, _set_interval, _unsync and
-- sync_object. Parameters: kind — 'Import' or 'Synchronization'; id (NULL shown as NULL).
-- Locks: none.
create or replace function cdb_connectors.raise_not_found(kind text, id uuid)
returns void
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
begin
  raise exception '% % not found', kind, coalesce(id::text, 'NULL') using errcode = 'P0002',
    hint = format('The id does not exist or the %s belongs to another role.', lower(kind));
end
$$;

comment on function cdb_connectors.raise_not_found(text, uuid) is 'Internal: raises P0002 "<kind> <id> not found" for an import or synchronization the caller cannot see.';
