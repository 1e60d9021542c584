-- :api_schema.cdb_connector_providers() → one row per provider (SPEC §3): whether it is enabled
-- on this database (setting enabled_providers), its default port and remote schema (NULL for
-- mysql: the database), and a JSON description of its parameters:
--   {"connector": {"required": […], "one_of": ["table", "sql_query"], "optional": […]},
--    "connection": {"required": […], "optional": […]},
--    "defaults": {"port": n, "schema": …, "sslmode": "require"}, "sslmode": […] (mysql, postgres)}
-- Parameters: none. Locks: AccessShare on settings.
create or replace function :api_schema.cdb_connector_providers()
returns table (provider text, enabled boolean, default_port integer, default_schema text, parameters jsonb)
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
  select
    c.provider,
    coalesce((select s.value ? c.provider from cdb_connectors.settings as s where s.name = 'enabled_providers'), false),
    c.default_port,
    c.default_schema,
    jsonb_strip_nulls(jsonb_build_object(
      'connector', jsonb_build_object(
        'required', jsonb_build_array('provider', 'connection'),
        'one_of', jsonb_build_array('table', 'sql_query'),
        'optional', to_jsonb(array['schema', 'table', 'sql_query', 'import_as']
          || case when c.accepts_encoding then array['encoding'] else '{}'::text[] end)),
      'connection', jsonb_build_object('required', to_jsonb(c.required_connection), 'optional', to_jsonb(c.optional_connection)),
      'defaults', jsonb_build_object(
        'port', c.default_port,
        'schema', coalesce(c.default_schema, 'the database'),
        'sslmode', c.default_sslmode),
      'sslmode', case when c.default_sslmode is not null then jsonb_build_array('require', 'prefer', 'disable', 'verify-ca', 'verify-full') end))
  from cdb_connectors.provider_catalog() as c
  order by c.provider
$$;

comment on function :api_schema.cdb_connector_providers() is 'Providers this bridge supports: enabled on this database?, default port and schema, accepted parameters (JSON).';
revoke execute on function :api_schema.cdb_connector_providers() from public;
grant execute on function :api_schema.cdb_connector_providers() to cdb_connector_user;
