// Stored passwords sealed with a public key whose private half only the sidecars hold (issue 16
// §4): pgcrypto, the secret_keys table, seal_secret() and the three insert triggers that store
// passwords. Existing passwords are sealed by `connector-bridge rotate-secrets-key`, which also
// installs the first key. Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'schema/secret-keys.sql',
  'api/seal-secret.sql',
  'api/jobs-after-insert-trigger.sql',
  'api/sync-insert-trigger.sql',
  'api/requests-after-insert-trigger.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
