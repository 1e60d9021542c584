-- cdb_connectors.take_answer(request_id uuid, waiting_since timestamptz, consume boolean) → jsonb:
-- one poll of a request. Returns NULL while the request waits or runs, and once it is done the
-- envelope {"kind", "result", "error_code", "error_message"} (answer_result() turns it into what
-- the user sees); with consume the request row is deleted in the caller's transaction.
-- It raises instead of letting a caller wait for an answer that cannot come:
--   55000 — still pending pickup_seconds after waiting_since: no live sidecar took it (a live
--           sidecar claims within milliseconds of the NOTIFY);
--   57014 — claimed but unanswered grace_seconds after its deadline (the sidecar died mid-way),
--           DETAIL error_code 1504;
--   P0002 — unknown id, or another role's request (RLS makes both look the same).
-- VOLATILE on purpose: under READ COMMITTED each call then reads with a fresh snapshot and sees
-- the sidecar's answer as soon as it is committed (a STABLE function would reuse the caller's).
-- Parameters: request_id; waiting_since — when the caller started waiting (after its commit);
-- consume — delete the request once answered. Locks: RowExclusive on requests when consuming.
create or replace function cdb_connectors.take_answer(request_id uuid, waiting_since timestamptz, consume boolean)
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  -- a sidecar whose listener is up claims within ~50 ms; 3 s leaves room for a busy target
  pickup_seconds constant double precision := 3;
  -- the sidecar answers by deadline_at itself; this covers its last write
  grace_seconds constant double precision := 2;
  r record;
  alive integer;
begin
  select q.kind, q.state, q.result, q.error_code, q.error_message, q.deadline_at into r
  from cdb_connectors.requests as q where q.id = request_id;
  if not found then
    raise exception 'Request % not found', request_id using errcode = 'P0002';
  end if;
  if r.state = 'done' then
    if consume then
      delete from cdb_connectors.requests as q where q.id = request_id;
    end if;
    return jsonb_build_object('kind', r.kind, 'result', r.result, 'error_code', r.error_code, 'error_message', r.error_message);
  end if;
  if r.state = 'pending' and clock_timestamp() > waiting_since + make_interval(secs => pickup_seconds) then
    select count(*) into alive from cdb_connectors.workers as w where w.alive;
    raise exception 'No connector sidecar picked up the request within % seconds', pickup_seconds using errcode = '55000',
      detail = format('cdb_connectors.workers lists %s sidecar(s) seen within lease_seconds, but none took request %s: they stopped, or lost their connection to this database.', alive, request_id),
      hint = 'Check the sidecars (`connector-bridge status`, their logs) and start one with `connector-bridge run`.';
  end if;
  if r.state = 'running' and clock_timestamp() > r.deadline_at + make_interval(secs => grace_seconds) then
    raise exception 'The sidecar did not answer request % by its deadline %', request_id, r.deadline_at using errcode = '57014',
      detail = 'error_code 1504',
      hint = 'The sidecar may have stopped while working on it; try again.';
  end if;
  return null;
end
$$;

comment on function cdb_connectors.take_answer(uuid, timestamptz, boolean) is 'Internal: one poll of a check / list_tables / preview request; NULL while unanswered, raises when no answer can come.';
