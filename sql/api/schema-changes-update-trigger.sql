-- BEFORE UPDATE trigger on cdb_connectors.schema_changes: the one change users may make to a row
-- (through cdb_connector_schema_change_approve / _reject, or a plain UPDATE of action under RLS:
-- their own rows, all for cdb_connector_admin members) is deciding a pending change:
--   action pending → approved | rejected; decided_by := current_user, decided_at := now().
-- Anything else a user writes to action is refused with 22023 saying what the row holds; the
-- other columns have no UPDATE privilege. The sidecars (table owner, RLS bypassed) only set
-- applied_at, which passes untouched.
-- Parameters: none. Locks: the UPDATE's row lock.
create or replace function cdb_connectors.schema_changes_before_update()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  if new.action is not distinct from old.action then
    return new;
  end if;
  if old.action <> 'pending' or new.action is null or new.action not in ('approved', 'rejected') then
    raise exception using errcode = '22023',
      message = case when old.action = 'pending'
        then format('A pending schema change can only be approved or rejected, not set to %s', coalesce(new.action, 'NULL'))
        else format('Schema change %s is not pending: it was %s%s', old.id, old.action,
          case when old.decided_by is not null then format(' by %s at %s', old.decided_by, to_char(old.decided_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
               when old.action = 'applied' then ' by the sync''s on_schema_change policy'
               when old.action = 'failed' then ' (on_schema_change fail: change the table or the remote, or recreate the sync)'
               else '' end) end,
      hint = 'Only changes with action pending (the sync is paused) wait for cdb_connector_schema_change_approve(id) or cdb_connector_schema_change_reject(id).';
  end if;
  new.decided_by := current_user;
  new.decided_at := now();
  return new;
end
$$;

drop trigger if exists schema_changes_before_update on cdb_connectors.schema_changes;
create trigger schema_changes_before_update before update on cdb_connectors.schema_changes
  for each row execute function cdb_connectors.schema_changes_before_update();

comment on function cdb_connectors.schema_changes_before_update() is 'Trigger: a schema change goes from pending to approved or rejected only, recording who decided and when.';
