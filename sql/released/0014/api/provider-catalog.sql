-- cdb_connectors.provider_catalog() → one row per provider the bridge knows (SPEC §2): default
-- port and remote schema, which optional keys it accepts, and its required connection keys in
-- the order the "Missing required connection parameters" message lists them. Data, not
-- if-chains: normalize_params() and cdb_connector_providers() both read it, so a new provider
-- is one row here (plus its folder in src/providers/ and an entry in the enabled_providers rule).
-- Parameters: none. Locks: none.
create or replace function cdb_connectors.provider_catalog()
returns table (
  provider text,
  default_port integer,
  -- NULL: the remote schema defaults to the database (MySQL has no schemas inside a database)
  default_schema text,
  accepts_encoding boolean,
  accepts_sslmode boolean,
  required_connection text[],
  optional_connection text[]
)
language sql immutable parallel safe
set search_path = pg_catalog, pg_temp
as $$
  values
    ('mysql'::text, 3306, null::text, true, false,
     array['server', 'database', 'username', 'password'], array['port']),
    ('postgres', 5432, 'public', false, true,
     array['server', 'database', 'username'], array['port', 'password', 'sslmode']),
    ('sqlserver', 1433, 'dbo', true, false,
     array['server', 'database', 'username', 'password'], array['port', 'encrypt', 'trust_server_certificate']),
    ('hive', 10000, 'default', true, false,
     array['server', 'database'], array['port', 'username', 'password'])
$$;

comment on function cdb_connectors.provider_catalog() is 'Internal: providers with their defaults and accepted connection keys (see cdb_connector_providers()).';
