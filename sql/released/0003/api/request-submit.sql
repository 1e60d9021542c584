-- cdb_connectors.submit_request(kind text, params jsonb, preview_rows integer) → uuid: stores a
-- check / list_tables / preview request (validated by requests_before_insert, which raises 22023
-- like an import) and returns its id. The sidecars see it when the caller's transaction commits.
-- When no sidecar is alive (cdb_connectors.workers) it raises 55000 at once instead of letting
-- the caller wait for an answer that cannot come; the insert is rolled back with the error.
-- Invoker rights: the request's owner is the caller. The id is generated here and returned
-- without INSERT … RETURNING (users may not read back what they insert unless RLS lets them).
-- Parameters: kind; params — the request as given; preview_rows — preview only.
-- Locks: RowExclusive on requests and request_secrets.
create or replace function cdb_connectors.submit_request(kind text, params jsonb, preview_rows integer)
returns uuid
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  request_id uuid := gen_random_uuid();
begin
  insert into cdb_connectors.requests (id, kind, params, preview_rows)
  values (request_id, submit_request.kind, submit_request.params, submit_request.preview_rows);
  if not exists (select from cdb_connectors.workers as w where w.alive) then
    raise exception 'No connector sidecar is running for this database' using errcode = '55000',
      detail = format('cdb_connector_%s needs a sidecar to reach the remote server, and cdb_connectors.workers lists none seen within lease_seconds.', kind),
      hint = 'Start one with `connector-bridge run` (DATABASE_URL pointing at this database), then try again.';
  end if;
  return request_id;
end
$$;

comment on function cdb_connectors.submit_request(text, jsonb, integer) is 'Internal: stores a check / list_tables / preview request for the sidecars and returns its id; 55000 when no sidecar is alive.';
