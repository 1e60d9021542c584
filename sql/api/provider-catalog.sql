-- cdb_connectors.provider_catalog() → one row per provider the bridge knows (SPEC §2): default
-- port and remote schema, which optional keys it accepts, and its required connection keys in
-- the order the "Missing required connection parameters" message lists them. Data, not
-- if-chains: normalize_params() and cdb_connector_providers() both read it, so a new provider
-- is one row here (plus its folder in src/providers/ and an entry in the enabled_providers rule).
-- sslmode (a connection key where optional_connection lists it): default_sslmode is what an
-- absent sslmode means, and normalize_connection writes it into the connection only where
-- fills_sslmode says so. postgres always has; mysql (sslmode since 0023, issue 22 §5) leaves it
-- absent, so its connections read as before and its provider applies the same default.
-- 0023 changed the result columns, which CREATE OR REPLACE cannot: the function is dropped and
-- created again, with the privileges every internal function has (grants.sql, worker-role.sql).
-- Parameters: none. Locks: AccessExclusive on the function's catalog row (migration only).
drop function if exists cdb_connectors.provider_catalog();

create function cdb_connectors.provider_catalog()
returns table (
  provider text,
  default_port integer,
  -- NULL: the remote schema defaults to the database (MySQL has no schemas inside a database)
  default_schema text,
  accepts_encoding boolean,
  default_sslmode text,
  fills_sslmode boolean,
  required_connection text[],
  optional_connection text[]
)
language sql immutable parallel safe
set search_path = pg_catalog, pg_temp
as $$
  values
    ('mysql'::text, 3306, null::text, true, 'prefer'::text, false,
     array['server', 'database', 'username', 'password'], array['port', 'sslmode']),
    ('postgres', 5432, 'public', false, 'require', true,
     array['server', 'database', 'username'], array['port', 'password', 'sslmode']),
    ('sqlserver', 1433, 'dbo', true, null, false,
     array['server', 'database', 'username', 'password'], array['port', 'encrypt', 'trust_server_certificate']),
    ('hive', 10000, 'default', true, null, false,
     array['server', 'database'], array['port', 'username', 'password'])
$$;

comment on function cdb_connectors.provider_catalog() is 'Internal: providers with their defaults and accepted connection keys (see cdb_connector_providers()).';
revoke all on function cdb_connectors.provider_catalog() from public;
grant execute on function cdb_connectors.provider_catalog() to cdb_connector_user, cdb_connector_worker;
