/**
 * Issue 18 / SPEC §13 "a crash anywhere re-runs from the previous mark and ends in the same
 * table": a real `connector-bridge run` child process runs a merge sync (cursor, deletes "hard")
 * of a MariaDB sql_query and is SIGKILLed in the middle of a later run, then a rescuer sidecar
 * re-claims the run once the lease (5 s) expired. Two kill points:
 *   1. mid-COPY: the remote read SLEEPs per row (a `delay` table the test changes), the run's
 *      rows_fetched is > 0 and below what the run reads;
 *   2. after the merge's UPDATE ran, before COMMIT: an AFTER UPDATE statement trigger of the
 *      table's owner sleeps (a `hold` table the test changes), so the killed run's transaction
 *      holds the merged rows, uncommitted, while we look.
 * Each time: the table is exactly the previous run's (no partial merge visible), the mark did
 * not move; after the re-run (attempt 2) the whole local table equals the remote one, the mark
 * equals the remote maximum, the counts are the run's own; one more run changes nothing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MysqlDb } from '../helpers/mysql.js';
import { localRows as localRowsOf, markOf, mysqlRows, runCounts, syncAndWait } from '../helpers/incremental.js';
import { readSync, runSyncNow } from '../helpers/sync.js';
import { waitForJob } from '../helpers/sidecar.js';
import type { TargetDb } from '../helpers/target.js';
import { withAlice, type RoleFactory, type TestRole } from '../sql/helpers.js';
import { createSlowSourceDbs } from './helpers/fixture.js';
import { backendAlive, jobRecord, setSetting } from './helpers/jobs.js';
import { spawnSidecar, startCapturedSidecar, type CapturedSidecar, type ChildSidecar } from './helpers/sidecars.js';
import { waitFor } from './helpers/wait.js';

/** The smallest lease the settings trigger accepts: keeps the wait for the re-claim short. */
const LEASE_SECONDS = 5;
/** Seconds of SLEEP per remote row during the run that is killed: 206 rows ≈ 10 s of COPY. */
const SLOW_ROW_SECONDS = 0.05;
/** The owner's trigger holds the killed run this long after its UPDATE (the rescuer ends it sooner). */
const HOLD_SECONDS = 60;
const FIRST_ROWS = 300;

let db: TargetDb;
let my: MysqlDb;
let roles: RoleFactory;
let alice: TestRole;
const children: ChildSidecar[] = [];
const rescuers: CapturedSidecar[] = [];
let syncId: string;

// MariaDB's net buffer (16 KB) flushes every ~16 rows of 1 KB, so rows_fetched moves while the
// query sleeps. The window's derived table is merged into the outer SELECT; FORCE INDEX keeps
// its `updated_at >= mark … ORDER BY updated_at` a range scan in index order (EXPLAIN: range on
// updated_at), so rows stream as they are read. Without it MariaDB 10.11 picks a full scan and a
// filesort for a window of 2/3 of the table: every SLEEP first, then all rows at once (measured).
const SQL_QUERY = "select id, name, amount, updated_at, repeat('x', 1000) as pad from orders force index (updated_at) where sleep((select s from delay)) = 0";
const REMOTE = "select id, name, cast(amount as char) as amount, date_format(updated_at, '%Y-%m-%d %H:%i:%s.%f') as updated_at, repeat('x', 1000) as pad from orders";
const LOCAL = "select id, name, amount::text as amount, to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US') as updated_at, pad from public.orders";

const remoteRows = () => mysqlRows(my, REMOTE);
const localRows = () => localRowsOf(db, LOCAL);

async function remoteMax(): Promise<string> {
  const [rows] = await my.exec("select date_format(max(updated_at), '%Y-%m-%d %H:%i:%s.%f') as m from orders") as [Array<{ m: string }>];
  return rows[0]!.m;
}

const markState = () => markOf(db, syncId);
const counts = (jobId: string) => runCounts(db, jobId);

async function setDelay(seconds: number): Promise<void> {
  await my.exec('update delay set s = ?', [seconds]);
}

/** Makes the sync due (as a DBA) and waits for the child to claim its run; returns the run's job id. */
async function startRun(child: ChildSidecar): Promise<string> {
  const before = (await readSync(db, syncId)).last_import_id;
  await db.query('update cdb_connectors.syncs set run_at = now() where id = $1', [syncId]);
  return waitFor('the next run claimed by the child', async () => {
    const jobId = (await readSync(db, syncId)).last_import_id;
    if (jobId === before) return false;
    const job = await jobRecord(db, jobId);
    return job.state === 'importing' && job.worker_id === child.workerId && jobId;
  }, 20_000);
}

