// Incremental sync tables (issue 18, SPEC §13): "mode" append / merge with primary_key, cursor,
// lookback and deletes in the connector object; the mark and per-run counts; the
// max_delete_ratio setting and error 1511; cdb_connectors.sync_state; cdb_connector_sync_reset.
// Everyday use (issue 22 §3, §4): jobs.truncated (imports view, status JSON, a NOTICE from
// cdb_connector_wait), and the "on_row_limit" and "if_exists" connector keys.
// Columns are added with IF NOT EXISTS, functions and views CREATE OR REPLACE (imports gains
// its four count columns at the end, as CREATE OR REPLACE VIEW requires).
// Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'api/settings-check.sql',
  'schema/incremental.sql',
  'api/lookback-problem.sql',
  'api/normalize-connector.sql',
  'api/jobs-insert-trigger.sql',
  'api/sync-update-trigger.sql',
  'views/imports.sql',
  'api/import-status.sql',
  'api/wait.sql',
  'views/sync-state.sql',
  'api/sync-reset.sql',
  'security/grants-incremental.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
