-- Row-level security on cdb_connectors.requests and request_secrets (SPEC §3, §7): a role sees,
-- makes and deletes only its own requests (members of cdb_connector_admin see all, as for jobs);
-- a request's password can be inserted by its owner and never read back by any user. The table
-- owner and superusers (the sidecars, the migrator) bypass RLS.
-- Parameters: none. Locks: AccessExclusive on both tables while altering (migration only).
alter table cdb_connectors.requests enable row level security;

drop policy if exists requests_select on cdb_connectors.requests;
create policy requests_select on cdb_connectors.requests for select
  using (owner = current_user or pg_catalog.pg_has_role(current_user, 'cdb_connector_admin', 'member'));

drop policy if exists requests_insert on cdb_connectors.requests;
create policy requests_insert on cdb_connectors.requests for insert
  with check (owner = current_user);

drop policy if exists requests_delete on cdb_connectors.requests;
create policy requests_delete on cdb_connectors.requests for delete
  using (owner = current_user);

alter table cdb_connectors.request_secrets enable row level security;

drop policy if exists request_secrets_insert on cdb_connectors.request_secrets;
create policy request_secrets_insert on cdb_connectors.request_secrets for insert
  with check (exists (select from cdb_connectors.requests as r where r.id = request_id and r.owner = current_user));
