-- AFTER INSERT trigger on cdb_connectors.requests: stores the password that
-- requests_before_insert took out of params (take_pending_secret, which blanks the hand-over
-- setting) into request_secrets (as the caller, who may INSERT there but never SELECT), and wakes
-- the sidecars (notify_new_row): {"op": "request", "id": "<request id>", "nonce": "<random>"} on
-- channel cdb_connectors_jobs, delivered at commit, when the request becomes visible to them.
-- Parameters: none. Locks: the request_secrets INSERT's; the FK check takes FOR KEY SHARE on the request.
create or replace function cdb_connectors.requests_after_insert()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  secret text := cdb_connectors.take_pending_secret(new.id);
begin
  if secret is not null then
    insert into cdb_connectors.request_secrets (request_id, password) values (new.id, cdb_connectors.seal_secret(secret));
  end if;
  perform cdb_connectors.notify_new_row('request', new.id);
  return null;
end
$$;

drop trigger if exists requests_after_insert on cdb_connectors.requests;
create trigger requests_after_insert after insert on cdb_connectors.requests
  for each row execute function cdb_connectors.requests_after_insert();

comment on function cdb_connectors.requests_after_insert() is 'Trigger: moves a new request''s password into request_secrets and notifies the sidecars (channel cdb_connectors_jobs, op "request").';
