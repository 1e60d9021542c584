-- Row-level security on cdb_connectors.syncs and sync_secrets (SPEC §3, §5): a role sees,
-- changes and unsyncs only its own syncs; members of cdb_connector_admin see and control all
-- (DBA recipes: pause a role's syncs, change intervals, with UPDATE on the synchronizations
-- view); a new sync's owner is the inserting role. sync_secrets is INSERT-only, for the
-- inserter's own syncs (syncs_after_insert does it); no SELECT policy, no SELECT grant: a sync's
-- password is never readable by a user. The table owner and superusers (the sidecars, the
-- migrator) bypass RLS.
-- Parameters: none. Locks: AccessExclusive on syncs, sync_secrets while altering (migration only).
alter table cdb_connectors.syncs enable row level security;

drop policy if exists syncs_select on cdb_connectors.syncs;
create policy syncs_select on cdb_connectors.syncs for select
  using (owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'));

drop policy if exists syncs_insert on cdb_connectors.syncs;
create policy syncs_insert on cdb_connectors.syncs for insert
  with check (owner = current_user);

drop policy if exists syncs_update on cdb_connectors.syncs;
create policy syncs_update on cdb_connectors.syncs for update
  using (owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'))
  with check (owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'));

drop policy if exists syncs_delete on cdb_connectors.syncs;
create policy syncs_delete on cdb_connectors.syncs for delete
  using (owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'));

alter table cdb_connectors.sync_secrets enable row level security;

drop policy if exists sync_secrets_insert on cdb_connectors.sync_secrets;
create policy sync_secrets_insert on cdb_connectors.sync_secrets for insert
  with check (exists (select from cdb_connectors.syncs as s where s.id = sync_id and s.owner = current_user));
