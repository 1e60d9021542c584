-- The schema that receives the user-facing cdb_connector_* functions: `public` by default,
-- another one with `connector-bridge migrate --api-schema` (SPEC §1). `:api_schema` is replaced
-- by the quoted schema name when the migration applies this file (migrations/lib/apply-sql.js).
-- Parameters: :api_schema. Locks: none beyond CREATE SCHEMA's catalog locks.
create schema if not exists :api_schema;

-- A schema other than public needs USAGE for the API's users; public has it for everybody.
do $$
begin
  if ':api_schema'::regnamespace <> 'public'::regnamespace then
    execute format('grant usage on schema %s to cdb_connector_user', ':api_schema'::regnamespace);
  end if;
end
$$;
