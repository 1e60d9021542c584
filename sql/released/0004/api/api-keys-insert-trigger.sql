-- BEFORE INSERT trigger on cdb_connectors.api_keys: generates the key, stores only its hash, and
-- decides who may create a key for which role. Users insert (role_name, label); every other
-- column is forced here, so a user can neither choose a key nor back-date one.
-- The new key is handed to cdb_connector_create_api_key() through the transaction-local setting
-- cdb_connectors.new_api_key (visible only to this session, gone at commit; the function blanks
-- it at once), because the row never holds it.
-- Who may create a key for role R (decided for issue 11):
--   * R itself, or any role that is a member of R (so superusers, and a DBA granted R). A key
--     grants nothing its creator could not already do with SET ROLE R.
--   * Not members of cdb_connector_admin by that alone: admins see and cancel every job, but
--     acting as another role is impersonation; GRANT alice TO the DBA if that is wanted.
--   * R must be a member of cdb_connector_user (otherwise every request would be refused) and
--     must not be a superuser (a key would bypass row-level security, the API's isolation).
-- Key format: 'cdbk_' + 64 hex digits from two gen_random_uuid() (pg_strong_random: 244 random
-- bits). Core PostgreSQL only (no pgcrypto).
-- Parameters: none. Locks: none beyond the INSERT's.
create or replace function cdb_connectors.api_keys_before_insert()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  new_key constant text := 'cdbk_' || replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '');
  target record;
begin
  select r.oid, r.rolname, r.rolsuper into target from pg_catalog.pg_roles as r where r.rolname = new.role_name;
  if not found then
    raise exception 'Role % does not exist', coalesce(quote_ident(new.role_name), 'NULL') using errcode = '42704';
  end if;
  if not pg_catalog.pg_has_role(current_user, target.oid, 'member') then
    raise exception 'Permission denied to create an API key for role %', quote_ident(target.rolname) using errcode = '42501',
      hint = 'Only the role itself, its members and superusers may create its API keys.';
  end if;
  if target.rolsuper then
    raise exception 'API keys cannot be created for superuser %: requests would bypass row-level security', quote_ident(target.rolname)
      using errcode = '22023', hint = 'Create the key for an ordinary role that is a member of cdb_connector_user.';
  end if;
  if not pg_catalog.pg_has_role(target.oid, 'cdb_connector_user', 'member') then
    raise exception 'Role % is not a member of cdb_connector_user', quote_ident(target.rolname) using errcode = '22023',
      hint = format('GRANT cdb_connector_user TO %I; first.', target.rolname);
  end if;
  new.id := gen_random_uuid();
  new.role_oid := target.oid;
  new.role_name := target.rolname;
  new.key_hash := sha256(convert_to(new_key, 'UTF8'));
  new.created_by := current_user;
  new.created_at := now();
  new.last_used_at := null;
  new.revoked_at := null;
  perform set_config('cdb_connectors.new_api_key', new_key, true);
  return new;
end
$$;

drop trigger if exists api_keys_before_insert on cdb_connectors.api_keys;
create trigger api_keys_before_insert before insert on cdb_connectors.api_keys
  for each row execute function cdb_connectors.api_keys_before_insert();

comment on function cdb_connectors.api_keys_before_insert() is 'Trigger: generates a new API key (only its hash is stored) and checks who may create it.';
