-- :api_schema.cdb_connector_wait(item_queue_id uuid, timeout interval default '10 minutes')
-- → jsonb: the import status (see cdb_connector_import_status) once the job is complete, failed
-- or cancelled, or as it is when the timeout passes (state still enqueued/importing; NULL
-- timeout = wait indefinitely). For scripts: SELECT cdb_connector_wait((cdb_connector_import(…)
-- ->> 'item_queue_id')::uuid) cannot work: the job is only visible to the sidecars after the
-- importing transaction commits. Waiting for a job the current transaction wrote raises SQLSTATE
-- 25000 at once instead of waiting in vain; import (and commit), then wait.
-- It polls every poll_seconds (100 ms), so it needs READ COMMITTED and refuses other isolation
-- levels (SQLSTATE 25000; require_read_committed says why).
-- No live sidecar (cdb_connectors.workers lists none alive) for no_sidecar_seconds (3 s) in a
-- row while the job is unfinished: it returns early instead of waiting out the timeout, with the
-- unfinished status plus "sidecar_alive": false and a "hint" (and a NOTICE saying the same), as
-- cdb_connector_check fails at once without a sidecar. The job stays queued: a sidecar started
-- later runs it.
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
  -- a sidecar being started (npm start, a restart) registers within this
  no_sidecar_seconds constant double precision := 3;
  deadline timestamptz := clock_timestamp() + timeout;
  no_sidecar_since timestamptz;
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
    if exists (select from cdb_connectors.workers as w where w.alive) then
      no_sidecar_since := null;
    else
      no_sidecar_since := coalesce(no_sidecar_since, clock_timestamp());
      if clock_timestamp() >= no_sidecar_since + make_interval(secs => no_sidecar_seconds) then
        raise notice 'no connector sidecar is running for this database: import % is still %', item_queue_id, status ->> 'state'
          using hint = 'It waits in the queue until a sidecar starts: `connector-bridge run` (DATABASE_URL pointing at this database) or `npm start`.';
        return status || jsonb_build_object('sidecar_alive', false,
          'hint', 'No connector sidecar is running for this database: the import waits in the queue until one starts (connector-bridge run, or npm start).');
      end if;
    end if;
    perform cdb_connectors.sleep_before_deadline(poll_seconds, deadline);
  end loop;
  if (status ->> 'truncated')::boolean then
    raise notice 'import % stopped at max_rows: the remote has more rows than were imported', item_queue_id
      using hint = 'See the row_limit warning in its status; raise the max_rows setting, or import with "on_row_limit": "fail" to refuse partial tables.';
  end if;
  return status;
end
$$;

comment on function :api_schema.cdb_connector_wait(uuid, interval) is 'Waits until an import is complete, failed or cancelled (or the timeout, default 10 minutes, passes) and returns its status JSON. With no live sidecar it returns the unfinished status within seconds, with "sidecar_alive": false. Needs READ COMMITTED; call it after the import''s transaction committed.';
revoke execute on function :api_schema.cdb_connector_wait(uuid, interval) from public;
grant execute on function :api_schema.cdb_connector_wait(uuid, interval) to cdb_connector_user;
