-- Rejected rows (SPEC §14, issue 19 item 2): with "on_error": "reject", a row the target refuses
-- (a value its column type rejects, bytes invalid in the database encoding, an invalid geometry,
-- a NOT NULL / unique / CHECK the owner put on a sync table, the owner's trigger raising) is left
-- out of the load and recorded here instead of failing the job. One row per rejected row:
--   import_id     the job (cdb_connectors.imports.id); the rows go when the job row is deleted;
--   sync_id       the sync of a sync run (NULL for an import, and once the sync is removed);
--   owner         the job's owner: row-level security shows a role its own rows only;
--   row_number    1-based position of the row in the run's read;
--   column_name   the local column the error names (NULL when it names none: a CHECK, a trigger);
--   error_code    the target's SQLSTATE (22P02 invalid text, 22021 invalid bytes, 23502 NOT NULL …);
--   message       the target's message and detail (for a constraint: "Failing row contains …");
--   remote_value  the failing field as text (valid UTF-8 as is, other bytes as \x hex), at most
--                 1000 characters (a longer value is cut there and ends with …); NULL for SQL NULL
--                 or when no single field is to blame.
-- Written by the sidecars only, while the run goes (their own transactions): the rows of a job
-- that failed with 1512 (too many rejects) stay for diagnosis; a re-run of the same job deletes
-- its earlier attempt's rows first. Error 1512 joins the error codes.
-- Re-applicable: IF NOT EXISTS / ON CONFLICT everywhere.
-- Parameters: none. Locks: AccessExclusive on the new table (migration only).
create table if not exists cdb_connectors.rejects (
  id bigint generated always as identity primary key,
  import_id uuid not null references cdb_connectors.jobs (id) on delete cascade,
  sync_id uuid references cdb_connectors.syncs (id) on delete set null,
  owner name not null,
  created_at timestamptz not null default clock_timestamp(),
  row_number bigint not null,
  column_name text,
  error_code text not null,
  message text not null,
  remote_value text
);
create index if not exists rejects_import on cdb_connectors.rejects (import_id, row_number);
create index if not exists rejects_sync on cdb_connectors.rejects (sync_id, created_at) where sync_id is not null;

comment on table cdb_connectors.rejects is 'Rows left out by imports and sync runs with "on_error": "reject" (docs/rejected-rows.md): one row per rejected row, with its position, column, SQLSTATE, message and remote value. Each role sees its own; cdb_connector_admin members see all.';
comment on column cdb_connectors.rejects.import_id is 'The job (cdb_connectors.imports.id) that rejected the row.';
comment on column cdb_connectors.rejects.sync_id is 'The synchronization of a sync run; NULL for a one-off import.';
comment on column cdb_connectors.rejects.row_number is '1-based position of the row in the run''s read from the remote.';
comment on column cdb_connectors.rejects.column_name is 'Local column the error names; NULL when it names none (a CHECK constraint, a trigger).';
comment on column cdb_connectors.rejects.error_code is 'SQLSTATE of the target''s error, e.g. 22P02, 22021, 23502.';
comment on column cdb_connectors.rejects.remote_value is 'The failing value as text (bytes that are not UTF-8 as \x hex), at most 1000 characters (then …); NULL for SQL NULL or no single field.';

insert into cdb_connectors.error_codes (code, name, title, what_about, retryable) values
  (1512, 'REJECT_LIMIT_EXCEEDED', 'Too many rejected rows', 'With "on_error": "reject", more rows were refused than max_rejects or max_reject_ratio allow, so nothing was imported (a sync table was not changed). The rows rejected so far are in cdb_connectors.rejects; fix the remote data or raise the limits.', false)
on conflict (code) do nothing;
