-- cdb_connectors.run_request(caller, kind, params, preview_rows, INOUT result jsonb): the body
-- of cdb_connector_check / _list_tables / _preview (SPEC §7). A function cannot see its own
-- uncommitted request, and neither can a sidecar, so this is a PROCEDURE that
--   1. refuses to run where it cannot COMMIT (require_transaction_control: 25001, clear message);
--   2. validates and stores the request (submit_request: 22023 like an import, 55000 when no
--      sidecar is alive) and COMMITs, which delivers the NOTIFY;
--   3. polls (pg_sleep from 5 ms doubling to 50 ms, + COMMIT, so no snapshot or transaction stays open
--      while it waits and every poll sees the sidecar's latest commit, whatever the isolation
--      level) until take_answer returns the answer or raises (no pickup 55000, past its
--      deadline 57014);
--   4. COMMITs the deletion of the answered request, then returns answer_result() (which raises
--      for failed listings and previews).
-- Invoker rights (a SECURITY DEFINER procedure cannot COMMIT) and no SET clause (a procedure
-- with one cannot COMMIT either): every function and operator is schema-qualified instead, so
-- look-alikes in the caller's search_path change nothing (test/e2e/answers-sql.test.ts).
-- Parameters: caller — public procedure name for messages; kind; params; preview_rows; result.
-- Locks: those of submit_request and take_answer, each released at its COMMIT.
create or replace procedure cdb_connectors.run_request(caller text, kind text, params jsonb, preview_rows integer, inout result jsonb)
language plpgsql
as $$
declare
  -- first pause 5 ms, doubling to 50 ms: a local answer takes ~5 ms, a remote one a round trip
  -- or more, and each poll is one index lookup plus an empty COMMIT
  first_pause_seconds constant double precision := 0.005;
  max_pause_seconds constant double precision := 0.05;
  pause_seconds double precision := first_pause_seconds;
  request_id uuid;
  waiting_since timestamptz;
  envelope jsonb;
begin
  call cdb_connectors.require_transaction_control(caller);
  request_id := cdb_connectors.submit_request(kind, params, preview_rows);
  commit;
  waiting_since := pg_catalog.clock_timestamp();
  loop
    envelope := cdb_connectors.take_answer(request_id, waiting_since, true);
    exit when envelope is not null;
    perform pg_catalog.pg_sleep(pause_seconds);
    pause_seconds := least(pause_seconds operator(pg_catalog.*) 2.0::double precision, max_pause_seconds);
    commit;
  end loop;
  commit;
  result := cdb_connectors.answer_result(envelope);
end
$$;

comment on procedure cdb_connectors.run_request(text, text, jsonb, integer, jsonb) is 'Internal: stores a request, commits, and waits for the sidecar''s answer (body of cdb_connector_check / _list_tables / _preview).';
