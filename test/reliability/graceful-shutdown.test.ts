/**
 * SPEC §9 signals, on a real `connector-bridge run` process: SIGTERM stops claiming, lets a job
 * that finishes within the grace period complete, hands back one that does not (state
 * `enqueued` again, no table, load rolled back), deregisters the sidecar and exits 0. The
 * handed-back job is then run by another sidecar.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MysqlDb } from '../helpers/mysql.js';
import { enqueueImport, waitForJob } from '../helpers/sidecar.js';
import type { TargetDb } from '../helpers/target.js';
import { createSlowSourceDbs, tearDownRescue } from './helpers/fixture.js';
import { jobRecord, visibleTables } from './helpers/jobs.js';
import { spawnSidecar, startCapturedSidecar, type CapturedSidecar, type ChildSidecar } from './helpers/sidecars.js';
import { slowRequest } from './helpers/slow-source.js';
import { waitFor } from './helpers/wait.js';

/** CONNECTOR_SHUTDOWN_GRACE_MS for the child: the short job fits in it, the long one does not. */
const GRACE_MS = 2500;
/** ≈ 1.5 s and ≈ 15 s of SLEEP on the server: one well inside the grace period, one well beyond. */
const SHORT_ROWS = 150;
const LONG_ROWS = 1500;
/** The long job's per-row SLEEP comes from this remote table, so its second attempt can run at full speed. */
const LONG_DELAY = '(select s from term_delay)';
/** Grace + hand-back + exit; a hang (e.g. a leaked handle) would blow it. */
const EXIT_BOUND_MS = GRACE_MS + 3000;

let db: TargetDb;
let my: MysqlDb;
let child: ChildSidecar | undefined;
let rescuer: CapturedSidecar | undefined;

beforeAll(async () => {
  ({ db, my } = await createSlowSourceDbs());
  await my.exec('create table term_delay (s double); insert into term_delay values (0.01);');
});

afterAll(() => tearDownRescue({ child, rescuer, db, my }));

it('SIGTERM: the short job completes, the long one is handed back, the process exits 0; another sidecar finishes the rest', async () => {
  child = await spawnSidecar(db.url, { concurrency: 2, shutdownGraceMs: GRACE_MS });
  const long = await enqueueImport(db.url, slowRequest(my, { rows: LONG_ROWS, sleepSeconds: LONG_DELAY, marker: 'term_long', table: 'term_long' }));
  const short = await enqueueImport(db.url, slowRequest(my, { rows: SHORT_ROWS, sleepSeconds: 0.01, marker: 'term_short', table: 'term_short' }));
  // rows_fetched is published once a second: wait for it on the long job only (the short one may be done by then).
  await waitFor('both jobs running in the child, the long one streaming', async () => {
    const [l, s] = await Promise.all([jobRecord(db, long), jobRecord(db, short)]);
    return l.state === 'importing' && l.rows_fetched > 0 && s.worker_id === child!.workerId && s.state === 'importing';
  }, 20_000);

  const t0 = Date.now();
  child.signal('SIGTERM');
  const exit = await Promise.race([child.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit within ${EXIT_BOUND_MS} ms`)), EXIT_BOUND_MS))]);
  const exitMs = Date.now() - t0;
  console.info(`SIGTERM: exited ${exit.code} after ${exitMs} ms (grace ${GRACE_MS} ms)`);
  expect(exit).toEqual({ code: 0, signal: null });
  expect(exitMs).toBeGreaterThanOrEqual(GRACE_MS - 100);

  expect(await jobRecord(db, short)).toMatchObject({ state: 'complete', attempt: 1, rows_imported: SHORT_ROWS });
  expect(await jobRecord(db, long)).toMatchObject({ state: 'enqueued', attempt: 1, worker_id: null, lease_expires_at: null });
  expect(await visibleTables(db)).toEqual(['term_short']);
  const workers = await db.query('select id from cdb_connectors.sidecars where id = $1', [child.workerId]);
  expect(workers.rows).toEqual([]);
  const load = await db.query("select count(*)::int as n from pg_stat_activity where application_name = 'cdb_connectors job ' || $1", [long]);
  expect(load.rows[0].n).toBe(0);

  await my.exec('update term_delay set s = 0');
  rescuer = await startCapturedSidecar(db.url, { concurrency: 1, pollIntervalMs: 250 });
  const done = await waitForJob(db, long, 40_000);
  expect(done.state, done.error_message ?? '').toBe('complete');
  expect(done.rows_imported).toBe(LONG_ROWS);
  expect((await jobRecord(db, long)).attempt).toBe(2);
});
