-- BEFORE INSERT trigger on cdb_connectors.requests: makes a direct INSERT exactly as safe as the
-- cdb_connector_check / _list_tables / _preview / _explain procedures. Invoker rights on purpose (not
-- security definer), so current_user is the caller (shared/notes/postgres-facts.md).
--   * NEW.params on input is the whole request as given ({"connector": {…}}); it is replaced by
--     the normalised connector object (normalize_request) with the password shown as "***".
--   * NEW.preview_rows: preview only, default 10, 0 to 100 (a sample, not an export); NULL for
--     the other kinds.
--   * Bookkeeping columns are forced (state 'pending', no answer, no deadline), and owner is
--     current_user for roles under RLS.
--   * The password is handed to requests_after_insert (stash_pending_secret) for request_secrets.
-- Errors: 22023 with DETAIL error_code 1502 / 1501 (validation, see normalize_params).
-- Locks: none beyond the INSERT's own.
create or replace function cdb_connectors.requests_before_insert()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  -- a preview is a sample for a human or a BI tool's column picker; imports are for more
  default_preview_rows constant integer := 10;
  max_preview_rows constant integer := 100;
  normalized jsonb;
begin
  normalized := cdb_connectors.normalize_request(new.kind, new.params);
  if new.id is null then new.id := gen_random_uuid(); end if;
  if new.owner is null or row_security_active('cdb_connectors.requests'::regclass) then
    new.owner := current_user;
  end if;
  if new.kind = 'preview' then
    new.preview_rows := coalesce(new.preview_rows, default_preview_rows);
    if new.preview_rows not between 0 and max_preview_rows then
      raise exception using errcode = '22023', detail = 'error_code 1502',
        message = format('The rows argument must be between 0 and %s, not %s', max_preview_rows, new.preview_rows),
        hint = 'Import the table (cdb_connector_import) to get all of its rows.';
    end if;
  else
    new.preview_rows := null;
  end if;

  normalized := cdb_connectors.stash_pending_secret(new.id, normalized);

  new.params := normalized;
  new.provider := normalized ->> 'provider';
  new.state := 'pending';
  new.result := null;
  new.error_code := null;
  new.error_message := null;
  new.worker_id := null;
  new.created_at := now();
  new.started_at := null;
  new.deadline_at := null;
  new.finished_at := null;
  return new;
end
$$;

drop trigger if exists requests_before_insert on cdb_connectors.requests;
create trigger requests_before_insert before insert on cdb_connectors.requests
  for each row execute function cdb_connectors.requests_before_insert();

comment on function cdb_connectors.requests_before_insert() is 'Trigger: validates and normalises a new check / list_tables / preview / explain request (docs/check-and-browse.md) and forces its bookkeeping columns.';
