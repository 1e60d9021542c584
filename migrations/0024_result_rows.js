// Set-returning forms of the JSON answers (issue 22 §10): cdb_connector_columns, _sample,
// _tables and _warnings read a preview / explain / list_tables answer or an import status and
// return one row per column, sample row, table or warning, for psql readers.
// All CREATE OR REPLACE, COMMENT, REVOKE and GRANT: a no-op where a database already has them.
// Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'api/result-rows.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
