/**
 * A run of an incremental sync (SPEC §13), as the runner's Finishing: plans the read after
 * describe (incremental.ts: key and cursor; diff.ts: the changed key ranges of a merge without a
 * cursor), opens the append or merge strategy with it, and records the mark, the counts and the
 * diff answer inside the load transaction.
 */
import type pg from 'pg';
import { writeStrategy } from '../load/strategies/registry.js';
import type { IncrementalRun } from '../load/strategies/incremental-table.js';
import { planDiffRead, ROWS_PER_BUCKET, type DiffPlan } from './diff.js';
import { currentSyncTable, syncRunSteps, type Finishing } from './sync-run.js';
import { planIncrementalRead, type IncrementalMode, type IncrementalRead } from './incremental.js';
import type { JobRow } from './job.js';
import type { Warning } from './job-store.js';
import { recordIncrementalRunSuccess, storeDiffState, type SyncTable } from './sync-store.js';

export function incrementalFinishing(pool: pg.Pool, job: JobRow, syncId: string, mode: IncrementalMode): Finishing {
  // what planRead learned, for beginLoad and runWarnings of the same run
  let sync: SyncTable | undefined;
  let read: IncrementalRead | undefined;
  let diff: DiffPlan | undefined;
  let run: IncrementalRun | undefined;
  const steps = syncRunSteps(pool, job, syncId);
  return {
    ...steps,
    incremental: mode,
    async planRead(plan, columns, settings, session, signal) {
      sync = await currentSyncTable(pool, syncId);
      read = await planIncrementalRead(pool, mode, job.params, plan, columns, sync, settings.maxRows);
      if (read.cursor) {
        return { window: read.window, maxRows: read.maxRows, ...(read.deletes !== 'keep' ? { keyWindow: { columns: read.remoteKey } } : {}) };
      }
      if (mode === 'merge') diff = await planDiffRead(pool, session, plan, syncId, read, columns, sync, signal);
      return { ...(diff?.window ? { window: diff.window } : {}), maxRows: read.maxRows };
    },
    async beginLoad(client, plan, settings) {
      const planned = read!;
      const seen = sync!;
      return writeStrategy(mode).begin(client, {
        ...plan,
        tableOid: seen.tableOid,
        key: planned.key,
        ...(planned.cursor ? { cursor: planned.cursor } : {}),
        previousMark: planned.previousMark,
        deletes: planned.deletes,
        deleteScope: planned.cursor ? { kind: 'keyset' } : diff?.scope ?? { kind: 'all' },
        ...(diff?.measure ? { measureBuckets: { key: planned.key[0]!, rowsPerBucket: ROWS_PER_BUCKET } } : {}),
        maxDeleteRatio: settings.maxDeleteRatio,
        schemaChanges: await steps.schemaChanges(),
        recordRun: async (done) => {
          run = done;
          await recordIncrementalRunSuccess(client, syncId, job.id, done, seen);
          const state = diff?.next ?? (done.geometry && {
            keyColumn: planned.key[0]!, ...done.geometry, hashes: null, resetSeen: seen.resetRequestedAt,
          });
          if (state) await storeDiffState(client, syncId, state);
        },
      });
    },
    runCounts: () => run?.counts,
    runWarnings(truncated) {
      const warnings: Warning[] = [];
      if (truncated && read?.cursor) {
        warnings.push({ code: 'row_limit', message: `This run read the first ${read.maxRows} rows in cursor order (setting max_rows); the next run continues from the mark.` });
      }
      if (run?.deletesSkipped) {
        warnings.push({ code: 'deletes_skipped', message: run.deletesSkipped === 'rejects'
          ? 'This run rejected rows (see rejected_rows), so it did not look for deleted rows: a rejected row is not a deleted one.'
          : `This run read only the first ${read!.maxRows} rows (setting max_rows), so it did not look for deleted rows.` });
      }
      if (run?.mark && run.mark.nullRows > 0) {
        warnings.push({ code: 'null_cursor', message: `${run.mark.nullRows} rows have a NULL cursor (${job.params.cursor}); they are read and merged on every run.` });
      }
      return warnings;
    },
  };
}
