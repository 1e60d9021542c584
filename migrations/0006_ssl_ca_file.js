// The ssl_ca_file setting for sslmode verify-ca / verify-full: the row and its rule (re-applies
// settings-check, CREATE OR REPLACE). Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = ['api/settings-check.sql', 'schema/ssl-settings.sql'];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
