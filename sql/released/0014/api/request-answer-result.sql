-- cdb_connectors.answer_result(envelope jsonb) → jsonb: what the user sees for a done request
-- (envelope from take_answer):
--   success         → the sidecar's result as stored;
--   check, failed   → {"connected": false, "errors": ["<message>"], "error_code": n} (SPEC §3:
--                     a failed connection is an answer, not an error);
--   list_tables / preview, failed → raises: SQLSTATE 22023 for 1501/1502 (parameters, like
--                     validation), 58000 (an error external to PostgreSQL) for the remote side;
--                     MESSAGE the remote text, DETAIL `error_code n`, HINT the code's explanation.
-- Parameters: envelope. Locks: AccessShare on error_codes.
create or replace function cdb_connectors.answer_result(envelope jsonb)
returns jsonb
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
  failure_code integer := (envelope ->> 'error_code')::integer;
  message text := envelope ->> 'error_message';
  explanation text;
begin
  if failure_code is null then
    return envelope -> 'result';
  end if;
  if envelope ->> 'kind' = 'check' then
    return jsonb_build_object('connected', false, 'errors', jsonb_build_array(message), 'error_code', failure_code);
  end if;
  select e.what_about into explanation from cdb_connectors.error_codes as e where e.code = failure_code;
  raise exception using errcode = case when failure_code in (1501, 1502) then '22023' else '58000' end,
    message = coalesce(message, 'The request failed'), detail = format('error_code %s', failure_code), hint = explanation;
end
$$;

comment on function cdb_connectors.answer_result(jsonb) is 'Internal: turns a done request into the user''s answer; raises for failed listings and previews (DETAIL error_code n).';
