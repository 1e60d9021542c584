/**
 * How a claimed job reads and lands, by kind of job: an import takes the `new-table` write
 * strategy; a run of a sync table takes the strategy of its `mode` (load/strategies/: replace
 * here, append and merge in incremental-finishing.ts, change capture in cdc-finishing.ts) and keeps the sync's state
 * (sync-store.ts). The runner asks this module and stays the same straight line for all of them.
 */
import type pg from 'pg';
import { writeStrategy } from '../load/strategies/registry.js';
import { cdcFinishing } from './cdc-finishing.js';
import { incrementalFinishing } from './incremental-finishing.js';
import { incrementalMode } from './incremental.js';
import type { JobRow } from './job.js';
import { currentSyncTable, syncRunSteps, type Finishing } from './sync-run.js';
import { recordSyncRunSuccess } from './sync-store.js';

/** An import's failure is its job's alone. */
const IMPORT = (pool: pg.Pool): Finishing => ({
  started: async () => undefined,
  syncedTableOid: async () => null,
  incremental: undefined,
  planRead: async (_plan, _columns, settings) => ({ maxRows: settings.maxRows }),
  beginLoad: (client, plan) => writeStrategy('new-table').begin(client, plan),
  runWarnings: () => [],
  runCounts: () => undefined,
  failed: async (recordJob) => { await recordJob(pool); },
});

export type { Finishing, ReadPlan } from './sync-run.js';

export function finishingFor(pool: pg.Pool, job: JobRow): Finishing {
  const syncId = job.sync_id;
  if (!syncId) return IMPORT(pool);
  if (job.params.mode === 'cdc') return cdcFinishing(pool, job, syncId);
  const mode = incrementalMode(job.params);
  return mode ? incrementalFinishing(pool, job, syncId, mode) : replaceFinishing(pool, job, syncId);
}

/** A replace sync (SPEC §5): the whole remote, the table refreshed in place. */
function replaceFinishing(pool: pg.Pool, job: JobRow, syncId: string): Finishing {
  const steps = syncRunSteps(pool, job, syncId);
  return {
    ...steps,
    incremental: undefined,
    planRead: async (_plan, _columns, settings) => ({ maxRows: settings.maxRows }),
    async beginLoad(client, plan, settings) {
      const current = await currentSyncTable(pool, syncId);
      return writeStrategy('replace').begin(client, {
        ...plan,
        tableOid: current.tableOid,
        previousChecksum: current.checksum,
        rebuildOnSchemaChange: settings.syncRebuildOnSchemaChange,
        schemaChanges: await steps.schemaChanges(),
        recordRun: (refreshed) => recordSyncRunSuccess(client, syncId, job.id, refreshed),
      });
    },
    runWarnings: () => [],
    runCounts: () => undefined,
  };
}
