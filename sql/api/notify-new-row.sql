-- cdb_connectors.notify_new_row(op text, row_id uuid): wakes the sidecars for a new job or request
-- with pg_notify on channel cdb_connectors_jobs:
--   {"op": "<op>", "id": "<row id>", "nonce": "<random>"}
-- The nonce keeps PostgreSQL from merging identical notifications of one transaction. The NOTIFY
-- is delivered at commit, so a sidecar never hears of a row before it is visible.
-- Called by jobs_after_insert ("enqueued") and requests_after_insert ("request").
-- Parameters: op; row_id. Locks: none (NOTIFY queues the message until commit).
create or replace function cdb_connectors.notify_new_row(op text, row_id uuid)
returns void
language sql volatile
set search_path = pg_catalog, pg_temp
as $$
  select pg_notify('cdb_connectors_jobs', json_build_object(
    'op', op, 'id', row_id, 'nonce', md5(random()::text || clock_timestamp()::text))::text)
$$;

comment on function cdb_connectors.notify_new_row(text, uuid) is 'Internal: NOTIFY cdb_connectors_jobs of a new job or request (op, id and a nonce).';
