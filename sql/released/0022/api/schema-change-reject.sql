-- :api_schema.cdb_connector_schema_change_reject(change_id uuid) → jsonb: rejects a pending
-- change of a paused sync table (SPEC §14): the table keeps its shape and later runs do not ask
-- again — a rejected add is never added (the remote column is not loaded), a rejected widen or
-- retype keeps the table's type and the remote values are loaded into it (a value that does not
-- fit fails the run: error 1500 with PostgreSQL's message, or a rejected row with "on_error":
-- "reject"), a rejected drop keeps the column with NULLs. When it was the sync's last pending
-- change, the sync resumes and runs at once. Returns the change with "sync_state" and
-- "pending_changes" (cdb_connectors.decide_schema_change). Invoker rights.
-- Errors: NULL → 22023; unknown or another role's change → P0002; not pending → 22023.
-- Parameters: change_id (cdb_connectors.schema_changes.id). Locks: see decide_schema_change.
create or replace function :api_schema.cdb_connector_schema_change_reject(change_id uuid)
returns jsonb
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
  select cdb_connectors.decide_schema_change(change_id, 'rejected')
$$;

comment on function :api_schema.cdb_connector_schema_change_reject(uuid) is 'Rejects a pending schema change of a paused sync table: the table keeps its shape, later runs load around it; the sync resumes when no change is left pending. Unknown or another role''s id → SQLSTATE P0002.';
revoke execute on function :api_schema.cdb_connector_schema_change_reject(uuid) from public;
grant execute on function :api_schema.cdb_connector_schema_change_reject(uuid) to cdb_connector_user;
