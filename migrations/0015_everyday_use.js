// Everyday use (issue 22): what a new user hits in the first hour.
//   - cdb_connector_import raises a NOTICE at enqueue when no sidecar is alive, and
//     cdb_connector_wait returns within seconds (with "sidecar_alive": false) instead of waiting
//     out its timeout for a job no sidecar can run (as cdb_connector_check already fails at once);
//   - cdb_connector_sync_now answers state "queued" when it queued a run, not the previous run's
//     "success" (the min_sync_now_interval limit of 0010 is unchanged);
//   - COMMENTs on cdb_connectors.settings and cdb_connectors.error_codes.
// All CREATE OR REPLACE or COMMENT ON: a no-op where a database already has them.
// Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'api/import.sql',
  'api/wait.sql',
  'api/sync-now.sql',
  'schema/table-comments.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
