-- cdb_connectors.stash_pending_secret(row_id uuid, params jsonb) → jsonb: the BEFORE INSERT half of
-- the password hand-over (pending_secret_setting says why there is one). Returns the normalised
-- connector object with connection.password shown as "***" and keeps the password in the
-- transaction-local setting of row_id for the AFTER INSERT trigger (take_pending_secret). Without
-- a password it returns params as they are and keeps nothing.
-- Called by jobs_before_insert, requests_before_insert and syncs_before_insert (as the inserter).
-- Parameters: row_id — the new row's id; params — the normalised connector object. Locks: none.
create or replace function cdb_connectors.stash_pending_secret(row_id uuid, params jsonb)
returns jsonb
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  secret text := params #>> '{connection,password}';
begin
  if secret is null then
    return params;
  end if;
  -- 'p' prefix: an empty password stays distinguishable from the blanked setting
  perform set_config(cdb_connectors.pending_secret_setting(row_id), 'p' || secret, true);
  return jsonb_set(params, '{connection,password}', '"***"');
end
$$;

comment on function cdb_connectors.stash_pending_secret(uuid, jsonb) is 'Internal: masks the password of a new row''s params and keeps it for the row''s AFTER INSERT trigger.';
