// Row estimates (issue 22 §7): jobs.rows_estimated, written by the sidecar from the remote's
// statistics once the source is described, shown next to rows_fetched in cdb_connectors.imports
// and cdb_connector_import_status (the CLI's progress: rows of ~total, rows/s, ETA); the insert
// trigger forces it to NULL like the other bookkeeping columns.
// ADD COLUMN IF NOT EXISTS, CREATE OR REPLACE (the view gains a last column): re-applicable.
// Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'schema/rows-estimated.sql',
  'api/jobs-insert-trigger.sql',
  'views/imports.sql',
  'api/import-status.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
