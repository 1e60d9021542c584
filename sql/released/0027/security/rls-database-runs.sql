-- Row-level security and grants of whole-database runs (SPEC §15), as for jobs: a role sees and
-- cancels only its own runs, members of cdb_connector_admin all; a new run's owner is the
-- inserting role; run_secrets is INSERT-only, for the role's own runs. Users may INSERT (id,
-- params, target_schema) — database_runs_before_insert forces the rest — and UPDATE
-- cancel_requested only. The table owner and superusers (the sidecars) bypass RLS.
-- Parameters: none. Locks: AccessExclusive on database_runs and run_secrets while altering (migration only).
alter table cdb_connectors.database_runs enable row level security;

drop policy if exists database_runs_select on cdb_connectors.database_runs;
create policy database_runs_select on cdb_connectors.database_runs for select
  using (owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'));
drop policy if exists database_runs_insert on cdb_connectors.database_runs;
create policy database_runs_insert on cdb_connectors.database_runs for insert
  with check (owner = current_user);
drop policy if exists database_runs_update on cdb_connectors.database_runs;
create policy database_runs_update on cdb_connectors.database_runs for update
  using (owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'))
  with check (owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'));

alter table cdb_connectors.run_secrets enable row level security;
drop policy if exists run_secrets_insert on cdb_connectors.run_secrets;
create policy run_secrets_insert on cdb_connectors.run_secrets for insert
  with check (exists (select from cdb_connectors.database_runs as r where r.id = run_id and r.owner = current_user));

revoke all on cdb_connectors.database_runs, cdb_connectors.run_secrets, cdb_connectors.runs from public;
grant select on cdb_connectors.database_runs to cdb_connector_user;
grant insert (id, params, target_schema) on cdb_connectors.database_runs to cdb_connector_user;
grant update (cancel_requested) on cdb_connectors.database_runs to cdb_connector_user;
grant insert on cdb_connectors.run_secrets to cdb_connector_user;
grant select on cdb_connectors.runs to cdb_connector_user;

revoke execute on function cdb_connectors.database_runs_before_insert(), cdb_connectors.database_runs_after_insert(),
  cdb_connectors.database_runs_before_update() from public;
grant execute on function cdb_connectors.database_runs_before_insert(), cdb_connectors.database_runs_after_insert(),
  cdb_connectors.database_runs_before_update() to cdb_connector_user;
