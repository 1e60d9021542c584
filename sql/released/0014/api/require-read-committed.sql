-- cdb_connectors.require_read_committed(caller text, hint text): raises SQLSTATE 25000 unless the
-- transaction runs under READ COMMITTED. The functions that poll for a sidecar's progress
-- (cdb_connector_wait, cdb_connector_request_result) need it: under READ COMMITTED every statement
-- of a volatile function takes a new snapshot and sees the sidecar's commits; under REPEATABLE
-- READ or SERIALIZABLE the snapshot is frozen and they would wait in vain.
-- Parameters: caller — the function's name for the message, e.g. 'cdb_connector_wait()';
-- hint — what to do instead. Locks: none.
create or replace function cdb_connectors.require_read_committed(caller text, hint text)
returns void
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
begin
  if current_setting('transaction_isolation') <> 'read committed' then
    raise exception '% needs READ COMMITTED isolation, not %', caller, upper(current_setting('transaction_isolation'))
      using errcode = '25000', hint = require_read_committed.hint;
  end if;
end
$$;

comment on function cdb_connectors.require_read_committed(text, text) is 'Internal: raises 25000 unless the transaction is READ COMMITTED (for the functions that poll for a sidecar''s progress).';
