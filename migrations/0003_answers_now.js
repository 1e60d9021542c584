// Answers now (issue 10, SPEC §7): the requests table behind cdb_connector_check,
// cdb_connector_list_tables and cdb_connector_preview (procedures that commit their request and
// wait for a sidecar's answer) and the two-step form cdb_connector_request /
// cdb_connector_request_result. Uses only objects of 0001 (normalize_params, workers,
// error_codes, pending_secret_setting). Immutable once released.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'schema/requests.sql',
  // validation and triggers
  'api/normalize-request.sql',
  'api/requests-insert-trigger.sql',
  'api/requests-after-insert-trigger.sql',
  // internal steps of a request
  'api/request-submit.sql',
  'api/request-take-answer.sql',
  'api/request-answer-result.sql',
  'api/require-transaction-control.sql',
  'api/request-run.sql',
  // the user-facing procedures and functions (in the API schema)
  'api/check.sql',
  'api/list-tables.sql',
  'api/preview.sql',
  'api/request.sql',
  'api/request-result.sql',
  // row-level security and privileges last
  'security/rls-requests.sql',
  'security/requests-grants.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

// Not reversible in place: a later migration drops what it replaces.
export const down = false;
