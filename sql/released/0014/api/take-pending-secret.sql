-- cdb_connectors.take_pending_secret(row_id uuid) → text: the AFTER INSERT half of the password
-- hand-over. Returns the password stash_pending_secret kept for row_id (possibly empty) and blanks
-- the setting at once, so it lives no longer than the insert; NULL when none was kept.
-- Called by jobs_after_insert, requests_after_insert and syncs_after_insert (as the inserter),
-- which store it in their *_secrets table.
-- Parameters: row_id — the new row's id. Locks: none.
create or replace function cdb_connectors.take_pending_secret(row_id uuid)
returns text
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  setting_name text := cdb_connectors.pending_secret_setting(row_id);
  pending text := current_setting(setting_name, true);
begin
  if pending like 'p%' then
    perform set_config(setting_name, '', true);
    return substr(pending, 2);
  end if;
  return null;
end
$$;

comment on function cdb_connectors.take_pending_secret(uuid) is 'Internal: returns (and forgets) the password kept for a new row by stash_pending_secret; NULL when there is none.';
