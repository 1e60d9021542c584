/**
 * A run of a "mode": "cdc" sync (SPEC §16), as the runner's Finishing. planRead decides what the
 * run is:
 *   snapshot   no table yet, a forgotten position (cdb_connector_sync_reset, a column change seen
 *              in the log), the source's log since the position gone (slot dropped, binlog
 *              purged), or the remote's columns changed: the provider creates its log retention
 *              and puts the session into a consistent snapshot at a log position; the rows are
 *              loaded as a merge run over the whole table (merge.ts: a first run, or a merge that
 *              deletes what the snapshot lacks), and the position is stored with them;
 *   changes    the log since the stored position, applied by key (change-apply.ts) with the new
 *              position in the same transaction.
 * After the commit the source may discard the log before the new position (confirm: a slot
 * advance). The stored position is the only truth; the source's retention just follows it.
 */
import type pg from 'pg';
import { ConnectorError } from '../errors.js';
import type { ChangeCapture, ChangeLogNames, ChangeReadOptions } from '../rows/changes.js';
import { beginChangeRun, CHANGE_COLUMNS } from '../load/strategies/change-apply.js';
import { writeStrategy } from '../load/strategies/registry.js';
import type { IncrementalRun } from '../load/strategies/incremental-table.js';
import type { SchemaChangePlan } from '../load/schema-policy.js';
import { changeLogNames } from './cdc-names.js';
import { ChangeStream } from './change-sink.js';
import { followChanges } from './cdc-follow.js';
import { planIncrementalRead, type IncrementalRead } from './incremental.js';
import type { JobRow } from './job.js';
import type { Warning } from './job-store.js';
import { currentSyncTable, syncRunSteps, type Finishing } from './sync-run.js';
import { recordIncrementalRunSuccess, type SyncTable } from './sync-store.js';

