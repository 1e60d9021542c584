// Catch-up of the SQL that changed without a migration. Until this release the migrations read
// the current sql/ files, and these were edited in place after 0001–0006 shipped (SQL Server in
// the provider catalog, the pending-secret and not-found helpers, the sync and request functions'
// messages, tighter grants, …). A fresh install ran the edited files; a database migrated at an
// older release never got them. From 0014 on every migration applies frozen copies
// (sql/released/NNNN/, see lib/apply-sql.js), and this one re-applies, as they are today, the
// files whose latest released copy differed from the current source — all CREATE OR REPLACE,
// DROP … IF EXISTS or GRANT/REVOKE, so it is a no-op where a database already has them. Only
// schema/settings.sql is not re-applied: its one change (max_syncs_per_role 100) is 0010's UPDATE.
// Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  // validation helpers (0001)
  'api/provider-catalog.sql',
  'api/normalize-connection.sql',
  // job triggers' helpers (0001, later 0001 in place)
  'api/pending-secret-setting.sql',
  'api/stash-pending-secret.sql',
  'api/take-pending-secret.sql',
  // helpers of the user-facing functions (added to 0001 in place)
  'api/raise-not-found.sql',
  'api/require-read-committed.sql',
  'api/written-by-this-transaction.sql',
  'api/sleep-before-deadline.sql',
  // user-facing functions of 0001 and 0002
  'api/import-status.sql',
  'api/wait.sql',
  'api/cancel.sql',
  'api/sync-object.sql',
  'api/sync-set-interval.sql',
  'api/sync-unsync.sql',
  // answers now (0003)
  'api/requests-insert-trigger.sql',
  'api/request-answer-result.sql',
  'api/require-transaction-control.sql',
  'api/request-run.sql',
  'api/request-result.sql',
  // CARTO datasets (0005)
  'api/cartodb-webmercator-trigger.sql',
  // privileges last: the helpers above (and notify_new_row of 0008) as grants.sql would have
  // set them had they been created in 0001, then the changed grant files
  'security/grants-helpers.sql',
  'security/grants-syncs.sql',
  'security/requests-grants.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
