// Rejected rows (issue 19 item 2, SPEC §14): with "on_error": "reject" the rows the target
// refuses are recorded in cdb_connectors.rejects (owner-only under RLS, SELECT and DELETE for
// cdb_connector_user) instead of failing the job; error 1512 (REJECT_LIMIT_EXCEEDED) when
// max_rejects or max_reject_ratio is passed. The connector keys themselves are validated by
// 0019. CREATE … IF NOT EXISTS, ON CONFLICT, DROP/CREATE POLICY and GRANT: a no-op where a
// database already has them. Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'schema/rejects.sql',
  'security/rls-rejects.sql',
  'security/grants-rejects.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
