// The poison-pill guard (issue 16 §5): jobs.crashes counts the claims that ended with the lease
// expiring while the job ran, so a job that crashed sidecars twice is failed rather than claimed
// again forever. The guard itself is the claim statement (src/sidecar/job-store.ts). And a
// check / list_tables / preview whose sidecar dies fails as soon as its heartbeat is stale
// (take_answer, CREATE OR REPLACE) instead of at its deadline.
// Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = ['schema/job-crashes.sql', 'api/request-take-answer.sql'];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

export const down = false;
