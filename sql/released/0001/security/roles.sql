-- Roles of the SQL API (SPEC §3). Roles are cluster-wide while migrations run per database, and
-- tests migrate many databases of one cluster at once: create each role only if missing, and
-- treat a concurrent creator winning the race (unique_violation on pg_authid) as success.
-- Parameters: none. Locks: row locks on pg_authid / pg_auth_members while creating.
--   cdb_connector_user  — GRANT cdb_connector_user TO alice lets alice use the API.
--   cdb_connector_admin — members see and cancel every role's jobs (RLS policies in rls-*.sql).
do $$
declare
  role_name text;
  descriptions constant jsonb := jsonb_build_object(
    'cdb_connector_user', 'pg-connector-bridge: members may call the cdb_connector_* functions and read their own jobs.',
    'cdb_connector_admin', 'pg-connector-bridge: members see and cancel the jobs of every role.');
begin
  foreach role_name in array array['cdb_connector_user', 'cdb_connector_admin'] loop
    if not exists (select from pg_catalog.pg_roles where rolname = role_name) then
      begin
        execute format('create role %I nologin', role_name);
      exception when duplicate_object or unique_violation then
        null; -- another database's migration created it first
      end;
    end if;
    if pg_catalog.shobj_description(role_name::regrole, 'pg_authid') is distinct from descriptions ->> role_name then
      begin
        execute format('comment on role %I is %L', role_name, descriptions ->> role_name);
      exception when unique_violation or internal_error then
        null; -- "tuple concurrently updated": a concurrent migration wrote the same comment
      end;
    end if;
  end loop;
  -- Admins inherit every user grant, so one GRANT makes a DBA-like API user.
  if not pg_catalog.pg_has_role('cdb_connector_admin', 'cdb_connector_user', 'member') then
    begin
      grant cdb_connector_user to cdb_connector_admin;
    exception when unique_violation or internal_error then
      null;
    end;
  end if;
end
$$;
