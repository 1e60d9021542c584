// API keys of the HTTP API (issue 11, SPEC §11): the api_keys table (only key hashes), its
// triggers, cdb_connector_create_api_key / cdb_connector_revoke_api_key, row-level security and
// grants. The HTTP server itself lives in the sidecar (src/http/).
// Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'schema/api-keys.sql',
  'api/api-keys-insert-trigger.sql',
  'api/api-keys-update-trigger.sql',
  'api/api-keys-create.sql',
  'api/api-keys-revoke.sql',
  // row-level security and privileges last, over everything above
  'security/rls-api-keys.sql',
  'security/grants-api-keys.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

// Not reversible: dropping it would revoke every key at once and lose their audit trail.
export const down = false;
