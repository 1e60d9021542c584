-- :api_schema.cdb_connector_request_result(request_id uuid, timeout interval DEFAULT NULL) → jsonb
-- The second half of the two-step form: waits for the answer to a cdb_connector_request() and
-- returns it: the same JSON the CALL form returns, and the same errors (failed listings and
-- previews raise 58000 with DETAIL error_code n; no sidecar took it 55000; past its deadline
-- 57014). With a timeout it returns NULL when that passes first (call again); without one it
-- waits until the answer or the request's own deadline. The answer stays readable (call it
-- again) until the sidecars clean it up, 10 minutes after it was written.
-- It polls with pauses from 5 ms doubling to 50 ms, so it needs READ COMMITTED and refuses other
-- isolation levels (25000; require_read_committed says why), as it does for a request made in
-- the same transaction (the sidecars cannot see it before it commits).
-- Parameters: request_id; timeout. Locks: none held while sleeping (AccessShare per poll).
create or replace function :api_schema.cdb_connector_request_result(request_id uuid, timeout interval default null)
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  -- as in cdb_connectors.run_request: 5 ms doubling to 50 ms
  max_pause_seconds constant double precision := 0.05;
  pause_seconds double precision := 0.005;
  waiting_since timestamptz := clock_timestamp();
  deadline timestamptz := clock_timestamp() + timeout;
  envelope jsonb;
begin
  perform cdb_connectors.require_read_committed('cdb_connector_request_result()',
    'Its snapshot would never see the sidecar''s answer. Call it in a READ COMMITTED transaction (the default).');
  if request_id is null then
    return null;
  end if;
  if exists (select from cdb_connectors.requests as q where q.id = request_id and cdb_connectors.written_by_this_transaction(q.xmin)) then
    raise exception 'cdb_connector_request_result() cannot wait for request % in the transaction that made it', request_id
      using errcode = '25000', hint = 'The sidecars see the request only after this transaction commits: COMMIT, then ask for the result.';
  end if;
  loop
    envelope := cdb_connectors.take_answer(request_id, waiting_since, false);
    if envelope is not null then
      return cdb_connectors.answer_result(envelope);
    end if;
    if deadline is not null and clock_timestamp() >= deadline then
      return null;
    end if;
    perform cdb_connectors.sleep_before_deadline(pause_seconds, deadline);
    pause_seconds := least(pause_seconds * 2, max_pause_seconds);
  end loop;
end
$$;

comment on function :api_schema.cdb_connector_request_result(uuid, interval) is
'Waits for the answer to cdb_connector_request(…) and returns it (the JSON of the CALL form); NULL if the timeout passes first. Needs READ COMMITTED; call it after the request''s transaction committed.';
revoke execute on function :api_schema.cdb_connector_request_result(uuid, interval) from public;
grant execute on function :api_schema.cdb_connector_request_result(uuid, interval) to cdb_connector_user;
