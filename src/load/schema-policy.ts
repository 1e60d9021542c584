/**
 * What a sync run does about the remote's column changes (SPEC §14 `on_schema_change`), decided
 * before its COPY from column-changes.ts's answer, the sync's policy and the decisions users took
 * (cdb_connector_schema_change_approve / _reject, rows of cdb_connectors.schema_changes). Pure;
 * table-evolution.ts carries the answer out in the load transaction.
 *
 *   evolve (default)  add → ADD COLUMN; drop → the column stays, NULL in new rows; widen → ALTER
 *                     COLUMN TYPE in place; retype → waits for a decision, like pause;
 *   pause             every change waits for a decision: the run stops, the sync is `paused`;
 *   fail              every change fails the run with 2013, the old data kept.
 * A decision outlives its run: an approved change is applied by the next run (whatever the
 * policy), a rejected one never asked about again — a rejected add is not loaded, a rejected
 * widen/retype loads the remote values into the table's type, a rejected drop keeps its NULLs.
 * The replace strategy's DBA override (setting sync_rebuild_on_schema_change) rebuilds the table
 * instead of stopping.
 */
import { describeChange, type ColumnChange, type ColumnComparison } from './column-changes.js';
import type { TableColumn } from './target-catalog.js';

export type OnSchemaChange = 'evolve' | 'fail' | 'pause';

/** The action column of cdb_connectors.schema_changes. */
export type ChangeAction = 'applied' | 'failed' | 'pending' | 'approved' | 'rejected';

/** The latest row recorded for one change (same kind, column, old and new type) of the sync. */
export interface ChangeDecision extends ColumnChange {
  id: string;
  action: ChangeAction;
  /** An approved change the table already took. */
  applied: boolean;
  reason: string | null;
}

/** What the sidecar hands a sync strategy about schema changes (sidecar/sync-run.ts). */
export interface SchemaChangePlan {
  syncId: string;
  policy: OnSchemaChange;
  /** The staged columns of the last successful run; null before migration 0022's first run. */
  previous: TableColumn[] | null;
  decisions: ChangeDecision[];
  /** Columns the remote dropped (a drop applied, approved or rejected): a merge writes NULL there. */
  droppedColumns: string[];
  /** The run stops for schema changes: called before the strategy throws 2013, so the sidecar can record them after the rollback. */
  stopped(stop: SchemaStop): void;
}

export interface WaitingChange {
  change: ColumnChange;
  reason: string;
  /** False when a row of schema_changes already records it (pending, or failed before): no new row. */
  record: boolean;
}

/** A run that stops before changing anything: `pending` pauses the sync, `failed` is policy fail. */
export interface SchemaStop {
  action: 'pending' | 'failed';
  changes: WaitingChange[];
  /** Changes that would have been applied, named in the message only (the next run finds them again). */
  alsoChanged: ColumnChange[];
}

/** A change the run makes to the table (recorded as applied, or an approved row marked applied). */
export interface AppliedChange {
  change: ColumnChange;
  /** The approved row this applies; absent = a new `applied` row. */
  decisionId?: string;
  reason?: string;
}

export interface SchemaResolution {
  apply: AppliedChange[];
  /** Remote columns loaded into the table's own type (a rejected type change, the owner's ALTER). */
  stageAs: TableColumn[];
  /** Remote columns not loaded (a rejected add, a column the owner dropped). */
  leaveOut: string[];
  /** Replace syncs with sync_rebuild_on_schema_change: drop and create the table instead of stopping. */
  rebuild: boolean;
  stop?: SchemaStop;
}

const RETYPE_REASON = 'not a widening PostgreSQL can apply in place keeping every value';
const REBUILT_REASON = 'the table was rebuilt (setting sync_rebuild_on_schema_change)';

const sameChange = (a: ColumnChange, b: ColumnChange): boolean =>
  a.kind === b.kind && a.column === b.column && a.oldType === b.oldType && a.newType === b.newType;

export function resolveSchemaChanges(comparison: ColumnComparison, plan: Pick<SchemaChangePlan, 'policy' | 'decisions'>, opts: { rebuild: boolean }): SchemaResolution {
  const out: SchemaResolution = { apply: [], stageAs: [...comparison.ownerTyped], leaveOut: [...comparison.ownerDropped], rebuild: false };
  const waiting: WaitingChange[] = [];
  for (const change of comparison.changes) {
    const decided = plan.decisions.find((d) => sameChange(d, change));
    if (decided?.action === 'rejected') {
      if (change.kind === 'add') out.leaveOut.push(change.column);
      else if (change.kind !== 'drop') out.stageAs.push({ name: change.column, type: change.oldType! });
    } else if (decided?.action === 'approved' && !decided.applied) {
      out.apply.push({ change, decisionId: decided.id });
    } else if (decided?.action === 'pending' || (decided?.action === 'failed' && plan.policy === 'fail')) {
      waiting.push({ change, reason: decided.reason ?? `on_schema_change is ${plan.policy}`, record: false });
    } else if (plan.policy === 'evolve' && change.kind !== 'retype') {
      out.apply.push({ change });
    } else {
      waiting.push({ change, reason: plan.policy === 'evolve' ? RETYPE_REASON : `on_schema_change is ${plan.policy}`, record: true });
    }
  }
  if (waiting.length === 0) return out;
  if (opts.rebuild) {
    return { apply: comparison.changes.map((change) => ({ change, reason: REBUILT_REASON })), stageAs: [], leaveOut: [], rebuild: true };
  }
  return { ...out, apply: [], stop: { action: plan.policy === 'fail' ? 'failed' : 'pending', changes: waiting, alsoChanged: out.apply.map((a) => a.change) } };
}

/** The stop of a run whose approved or evolving changes PostgreSQL refused to apply (a dependent view, a value that does not convert). */
export function blockedStop(blocked: ReadonlyArray<{ change: ColumnChange; reason: string }>): SchemaStop {
  return { action: 'pending', changes: blocked.map((b) => ({ ...b, record: true })), alsoChanged: [] };
}

/** The 2013 message of a stopped run: every change with why, and what to do next. */
export function schemaStopMessage(table: string, syncId: string, stop: SchemaStop): string {
  const listed = [
    ...stop.changes.map((w) => `${describeChange(w.change)}: ${w.reason}`),
    ...stop.alsoChanged.map(describeChange),
  ].join('; ');
  if (stop.action === 'failed') {
    return `Cannot sync table ${table}: its remote columns changed (${listed}) and the sync has "on_schema_change": "fail". The old data was kept. `
      + 'Change the table to match (ALTER TABLE), change the remote back, or recreate the sync.';
  }
  return `Sync table ${table} is paused: its remote columns changed (${listed}). Nothing was changed. `
    + `Decide each pending change: SELECT cdb_connector_schema_change_approve(id) (or cdb_connector_schema_change_reject(id)) FROM cdb_connectors.schema_changes WHERE sync_id = '${syncId}' AND action = 'pending'; the sync runs again when none is left.`;
}
