// Everyday use, second part (issue 22 §9, §12):
//   - validation messages name the bad value and where it belongs: 'Invalid provider "mariadb"
//     — use one of mysql, postgres, sqlserver, hive'; "interval" inside the connector, connector
//     keys at the top level and connection keys in the connector say where they go; "encoding"
//     for postgres says why it is not taken (normalize_params);
//   - max_columns above 1600, PostgreSQL's limit of columns in a table, is refused (check_setting);
//   - COMMENTs that cited "SPEC §…" (not in the repository) point at docs/ instead, and the
//     schema's COMMENT says which grant a role needs (GRANT cdb_connector_user TO <role>).
// All CREATE OR REPLACE, DROP/CREATE TRIGGER or COMMENT ON: a no-op where a database already has
// them. Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'schema/control-schema.sql',
  'api/normalize-params.sql',
  'api/normalize-request.sql',
  'api/settings-check.sql',
  'api/sync-insert-trigger.sql',
  'api/requests-insert-trigger.sql',
  'schema/table-comments.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
