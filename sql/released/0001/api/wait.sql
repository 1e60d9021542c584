-- :api_schema.cdb_connector_wait(item_queue_id uuid, timeout interval default '10 minutes')
-- → jsonb: the import status (see cdb_connector_import_status) once the job is complete, failed
-- or cancelled, or as it is when the timeout passes (state still enqueued/importing; NULL
-- timeout = wait indefinitely). For scripts: SELECT cdb_connector_wait((cdb_connector_import(…)
-- ->> 'item_queue_id')::uuid) cannot work: the job is only visible to the sidecars after the
-- importing transaction commits. Waiting for a job the current transaction wrote raises SQLSTATE
-- 25000 at once instead of waiting in vain; import (and commit), then wait.
-- It polls every poll_seconds (100 ms). Under READ COMMITTED every statement of this volatile function takes
-- a new snapshot and sees the sidecar's commits; under REPEATABLE READ or SERIALIZABLE the
-- snapshot is frozen and it would wait in vain, so it refuses (SQLSTATE 25000).
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
  if current_setting('transaction_isolation') <> 'read committed' then
    raise exception 'cdb_connector_wait() needs READ COMMITTED isolation, not %', upper(current_setting('transaction_isolation'))
      using errcode = '25000',
        hint = 'Its snapshot would never see the sidecar''s progress. Call it outside this transaction, or use cdb_connector_import_status() to poll yourself.';
  end if;
  if item_queue_id is null then
    return null;
  end if;
  -- xmin of a row this transaction wrote = our own xid (the low 32 bits of the xid8)
  if exists (select from cdb_connectors.jobs as j where j.id = item_queue_id
             and j.xmin::text = (pg_current_xact_id_if_assigned()::text::numeric % 4294967296)::text) then
    raise exception 'cdb_connector_wait() cannot wait for import % in the transaction that enqueued it', item_queue_id
      using errcode = '25000', hint = 'The sidecars see the job only after this transaction commits: COMMIT, then wait.';
  end if;
  loop
    status := :api_schema.cdb_connector_import_status(item_queue_id);
    exit when status ->> 'state' in ('complete', 'failure', 'cancelled')
      or (deadline is not null and clock_timestamp() >= deadline);
    perform pg_sleep(case when deadline is null then poll_seconds
                          else least(poll_seconds, greatest(0, extract(epoch from deadline - clock_timestamp()))) end);
  end loop;
  return status;
end
$$;

comment on function :api_schema.cdb_connector_wait(uuid, interval) is 'Waits until an import is complete, failed or cancelled (or the timeout, default 10 minutes, passes) and returns its status JSON. Needs READ COMMITTED; call it after the import''s transaction committed.';
revoke execute on function :api_schema.cdb_connector_wait(uuid, interval) from public;
grant execute on function :api_schema.cdb_connector_wait(uuid, interval) to cdb_connector_user;
