// The network policy (issue 16 §2): allowed_hosts entries with ports, and the new meaning of an
// empty list in the setting's description. Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = ['api/is-host-pattern.sql', 'api/settings-check.sql', 'schema/network-policy.sql'];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
