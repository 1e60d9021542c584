-- Triggers of cdb_connectors.connections (issue 22 §6): make a direct INSERT or UPDATE exactly
-- as safe as the functions (cdb_connector_create_connection / _alter_connection), which are
-- thin wrappers.
-- BEFORE INSERT OR UPDATE (connections_before_write), as the caller:
--   * NEW.params as written is {"provider": …, <connection keys>}; it is validated by
--     normalize_connection() for that provider (22023, DETAIL error_code 1502, every problem at
--     once, like an import's connection) and stored normalised WITHOUT the password, which is
--     handed to the AFTER trigger (stash_pending_secret). NEW.provider is the provider given,
--     else (UPDATE) the stored one.
--   * INSERT: owner forced to current_user for roles under RLS, id generated; the name must be
--     1–63 characters without control characters (the same rule as other names).
--   * UPDATE: id, owner and name never change (a rename is drop + create); a password not given
--     keeps the stored one (has_password stays).
-- AFTER INSERT OR UPDATE (connections_after_write), SECURITY DEFINER: a stashed password replaces
-- the row's sealed one in connection_secrets, on which users have no privileges. It touches only
-- NEW.id, the row the caller was allowed to write (RLS checked that before this fires).
-- Errors: 22023 (validation), 23505 through the unique (owner, name) for a taken name.
-- Locks: none beyond the row's own.
create or replace function cdb_connectors.connections_before_write()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  raw jsonb;
  chosen_provider text;
  conn record;
  problems text[] := '{}';
  problem text;
  gave_password boolean;
  limited constant boolean := row_security_active('cdb_connectors.connections'::regclass);
begin
  if tg_op = 'INSERT' then
    new.id := gen_random_uuid();
    if new.owner is null or limited then new.owner := current_user; end if;
    problem := cdb_connectors.text_param_problem('The connection name', to_jsonb(new.name), 63, false);
    if problem is not null then problems := problems || problem; end if;
  elsif new.id <> old.id or new.owner <> old.owner or new.name <> old.name then
    raise exception 'The id, owner and name of a connection cannot change: drop it and create it again under the new name'
      using errcode = '22023', detail = 'error_code 1502';
  end if;
  if jsonb_typeof(new.params) is distinct from 'object' then
    raise exception 'The connection must be a JSON object like {"provider": "mysql", "server": …, "database": …, "username": …, "password": …}'
      using errcode = '22023', detail = 'error_code 1502';
  end if;
  raw := cdb_connectors.lower_keys(new.params);
  chosen_provider := lower(coalesce(raw ->> 'provider', case when tg_op = 'UPDATE' then old.provider end));
  if chosen_provider is null then
    problems := problems || 'Provider not defined: give "provider" (mysql, postgres, sqlserver or hive) with the connection'::text;
  elsif not exists (select from cdb_connectors.provider_catalog() as p where p.provider = chosen_provider) then
    problems := problems || format('Invalid provider %s — use one of %s', raw -> 'provider',
      (select string_agg(p.provider, ', ' order by p.provider) from cdb_connectors.provider_catalog() as p));
    chosen_provider := null;
  end if;
  gave_password := raw ? 'password' and jsonb_typeof(raw -> 'password') <> 'null';
  -- an UPDATE that leaves the password out keeps the stored one: check the rest as if it were given
  select * into conn from cdb_connectors.normalize_connection(
    case when tg_op = 'UPDATE' and not gave_password and old.has_password then raw - 'provider' || '{"password": ""}' else raw - 'provider' end,
    chosen_provider);
  problems := problems || conn.problems;
  if problems <> '{}' then
    raise exception using errcode = '22023', detail = 'error_code 1502', message = array_to_string(problems, E'\n');
  end if;
  new.provider := chosen_provider;
  if gave_password then
    perform cdb_connectors.stash_pending_secret(new.id, jsonb_build_object('connection', conn.normalized));
  end if;
  new.params := conn.normalized - 'password';
  if gave_password then
    new.has_password := true;
  elsif tg_op = 'INSERT' then
    new.has_password := false;
  else
    new.has_password := old.has_password;
  end if;
  new.created_at := case when tg_op = 'INSERT' then now() else old.created_at end;
  new.updated_at := now();
  return new;
end
$$;

create or replace function cdb_connectors.connections_after_write()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  secret text := cdb_connectors.take_pending_secret(new.id);
begin
  if secret is not null then
    delete from cdb_connectors.connection_secrets where connection_id = new.id;
    insert into cdb_connectors.connection_secrets (connection_id, password) values (new.id, cdb_connectors.seal_secret(secret));
  end if;
  return null;
end
$$;

revoke all on function cdb_connectors.connections_before_write(), cdb_connectors.connections_after_write() from public;

drop trigger if exists connections_before_write on cdb_connectors.connections;
create trigger connections_before_write before insert or update on cdb_connectors.connections
  for each row execute function cdb_connectors.connections_before_write();
drop trigger if exists connections_after_write on cdb_connectors.connections;
create trigger connections_after_write after insert or update on cdb_connectors.connections
  for each row execute function cdb_connectors.connections_after_write();

comment on function cdb_connectors.connections_before_write() is 'Trigger: validates and normalises a named connection, forces owner and id, and keeps its password for connections_after_write.';
comment on function cdb_connectors.connections_after_write() is 'Trigger: seals a named connection''s new password into connection_secrets.';
