-- :api_schema.cdb_connector_revoke_api_key(key_or_id text) → boolean: revokes an API key, named
-- by the key itself or by its id (cdb_connectors.api_keys.id). From the next request on, the key
-- gets 401. true — revoked now; false — it was already revoked. A key the caller cannot see
-- (unknown, or another role's that the caller is not a member of) raises P0002, the two cases
-- alike on purpose. Visible, and so revocable: keys of roles the caller is a member of
-- (itself included); members of cdb_connector_admin revoke any key (revoking takes no power).
-- An UPDATE of revoked_at under RLS; api_keys_before_update makes it permanent. Invoker rights.
-- Parameters: key_or_id — 'cdbk_…' or the key's uuid. Locks: the key's row (FOR UPDATE).
create or replace function :api_schema.cdb_connector_revoke_api_key(key_or_id text)
returns boolean
language plpgsql
volatile strict
set search_path = pg_catalog, pg_temp
as $$
declare
  as_id uuid;
  key_id uuid;
  was_revoked timestamptz;
begin
  begin
    as_id := key_or_id::uuid;
  exception when invalid_text_representation then
    as_id := null; -- not an id: a key
  end;
  select k.id, k.revoked_at into key_id, was_revoked
  from cdb_connectors.api_keys as k
  where k.id = as_id or k.key_hash = sha256(convert_to(key_or_id, 'UTF8'))
  for update;
  if not found then
    raise exception 'API key not found' using errcode = 'P0002',
      hint = 'Pass the key or its id (cdb_connectors.api_keys.id); keys of other roles are not visible.';
  end if;
  if was_revoked is not null then
    return false;
  end if;
  update cdb_connectors.api_keys as k set revoked_at = now() where k.id = key_id;
  return true;
end
$$;

comment on function :api_schema.cdb_connector_revoke_api_key(text) is 'Revokes an API key of the HTTP API, given the key or its id: true when revoked now, false when it already was. Unknown or invisible key → SQLSTATE P0002.';
revoke execute on function :api_schema.cdb_connector_revoke_api_key(text) from public;
grant execute on function :api_schema.cdb_connector_revoke_api_key(text) to cdb_connector_user;
