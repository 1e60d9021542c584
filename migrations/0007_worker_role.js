// The least-privilege role of the sidecars, cdb_connector_worker (issue 16). Immutable once
// released: a change is a new migration.
import { applySqlFiles } from './lib/apply-sql.js';

export const FILES = ['security/worker-role.sql'];

export const up = (pgm) => applySqlFiles(pgm, FILES);

export const down = false;
