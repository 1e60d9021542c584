-- :api_schema.cdb_connector_wait(item_queue_id uuid, timeout interval default '10 minutes')
-- → jsonb: the import status (see cdb_connector_import_status) once the job is complete, failed
-- or cancelled, or as it is when the timeout passes (state still enqueued/importing; NULL
-- timeout = wait indefinitely). For scripts: SELECT cdb_connector_wait((cdb_connector_import(…)
-- ->> 'item_queue_id')::uuid) cannot work: the job is only visible to the sidecars after the
-- importing transaction commits. Waiting for a job the current transaction wrote raises SQLSTATE
-- 25000 at once instead of waiting in vain; import (and commit), then wait.
-- It polls every poll_seconds (100 ms), so it needs READ COMMITTED and refuses other isolation
-- levels (SQLSTATE 25000; require_read_committed says why).
-- The session's statement_timeout still applies. Unknown / another role's id → P0002.
-- Parameters: item_queue_id; timeout. Locks: none held while sleeping (AccessShare per poll).
create or replace function :api_schema.cdb_connector_wait(item_queue_id uuid, timeout interval default '10 minutes')
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  -- 100 ms: fast enough for an interactive psql, ~10 cheap index lookups a second
  poll_seconds constant double precision := 0.1;
  deadline timestamptz := clock_timestamp() + timeout;
  status jsonb;
begin
  perform cdb_connectors.require_read_committed('cdb_connector_wait()',
    'Its snapshot would never see the sidecar''s progress. Call it outside this transaction, or use cdb_connector_import_status() to poll yourself.');
  if item_queue_id is null then
    return null;
  end if;
  if exists (select from cdb_connectors.jobs as j where j.id = item_queue_id and cdb_connectors.written_by_this_transaction(j.xmin)) then
    raise exception 'cdb_connector_wait() cannot wait for import % in the transaction that enqueued it', item_queue_id
      using errcode = '25000', hint = 'The sidecars see the job only after this transaction commits: COMMIT, then wait.';
  end if;
  loop
    status := :api_schema.cdb_connector_import_status(item_queue_id);
    exit when status ->> 'state' in ('complete', 'failure', 'cancelled')
      or (deadline is not null and clock_timestamp() >= deadline);
    perform cdb_connectors.sleep_before_deadline(poll_seconds, deadline);
  end loop;
  return status;
end
$$;

comment on function :api_schema.cdb_connector_wait(uuid, interval) is 'Waits until an import is complete, failed or cancelled (or the timeout, default 10 minutes, passes) and returns its status JSON. Needs READ COMMITTED; call it after the import''s transaction committed.';
revoke execute on function :api_schema.cdb_connector_wait(uuid, interval) from public;
grant execute on function :api_schema.cdb_connector_wait(uuid, interval) to cdb_connector_user;
