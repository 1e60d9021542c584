-- cdb_connectors.imports: one row per import job (SPEC §3), the users' window on
-- cdb_connectors.jobs. security_invoker, so the RLS policies of jobs apply to the reader: a role
-- sees its own jobs, members of cdb_connector_admin see all. params never holds a password
-- (jobs_before_insert stores "***"). table_name is the name asked for until the job completes,
-- then the real local name (identifier rules and _1, _2 suffixes applied, SPEC §4).
-- Parameters: none. Locks: AccessShare on jobs when read.
create or replace view cdb_connectors.imports with (security_invoker = true) as
select
  j.id,
  j.sync_id,
  j.state,
  j.provider,
  j.params,
  case when j.state = 'complete' then coalesce(j.table_name, j.requested_name) else j.requested_name end as table_name,
  j.target_schema,
  j.owner,
  j.rows_fetched,
  j.rows_imported,
  j.columns_imported,
  j.warnings,
  j.error_code,
  j.error_message,
  j.attempt,
  j.worker_id,
  j.created_at,
  j.started_at,
  j.finished_at,
  j.updated_at,
  j.rows_inserted,
  j.rows_updated,
  j.rows_deleted,
  j.rows_unchanged,
  j.truncated,
  j.rows_estimated
from cdb_connectors.jobs as j;

comment on view cdb_connectors.imports is 'Import jobs: one row per cdb_connector_import() call (or sync run). Each role sees its own rows; cdb_connector_admin members see all.';
comment on column cdb_connectors.imports.id is 'The item_queue_id returned by cdb_connector_import().';
comment on column cdb_connectors.imports.sync_id is 'The synchronization this run belongs to; NULL for a one-off import.';
comment on column cdb_connectors.imports.state is 'enqueued → importing → complete | failure | cancelled.';
comment on column cdb_connectors.imports.params is 'Normalised connector parameters (lower-case keys, defaults applied); the password is shown as "***".';
comment on column cdb_connectors.imports.table_name is 'Local table: the requested name until the job completes, then the real name (may have a _1, _2 suffix).';
comment on column cdb_connectors.imports.target_schema is 'Schema the table is created in (the caller''s current_schema() at import time).';
comment on column cdb_connectors.imports.owner is 'Role that asked for the import and owns the table.';
comment on column cdb_connectors.imports.rows_fetched is 'Rows read from the remote server so far (updated while importing).';
comment on column cdb_connectors.imports.rows_estimated is 'Rows the job is expected to read, from the remote''s statistics (never a COUNT), at most max_rows; NULL while unknown. An estimate: rows_fetched may end above or below it.';
comment on column cdb_connectors.imports.rows_imported is 'Rows the job stored once complete: the rows of the new or refreshed table for an import or a replace sync run; the rows read for an append or merge run (rows_inserted, rows_updated, … say what they did).';
comment on column cdb_connectors.imports.warnings is 'JSON array of {code, message}: row_limit, skipped_columns, zero dates, …';
comment on column cdb_connectors.imports.error_code is 'Error code of a failed or cancelled job (docs/errors.md; cdb_connectors.error_codes explains each).';
comment on column cdb_connectors.imports.attempt is 'How many times a sidecar has started this job (a job whose sidecar died is re-run).';
comment on column cdb_connectors.imports.rows_inserted is 'Incremental sync runs (mode append or merge): rows the run added to the table; NULL for imports and replace runs.';
comment on column cdb_connectors.imports.rows_updated is 'Merge runs: rows the run changed (a soft-deleted row that came back counts here too).';
comment on column cdb_connectors.imports.rows_deleted is 'Merge runs with deletes soft or hard: rows the run deleted or marked _deleted_at.';
comment on column cdb_connectors.imports.rows_unchanged is 'Merge runs: rows read again that were already identical in the table.';
comment on column cdb_connectors.imports.truncated is 'True when the job stopped at max_rows: the remote had more rows than it imported (with a row_limit warning); false when it read everything; NULL until complete.';
comment on column cdb_connectors.imports.worker_id is 'The sidecar running or last running the job (cdb_connectors.workers).';
