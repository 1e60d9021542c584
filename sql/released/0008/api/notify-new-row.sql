-- cdb_connectors.notify_new_row(op text, row_id uuid): wakes the sidecars for a new job or request
-- with pg_notify on channel cdb_connectors_jobs: {"op": "<op>"} and nothing else.
-- A notification is a wake-up hint, never an instruction: the sidecars re-read the queue.
-- Any role that can connect may LISTEN on the channel (and NOTIFY on it), so the payload carries
-- no row id, owner or other identifier a stranger could use (issue 16, attack 6). row_id is not
-- sent; it stays in the signature so that the triggers calling this function need no change.
-- Identical payloads of one transaction are merged by PostgreSQL on purpose: one hint per
-- transaction is enough, because a woken sidecar claims until the queue is empty.
-- The NOTIFY is delivered at commit, so a sidecar never hears of a row before it is visible.
-- Called by jobs_after_insert ("enqueued") and requests_after_insert ("request").
-- Parameters: op; row_id (unused). Locks: none (NOTIFY queues the message until commit).
create or replace function cdb_connectors.notify_new_row(op text, row_id uuid)
returns void
language sql volatile
set search_path = pg_catalog, pg_temp
as $$
  select pg_catalog.pg_notify('cdb_connectors_jobs', pg_catalog.json_build_object('op', op)::text)
$$;

comment on function cdb_connectors.notify_new_row(text, uuid) is 'Internal: NOTIFY cdb_connectors_jobs of a new job or request ({"op": …} only: a wake-up hint without ids).';
