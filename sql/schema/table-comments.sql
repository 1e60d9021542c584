-- COMMENTs on the tables a DBA or a psql user reads first (\dt+ cdb_connectors.*, \d+), which
-- had none (issue 22 §12). The tables themselves are created in settings.sql and jobs.sql, whose
-- CREATE TABLE cannot be re-applied: the comments ship as this file of a later migration.
-- The last COMMENTs replace texts that cited "SPEC §…", a document the repository does not have
-- (issue 22 §12): they point at docs/ instead. requests.sql (a CREATE TABLE) shows its new text
-- already; jobs-insert-trigger.sql and views/imports.sql are re-released by other migrations, so
-- their comments are set here, after them.
-- Parameters: none. Locks: AccessExclusive on the tables, briefly (COMMENT ON TABLE).
comment on table cdb_connectors.settings is 'Settings and limits, one row per setting (name, value as JSON, description). DBAs UPDATE value; the sidecars read them per job, so a change applies to the next job without a restart. Values are checked on write; docs/sql-api.md lists every setting.';
comment on column cdb_connectors.settings.name is 'Setting name, e.g. max_rows, allowed_hosts, lease_seconds.';
comment on column cdb_connectors.settings.value is 'The value as JSON: a number, a string, an array or null (see description).';
comment on column cdb_connectors.settings.description is 'What the setting limits or changes.';
comment on table cdb_connectors.error_codes is 'Every error code a job, sync or answer can end with (error_code in cdb_connectors.imports and cdb_connectors.synchronizations): name, title, what to do (what_about) and whether a sync retries it. cdb_connector_import_status() shows title and what_about as get_error_text; docs/errors.md explains each.';
comment on column cdb_connectors.error_codes.code is 'The numeric code (CARTO''s where one exists, e.g. 1502 invalid parameters).';
comment on column cdb_connectors.error_codes.name is 'Symbolic name, as in src/errors.ts.';
comment on column cdb_connectors.error_codes.what_about is 'Cause and fix, shown as get_error_text.what_about.';
comment on column cdb_connectors.error_codes.retryable is 'Transient: a failed sync run with this code is retried with backoff (up to max_retries).';
comment on table cdb_connectors.requests is 'Check / list tables / preview requests waiting for a sidecar''s answer (docs/check-and-browse.md). Users read and delete their own rows.';
comment on function cdb_connectors.jobs_before_insert() is 'Trigger: validates and normalises a new job (docs/sql-api.md, Validation), forces its bookkeeping columns and checks CREATE on the target schema.';
comment on column cdb_connectors.imports.error_code is 'Error code of a failed or cancelled job (docs/errors.md; cdb_connectors.error_codes explains each).';
