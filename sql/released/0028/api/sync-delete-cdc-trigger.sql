-- BEFORE DELETE trigger on cdb_connectors.syncs for "mode": "cdc" syncs (SPEC §16): the source
-- keeps its change log for the sync (a PostgreSQL replication slot, which has no owner and holds
-- WAL forever), so unsync leaves a row in cdc_releases with the sync's connection and its sealed
-- password, and the sidecar drops the slot and the publication it made (src/sidecar/cdc-release.ts).
-- SECURITY DEFINER because users have no privileges on cdc_releases; it copies only the row being
-- deleted, which RLS already let the caller delete.
-- Parameters: none. Locks: none beyond the insert.
create or replace function cdb_connectors.syncs_before_delete_cdc()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if old.params ->> 'mode' = 'cdc' then
    insert into cdb_connectors.cdc_releases (sync_id, owner, provider, params, secret)
    select old.id, old.owner, old.provider, old.params, sec.password
      from (select 1) as one left join cdb_connectors.sync_secrets as sec on sec.sync_id = old.id;
  end if;
  return old;
end
$$;

revoke execute on function cdb_connectors.syncs_before_delete_cdc() from public;

drop trigger if exists syncs_before_delete_cdc on cdb_connectors.syncs;
create trigger syncs_before_delete_cdc before delete on cdb_connectors.syncs
  for each row execute function cdb_connectors.syncs_before_delete_cdc();

comment on function cdb_connectors.syncs_before_delete_cdc() is 'Trigger: unsync of a cdc sync queues the release of its source slot / publication.';
