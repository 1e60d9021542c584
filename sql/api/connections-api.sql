-- Named connections, the SQL API (issue 22 §6; docs/named-connections.md). Invoker rights: the
-- connection belongs to the caller and the triggers of cdb_connectors.connections validate it.
--   :api_schema.cdb_connector_create_connection(name text, connection jsonb) → jsonb
--     connection = {"provider": "mysql", "server": …, "port": …, "database": …, "username": …,
--     "password": …, "sslmode": …} (the keys of an import's "connection", plus provider).
--     A taken name raises 42710 (duplicate_object) naming cdb_connector_alter_connection.
--   :api_schema.cdb_connector_alter_connection(name text, changes jsonb) → jsonb
--     merges `changes` into the stored connection: {"password": "new"} rotates the password of
--     every import, sync and check that names the connection, from their next run on.
--   :api_schema.cdb_connector_drop_connection(name text) → boolean
--     refused (2BP01, dependent_objects_still_exist) while a sync of the caller names it; true when
--     dropped.
-- Each returns the stored connection as {"name", "provider", "connection": {…, "password": "***"
-- when one is stored}, "created_at", "updated_at"} — never the password. An unknown name
-- (or another role's) raises P0002.
-- To keep the password out of statement text entirely, pass `connection` as a bind parameter
-- ($2 from a driver, or the CLI: connector-bridge connection create <name> < file.json).
-- Parameters: name — the connection's name; connection / changes — JSON objects.
-- Locks: RowExclusive on connections (and connection_secrets through the trigger).
create or replace function cdb_connectors.connection_object(c cdb_connectors.connections)
returns jsonb
language sql stable
set search_path = pg_catalog, pg_temp
as $$
  select jsonb_build_object('name', c.name, 'provider', c.provider,
    'connection', c.params || case when c.has_password then '{"password": "***"}'::jsonb else '{}'::jsonb end,
    'created_at', c.created_at, 'updated_at', c.updated_at)
$$;

create or replace function :api_schema.cdb_connector_create_connection(name text, connection jsonb)
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  created cdb_connectors.connections;
begin
  if exists (select from cdb_connectors.connections as c where c.owner = current_user and c.name = cdb_connector_create_connection.name) then
    raise exception 'A connection named % already exists', format('%I', cdb_connector_create_connection.name)
      using errcode = '42710', hint = 'Change it with cdb_connector_alter_connection(name, changes), or drop it first with cdb_connector_drop_connection(name).';
  end if;
  insert into cdb_connectors.connections (name, params)
  values (cdb_connector_create_connection.name, connection)
  returning * into created;
  return cdb_connectors.connection_object(created);
end
$$;

create or replace function :api_schema.cdb_connector_alter_connection(name text, changes jsonb)
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  changed cdb_connectors.connections;
begin
  if jsonb_typeof(changes) is distinct from 'object' then
    raise exception 'The changes must be a JSON object such as {"password": "…"} or {"server": "…", "port": 3307}'
      using errcode = '22023', detail = 'error_code 1502';
  end if;
  update cdb_connectors.connections as c
     set params = c.params || cdb_connectors.lower_keys(changes)
   where c.owner = current_user and c.name = cdb_connector_alter_connection.name
  returning * into changed;
  if not found then
    perform cdb_connectors.raise_no_connection(cdb_connector_alter_connection.name);
  end if;
  return cdb_connectors.connection_object(changed);
end
$$;

create or replace function :api_schema.cdb_connector_drop_connection(name text)
returns boolean
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  users text;
begin
  select string_agg(s.id::text, ', ' order by s.created_at) into users
    from cdb_connectors.syncs as s
   where s.owner = current_user and s.params -> 'connection' ->> 'name' = cdb_connector_drop_connection.name;
  if users is not null then
    raise exception 'The connection % is used by the synchronizations %', format('%I', cdb_connector_drop_connection.name), users
      using errcode = '2BP01', hint = 'Unsync them first (cdb_connector_unsync(id)), or change the connection instead with cdb_connector_alter_connection.';
  end if;
  delete from cdb_connectors.connections as c where c.owner = current_user and c.name = cdb_connector_drop_connection.name;
  if not found then
    perform cdb_connectors.raise_no_connection(cdb_connector_drop_connection.name);
  end if;
  return true;
end
$$;

create or replace function cdb_connectors.raise_no_connection(name text)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  raise exception 'No connection named % (of role %)', format('%I', name), format('%I', current_user)
    using errcode = 'P0002', hint = 'SELECT name FROM cdb_connectors.connections lists yours; create one with cdb_connector_create_connection(name, connection).';
end
$$;

comment on function :api_schema.cdb_connector_create_connection(text, jsonb) is
'Stores a named connection: SELECT cdb_connector_create_connection(''warehouse'', ''{"provider": "mysql", "server": …, "password": …}''); then import with "connection": "warehouse".';
comment on function :api_schema.cdb_connector_alter_connection(text, jsonb) is
'Changes a named connection, e.g. rotates its password: SELECT cdb_connector_alter_connection(''warehouse'', ''{"password": "…"}'').';
comment on function :api_schema.cdb_connector_drop_connection(text) is
'Drops a named connection (refused while a sync uses it).';

revoke execute on function :api_schema.cdb_connector_create_connection(text, jsonb), :api_schema.cdb_connector_alter_connection(text, jsonb),
  :api_schema.cdb_connector_drop_connection(text), cdb_connectors.connection_object(cdb_connectors.connections),
  cdb_connectors.raise_no_connection(text) from public;
grant execute on function :api_schema.cdb_connector_create_connection(text, jsonb), :api_schema.cdb_connector_alter_connection(text, jsonb),
  :api_schema.cdb_connector_drop_connection(text), cdb_connectors.connection_object(cdb_connectors.connections),
  cdb_connectors.raise_no_connection(text) to cdb_connector_user;
