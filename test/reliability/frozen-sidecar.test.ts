/**
 * Issue 6 §1, the case a kill -9 does not cover: a sidecar that is frozen, not dead (SIGSTOP —
 * a long GC pause, a suspended VM, a network partition). Its sockets stay open, so the target
 * keeps its load transaction alive. Once the lease expires another sidecar re-claims the job and
 * must end that lingering load connection (pg_terminate_backend) so it can never commit; when the
 * frozen sidecar wakes up (SIGCONT) it must notice it lost the job and change nothing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MysqlDb } from '../helpers/mysql.js';
import { enqueueImport, waitForJob } from '../helpers/sidecar.js';
import type { TargetDb } from '../helpers/target.js';
import { createSlowSourceDbs, tearDownRescue } from './helpers/fixture.js';
import { backendAlive, jobRecord, setSetting, visibleTables } from './helpers/jobs.js';
import { spawnSidecar, startCapturedSidecar, type CapturedSidecar, type ChildSidecar } from './helpers/sidecars.js';
import { slowRequest } from './helpers/slow-source.js';
import { watchVisibility } from './helpers/visibility.js';
import { sleep, waitFor } from './helpers/wait.js';

const LEASE_SECONDS = 5;
const ROWS = 250;
/** Long enough for the woken sidecar's ticker (1 s) and COPY error to have run. */
const AFTER_WAKE_MS = 2500;
const WORKERS_SAMPLE_MS = 200;

let db: TargetDb;
let my: MysqlDb;
let child: ChildSidecar | undefined;
let rescuer: CapturedSidecar | undefined;

beforeAll(async () => {
  ({ db, my } = await createSlowSourceDbs());
  await setSetting(db, 'lease_seconds', LEASE_SECONDS);
});

afterAll(() => tearDownRescue({ child, rescuer, db, my }));

/** Samples cdb_connectors.workers every WORKERS_SAMPLE_MS; counts the samples each sidecar was shown dead. */
function sampleWorkers() {
  const deadSamples = new Map<string, number>();
  let samples = 0;
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const { rows } = await db.query<{ id: string; alive: boolean }>('select id, alive from cdb_connectors.workers');
      samples++;
      for (const r of rows) if (!r.alive) deadSamples.set(r.id, (deadSamples.get(r.id) ?? 0) + 1);
      await sleep(WORKERS_SAMPLE_MS);
    }
  })();
  return { async stop() { stopping = true; await loop; return { samples, deadSamples }; } };
}

it('a frozen sidecar loses its job: the re-claimer terminates its load, and on waking it changes nothing', async () => {
  child = await spawnSidecar(db.url, { concurrency: 1 });
  const id = await enqueueImport(db.url, slowRequest(my, { rows: ROWS, sleepSeconds: 0.01, marker: 'frozen', table: 'frozen' }));
  const watcher = watchVisibility(db.url, [{ id, name: 'frozen' }]);
  const first = await waitFor('the job streaming in the child', async () => {
    const j = await jobRecord(db, id);
    return j.state === 'importing' && j.worker_id === child!.workerId && j.rows_fetched > 0 && j.backend_pid !== null && j;
  }, 20_000);
  child.signal('SIGSTOP');
  const frozenLease = (await jobRecord(db, id)).lease_expires_at!;

  rescuer = await startCapturedSidecar(db.url, { concurrency: 1, pollIntervalMs: 250 });
  const workers = sampleWorkers();
  const reclaimed = await waitFor('the re-claim', async () => {
    const j = await jobRecord(db, id);
    return j.attempt === 2 && j;
  }, 15_000);
  expect(reclaimed.worker_id).toBe(rescuer.sidecar.workerId);
  expect(reclaimed.started_at!.getTime()).toBeGreaterThanOrEqual(frozenLease.getTime());
  // The frozen process still holds its socket, so only the re-claimer can have ended that backend.
  await waitFor('the lingering load connection to be terminated', async () => !(await backendAlive(db, first.backend_pid!)), 5000);
  expect(child.process.exitCode).toBeNull();

  const done = await waitForJob(db, id, 30_000);
  expect(done.state, done.error_message ?? '').toBe('complete');
  expect(done.rows_imported).toBe(ROWS);

  child.signal('SIGCONT');
  await sleep(AFTER_WAKE_MS);
  const after = await jobRecord(db, id);
  expect(after).toMatchObject({ state: 'complete', attempt: 2, worker_id: rescuer.sidecar.workerId, rows_imported: ROWS });
  expect(await visibleTables(db)).toEqual(['frozen']);
  const { rows } = await db.query<{ n: number; d: number }>('select count(*)::int as n, count(distinct n)::int as d from frozen');
  expect(rows[0]).toEqual({ n: ROWS, d: ROWS });
  const report = await watcher.stop();
  expect(report.violations).toEqual([]);
  // cdb_connectors.workers (what cdb_connector_check & co. consult) saw the frozen sidecar die and
  // the live one stay alive at every sample, with lease_seconds at its minimum.
  const seen = await workers.stop();
  expect(seen.samples).toBeGreaterThan(20);
  expect(seen.deadSamples.get(rescuer.sidecar.workerId) ?? 0).toBe(0);
  expect(seen.deadSamples.get(child.workerId) ?? 0).toBeGreaterThan(0);
  expect(child.process.exitCode, child.output().slice(-4000)).toBeNull(); // woke up and kept running
});
