-- cdb_connectors.normalize_request(kind text, raw jsonb) → jsonb: validation of a check,
-- list_tables, preview or explain request. It is the import's validation (normalize_params, SPEC §2: same
-- messages, SQLSTATE 22023, DETAIL error_code 1502 / 1501), with two differences that follow from
-- what these requests do:
--   * `table` / `sql_query` are optional for check and list_tables (they are validated when given,
--     then ignored), and preview and explain need one of them but never a local table name: the
--     import's "needs a table or import_as" rule does not apply. This is done by handing
--     normalize_params a placeholder for the missing key and removing it from the result.
--   * `interval` is rejected ("Invalid parameters: interval"): an answer is not a sync.
-- list_tables without `schema` lists every schema the login can see (MySQL: the database), so the
-- provider's default schema is removed from the result when the user gave none.
-- Parameters: kind — check | list_tables | preview | explain; raw — the request as the user gave it.
-- Locks: none (reads settings).
create or replace function cdb_connectors.normalize_request(kind text, raw jsonb)
returns jsonb
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  kinds constant text[] := array['check', 'list_tables', 'preview', 'explain'];
  -- stands in for a local table name that a check, a listing, a preview or an explain never creates
  placeholder constant text := 'cdb_request_placeholder';
  connector_key text;
  connector jsonb;
  given jsonb := '{}';
  injected text;
  interval_given boolean := false;
  normalized jsonb;
  message text;
  detail text;
  hint text;
begin
  if kind is null or kind <> all (kinds) then
    raise exception using errcode = '22023', detail = 'error_code 1502',
      message = format('Invalid request kind %s: it must be one of %s', coalesce(quote_literal(kind), 'NULL'), array_to_string(kinds, ', '));
  end if;
  if jsonb_typeof(raw) = 'object' then
    interval_given := cdb_connectors.lower_keys(raw) ? 'interval';
    raw := (select coalesce(jsonb_object_agg(e.key, e.value), '{}') from jsonb_each(raw) as e where lower(e.key) <> 'interval');
    -- with case-duplicate "connector" keys normalize_params reports the duplicate; any one will do here
    select e.key, e.value into connector_key, connector
    from jsonb_each(raw) as e where lower(e.key) = 'connector' and jsonb_typeof(e.value) = 'object'
    order by e.key collate "C" limit 1;
  end if;
  if connector_key is not null then
    given := cdb_connectors.lower_keys(connector);
    if kind not in ('preview', 'explain') and not given ? 'table' and not given ? 'sql_query' then
      injected := 'table';
    elsif given ? 'sql_query' and not given ? 'table' and not given ? 'import_as' then
      injected := 'import_as';
    end if;
    if injected is not null then
      -- keys differing only in case from the injected one are all JSON null here (else it was given)
      connector := (select coalesce(jsonb_object_agg(e.key, e.value), '{}') from jsonb_each(connector) as e where lower(e.key) <> injected)
                   || jsonb_build_object(injected, placeholder);
      raw := jsonb_set(raw, array[connector_key], connector);
    end if;
  end if;

  begin
    normalized := cdb_connectors.normalize_params(raw);
  exception when sqlstate '22023' then
    get stacked diagnostics message = message_text, detail = pg_exception_detail, hint = pg_exception_hint;
    if interval_given and detail = 'error_code 1502' then
      message := message || E'\nInvalid parameters: interval';
    end if;
    raise exception using errcode = '22023', message = message, detail = detail, hint = hint;
  end;
  if interval_given then
    raise exception using errcode = '22023', detail = 'error_code 1502', message = 'Invalid parameters: interval',
      hint = format('cdb_connector_%s answers once; "interval" belongs to cdb_connector_import / cdb_connector_sync.', kind);
  end if;

  if injected is not null then
    normalized := normalized - injected;
  end if;
  if kind = 'list_tables' and not given ? 'schema' then
    normalized := normalized - 'schema';
  end if;
  return normalized;
end
$$;

comment on function cdb_connectors.normalize_request(text, jsonb) is 'Internal: validates a check / list_tables / preview / explain request like an import (docs/sql-api.md, Validation; docs/check-and-browse.md) and returns the normalised connector object.';
