/**
 * An incremental sync run (SPEC §13) as the sidecar plans it, between describe and the load:
 * which remote columns are the key and the cursor (checked against what the remote described:
 * 1502 naming the column), which rows to read (the ReadWindow handed to the provider), how many
 * the run may store, and the plan the append/merge strategy takes. The strategy itself is in
 * load/strategies/; the mark's arithmetic in load/cursor-mark.ts.
 */
import type pg from 'pg';
import { ConnectorError } from '../errors.js';
import type { ReadWindow } from '../providers/provider.js';
import type { SourcePlan } from '../rows/plan.js';
import { lowerBound, type CursorKind } from '../load/cursor-mark.js';
import type { LocalColumn } from '../load/ddl.js';
import { assertOrderableCursor, type DeletesMode } from '../load/strategies/incremental-table.js';
import type { ConnectorParams } from './job.js';

export type IncrementalMode = 'append' | 'merge';

/** What the sync row remembers between runs (sync-store.ts). */
export interface SyncMarkState {
  mark: string | null;
  rowsAtMark: number | null;
  /** cdb_connector_sync_reset's stamp as this run saw it: a reset during the run keeps the mark forgotten. */
  resetRequestedAt: string | null;
}

export interface IncrementalRead {
  /** The main read (a cursor's window; empty without a cursor). */
  window: ReadWindow;
  /** Rows the run may store: max_rows, plus the rows at the mark the inclusive bound reads again. */
  maxRows: number;
  /** Local names of the merge key. */
  key: string[];
  /** Remote names of the merge key, for the key-set read of deletes. */
  remoteKey: string[];
  cursor?: { name: string; kind: CursorKind };
  deletes: DeletesMode;
  previousMark: string | null;
}

export function incrementalMode(params: ConnectorParams): IncrementalMode | undefined {
  return params.mode === 'append' || params.mode === 'merge' ? params.mode : undefined;
}

/**
 * Resolves the request's key and cursor against the described source (`columns[i]` is the local
 * column of `plan.columns[i]`) and plans the read. A name matches a remote column exactly, else
 * case-insensitively when that is unambiguous (MySQL and SQL Server names are case-insensitive).
 */
export async function planIncrementalRead(
  db: pg.Pool, mode: IncrementalMode, params: ConnectorParams, plan: SourcePlan, columns: readonly LocalColumn[],
  state: SyncMarkState, maxRows: number,
): Promise<IncrementalRead> {
  const find = (name: string, what: string): number => {
    let i = plan.columns.findIndex((c) => c.remoteName === name);
    if (i < 0) {
      const folded = plan.columns.flatMap((c, j) => (c.remoteName.toLowerCase() === name.toLowerCase() ? [j] : []));
      if (folded.length === 1) i = folded[0]!;
    }
    if (i < 0) {
      const skipped = plan.skipped.find((c) => c.remoteName.toLowerCase() === name.toLowerCase());
      throw new ConnectorError('INVALID_PARAMETERS', skipped
        ? `The ${what} column ${name} has type ${skipped.remoteType}, which is not imported; choose another column or cast it with sql_query.`
        : `The ${what} column ${name} is not a column of the source (its columns: ${plan.columns.map((c) => c.remoteName).slice(0, 20).join(', ')}).`);
    }
    // the window's bounds and the diff's key ranges are compared in the remote's type while the
    // mark and the local keys are in the local one: a user cast between them would misorder rows
    const userCast = plan.columns[i]!.userCast;
    if (userCast && plan.columns[i]!.localType !== userCast.builtInType) {
      throw new ConnectorError('INVALID_PARAMETERS',
        `The ${what} column ${plan.columns[i]!.remoteName} is retyped to ${plan.columns[i]!.localType} by the cast rule ${userCast.label}: `
        + `a ${what} column of an incremental sync keeps its built-in type (${userCast.builtInType}). Drop that rule for this column, or choose another ${what}.`);
    }
    return i;
  };
  const keyNames = mode === 'merge' ? (params.primary_key ?? plan.uniqueKey) : [];
  if (mode === 'merge' && (!keyNames || keyNames.length === 0)) {
    throw new ConnectorError('INVALID_PARAMETERS',
      'The source declares no primary key or unique NOT NULL key (a view, or a table without one), so a merge cannot match rows: give the primary_key parameter.');
  }
  const keyAt = (keyNames ?? []).map((name) => find(name, 'primary key'));
  const deletes: DeletesMode = mode === 'merge' ? (params.deletes ?? 'keep') : 'keep';
  let cursor: IncrementalRead['cursor'];
  let window: ReadWindow = {};
  let limit = maxRows;
  if (params.cursor !== undefined) {
    const at = find(params.cursor, 'cursor');
    cursor = { name: columns[at]!.name, kind: assertOrderableCursor(columns[at]!) };
    const remote = plan.columns[at]!.remoteName;
    if (state.mark === null) {
      // `exclusive` already on an append's first read: a provider refuses a cursor it cannot
      // compare exactly with `>` (sub-microsecond timestamps) before the first row, not after
      window = { cursor: { column: remote, ...(mode === 'append' ? { exclusive: true } : {}) } };
    } else if (mode === 'append') {
      window = { cursor: { column: remote, from: state.mark, exclusive: true } };
    } else {
      window = { cursor: { column: remote, from: await lowerBound(db, state.mark, cursor.kind, params.lookback), includeNulls: true } };
      // the rows at the mark come again every run; they must not eat the backfill's budget
      limit = maxRows + (state.rowsAtMark ?? 0);
    }
  }
  return {
    window, maxRows: limit, deletes, cursor, previousMark: state.mark,
    key: keyAt.map((i) => columns[i]!.name),
    remoteKey: keyAt.map((i) => plan.columns[i]!.remoteName),
  };
}
