/**
 * The runner's view of how a job reads and lands (Finishing), and the steps every sync run
 * shares whatever its mode; finishing.ts picks the Finishing of a job, incremental-finishing.ts
 * is the one of append and merge syncs.
 */
import type pg from 'pg';
import { withTransaction } from '../db/sql.js';
import { ConnectorError } from '../errors.js';
import type { ReadWindow, SourceSession } from '../providers/provider.js';
import type { SourcePlan } from '../rows/plan.js';
import type { LocalColumn } from '../load/ddl.js';
import type { IncrementalLoad, RunCounts } from '../load/strategies/incremental-table.js';
import type { LoadPlan } from '../load/strategies/write-strategy.js';
import type { SchemaChangePlan, SchemaStop } from '../load/schema-policy.js';
import type { IncrementalMode } from './incremental.js';
import type { JobRow } from './job.js';
import type { Warning } from './job-store.js';
import type { Settings } from './settings.js';
import { readSchemaChangeState, recordSchemaStop } from './schema-change-store.js';
import { markSyncRunStarted, readSyncTable, settleSyncRun, type SyncTable } from './sync-store.js';

/** Which rows the job reads, and how many it may store. */
export interface ReadPlan {
  /** Absent = the whole table or query. */
  window?: ReadWindow;
  maxRows: number;
  /** Remote key columns for the key-set read that follows the main one (merge with deletes). */
  keyWindow?: ReadWindow;
  /** The remote's row estimate for a read of everything (row-estimate.ts); absent or null = unknown. */
  estimate?: number | null;
  /**
   * SPEC §16 change capture: `snapshot` = the read is the consistent snapshot the session was
   * put in (one stream, never cut at max_rows); `changes` = the run reads the source's change
   * log (Finishing.readChanges) instead of rows.
   */
  changeLog?: 'snapshot' | 'changes';
}

export interface Finishing {
  /** The job is running (a sync shows `syncing`). */
  started(): Promise<void>;
  /** The table a sync run refreshes (its last run's table), null for imports and first runs. */
  syncedTableOid(): Promise<number | null>;
  /** SPEC §13 syncs: their tables are plain (no CARTO columns); undefined for imports and replace syncs. */
  readonly incremental: IncrementalMode | 'cdc' | undefined;
  /** After describe: what to read (diff mode asks the remote for its bucket hashes here). Throws 1502 for a key or cursor the source does not have. */
  planRead(plan: SourcePlan, columns: LocalColumn[], settings: Settings, session: SourceSession, signal: AbortSignal): Promise<ReadPlan>;
  /** Opens the load transaction and its COPY (`plan.maxRows` from planRead). */
  beginLoad(client: pg.PoolClient, plan: LoadPlan, settings: Settings): Promise<IncrementalLoad>;
  /**
   * ReadPlan.changeLog `changes`: streams the source's change log into the load's COPY. A
   * continuous sync commits batches itself and opens the next load with `next`; it resolves with
   * the load the runner finishes (and completes the job with).
   */
  readChanges?(session: SourceSession, plan: SourcePlan, load: IncrementalLoad, signal: AbortSignal, next: () => Promise<IncrementalLoad>): Promise<IncrementalLoad>;
  /** After the load committed (change capture: lets the source release the log it no longer needs). */
  committed?(): Promise<void>;
  /** Warnings only this kind of run knows of (the row limit of an incremental backfill, NULL cursors). */
  runWarnings(truncated: boolean, settings: Settings): Warning[];
  /** What an append or merge run did to its table, once it committed (for the job log); undefined for other jobs. */
  runCounts(): RunCounts | undefined;
  /**
   * Records the job as failed or cancelled with `recordJob`, and what this kind of run does about
   * it (a sync schedules its retry or next run, or pauses), in one transaction.
   */
  failed(recordJob: (db: pg.Pool | pg.ClientBase) => Promise<unknown>): Promise<void>;
}

/** The sync row, or CANCELLED when it was removed (cdb_connector_unsync) as the run started. */
export async function currentSyncTable(pool: pg.Pool, syncId: string): Promise<SyncTable> {
  const sync = await readSyncTable(pool, syncId);
  if (!sync) throw new ConnectorError('CANCELLED', 'The synchronization was removed with cdb_connector_unsync while this run started.');
  return sync;
}

export interface SyncRunSteps extends Pick<Finishing, 'started' | 'syncedTableOid' | 'failed'> {
  /** For the strategy's plan (SPEC §14): the sync's on_schema_change, its last run's columns and the users' decisions. */
  schemaChanges(): Promise<SchemaChangePlan>;
}

/**
 * What every run of a sync does the same way, whatever its mode. A run stopped by a schema
 * change (the strategy calls `stopped` before it throws 2013, and the load rolls back) is
 * recorded when the run is: its changes become rows of cdb_connectors.schema_changes, and with
 * one still pending the sync is `paused` instead of `failure` (schema-change-store.ts).
 */
export function syncRunSteps(pool: pg.Pool, job: JobRow, syncId: string): SyncRunSteps {
  let stop: SchemaStop | undefined;
  return {
    started: () => markSyncRunStarted(pool, syncId, job.id),
    syncedTableOid: async () => (await readSyncTable(pool, syncId))?.tableOid ?? null,
    async failed(recordJob) {
      const client = await pool.connect();
      try {
        await withTransaction(client, async () => {
          await recordJob(client);
          if (stop) await recordSchemaStop(client, syncId, job.id, stop);
          else await settleSyncRun(client, syncId);
        });
      } finally {
        client.release();
      }
    },
    async schemaChanges() {
      return {
        syncId, policy: job.params.on_schema_change ?? 'evolve', ...(await readSchemaChangeState(pool, syncId)),
        stopped: (s) => { stop = s; },
      };
    },
  };
}

