// A job's password is deleted when the job finishes (issue 16 §4), and the passwords of jobs that
// already finished go now. Immutable once released: a change is a new migration.
import { applySqlFiles } from './lib/apply-sql.js';

export const FILES = ['api/jobs-forget-secret-trigger.sql', 'schema/forget-finished-secrets.sql'];

export const up = (pgm) => applySqlFiles(pgm, FILES);

export const down = false;