export function cdcFinishing(pool: pg.Pool, job: JobRow, syncId: string): Finishing {
  const steps = syncRunSteps(pool, job, syncId);
  const names = changeLogNames(syncId, job.params);
  let capture: ChangeCapture | undefined;
  let sync: SyncTable | undefined;
  let read: IncrementalRead | undefined;
  let schemaChanges: SchemaChangePlan | undefined;
  let snapshotAt: string | undefined;
  let why: string | undefined;
  let stream: ChangeStream | undefined;
  let opts: ChangeReadOptions | undefined;
  let caughtUp = false;
  let columnsChangedAt: string | undefined;
  let run: IncrementalRun | undefined;
  let lagBytes: number | null = null;
  let maxLagBytes = Infinity;
  let maxChanges = 0;
  let client: pg.PoolClient | undefined;
  const totals = { fetched: 0, inserted: 0, updated: 0, deleted: 0, unchanged: 0 };
  /** After a commit: the next read starts at the new position, and the source may let go of the log before it. */
  const confirm = async () => {
    const position = run?.mark?.mark;
    if (!position) return;
    sync!.mark = position;
    await capture!.confirm(position, names).catch(() => undefined);
  };
  return {
    ...steps,
    incremental: 'cdc',
    async planRead(plan, columns, settings, session, signal) {
      capture = session.changeCapture;
      if (!capture) {
        throw new ConnectorError('INVALID_PARAMETERS', `The ${job.provider} provider cannot follow a change log; use "mode": "merge".`);
      }
      const clash = columns.find((c) => CHANGE_COLUMNS.some((x) => x.name === c.name));
      if (clash) throw new ConnectorError('INVALID_PARAMETERS', `The source has a column named ${clash.name}, which change capture needs for itself; rename it at the source.`);
      sync = await currentSyncTable(pool, syncId);
      // a cdc sync applies the log's deletes unless told otherwise
      read = await planIncrementalRead(pool, 'merge', { ...job.params, deletes: job.params.deletes ?? 'hard' }, plan, columns, sync, settings.maxRows);
      opts = { key: read.remoteKey, signal };
      schemaChanges = await steps.schemaChanges();
      maxLagBytes = settings.cdcMaxLagBytes;
      maxChanges = settings.maxRows;
      why = await snapshotReason(capture, sync, schemaChanges, columns.map((c) => c.name), names, signal);
      if (why === undefined) return { maxRows: settings.maxRows, changeLog: 'changes' };
      await capture.check(plan, names, opts);
      snapshotAt = await capture.snapshot(plan, names, opts);
      return { maxRows: settings.maxRows, changeLog: 'snapshot' };
    },
    async beginLoad(loadClient, plan, settings) {
      client = loadClient;
      const planned = read!;
      const seen = sync!;
      const base = {
        ...plan, tableOid: seen.tableOid, key: planned.key, previousMark: seen.mark, deletes: planned.deletes,
        maxDeleteRatio: settings.maxDeleteRatio, schemaChanges: schemaChanges!,
      };
      const recordRun = async (done: IncrementalRun) => {
        const position = done.mark?.mark ?? seen.mark;
        lagBytes = position === null ? null : await capture!.lagBytes(position, names).catch(() => null);
        run = done;
        await recordIncrementalRunSuccess(loadClient, syncId, job.id, done, seen);
        await loadClient.query(
          `update cdb_connectors.syncs set cdc_lag_bytes = $2, cdc_lag_at = case when $3 then statement_timestamp() else cdc_lag_at end,
                  mark = case when $4 then null else mark end, run_at = case when $4 or $5 then statement_timestamp() else run_at end
            where id = $1`,
          [syncId, lagBytes, caughtUp, columnsChangedAt !== undefined, job.params.continuous === true]);
      };
      if (snapshotAt !== undefined) {
        caughtUp = true;
        return writeStrategy('merge').begin(loadClient, {
          ...base, deleteScope: { kind: 'all' },
          recordRun: (done) => recordRun({ ...done, mark: { mark: snapshotAt!, rowsAtMark: 0, nullRows: 0 } }),
        });
      }
      stream = new ChangeStream(plan.columns.length, planned.key.map((k) => plan.columns.findIndex((c) => c.name === k)), maxChanges);
      // a continuous job's batches add up on its job row
      const load = await beginChangeRun(loadClient, { ...base, batch: stream, recordRun: (done) => {
        for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += done.counts[k];
        return recordRun({ ...done, counts: { ...totals } });
      } });
      if (load.sink.format === 'binary') throw new ConnectorError('INTERNAL', 'change capture stages text rows');
      stream.attach(load.sink.encoder);
      return load;
    },
    async readChanges(_session, plan, first, signal, next) {
      const read = async () => {
        try {
          await capture!.readChanges(plan, sync!.mark!, names, stream!, opts!);
          caughtUp = !stream!.full;
        } catch (err) {
          // the table was altered at the source: apply what committed before it, then re-snapshot
          if (!(err instanceof ConnectorError && err.errorName === 'SYNC_TABLE_INCOMPATIBLE')) throw err;
          columnsChangedAt = stream!.position() ?? sync!.mark!;
          why = err.message;
        }
      };
      if (job.params.continuous !== true) {
        await read();
        return first;
      }
      return followChanges(first, next, {
        read,
        batch: () => ({ moved: stream!.position() !== null, full: stream!.full, stop: columnsChangedAt !== undefined }),
        async commit(load) {
          await load.endCopy();
          // the job goes on: its sync shows syncing, as while any run is in flight
          await load.commit('', () => client!.query("update cdb_connectors.syncs set state = 'syncing' where id = $1", [syncId]).then(() => undefined));
          await confirm();
        },
        async discard(load) {
          await load.endCopy();
          await client!.query('rollback');
        },
        pending: async () => (await capture!.lagBytes(sync!.mark!, names).catch(() => 1) ?? 1) > 0,
        paused: async () => (await pool.query<{ paused: boolean }>('select paused from cdb_connectors.syncs where id = $1', [syncId])).rows[0]?.paused !== false,
      }, signal);
    },
    committed: () => confirm(),
    runCounts: () => run?.counts,
    runWarnings() {
      const warnings: Warning[] = [];
      if (snapshotAt !== undefined && sync?.tableOid !== null) {
        warnings.push({ code: 'cdc_resnapshot', message: `This run took a new snapshot of the source (${why}) and merged it into the table.` });
      }
      if (columnsChangedAt !== undefined) {
        warnings.push({ code: 'cdc_resnapshot', message: `The source table changed its columns in the log after ${columnsChangedAt} (${why}); the changes before were applied and the next run takes a new snapshot.` });
      }
      if (stream?.full) {
        warnings.push({ code: 'row_limit', message: `This run applied ${stream.changes()} changes (setting max_rows, whole source transactions); the next run continues from the position.` });
      }
      if (lagBytes !== null && lagBytes > maxLagBytes) {
        warnings.push({ code: 'cdc_lag', message: `The source keeps ${lagBytes} bytes of change log past what this sync applied (setting cdc_max_lag_bytes ${maxLagBytes}).` });
      }
      return warnings;
    },
  };
}

/** Why this run must take a snapshot instead of reading the log; undefined when the log can be read. */
async function snapshotReason(
  capture: ChangeCapture, sync: SyncTable, schemaChanges: SchemaChangePlan, columns: readonly string[], names: ChangeLogNames, signal: AbortSignal,
): Promise<string | undefined> {
  if (sync.tableOid === null) return 'first run';
  if (sync.mark === null) return 'no stored position: cdb_connector_sync_reset, or the source table changed its columns';
  const previous = schemaChanges.previous?.map((c) => c.name);
  if (previous && (previous.length !== columns.length || previous.some((n, i) => n !== columns[i]))) {
    return `the source table's columns changed (${previous.join(', ')} → ${columns.join(', ')})`;
  }
  if (!(await capture.available(sync.mark, names, { signal }))) {
    return `the source's change log since ${sync.mark} is gone (the slot was dropped or invalidated, or the binlog purged)`;
  }
  return undefined;
}