/** SIGKILLs the child; the run stays `importing` (stranded until its lease expires). */
async function kill(child: ChildSidecar, jobId: string): Promise<void> {
  child.signal('SIGKILL');
  expect((await child.exited).signal).toBe('SIGKILL');
  expect((await jobRecord(db, jobId)).state).toBe('importing');
}

/** A rescuer re-claims the run after the lease, re-runs it (attempt 2) to completion. */
async function rescue(jobId: string, killedLeaseEnd: Date): Promise<void> {
  const rescuer = await startCapturedSidecar(db.url, { concurrency: 2, pollIntervalMs: 250 });
  rescuers.push(rescuer);
  const done = await waitForJob(db, jobId, 40_000);
  expect(done.state, done.error_message ?? '').toBe('complete');
  const job = await jobRecord(db, jobId);
  expect(job.attempt).toBe(2);
  expect(job.worker_id).toBe(rescuer.sidecar.workerId);
  expect(job.started_at!.getTime()).toBeGreaterThanOrEqual(killedLeaseEnd.getTime());
  expect(await readSync(db, syncId)).toMatchObject({ state: 'success', last_import_id: jobId, error_code: null });
}

async function stopRescuers(): Promise<void> {
  for (const r of rescuers.splice(0)) await r.stop();
}

beforeAll(async () => {
  ({ db, my } = await createSlowSourceDbs());
  ({ roles, alice } = await withAlice(db));
  await setSetting(db, 'lease_seconds', LEASE_SECONDS);
  await my.exec(`create table delay (s double); insert into delay values (0);
    create table orders (id int primary key, name varchar(20), amount decimal(10,2), updated_at datetime(6), key (updated_at));
    insert into orders select seq, concat('n', seq), seq / 100, '2026-01-01 00:00:00' + interval seq second from seq_1_to_${FIRST_ROWS};`);
});

afterAll(async () => {
  for (const c of children) await c.kill();
  await stopRescuers();
  await my?.drop();
  await roles?.cleanup();
});

it('first run of the merge sync (cursor, deletes hard) completes in the child', async () => {
  const child = await spawnSidecar(db.url);
  children.push(child);
  const first = await syncAndWait(db, alice, {
    connector: {
      provider: 'mysql', connection: my.connection(), sql_query: SQL_QUERY, import_as: 'orders',
      mode: 'merge', primary_key: 'id', cursor: 'updated_at', deletes: 'hard',
    },
    interval: 3600,
  });
  syncId = first.id;
  expect(first, first.error_message ?? '').toMatchObject({ state: 'success', table_name: 'orders', error_code: null });
  expect(await localRows()).toEqual(await remoteRows());
  expect(await markState()).toEqual({ mark: await remoteMax(), rows_at_mark: 1 });
  expect(await counts(first.last_import_id)).toMatchObject({ state: 'complete', rows_fetched: FIRST_ROWS, rows_inserted: FIRST_ROWS });
});

it('SIGKILL mid-COPY: the table keeps the previous run\'s rows; the re-run on the re-claim ends in the remote\'s table and mark', async () => {
  const child = children[0]!;
  const before = await localRows();
  const markBefore = await markState();
  // 200 updates that move the cursor, 5 inserts, 1 delete of a row the cursor cannot see
  await my.exec(`update orders set name = concat('u', id), amount = amount + 1, updated_at = '2026-01-02 00:00:00' + interval id second where id <= 200;
    insert into orders select seq, concat('new', seq), seq, '2026-01-03 00:00:00' + interval (seq - 300) second from seq_301_to_305;
    delete from orders where id = 250;`);
  await setDelay(SLOW_ROW_SECONDS);
  const jobId = await startRun(child);

  const streaming = await waitFor('rows arriving in the run\'s COPY', async () => {
    const { rows } = await db.query('select state, rows_fetched::int from cdb_connectors.imports where id = $1', [jobId]);
    return rows[0].state === 'importing' && rows[0].rows_fetched > 0 && rows[0];
  }, 20_000);
  // mid-COPY: the run reads 206 rows (id 300 at the mark, 200 updated, 5 new)
  expect(streaming.rows_fetched).toBeLessThan(206);
  expect(await localRows()).toEqual(before);
  const killed = await jobRecord(db, jobId);
  expect(killed.rows_fetched).toBeLessThan(206);
  await kill(child, jobId);
  if (killed.backend_pid !== null) await waitFor('the killed load connection to end', async () => !(await backendAlive(db, killed.backend_pid!)), 10_000);

  // nothing of the dead run is visible: same rows, same mark
  expect(await localRows()).toEqual(before);
  expect(await markState()).toEqual(markBefore);

  await setDelay(0);
  await rescue(jobId, killed.lease_expires_at!);
  expect(await localRows()).toEqual(await remoteRows());
  expect(await markState()).toEqual({ mark: await remoteMax(), rows_at_mark: 1 });
  expect(await markState()).toEqual({ mark: '2026-01-03 00:00:05.000000', rows_at_mark: 1 });
  expect(await counts(jobId)).toEqual({ state: 'complete', rows_fetched: 206, rows_inserted: 5, rows_updated: 200, rows_deleted: 1, rows_unchanged: 1 });
  expect((await db.query('select count(*)::int as n from public.orders')).rows[0].n).toBe(FIRST_ROWS + 5 - 1);

  // one more run: only the row at the mark is read again, and nothing changes
  const again = await runSyncNow(db, syncId);
  expect(again.state).toBe('success');
  expect(await counts(again.last_import_id)).toEqual({ state: 'complete', rows_fetched: 1, rows_inserted: 0, rows_updated: 0, rows_deleted: 0, rows_unchanged: 1 });
  expect(await localRows()).toEqual(await remoteRows());
  await stopRescuers();
});

