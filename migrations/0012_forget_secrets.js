// A job's password is deleted when the job finishes (issue 16 §4), and the passwords of jobs that
// already finished go now. Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = ['api/jobs-forget-secret-trigger.sql', 'schema/forget-finished-secrets.sql'];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
