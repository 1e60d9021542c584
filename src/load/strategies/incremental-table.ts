/**
 * What the two incremental strategies (append.ts, merge.ts; SPEC §13) share: their plan, the
 * first run (an import that also records the mark), the staging of a later run, and the
 * in-place column check. A later run is ONE transaction on the job's connection:
 *
 *   begin; set local role <owner>; create temp table <staging> (planned columns) on commit drop;
 *   the remote's column changes decided (table-evolution.ts, SPEC §14): a run that must stop
 *     (pause, fail, a retype) throws 2013 before the COPY, nothing changed;
 *   copy <staging> from stdin; [create temp table <keys>; copy <keys> from stdin  -- merge deletes]
 *   the decided changes: add column, alter column type (owner frames, savepoints: a refused one
 *     pauses the sync, nothing changed);
 *   the strategy's own statements in owner frames; the new mark from the staged rows;
 *   reset role; <record the run and the mark on the sync>; <mark the job complete>; commit
 *
 * so a crash anywhere re-runs from the previous mark and ends in the same table (exactly-once
 * effect). Readers see the table before or after a run, never between; UPDATE/INSERT/DELETE
 * take ROW EXCLUSIVE, so readers are never blocked and writers only on the rows a run touches.
 * The table keeps its OID: views, grants, policies, indexes, comments survive, and so do
 * columns the owner added (and columns the remote dropped: they stay, NULL in the rows a run
 * inserts or updates).
 */
import type pg from 'pg';
import { ConnectorError } from '../../errors.js';
import { startCopy, type CopySession } from '../copy-session.js';
import { cursorKindOf, readMark, type CursorKind, type Mark } from '../cursor-mark.js';
import { ROW_NUMBER_COLUMN } from '../isolate-rows.js';
import { createTableSql, qi, qualified, type LocalColumn } from '../ddl.js';
import { assertNoDeferredUserCode } from '../owner-frame.js';
import type { SchemaChangePlan } from '../schema-policy.js';
import { applyTableChanges, assertSameColumns, planTableEvolution, type ColumnsRecord, type TableEvolution } from '../table-evolution.js';
import { columnsOf, findTable, oidOf, type TableColumn } from '../target-catalog.js';
import { beginNewTable } from './new-table.js';
import { tableLoad, type LoadPlan, type TableLoad } from './write-strategy.js';

export type DeletesMode = 'keep' | 'soft' | 'hard';

/** The soft-delete column (SPEC §13): NULL while the remote row exists. */
export const DELETED_AT = '_deleted_at';

export interface IncrementalPlan extends LoadPlan {
  /** The table the last successful run left; null before the first success (or once dropped). */
  tableOid: number | null;
  /** Local names of the merge key columns (empty for append). */
  key: string[];
  /** The cursor's local column; absent = a merge without a cursor (every run reads the whole table). */
  cursor?: { name: string; kind: CursorKind };
  /** The mark the read started from (absent on first runs and after cdb_connector_sync_reset). */
  previousMark: string | null;
  deletes: DeletesMode;
  /**
   * Which local rows the read covers, so which ones a missing remote key may delete: `keyset`
   * (a cursor read: a second, key-only read of the whole remote follows), `all` (the read was the
   * whole remote), `ranges` (diff mode: the key ranges read). Absent = keep (append).
   */
  deleteScope?: DiffScope;
  /** Diff mode without a bucket geometry yet: measure one from the staged rows (sidecar/diff.ts). */
  measureBuckets?: { key: string; rowsPerBucket: number };
  /** max_delete_ratio. */
  maxDeleteRatio: number;
  /** The sync's on_schema_change, last run's columns and the users' decisions (SPEC §14). */
  schemaChanges: SchemaChangePlan;
  /** Records the run on the sync row (and its counts on the job) inside the load transaction, with the sidecar's role. */
  recordRun(run: IncrementalRun): Promise<void>;
}

export type DiffScope =
  | { kind: 'keyset' }
  | { kind: 'all' }
  | { kind: 'ranges'; column: string; ranges: ReadonlyArray<{ from: string; to: string }> };

