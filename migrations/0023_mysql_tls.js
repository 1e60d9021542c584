// sslmode for the mysql provider (issue 22 §5): MySQL/MariaDB over TLS, with the postgres
// provider's five modes and the ssl_ca_file setting.
//   - provider_catalog() lists sslmode among mysql's optional connection keys and says, per
//     provider, what an absent sslmode means (default_sslmode: mysql prefer, postgres require)
//     and whether normalize_connection writes it (fills_sslmode: postgres only). Its result
//     columns change, so it is dropped and created again with the internal functions' grants;
//   - normalize_connection validates and keeps a mysql sslmode, and fills the default from the
//     catalog instead of a constant;
//   - cdb_connector_providers() shows mysql's sslmodes and its default.
// DROP … IF EXISTS / CREATE, CREATE OR REPLACE, COMMENT, REVOKE and GRANT: re-running leaves a
// database as it was. Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'api/provider-catalog.sql',
  'api/normalize-connection.sql',
  'api/providers.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