it('SIGKILL after the merge\'s UPDATE ran, before COMMIT: the uncommitted merge is never visible; the re-run ends in the same table', async () => {
  // the owner's own trigger (it runs in the owner frame with alice's rights) holds the run
  await alice.query(`create table public.hold (s float8); insert into public.hold values (${HOLD_SECONDS});
    create function public.hold_run() returns trigger language plpgsql as $$
    begin perform pg_catalog.pg_sleep(h.s) from public.hold h; return null; end $$;
    create trigger hold_after_update after update on public.orders for each statement execute function public.hold_run();`);
  const child = await spawnSidecar(db.url);
  children.push(child);
  const before = await localRows();
  const markBefore = await markState();
  await my.exec(`update orders set name = concat('v', id), updated_at = '2026-01-04 00:00:00' + interval id second where id between 201 and 210;
    insert into orders values (306, 'new306', 3.06, '2026-01-05 00:00:00'), (307, 'new307', 3.07, '2026-01-05 00:00:01');
    delete from orders where id = 260;`);
  const jobId = await startRun(child);

  const orders = (await db.query(`select 'public.orders'::regclass::oid::int as oid`)).rows[0].oid;
  const held = await waitFor('the run sleeping in the trigger after its UPDATE', async () => {
    const job = await jobRecord(db, jobId);
    if (job.backend_pid === null) return false;
    const { rows } = await db.query(
      `select a.wait_event, exists (select from pg_locks l where l.pid = a.pid and l.relation = $2 and l.mode = 'RowExclusiveLock' and l.granted) as writing
         from pg_stat_activity a where a.pid = $1`, [job.backend_pid, orders]);
    return rows[0]?.wait_event === 'PgSleep' && rows[0].writing && job.rows_fetched > 0 && job;
  }, 20_000);
  expect(held.rows_fetched).toBe(13);
  await kill(child, jobId);
  // the dead run's backend still sleeps with the merged rows uncommitted: invisible
  expect(await backendAlive(db, held.backend_pid!)).toBe(true);
  expect(await localRows()).toEqual(before);
  expect(await markState()).toEqual(markBefore);

  await alice.query('update public.hold set s = 0');
  await rescue(jobId, (await jobRecord(db, jobId)).lease_expires_at!);
  // the re-claim ended the old load connection (terminatePreviousLoad) instead of waiting for it
  expect(await backendAlive(db, held.backend_pid!)).toBe(false);
  expect(await localRows()).toEqual(await remoteRows());
  expect(await markState()).toEqual({ mark: await remoteMax(), rows_at_mark: 1 });
  expect(await counts(jobId)).toEqual({ state: 'complete', rows_fetched: 13, rows_inserted: 2, rows_updated: 10, rows_deleted: 1, rows_unchanged: 1 });

  const again = await runSyncNow(db, syncId);
  expect(again.state).toBe('success');
  expect(await counts(again.last_import_id)).toEqual({ state: 'complete', rows_fetched: 1, rows_inserted: 0, rows_updated: 0, rows_deleted: 0, rows_unchanged: 1 });
  expect(await localRows()).toEqual(await remoteRows());
});
