// cdb_connector_explain (issue 19 §4, SPEC §14): the mapping an import would use, per remote
// column, without importing. A fourth request kind answered by the sidecars like a preview:
//   - the requests table's kind check admits 'explain' (an ALTER, re-applicable);
//   - normalize_request validates it like a preview (table or sql_query, no import_as needed);
//   - cdb_connector_request() accepts it for SELECT-only clients (comment only, same body);
//   - the procedure cdb_connector_explain(params) and its grant (cdb_connector_user only).
// All CREATE OR REPLACE, DROP/ADD CONSTRAINT, DROP/CREATE TRIGGER, COMMENT or GRANT: a no-op
// where a database already has them. Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'schema/requests-explain-kind.sql',
  'api/normalize-request.sql',
  'api/requests-insert-trigger.sql',
  'api/request.sql',
  'api/explain.sql',
  'security/grants-explain.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
