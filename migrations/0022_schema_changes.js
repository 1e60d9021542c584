// Schema changes of sync tables (issue 19 item 1, SPEC §14): "on_schema_change" evolve / fail /
// pause acted on by every run (the sidecar; the key itself is validated by 0019):
//   - syncs.remote_columns, syncs.resume_requested_at, the new sync state 'paused', and the table
//     cdb_connectors.schema_changes (RLS: own rows; column-level UPDATE of action);
//   - the trigger that lets a pending change only be approved or rejected, the internal
//     decide_schema_change and cdb_connector_schema_change_approve / _reject;
//   - syncs_before_update resumes a paused sync once nothing is pending; cdb_connector_sync_now
//     refuses a paused one saying why; synchronizations gains paused_reason (at the end).
// Columns and the table IF NOT EXISTS, the state check dropped and added, functions, triggers
// and views CREATE OR REPLACE / DROP … IF EXISTS, policies dropped and created, GRANT/REVOKE: a
// no-op where a database already has them. Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'schema/schema-changes.sql',
  'api/schema-changes-update-trigger.sql',
  'api/schema-change-decide.sql',
  'api/schema-change-approve.sql',
  'api/schema-change-reject.sql',
  'api/sync-update-trigger.sql',
  'api/sync-now.sql',
  'views/synchronizations.sql',
  'security/rls-schema-changes.sql',
  'security/grants-schema-changes.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
