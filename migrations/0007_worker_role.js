// The least-privilege role of the sidecars, cdb_connector_worker (issue 16). Immutable once
// released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = ['security/worker-role.sql'];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
