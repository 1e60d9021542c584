-- BEFORE UPDATE trigger on cdb_connectors.api_keys: users may only revoke (column grant on
-- revoked_at); a revocation is stamped now() and can never be undone or moved. The sidecars'
-- last_used_at updates pass through.
-- Parameters: none. Locks: the UPDATE's row lock.
create or replace function cdb_connectors.api_keys_before_update()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  new.revoked_at := case
    when old.revoked_at is not null then old.revoked_at
    when new.revoked_at is not null then now()
  end;
  return new;
end
$$;

drop trigger if exists api_keys_before_update on cdb_connectors.api_keys;
create trigger api_keys_before_update before update on cdb_connectors.api_keys
  for each row execute function cdb_connectors.api_keys_before_update();

comment on function cdb_connectors.api_keys_before_update() is 'Trigger: a revoked API key stays revoked; revoked_at is stamped now().';
