-- cdb_connectors.written_by_this_transaction(row_xmin xid) → boolean: whether the row whose xmin
-- is given was written by the current transaction, which the sidecars cannot see before it
-- commits. A poll for such a row's progress would wait in vain, so cdb_connector_wait and
-- cdb_connector_request_result refuse it at once (25000). The xmin of a row this transaction
-- wrote is our own xid: the low 32 bits of the xid8 (false when no xid is assigned yet).
-- Parameters: row_xmin — the row's xmin system column. Locks: none.
create or replace function cdb_connectors.written_by_this_transaction(row_xmin xid)
returns boolean
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(row_xmin::text = (pg_current_xact_id_if_assigned()::text::numeric % 4294967296)::text, false)
$$;

comment on function cdb_connectors.written_by_this_transaction(xid) is 'Internal: true when the row with this xmin was written by the current transaction.';
