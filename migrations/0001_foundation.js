// The foundation of the SQL API (issue 3): control schema, settings, jobs, validation, the
// cdb_connector_* functions, views, roles, row-level security and grants. Immutable once
// released: a change is a new migration that re-applies the changed files (they use
// CREATE OR REPLACE / DROP … IF EXISTS where that makes sense). It applies its SQL as released
// (sql/released/0001/, see lib/apply-sql.js). The helpers later added to this list in place
// (stash/take-pending-secret, notify-new-row, raise-not-found, require-read-committed,
// written-by-this-transaction, sleep-before-deadline) are installed by 0008 and 0014 instead.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'schema/control-schema.sql',
  'schema/settings.sql',
  'schema/jobs.sql',
  'security/roles.sql',
  'security/api-schema.sql',
  // validation helpers, in dependency order
  'api/lower-keys.sql',
  'api/case-duplicate-keys.sql',
  'api/text-param-problem.sql',
  'api/provider-catalog.sql',
  'api/interval-problem.sql',
  'api/normalize-connection.sql',
  'api/normalize-connector.sql',
  'api/normalize-params.sql',
  'api/is-host-pattern.sql',
  'api/settings-check.sql',
  // job triggers
  'api/pending-secret-setting.sql',
  'api/jobs-insert-trigger.sql',
  'api/jobs-after-insert-trigger.sql',
  'api/jobs-update-trigger.sql',
  // what users read
  'views/imports.sql',
  'views/import-log.sql',
  'views/workers.sql',
  // the user-facing functions (in the API schema)
  'api/import.sql',
  'api/import-status.sql',
  'api/wait.sql',
  'api/cancel.sql',
  'api/providers.sql',
  // row-level security and privileges last, over everything above
  'security/rls-jobs.sql',
  'security/rls-job-secrets.sql',
  'security/rls-job-log.sql',
  'security/grants.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

// The foundation is not reversible: dropping it would drop users' job history.
export const down = false;
