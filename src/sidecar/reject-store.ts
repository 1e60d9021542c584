/**
 * Every statement the sidecar runs against cdb_connectors.rejects (SPEC §14): a job's rejected
 * rows are written in their own transactions on the pool, not in the load transaction, so those
 * of a run that fails with 1512 stay for diagnosis, and memory holds one batch of them at most
 * (load/reject-log.ts). Each write is conditional on the job still being this worker's, like
 * every update of job-store.ts: a sidecar that lost its lease adds nothing to the re-run's rows.
 */
import type pg from 'pg';
import { DEFAULT_MAX_REJECTS, RejectLog, type RejectedRow, type RejectStore } from '../load/reject-log.js';
import type { JobRow } from './job.js';

/**
 * The job's RejectLog when it asked for `"on_error": "reject"`, else undefined (a refused row
 * fails the job, as always). A job on its second attempt first forgets the first one's rejects.
 */
export async function rejectLogFor(db: pg.Pool, job: JobRow, workerId: string): Promise<RejectLog | undefined> {
  const { on_error: onError, max_rejects: maxRejects, max_reject_ratio: maxRejectRatio } = job.params;
  if (onError !== 'reject') return undefined;
  if (job.attempt > 1) await forgetRejects(db, job.id);
  return new RejectLog({ maxRejects: maxRejects ?? DEFAULT_MAX_REJECTS, ...(maxRejectRatio !== undefined ? { maxRejectRatio } : {}) },
    rejectStore(db, job, workerId), { importId: job.id, sync: job.sync_id !== null });
}

export function rejectStore(db: pg.Pool, job: Pick<JobRow, 'id' | 'sync_id' | 'owner'>, workerId: string): RejectStore {
  return {
    async write(rows: readonly RejectedRow[]) {
      await db.query(
        `insert into cdb_connectors.rejects (import_id, sync_id, owner, row_number, column_name, error_code, message, remote_value)
         select j.id, j.sync_id, j.owner, r.row_number, r.column_name, r.error_code, r.message, r.remote_value
           from cdb_connectors.jobs as j,
                rows from (pg_catalog.unnest($3::pg_catalog.int8[]), pg_catalog.unnest($4::pg_catalog.text[]), pg_catalog.unnest($5::pg_catalog.text[]),
                           pg_catalog.unnest($6::pg_catalog.text[]), pg_catalog.unnest($7::pg_catalog.text[]))
                  as r(row_number, column_name, error_code, message, remote_value)
          where j.id = $1 and j.worker_id = $2 and j.state = 'importing'`,
        [job.id, workerId, rows.map((r) => r.rowNumber), rows.map((r) => r.column), rows.map((r) => r.errorCode),
          rows.map((r) => r.message), rows.map((r) => r.remoteValue)],
      );
    },
  };
}

/** A job that runs again (after a crash or a hand-back) records its rejects anew: the earlier attempt's go. */
export async function forgetRejects(db: pg.Pool, jobId: string): Promise<void> {
  await db.query('delete from cdb_connectors.rejects where import_id = $1', [jobId]);
}
