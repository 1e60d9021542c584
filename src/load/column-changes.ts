/**
 * How the remote columns of a sync changed since its last successful run, as the synced table
 * sees them (SPEC §14). Pure; every sync strategy asks it (replace.ts, incremental-table.ts) and
 * schema-policy.ts decides what to do with the answer.
 *
 * Three column lists take part, all as the catalog spells them (target-catalog.ts TableColumn):
 *   table     the synced table now: remote columns, plus whatever its owner added (or a merge's
 *             `_deleted_at`), with the types the owner may have changed;
 *   staged    the remote's columns mapped to local types, as this run stages them;
 *   previous  the staged columns of the last successful run (stored on the sync), so that a column
 *             only the table has is told apart: the remote dropped it (it was staged last time),
 *             or the owner added it (never staged).
 * A change is what the REMOTE did: `add` (staged, never staged before, not in the table), `drop`
 * (staged last time, not now, still in the table), `widen` / `retype` (staged with another type
 * than the table's; widen when type-widening.ts says PostgreSQL keeps every value). What the
 * owner did to their table is theirs to keep, and is no change: a remote column they dropped is
 * not loaded, one they gave another type (while the remote kept its own) is loaded into theirs.
 */
import type { TableColumn } from './target-catalog.js';
import { widensInPlace } from './type-widening.js';

export type ChangeKind = 'add' | 'drop' | 'widen' | 'retype';

export interface ColumnChange {
  kind: ChangeKind;
  column: string;
  /** The table's type; null for an add. */
  oldType: string | null;
  /** The remote's (staged) type; null for a drop. */
  newType: string | null;
}

export interface ColumnComparison {
  /** What the remote changed, in the staged column order (drops last). */
  changes: ColumnChange[];
  /** Columns the owner retyped while the remote kept its type: staged with the table's type. */
  ownerTyped: TableColumn[];
  /** Remote columns the owner dropped from the table: not loaded. */
  ownerDropped: string[];
}

/**
 * `previous` is null for a sync whose last run predates schema_changes (migration 0022): then a
 * full refresh takes the table's columns as last run's (before 0022 a replace sync could hold no
 * other column: 2013), and an incremental sync only those the remote still sends (it may hold
 * user-added columns and `_deleted_at`, so it sees no drops on that one run). A column whose type
 * differs is loaded into the table's type on that run (ownerTyped), never taken for a retype.
 */
export function compareColumns(
  table: readonly TableColumn[], staged: readonly TableColumn[], previous: readonly TableColumn[] | null,
  opts: { fullRefresh: boolean },
): ColumnComparison {
  const stagedNames = new Set(staged.map((c) => c.name));
  const last = new Map((previous ?? (opts.fullRefresh ? table : table.filter((c) => stagedNames.has(c.name)))).map((c) => [c.name, c.type]));
  const local = new Map(table.map((c) => [c.name, c.type]));
  const out: ColumnComparison = { changes: [], ownerTyped: [], ownerDropped: [] };
  for (const column of staged) {
    const localType = local.get(column.name);
    if (localType === undefined) {
      if (last.has(column.name)) out.ownerDropped.push(column.name);
      else out.changes.push({ kind: 'add', column: column.name, oldType: null, newType: column.type });
    } else if (localType !== column.type) {
      // without last run's columns a type difference cannot be told from a new release mapping the
      // same remote type differently (PostgreSQL arrays were text before issue 22 §11): the table
      // keeps its type for this one run, as a type the owner chose; later runs compare as usual
      if (previous === null || last.get(column.name) === column.type) out.ownerTyped.push({ name: column.name, type: localType });
      else out.changes.push({ kind: widensInPlace(localType, column.type) ? 'widen' : 'retype', column: column.name, oldType: localType, newType: column.type });
    }
  }
  for (const column of table) {
    if (!stagedNames.has(column.name) && last.has(column.name)) out.changes.push({ kind: 'drop', column: column.name, oldType: column.type, newType: null });
  }
  return out;
}

/** `add b integer`, `widen a integer → bigint`, `drop c text`: how a change reads in messages and logs. */
export function describeChange(change: ColumnChange): string {
  switch (change.kind) {
    case 'add': return `add ${change.column} ${change.newType}`;
    case 'drop': return `drop ${change.column} ${change.oldType}`;
    default: return `${change.kind} ${change.column} ${change.oldType} → ${change.newType}`;
  }
}
