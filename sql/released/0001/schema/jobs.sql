-- Import jobs: one row per import or sync run (SPEC §4). Users insert through
-- cdb_connector_import(); the BEFORE INSERT trigger (sql/api/jobs-insert-trigger.sql) validates and
-- normalises params, moves the password to job_secrets and forces the bookkeeping columns, so a
-- direct INSERT cannot bypass validation. Sidecars claim rows with FOR UPDATE SKIP LOCKED.
create table cdb_connectors.jobs (
  id uuid primary key default gen_random_uuid(),
  sync_id uuid,
  state text not null default 'enqueued'
    check (state in ('enqueued', 'importing', 'complete', 'failure', 'cancelled')),
  provider text not null,
  -- the normalised `connector` object (lower-case keys, defaults applied), password replaced by "***"
  params jsonb not null,
  -- local table name asked for (import_as or table), before identifier rules; table_name once complete
  requested_name text not null,
  table_name text,
  target_schema name not null,
  owner name not null default current_user,
  rows_fetched bigint not null default 0,
  rows_imported bigint,
  columns_imported integer,
  warnings jsonb not null default '[]',
  error_code integer,
  error_message text,
  attempt integer not null default 0,
  worker_id text,
  -- backend pid of the load connection: a re-claiming sidecar terminates a lingering one
  backend_pid integer,
  lease_expires_at timestamptz,
  cancel_requested boolean not null default false,
  run_after timestamptz not null default now(),
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now()
);

create index jobs_claimable on cdb_connectors.jobs (run_after, created_at) where state = 'enqueued';
create index jobs_running on cdb_connectors.jobs (lease_expires_at) where state = 'importing';
create index jobs_owner on cdb_connectors.jobs (owner, created_at desc);
create index jobs_sync on cdb_connectors.jobs (sync_id, created_at desc) where sync_id is not null;

-- Passwords, apart from the jobs so that users can INSERT them but never SELECT them back
-- (shared/notes/postgres-facts.md). Only the bridge's own role reads this table.
create table cdb_connectors.job_secrets (
  job_id uuid primary key references cdb_connectors.jobs (id) on delete cascade,
  password text not null
);

-- Per-job log lines shown in cdb_connectors.import_log; never holds passwords.
create table cdb_connectors.job_log (
  id bigint generated always as identity primary key,
  job_id uuid not null references cdb_connectors.jobs (id) on delete cascade,
  ts timestamptz not null default clock_timestamp(),
  level text not null check (level in ('debug', 'info', 'warn', 'error')),
  message text not null
);
create index job_log_job on cdb_connectors.job_log (job_id, id);

-- Live sidecars, one row each (users read the cdb_connectors.workers view); rows older than a lease are stale.
create table cdb_connectors.sidecars (
  id text primary key,
  host text not null,
  pid integer not null,
  version text not null,
  concurrency integer not null,
  started_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now()
);

-- Error codes shown by cdb_connector_import_status().get_error_text (SPEC §4).
-- src/errors.ts holds the same codes; test/errors.test.ts keeps them equal.
create table cdb_connectors.error_codes (
  code integer primary key,
  name text not null unique,
  title text not null,
  what_about text not null,
  retryable boolean not null
);
insert into cdb_connectors.error_codes (code, name, title, what_about, retryable) values
  (1500, 'CONNECTOR_ERROR', 'Connector error', 'The remote database returned an error while reading. The message shows its text; check the remote server.', true),
  (1501, 'PROVIDER_DISABLED', 'Provider disabled', 'This provider is not enabled on this database. Ask the administrator to add it to the enabled_providers setting.', false),
  (1502, 'INVALID_PARAMETERS', 'Invalid connector parameters', 'The connector parameters are not valid. Fix the parameters named in the message and import again.', false),
  (1503, 'SOURCE_AUTH_FAILED', 'Authentication failed', 'The remote server rejected the username or password. Check the credentials and the user''s access to the database.', false),
  (1504, 'SOURCE_UNREACHABLE', 'Cannot reach the remote server', 'The remote server could not be reached or stopped answering in time. Check server, port, firewalls and TLS settings.', true),
  (1505, 'SOURCE_NOT_FOUND', 'Remote table or schema not found', 'The remote table, schema or database does not exist or is not visible to this user. Check the names and their case.', false),
  (1506, 'SOURCE_QUERY_FAILED', 'Remote query failed', 'The remote server rejected the query (syntax or permissions). The message shows the remote error; fix sql_query or the grants.', false),
  (1507, 'TOO_MANY_COLUMNS', 'Too many columns', 'The remote table has more importable columns than max_columns allows. Select fewer columns with sql_query.', false),
  (1508, 'NO_IMPORTABLE_COLUMNS', 'No importable columns', 'None of the remote columns has a type that can be imported. Cast them to standard types with sql_query.', false),
  (1509, 'CANCELLED', 'Import cancelled', 'The import was cancelled with cdb_connector_cancel before it finished. Nothing was imported.', false),
  (1510, 'ENCODING_ERROR', 'Encoding error', 'Remote text could not be converted exactly. Set the encoding parameter to the real character set of the remote data.', false),
  (2013, 'SYNC_TABLE_INCOMPATIBLE', 'Cannot replace a sync table', 'The remote columns changed so that the synchronized table cannot keep its identity. The old data was kept.', false),
  (99999, 'INTERNAL', 'Internal error', 'An unexpected error happened in the connector. The message has details; the job can be retried.', true);
