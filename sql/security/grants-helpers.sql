-- Privileges of the internal helpers that 0001 gained in place after it shipped (they are
-- created by 0008 and 0014 now, after grants.sql ran, so PUBLIC got EXECUTE by default): the same
-- as grants.sql gives every internal function — no EXECUTE for PUBLIC, EXECUTE for
-- cdb_connector_user (the trigger functions run as the inserting user and call them).
-- Parameters: none. Locks: catalog locks of GRANT/REVOKE (migration only).
revoke all on function cdb_connectors.notify_new_row(text, uuid), cdb_connectors.raise_not_found(text, uuid),
  cdb_connectors.require_read_committed(text, text), cdb_connectors.sleep_before_deadline(double precision, timestamptz),
  cdb_connectors.stash_pending_secret(uuid, jsonb), cdb_connectors.take_pending_secret(uuid),
  cdb_connectors.written_by_this_transaction(xid) from public;
grant execute on function cdb_connectors.notify_new_row(text, uuid), cdb_connectors.raise_not_found(text, uuid),
  cdb_connectors.require_read_committed(text, text), cdb_connectors.sleep_before_deadline(double precision, timestamptz),
  cdb_connectors.stash_pending_secret(uuid, jsonb), cdb_connectors.take_pending_secret(uuid),
  cdb_connectors.written_by_this_transaction(xid) to cdb_connector_user;
