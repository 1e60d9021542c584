-- cdb_connector_worker: the least-privilege role sidecars run as (issue 16, docs/security.md).
-- NOLOGIN and NOINHERIT: a DBA creates the login and makes tenants reachable with
--   create role connector_bridge login bypassrls password '…' in role cdb_connector_worker;
--   grant alice to cdb_connector_worker;      -- once per role that uses the API
-- The login inherits these table privileges; NOINHERIT here stops the login from inheriting the
-- tenants' privileges through it, so it can only act as a tenant after SET ROLE (which the
-- sidecar does only for the tenant's own jobs, and which user code can never undo: owner frames).
-- BYPASSRLS belongs on the login because role attributes are never inherited; the control tables'
-- policies are written for tenants. Parameters: none. Locks: catalog row locks (migration only).
do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'cdb_connector_worker') then
    begin
      create role cdb_connector_worker nologin noinherit;
    exception when duplicate_object or unique_violation then
      null; -- another database's migration created it first (roles are cluster-wide)
    end;
  end if;
  if pg_catalog.shobj_description('cdb_connector_worker'::regrole, 'pg_authid') is null then
    begin
      comment on role cdb_connector_worker is 'pg-connector-bridge: the sidecars'' role. Logins: CREATE ROLE … LOGIN BYPASSRLS IN ROLE cdb_connector_worker; tenants: GRANT <role> TO cdb_connector_worker.';
    exception when unique_violation or internal_error then
      null;
    end;
  end if;
end
$$;

grant usage on schema cdb_connectors to cdb_connector_worker;
grant select, insert, update, delete on all tables in schema cdb_connectors to cdb_connector_worker;
grant usage, select, update on all sequences in schema cdb_connectors to cdb_connector_worker;
grant execute on all functions in schema cdb_connectors to cdb_connector_worker;
-- Tables and functions later migrations add (run by the same migrating role) are covered too.
alter default privileges in schema cdb_connectors grant select, insert, update, delete on tables to cdb_connector_worker;
alter default privileges in schema cdb_connectors grant usage, select, update on sequences to cdb_connector_worker;
alter default privileges in schema cdb_connectors grant execute on functions to cdb_connector_worker;
