/**
 * Issue 5, the scheduler with two sidecars ticking every 20 ms over 20 syncs: each due run
 * happens exactly once (jobs counted per sync, runs of one sync never overlap); a paused sync is
 * skipped until sync_now; a run cancelled while queued is settled by the scheduler and the sync
 * waits for its next interval instead of running again at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { createSync, readSync, startSyncSidecar, waitForSyncRun, type SyncRow } from '../helpers/sync.js';
import type { TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
let my: MysqlDb;
let sidecars: TestSidecar[] = [];
let syncs: SyncRow[] = [];

const SYNCS = 20;
const ROUNDS = 3;
/** Ticks much faster than a run takes, so both schedulers race for every due sync. */
const RACE_TICK_MS = 20;

async function waitAll(previous: Map<string, string>): Promise<SyncRow[]> {
  return Promise.all(syncs.map((s) => waitForSyncRun(db, s.id, previous.get(s.id), 60_000)));
}

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  await my.exec("create table small (id int, v varchar(10)); insert into small values (1, 'a'), (2, 'b'), (3, 'c');");
  await db.query(`update cdb_connectors.settings set value = '100' where name = 'max_concurrent_jobs_per_role'`);
  sidecars = await Promise.all([0, 1].map(() => startSyncSidecar(db, { concurrency: 3, tickMs: RACE_TICK_MS })));
  syncs = await Promise.all(Array.from({ length: SYNCS }, (_, i) =>
    createSync(db.url, { connector: { provider: 'mysql', connection: my.connection(), table: 'small', import_as: `small_${i}` }, interval: 900 })));
  await waitAll(new Map());
});

afterAll(async () => {
  await Promise.all(sidecars.map((s) => s.stop()));
  await Promise.all([db?.drop(), my?.drop()]);
});

describe('two sidecars × 20 syncs', () => {
  it('every due run happens exactly once, and runs of one sync never overlap', async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      const previous = new Map((await Promise.all(syncs.map((s) => readSync(db, s.id)))).map((s) => [s.id, s.last_import_id]));
      await db.query('update cdb_connectors.syncs set run_at = now()');
      const done = await waitAll(previous);
      expect(done.every((s) => s.state === 'success')).toBe(true);
    }
    await new Promise((r) => setTimeout(r, 10 * RACE_TICK_MS)); // a late duplicate would show up now
    const { rows } = await db.query<{ sync_id: string; runs: number; complete: number; attempts: number }>(`
      select sync_id, count(*)::int as runs, count(*) filter (where state = 'complete')::int as complete, max(attempt)::int as attempts
        from cdb_connectors.jobs group by sync_id`);
    expect(rows).toHaveLength(SYNCS);
    expect(rows.every((r) => r.runs === 1 + ROUNDS && r.complete === 1 + ROUNDS && r.attempts === 1)).toBe(true);
    const overlaps = await db.query(`select count(*)::int as n from cdb_connectors.jobs a join cdb_connectors.jobs b
      on a.sync_id = b.sync_id and a.id <> b.id and a.started_at < b.finished_at and b.started_at < a.finished_at`);
    expect(overlaps.rows[0].n).toBe(0);
    const workers = await db.query('select count(distinct worker_id)::int as n from cdb_connectors.jobs');
    expect(workers.rows[0].n).toBe(2);
  });

  it('a paused sync is skipped when due, and runs on sync_now', async () => {
    const [paused, other] = [syncs[0]!, syncs[1]!];
    await db.query('update cdb_connectors.synchronizations set paused = true where id = $1', [paused.id]);
    const before = await readSync(db, paused.id);
    const otherBefore = await readSync(db, other.id);
    await db.query('update cdb_connectors.syncs set run_at = now() where id = any($1)', [[paused.id, other.id]]);
    await waitForSyncRun(db, other.id, otherBefore.last_import_id);
    await new Promise((r) => setTimeout(r, 10 * RACE_TICK_MS));
    expect((await readSync(db, paused.id)).last_import_id).toBe(before.last_import_id);
    await db.query('select cdb_connector_sync_now($1)', [paused.id]);
    const ran = await waitForSyncRun(db, paused.id, before.last_import_id);
    expect(ran).toMatchObject({ state: 'success', paused: true });
  });

  it('a run cancelled while queued is settled by the scheduler: failure 1509, next run after the interval', async () => {
    const target = syncs[2]!;
    await Promise.all(sidecars.map((s) => s.stop()));
    // concurrency 0: its scheduler enqueues and settles, but it never claims a job
    const schedulerOnly = await startSyncSidecar(db, { concurrency: 0, tickMs: RACE_TICK_MS });
    sidecars.push(schedulerOnly);
    const before = await readSync(db, target.id);
    await db.query('update cdb_connectors.syncs set run_at = now() where id = $1', [target.id]);
    const deadline = Date.now() + 5000;
    while ((await readSync(db, target.id)).state !== 'queued') {
      if (Date.now() > deadline) throw new Error('never queued');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await db.query('select cdb_connector_cancel($1) as ok', [target.id])).rows[0].ok).toBe(true);
    const settled = await waitForSyncRun(db, target.id, before.last_import_id);
    expect(settled).toMatchObject({ state: 'failure', error_code: 1509, retried_times: 1 });
    expect((settled.run_at.getTime() - Date.now()) / 1000).toBeGreaterThan(800);
    await new Promise((r) => setTimeout(r, 10 * RACE_TICK_MS));
    const runs = await db.query('select state from cdb_connectors.jobs where sync_id = $1 order by created_at desc limit 2', [target.id]);
    expect(runs.rows).toEqual([{ state: 'cancelled' }, { state: 'complete' }]);
  });
});
