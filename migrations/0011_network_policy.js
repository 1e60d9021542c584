// The network policy (issue 16 §2): allowed_hosts entries with ports, and the new meaning of an
// empty list in the setting's description. Immutable once released: a change is a new migration.
import { applySqlFiles } from './lib/apply-sql.js';

export const FILES = ['api/is-host-pattern.sql', 'api/settings-check.sql', 'schema/network-policy.sql'];

export const up = (pgm) => applySqlFiles(pgm, FILES);

export const down = false;
