/**
 * Issue 6 §1 and §5 (process side): a real `connector-bridge run` child process is SIGKILLed
 * while it streams two imports. One of them was cancel-requested while the process was frozen
 * (SIGSTOP), so the cancel NOTIFY never reached it. Another sidecar then:
 *   - finishes the cancel-requested job as `cancelled` (1509) once its lease expires, never re-running it;
 *   - re-claims the other job only after its lease expired, and runs it to completion (attempt 2).
 * The server rolled the dead load back (its backend is gone before the re-claim), and at no
 * sample was a table visible under the final name before `complete`, nor any staging table.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MysqlDb } from '../helpers/mysql.js';
import { enqueueImport, waitForJob } from '../helpers/sidecar.js';
import type { TargetDb } from '../helpers/target.js';
import { createSlowSourceDbs, tearDownRescue } from './helpers/fixture.js';
import { backendAlive, jobRecord, setSetting, visibleTables } from './helpers/jobs.js';
import { spawnSidecar, startCapturedSidecar, type CapturedSidecar, type ChildSidecar } from './helpers/sidecars.js';
import { slowRequest } from './helpers/slow-source.js';
import { watchVisibility } from './helpers/visibility.js';
import { waitFor } from './helpers/wait.js';

/** The smallest lease the settings trigger accepts: keeps the wait for the re-claim short. */
const LEASE_SECONDS = 5;
const PASSWORD = `Crash-${crypto.randomBytes(6).toString('hex')}`;
const USER = `crash_${crypto.randomBytes(3).toString('hex')}`;
/** Rows of the job that is re-run: about 3 s of SLEEP per attempt. */
const ROWS = 300;

let db: TargetDb;
let my: MysqlDb;
let child: ChildSidecar | undefined;
let rescuer: CapturedSidecar | undefined;

beforeAll(async () => {
  ({ db, my } = await createSlowSourceDbs());
  await my.createUser(USER, PASSWORD);
  await setSetting(db, 'lease_seconds', LEASE_SECONDS);
});

afterAll(() => tearDownRescue({ child, rescuer, db, my }));

it('SIGKILL mid-import: re-claimed after the lease, re-run to completion (attempt 2); a cancel-requested job ends cancelled', async () => {
  child = await spawnSidecar(db.url, { concurrency: 2 });
  const connection = my.connection(USER, PASSWORD);
  const rerun = await enqueueImport(db.url, slowRequest(my, { rows: ROWS, sleepSeconds: 0.01, marker: 'crash_rerun', table: 'crash_rerun', connection }));
  const cancelled = await enqueueImport(db.url, slowRequest(my, { rows: 2000, sleepSeconds: 0.01, marker: 'crash_cancel', table: 'crash_cancel', connection }));
  const watcher = watchVisibility(db.url, [{ id: rerun, name: 'crash_rerun' }, { id: cancelled, name: 'crash_cancel' }]);

  // Both jobs stream in the child: claimed by it, COPY under way, rows arriving.
  const firstAttempt = await waitFor('both jobs streaming in the child', async () => {
    const jobs = await Promise.all([jobRecord(db, rerun), jobRecord(db, cancelled)]);
    return jobs.every((j) => j.state === 'importing' && j.worker_id === child!.workerId && j.rows_fetched > 0 && j.backend_pid !== null) && jobs;
  }, 20_000);
  const loadPid = firstAttempt[0].backend_pid!;
  expect(await backendAlive(db, loadPid)).toBe(true);

  // SPEC §9 / issue 6 §5: the remote password never reaches the process's command line or environment.
  const cmdline = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
  const environ = fs.readFileSync(`/proc/${child.pid}/environ`, 'utf8');
  expect(cmdline.split('\0')).toContain('run');
  expect(environ).toContain('DATABASE_URL=');
  expect(cmdline).not.toContain(PASSWORD);
  expect(environ).not.toContain(PASSWORD);

  // Freeze the child so the cancel NOTIFY cannot be acted on, ask for the cancel, then kill -9.
  child.signal('SIGSTOP');
  const cancel = await db.query<{ ok: boolean }>('select cdb_connector_cancel($1) as ok', [cancelled]);
  expect(cancel.rows[0]!.ok).toBe(true);
  const frozen = await jobRecord(db, rerun);
  child.signal('SIGKILL');
  expect((await child.exited).signal).toBe('SIGKILL');

  // The server sees the dead socket and rolls the load back: its backend goes away on its own.
  await waitFor('the killed load connection to end', async () => !(await backendAlive(db, loadPid)), 5000);
  expect((await jobRecord(db, rerun)).state).toBe('importing'); // stranded until the lease expires

  rescuer = await startCapturedSidecar(db.url, { concurrency: 2, pollIntervalMs: 250 });
  const [done, stopped] = await Promise.all([waitForJob(db, rerun, 40_000), waitForJob(db, cancelled, 40_000)]);
  const report = await watcher.stop();

  expect(done.state, done.error_message ?? '').toBe('complete');
  expect(done.table_name).toBe('crash_rerun');
  expect(done.rows_imported).toBe(ROWS);
  const second = await jobRecord(db, rerun);
  expect(second.attempt).toBe(2);
  expect(second.worker_id).toBe(rescuer.sidecar.workerId);
  // Re-claimed only once the frozen lease had run out (database clock on both sides).
  expect(second.started_at!.getTime()).toBeGreaterThanOrEqual(frozen.lease_expires_at!.getTime());
  const { rows } = await db.query<{ n: number; distinct_n: number; lo: number; hi: number }>(
    'select count(*)::int as n, count(distinct n)::int as distinct_n, min(n) as lo, max(n) as hi from crash_rerun');
  expect(rows[0]).toEqual({ n: ROWS, distinct_n: ROWS, lo: 1, hi: ROWS });

  expect(stopped.state).toBe('cancelled');
  expect(stopped.error_code).toBe(1509);
  expect((await jobRecord(db, cancelled)).attempt).toBe(1); // finished, never re-run

  expect(report.samples).toBeGreaterThan(50);
  expect(report.violations).toEqual([]);
  expect(report.seen.has('crash_rerun')).toBe(true);
  expect(await visibleTables(db)).toEqual(['crash_rerun']);
  expect(child.output()).toContain('"sidecar started"');
  expect(child.output()).not.toContain(PASSWORD);
});
