-- :api_schema.cdb_connector_create_api_key(role name default current_user, label text default null)
-- → text: a new API key for the HTTP API (SPEC §11), e.g. 'cdbk_3f9c…' (69 characters). The key
-- is returned this once; only its SHA-256 is stored in cdb_connectors.api_keys. HTTP requests
-- made with it (`?api_key=…` or `Authorization: Bearer …`) run the SQL API as `role`.
-- Who may call it for which role, and why, is decided in api_keys_before_insert
-- (sql/api/api-keys-insert-trigger.sql): the role itself, its members and superusers; the role
-- must be a member of cdb_connector_user and not a superuser. Errors: 42704 unknown role, 42501
-- not allowed, 22023 superuser / not a member / label longer than 200 characters.
-- An INSERT under RLS, like every user action of the API; invoker rights. The role's default is
-- evaluated in the caller's context, so `select cdb_connector_create_api_key()` is the caller's.
-- Parameters: role — whom requests run as; label — a note for people (≤ 200 characters).
-- Locks: RowExclusive on api_keys.
create or replace function :api_schema.cdb_connector_create_api_key(role name default current_user, label text default null)
returns text
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  new_key text;
begin
  if cdb_connector_create_api_key.role is null then
    raise exception 'The role must not be NULL' using errcode = '22023';
  end if;
  if char_length(cdb_connector_create_api_key.label) > 200 then
    raise exception 'The label must be at most 200 characters long' using errcode = '22023';
  end if;
  insert into cdb_connectors.api_keys (role_name, label)
  values (cdb_connector_create_api_key.role, cdb_connector_create_api_key.label);
  new_key := current_setting('cdb_connectors.new_api_key', true);
  perform set_config('cdb_connectors.new_api_key', '', true);
  return new_key;
end
$$;

comment on function :api_schema.cdb_connector_create_api_key(name, text) is
'Creates an API key for the HTTP API: select cdb_connector_create_api_key(''alice'', ''nightly ETL''). Returns the key once (only its hash is stored); requests with it run as the role. Allowed for the role itself, its members and superusers.';
revoke execute on function :api_schema.cdb_connector_create_api_key(name, text) from public;
grant execute on function :api_schema.cdb_connector_create_api_key(name, text) to cdb_connector_user;
