-- cdb_connectors.decide_schema_change(change_id uuid, decision text) → jsonb: approves or rejects
-- one pending schema change of a sync table (SPEC §14); the body of
-- cdb_connector_schema_change_approve / _reject. Invoker rights, no SECURITY DEFINER: the UPDATE
-- of schema_changes.action runs under its RLS policies (a role decides its own syncs' changes,
-- cdb_connector_admin members any) and schema_changes_before_update checks the transition and
-- records decided_by / decided_at; then an UPDATE of the sync's resume_requested_at lets
-- syncs_before_update resume the sync once none of its changes is pending — state back to
-- failure (its last run did stop), due at once, the sidecars woken like by sync_now (the run
-- after the decision applies an approved change, or loads around a rejected one).
-- Returns the change as JSON (schema_changes' columns) plus "sync_state": "queued" when this
-- decision resumed the sync, else the sync's state (e.g. "paused": other changes still pending),
-- and "pending_changes": how many are left.
-- Errors: NULL id → 22023; unknown id, or another role's change → P0002 "Schema change <id> not
-- found" (alike on purpose); a change that is not pending → 22023 saying what it is.
-- Parameters: change_id; decision 'approved' or 'rejected'. Locks: the sync's row (FOR UPDATE,
-- so two decisions on one sync, or a decision and the sidecar pausing it, take turns), the change's row.
create or replace function cdb_connectors.decide_schema_change(change_id uuid, decision text)
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  sync uuid;
  change cdb_connectors.schema_changes;
  left_pending integer;
  resumed boolean;
  sync_state text;
begin
  if change_id is null then
    raise exception 'The change_id argument must not be NULL' using errcode = '22023',
      hint = 'The ids are in cdb_connectors.schema_changes (id), e.g. WHERE action = ''pending''.';
  end if;
  if decision is null or decision not in ('approved', 'rejected') then
    raise exception 'A schema change is approved or rejected, not %', coalesce(decision, 'NULL') using errcode = '22023';
  end if;
  select c.sync_id into sync from cdb_connectors.schema_changes as c where c.id = decide_schema_change.change_id;
  if not found then
    perform cdb_connectors.raise_not_found('Schema change', change_id);
  end if;
  perform from cdb_connectors.syncs as s where s.id = sync for update;
  update cdb_connectors.schema_changes as c set action = decision where c.id = decide_schema_change.change_id
    returning * into change;
  if not found then
    perform cdb_connectors.raise_not_found('Schema change', change_id);
  end if;
  select count(*)::integer into left_pending
    from cdb_connectors.schema_changes as c where c.sync_id = sync and c.action = 'pending';
  select s.state = 'paused' and left_pending = 0 into resumed from cdb_connectors.syncs as s where s.id = sync;
  update cdb_connectors.syncs as s set resume_requested_at = now() where s.id = sync;
  select s.state into sync_state from cdb_connectors.syncs as s where s.id = sync;
  return to_jsonb(change) || jsonb_build_object(
    'sync_state', case when coalesce(resumed, false) then 'queued' else sync_state end,
    'pending_changes', left_pending);
end
$$;

comment on function cdb_connectors.decide_schema_change(uuid, text) is 'Internal: approves or rejects a pending schema change (invoker rights, RLS) and resumes its sync when none is left pending.';
