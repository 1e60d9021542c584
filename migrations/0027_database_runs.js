// Whole-database runs (issue 20, SPEC §15): cdb_connectors.database_runs and run_secrets (RLS:
// own rows; users INSERT and UPDATE cancel_requested only), jobs.run_id / jobs.remote_columns,
// syncs.run_id, the settings max_tables_per_run and table_read_streams (and their rules), the insert triggers (validation,
// staging schema of an atomic run), cdb_connector_import_database, cdb_connector_cancel_run,
// cdb_connector_run_summary, the view cdb_connectors.runs, and jobs_before_insert, which forces
// run_id for roles under RLS. worker-role.sql is re-applied so the sidecars' role reaches the new
// tables. Tables and columns IF NOT EXISTS, functions and views CREATE OR REPLACE, policies
// dropped and created: re-applicable. Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'api/settings-check.sql',
  'schema/database-runs.sql',
  'schema/read-streams-setting.sql',
  'api/jobs-insert-trigger.sql',
  'api/database-runs-insert-trigger.sql',
  'api/import-database.sql',
  'api/cancel-run.sql',
  'api/run-summary.sql',
  'views/runs.sql',
  'security/rls-database-runs.sql',
  'security/worker-role.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
