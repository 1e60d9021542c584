-- :api_schema.cdb_connector_schema_change_approve(change_id uuid) → jsonb: approves a pending
-- change of a paused sync table (SPEC §14). The next run applies it: an add becomes ADD COLUMN,
-- a widen or retype ALTER COLUMN TYPE (a merge/append table converts its rows through text, a
-- replace table reloads every row anyway), a drop leaves the column with NULLs. When it was the
-- sync's last pending change, the sync resumes and runs at once. A run that still cannot apply
-- it (a view depending on the column, a value that does not convert) pauses again with
-- PostgreSQL's reason as a new pending row. Returns the change with "sync_state" and
-- "pending_changes" (cdb_connectors.decide_schema_change). Invoker rights.
-- Errors: NULL → 22023; unknown or another role's change → P0002; not pending → 22023.
-- Parameters: change_id (cdb_connectors.schema_changes.id). Locks: see decide_schema_change.
create or replace function :api_schema.cdb_connector_schema_change_approve(change_id uuid)
returns jsonb
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
  select cdb_connectors.decide_schema_change(change_id, 'approved')
$$;

comment on function :api_schema.cdb_connector_schema_change_approve(uuid) is 'Approves a pending schema change of a paused sync table (cdb_connectors.schema_changes.id): the next run applies it; the sync resumes when no change is left pending. Unknown or another role''s id → SQLSTATE P0002.';
revoke execute on function :api_schema.cdb_connector_schema_change_approve(uuid) from public;
grant execute on function :api_schema.cdb_connector_schema_change_approve(uuid) to cdb_connector_user;