export interface RunCounts {
  fetched: number;
  inserted: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

export interface IncrementalRun {
  schema: string;
  tableName: string;
  tableOid: number;
  /** Undefined without a cursor. */
  mark?: Mark;
  counts: RunCounts;
  /** Diff mode: the bucket geometry measured by this run (see IncrementalPlan.measureBuckets). */
  geometry?: { origin: string; width: string };
  /** Why a merge with deletes did not look for them: the read was cut at max_rows, or rows were rejected. */
  deletesSkipped?: 'row_limit' | 'rejects';
  /** The remote's columns as this run staged them, and the column changes it made. */
  columns: ColumnsRecord;
}

/** A load whose strategy also needs the remote's whole key set (merge with deletes soft/hard). */
export interface IncrementalLoad extends TableLoad {
  /** Starts the second COPY, of the key columns only, into a temp table; the runner streams a key-only read into it. */
  keySet?: { columns: LocalColumn[]; begin(): Promise<CopySession> };
}

export const TEMP_SCHEMA = 'pg_temp';

/** Throws 1502 unless `plan.cursor` is a type both sides order the same way. */
export function assertOrderableCursor(column: LocalColumn): CursorKind {
  const kind = cursorKindOf(column.type);
  if (!kind) {
    throw new ConnectorError('INVALID_PARAMETERS',
      `The cursor column ${column.name} has type ${column.type}, which cannot be compared exactly on both sides; use an integer, numeric, date or timestamp column.`);
  }
  return kind;
}

/**
 * A first run (or the synced table is gone): an import, plus what an incremental table needs
 * before anyone sees it — `extra(tableName)` runs as its owner while it is still invisible
 * (merge: key checks, unique index, `_deleted_at`) — and the mark (and diff mode's bucket
 * geometry) read from it.
 */
export function beginFirstRun(client: pg.PoolClient, plan: IncrementalPlan, extra: (table: string) => Promise<void>): Promise<IncrementalLoad> {
  let run: IncrementalRun | undefined;
  return beginNewTable(client, plan, {
    async asOwner(tableName, fetched) {
      const table = qualified(plan.schema, tableName);
      // the remote's columns, before extra() adds the merge's own _deleted_at
      const remote = await columnsOf(client, await oidOf(client, table));
      await extra(table);
      const geometry = plan.measureBuckets ? await measureBuckets(client, table, plan.measureBuckets.key, plan.measureBuckets.rowsPerBucket) : undefined;
      run = {
        schema: plan.schema, tableName, tableOid: await oidOf(client, table),
        ...(plan.cursor ? { mark: await readMark(client, table, qi(plan.cursor.name), plan.cursor.kind, null) } : {}),
        counts: { fetched, inserted: fetched - (plan.rejects?.count ?? 0), updated: 0, deleted: 0, unchanged: 0 },
        ...(geometry ? { geometry } : {}),
        columns: { remote, applied: [] },
      };
    },
    beforeCommit: () => plan.recordRun(run!),
  });
}

export interface StagedRun {
  client: pg.PoolClient;
  plan: IncrementalPlan;
  /** The synced table, qualified. */
  table: string;
  tableOid: number;
  target: { schema: string; name: string };
  /** The staging table, qualified, and the columns of it the run writes into the table. */
  staging: string;
  staged: TableColumn[];
  /** Columns the remote dropped that the table keeps: NULL in the rows the run updates. */
  dropped: string[];
  /** Rows the COPY stored. */
  fetched: number;
  /** The read was cut at max_rows. */
  truncated: boolean;
}

/**
 * A later run: the staging table and its COPY; `apply` changes the synced table and returns the
 * counts, then the mark is read from the staged rows and the run recorded, all before COMMIT.
 */
export async function beginLaterRun(
  client: pg.PoolClient, plan: IncrementalPlan, tableOid: number,
  apply: (run: StagedRun) => Promise<Omit<RunCounts, 'fetched'> & Pick<IncrementalRun, 'deletesSkipped'>>,
  keySet?: { columns: LocalColumn[]; name: string },
  /** The strategy's own reads of the temp tables, run before any owner frame (see below). */
  check?: (run: StagedRun) => Promise<void>,
): Promise<IncrementalLoad> {
  const staging = qualified(TEMP_SCHEMA, plan.stagingName);
  let evolution: TableEvolution;
  await client.query('begin');
  try {
    await client.query(`set local role ${qi(plan.owner)}`);
    await client.query(`${createTableSql(TEMP_SCHEMA, plan.stagingName, plan.columns, plan.postgisSchema)} on commit drop`);
    const target = await findTable(client, tableOid);
    evolution = await planTableEvolution(client, plan.schemaChanges, tableOid, staging, target ? `${target.schema}.${target.name}` : String(tableOid),
      { fullRefresh: false, rebuild: false });
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
  const copy = startCopy(client, {
    schema: TEMP_SCHEMA, table: plan.stagingName, columns: plan.columns, maxRows: plan.maxRows, format: evolution.textCopy ? 'text' : plan.format,
    // rows the table refuses are found by their position (isolate-rows.ts)
    ...(plan.rejects ? { rejects: plan.rejects, rowNumberColumn: ROW_NUMBER_COLUMN } : {}),
  });
  const load: IncrementalLoad = tableLoad(copy, async (_baseName, beforeCommit) => {
    const target = await findTable(client, tableOid);
    if (!target) throw new ConnectorError('INTERNAL', 'The synced table was dropped while the sync ran; the next run creates it again.');
    const name = `${target.schema}.${target.name}`;
    const table = qualified(target.schema, target.name);
    const current = await assertSameColumns(client, tableOid, evolution, name);
    const { leaveOut, apply: applied } = evolution.resolution;
    const staged = (await columnsOf(client, await oidOf(client, staging))).filter((c) => !leaveOut.includes(c.name) && c.name !== ROW_NUMBER_COLUMN);
    const dropped = [...plan.schemaChanges.droppedColumns, ...applied.filter((a) => a.change.kind === 'drop').map((a) => a.change.column)]
      .filter((c) => current.some((t) => t.name === c) && !staged.some((s) => s.name === c));
    const fetched = copy.rows;
    // Everything the sidecar itself reads of the staged rows is read BEFORE the first owner frame:
    // the staging table is the owner's (COPY runs as the owner), so code of theirs running in a
    // frame could plant a policy or an index expression on it that a later read by the sidecar
    // would run outside any frame (test/security/incremental-attacks.test.ts).
    // Temp tables have no statistics until analysed: the merge's joins need them.
    await client.query(`analyze ${staging}`);
    const mark = plan.cursor ? await readMark(client, staging, qi(plan.cursor.name), plan.cursor.kind, plan.previousMark) : undefined;
    if (mark && copy.truncated && mark.mark === plan.previousMark) {
      // every row this run could take sat at the old mark, behind it (lookback) or had a NULL
      // cursor: the next run would read the very same rows and never get further
      throw new ConnectorError('INVALID_PARAMETERS',
        `This run read ${plan.maxRows} rows (setting max_rows) without getting past the mark ${plan.previousMark}: ${mark.nullRows} of them have a NULL cursor and the rest lie within the lookback. `
        + 'Raise max_rows, shorten lookback, or choose a cursor with fewer NULLs.');
    }
    const geometry = plan.measureBuckets && plan.deleteScope?.kind === 'all'
      ? await measureBuckets(client, staging, plan.measureBuckets.key, plan.measureBuckets.rowsPerBucket) : undefined;
    const run: StagedRun = { client, plan, table, tableOid, target, staging, staged, dropped, fetched, truncated: copy.truncated };
    await check?.(run);
    // from here on owner frames run, and the sidecar reads nothing of the temp tables any more
    await applyTableChanges(client, plan.schemaChanges, plan.owner, table, evolution, { fullRefresh: false, target: name });
    const { deletesSkipped, ...counts } = await apply(run);
    await assertNoDeferredUserCode(client);
    await client.query('reset role');
    await plan.recordRun({
      schema: target.schema, tableName: target.name, tableOid, ...(mark ? { mark } : {}), counts: { fetched, ...counts },
      ...(geometry ? { geometry } : {}), ...(deletesSkipped ? { deletesSkipped } : {}),
      columns: { remote: evolution.remote, applied },
    });
    await beforeCommit(target.name);
    await client.query('commit');
    return target.name;
  });
  if (keySet) {
    load.keySet = {
      columns: keySet.columns,
      async begin() {
        await client.query(`${createTableSql(TEMP_SCHEMA, keySet.name, keySet.columns)} on commit drop`);
        return startCopy(client, { schema: TEMP_SCHEMA, table: keySet.name, columns: keySet.columns, maxRows: Number.MAX_SAFE_INTEGER, format: 'text' });
      },
    };
  }
  return load;
}

/**
 * Diff mode's bucket geometry from rows the sidecar made (the staging table or a first run's
 * still-invisible table): origin = the smallest key, width so that a bucket holds about
 * `rowsPerBucket` rows. Undefined for an empty table.
 */
export async function measureBuckets(client: pg.ClientBase, table: string, key: string, rowsPerBucket: number): Promise<{ origin: string; width: string } | undefined> {
  const k = `t.${qi(key)}::pg_catalog.numeric`;
  const { rows } = await client.query<{ origin: string | null; width: string | null }>(
    `select pg_catalog.floor(pg_catalog.min(${k}))::pg_catalog.text as origin,
            greatest(1, pg_catalog.ceil((pg_catalog.floor(pg_catalog.max(${k})) operator(pg_catalog.-) pg_catalog.floor(pg_catalog.min(${k})) operator(pg_catalog.+) 1)
              operator(pg_catalog./) greatest(1, pg_catalog.ceil(pg_catalog.count(*)::pg_catalog.numeric operator(pg_catalog./) $1::pg_catalog.numeric))))::pg_catalog.numeric(1000,0)::pg_catalog.text as width
       from ${table} as t`, [rowsPerBucket]);
  const row = rows[0]!;
  return row.origin === null || row.width === null ? undefined : { origin: row.origin, width: row.width };
}
