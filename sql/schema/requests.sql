-- Requests that need an answer now (SPEC §7, issue 10): cdb_connector_check, _list_tables and
-- _preview. One row per request; a sidecar claims it (FOR UPDATE SKIP LOCKED), reaches the remote
-- server and writes the answer into the same row, and the waiting caller reads it. Users insert
-- through the cdb_connector_* procedures / cdb_connector_request() (or a direct INSERT); the
-- BEFORE INSERT trigger (sql/api/requests-insert-trigger.sql) validates exactly like an import and
-- forces the bookkeeping columns. Rows are short-lived: the procedures delete theirs once read,
-- sidecars delete the rest REQUEST_RETENTION after they finished (src/sidecar/request-store.ts).
-- States: pending (waiting for a sidecar) → running (claimed; deadline_at set) → done (result, or
-- error_code + error_message).
-- Parameters: none. Locks: none beyond CREATE TABLE's (migration only).
create table cdb_connectors.requests (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('check', 'list_tables', 'preview')),
  provider text not null,
  -- the normalised `connector` object (as in jobs.params), password replaced by "***"
  params jsonb not null,
  -- preview only: sample rows asked for (0–100)
  preview_rows integer,
  owner name not null default current_user,
  state text not null default 'pending' check (state in ('pending', 'running', 'done')),
  -- the answer: {"connected": true} | {"tables": […], "truncated": …} | {"columns": […], "rows": […]}
  result jsonb,
  error_code integer,
  error_message text,
  worker_id text,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  -- set by the claiming sidecar: connect_timeout + a margin; waiters give up shortly after it
  deadline_at timestamptz,
  finished_at timestamptz
);

create index requests_pending on cdb_connectors.requests (created_at) where state = 'pending';
create index requests_finished on cdb_connectors.requests (finished_at) where state = 'done';

-- Passwords of requests, apart so that users can INSERT them but never SELECT them back (like
-- job_secrets). The sidecar deletes a request's password when it writes the answer.
create table cdb_connectors.request_secrets (
  request_id uuid primary key references cdb_connectors.requests (id) on delete cascade,
  password text not null
);

comment on table cdb_connectors.requests is 'Check / list tables / preview requests waiting for a sidecar''s answer (docs/check-and-browse.md). Users read and delete their own rows.';
comment on table cdb_connectors.request_secrets is 'Passwords of requests: INSERT-only for users, read (and deleted on answer) by the sidecars.';
