-- COMMENTs on the tables a DBA or a psql user reads first (\dt+ cdb_connectors.*, \d+), which
-- had none (issue 22 §12). The tables themselves are created in settings.sql and jobs.sql, whose
-- CREATE TABLE cannot be re-applied: the comments ship as this file of a later migration.
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
