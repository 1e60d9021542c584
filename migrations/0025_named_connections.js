// Named connections (issue 22 §6): a connection's parameters stored once under a name, the
// password sealed in connection_secrets, used as "connection": "<name>" by imports, syncs and
// answer-now requests and resolved by the sidecar at every run (rotation in one place):
//   - the two tables, their RLS and grants;
//   - the triggers that validate, normalise and seal (connections_before_write / _after_write);
//   - cdb_connector_create_connection / _alter_connection / _drop_connection;
//   - normalize_connector accepts a connection name (the caller's own) and stores {"name": …}.
// IF NOT EXISTS, CREATE OR REPLACE, DROP/CREATE TRIGGER, DROP/CREATE POLICY, GRANT: re-applicable.
// Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'schema/connections.sql',
  'security/connections-access.sql',
  'api/connections-triggers.sql',
  'api/connections-api.sql',
  'api/normalize-connector.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
