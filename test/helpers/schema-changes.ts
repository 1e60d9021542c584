/**
 * Schema changes of sync tables in tests (SPEC §14): a sync's rows of cdb_connectors.schema_changes
 * as the owner would read them, and a decision (approve / reject) taken as a role with the run it
 * starts awaited.
 */
import type { TestRole } from '../sql/helpers.js';
import { readSync, waitForSyncRun, type SyncRow } from './sync.js';
import type { TargetDb } from './target.js';

export interface ChangeRow {
  id: string;
  sync_id: string;
  job_id: string | null;
  kind: string;
  column_name: string;
  old_type: string | null;
  new_type: string | null;
  action: string;
  reason: string | null;
  decided_by: string | null;
  decided: boolean;
  applied: boolean;
}

/** The sync's changes in the order they were detected (as superuser). */
export async function changesOf(db: TargetDb, syncId: string): Promise<ChangeRow[]> {
  const { rows } = await db.query<ChangeRow>(
    `select id, sync_id, job_id, kind, column_name, old_type, new_type, action, reason, decided_by,
            decided_at is not null as decided, applied_at is not null as applied
       from cdb_connectors.schema_changes where sync_id = $1 order by detected_at, column_name, kind`, [syncId]);
  return rows;
}

/** The sync's pending changes. */
export async function pendingOf(db: TargetDb, syncId: string): Promise<ChangeRow[]> {
  return (await changesOf(db, syncId)).filter((c) => c.action === 'pending');
}

/**
 * cdb_connector_schema_change_approve / _reject of every pending change of the sync, as `as`;
 * when the last one resumes the sync, its next run is awaited.
 */
export async function decideAll(db: TargetDb, as: TestRole, syncId: string, decision: 'approve' | 'reject'): Promise<{ answers: Record<string, unknown>[]; run: SyncRow }> {
  const before = await readSync(db, syncId);
  const answers: Record<string, unknown>[] = [];
  for (const change of await pendingOf(db, syncId)) {
    const { rows } = await as.query(`select cdb_connector_schema_change_${decision}($1) as r`, [change.id]);
    answers.push(rows[0].r);
  }
  return { answers, run: await waitForSyncRun(db, syncId, before.last_import_id) };
}
