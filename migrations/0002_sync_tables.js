// Sync tables (issue 5, SPEC §5): the syncs and sync_secrets tables, the one-active-run index on
// jobs, the sync triggers and settings, the synchronizations view, the sync functions
// (cdb_connector_sync, _sync_now, _set_interval, _unsync), their row-level security and grants.
// It also re-applies the files of 0001 that sync tables changed (CREATE OR REPLACE, DROP TRIGGER
// IF EXISTS): settings-check (new settings' rules), normalize-params (no more "not available
// yet"), jobs-insert-trigger (runs of a sync), import (interval → sync), cancel (a sync's id).
// Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'schema/syncs.sql',
  'api/settings-check.sql',
  'schema/sync-settings.sql',
  'api/sync-pending-setting.sql',
  'api/normalize-params.sql',
  'api/jobs-insert-trigger.sql',
  // sync triggers and the sidecars' failure bookkeeping
  'api/sync-insert-trigger.sql',
  'api/sync-update-trigger.sql',
  'api/sync-delete-trigger.sql',
  'api/sync-settle-run.sql',
  // what users read, then the user-facing functions (in the API schema)
  'views/synchronizations.sql',
  'api/sync-object.sql',
  'api/sync-create.sql',
  'api/sync-now.sql',
  'api/sync-set-interval.sql',
  'api/sync-unsync.sql',
  'api/import.sql',
  'api/cancel.sql',
  // row-level security and privileges last, over everything above
  'security/rls-syncs.sql',
  'security/grants-syncs.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

// Not reversible: dropping it would drop users' sync definitions and their secrets.
export const down = false;
