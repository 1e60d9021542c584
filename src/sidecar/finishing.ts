/**
 * How a claimed job ends up in the target, by kind of job: an import takes the `new-table` write
 * strategy; a run of a sync table takes `replace` (load/strategies/) and keeps the sync's state
 * (sync-store.ts). The runner asks this module and stays the same straight line for both; the
 * SPEC §13 modes will pick their strategy here by the sync's `mode`.
 */
import type pg from 'pg';
import { ConnectorError } from '../errors.js';
import { writeStrategy } from '../load/strategies/registry.js';
import type { LoadPlan, TableLoad } from '../load/strategies/write-strategy.js';
import type { JobRow } from './job.js';
import type { Settings } from './settings.js';
import { markSyncRunStarted, readSyncTable, recordSyncRunSuccess, settleSyncRun } from './sync-store.js';

export interface Finishing {
  /** The job is running (a sync shows `syncing`). */
  started(): Promise<void>;
  /** The table a sync run refreshes (its last run's table), null for imports and first runs. */
  syncedTableOid(): Promise<number | null>;
  /** Opens the load transaction and its COPY. */
  beginLoad(client: pg.PoolClient, plan: LoadPlan, settings: Settings): Promise<TableLoad>;
  /** The job was recorded as failed or cancelled (a sync schedules its retry or next run). */
  failed(): Promise<void>;
}

const IMPORT: Finishing = {
  started: async () => undefined,
  syncedTableOid: async () => null,
  beginLoad: (client, plan) => writeStrategy('new-table').begin(client, plan),
  failed: async () => undefined,
};

export function finishingFor(pool: pg.Pool, job: JobRow): Finishing {
  const syncId = job.sync_id;
  if (!syncId) return IMPORT;
  return {
    started: () => markSyncRunStarted(pool, syncId, job.id),
    syncedTableOid: async () => (await readSyncTable(pool, syncId))?.tableOid ?? null,
    async beginLoad(client, plan, settings) {
      const sync = await readSyncTable(pool, syncId);
      if (!sync) throw new ConnectorError('CANCELLED', 'The synchronization was removed with cdb_connector_unsync while this run started.');
      return writeStrategy('replace').begin(client, {
        ...plan,
        tableOid: sync.tableOid,
        previousChecksum: sync.checksum,
        rebuildOnSchemaChange: settings.syncRebuildOnSchemaChange,
        recordRun: (run) => recordSyncRunSuccess(client, syncId, job.id, run),
      });
    },
    failed: () => settleSyncRun(pool, syncId),
  };
}
