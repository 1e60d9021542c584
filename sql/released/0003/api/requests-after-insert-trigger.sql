-- AFTER INSERT trigger on cdb_connectors.requests: stores the password that
-- requests_before_insert took out of params into request_secrets (as the caller, who may INSERT
-- there but never SELECT), blanks the hand-over setting, and wakes the sidecars on channel
-- cdb_connectors_jobs with {"op": "request", "id": "<request id>", "nonce": "<random>"}.
-- The nonce keeps PostgreSQL from merging identical notifications of one transaction; the NOTIFY
-- is delivered at commit, when the request becomes visible to the sidecars.
-- Parameters: none. Locks: the request_secrets INSERT's; the FK check takes FOR KEY SHARE on the request.
create or replace function cdb_connectors.requests_after_insert()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  setting_name text := cdb_connectors.pending_secret_setting(new.id);
  pending text := current_setting(setting_name, true);
begin
  if pending like 'p%' then
    perform set_config(setting_name, '', true);
    insert into cdb_connectors.request_secrets (request_id, password) values (new.id, substr(pending, 2));
  end if;
  perform pg_notify('cdb_connectors_jobs', json_build_object(
    'op', 'request', 'id', new.id, 'nonce', md5(random()::text || clock_timestamp()::text))::text);
  return null;
end
$$;

drop trigger if exists requests_after_insert on cdb_connectors.requests;
create trigger requests_after_insert after insert on cdb_connectors.requests
  for each row execute function cdb_connectors.requests_after_insert();

comment on function cdb_connectors.requests_after_insert() is 'Trigger: moves a new request''s password into request_secrets and notifies the sidecars (channel cdb_connectors_jobs, op "request").';
