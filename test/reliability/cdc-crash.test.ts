/**
 * Issue 23 item 5 / SPEC §16 "exactly-once effect": a real `connector-bridge run` child applies
 * a PostgreSQL cdc sync's changes and is SIGKILLed after the apply's UPDATE ran, before COMMIT (the
 * table owner's AFTER UPDATE statement trigger sleeps while the test looks). Then:
 *   - nothing of the dead run is visible and the stored position did not move, nor did the slot;
 *   - a rescuer re-claims the run after the lease and applies the same changes once: the whole
 *     table's checksum equals the remote's, the run's counts are exactly the changes made;
 *   - one more run finds nothing new (no change applied twice, none lost).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { localRemoteFactory, remoteSql, type RemotePostgres } from '../providers/postgres/remote.js';
import { runCounts, syncAndWait } from '../helpers/incremental.js';
import { readSync, runSyncNow } from '../helpers/sync.js';
import { waitForJob } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { withAlice, type RoleFactory, type TestRole } from '../sql/helpers.js';
import { backendAlive, jobRecord, setSetting } from './helpers/jobs.js';
import { spawnSidecar, startCapturedSidecar, type CapturedSidecar, type ChildSidecar } from './helpers/sidecars.js';
import { waitFor } from './helpers/wait.js';

const LEASE_SECONDS = 5;
const HOLD_SECONDS = 60;
const ROWS = 2000;

let db: TargetDb;
let remote: RemotePostgres;
let roles: RoleFactory;
let alice: TestRole;
const children: ChildSidecar[] = [];
const rescuers: CapturedSidecar[] = [];
let syncId: string;

const CHECKSUM = `select count(*)::int as n, md5(string_agg(t::text, ',' order by id)) as sum from (select id, v, note from accounts) t`;
const localSum = async () => (await db.query(CHECKSUM.replace('from accounts', 'from public.accounts'))).rows[0];
const remoteSum = async () => (await remoteSql(remote, CHECKSUM))[0];
const position = async () => (await db.query<{ position: string }>('select position from cdb_connectors.sync_state where sync_id = $1', [syncId])).rows[0]!.position;
const slotConfirmed = async () => (await remoteSql<{ c: string }>(remote,
  'select confirmed_flush_lsn::text as c from pg_replication_slots where slot_name = $1', [`cdb_${syncId.replace(/-/g, '')}`]))[0]?.c;

beforeAll(async () => {
  [db, remote] = await Promise.all([createTargetDb(), localRemoteFactory.start()]);
  ({ roles, alice } = await withAlice(db));
  // the harness runs with synchronous_commit off; logical decoding sees only flushed WAL, so a
  // commit could reach the slot one run later (correct, but not what these tests step through)
  await remoteSql(remote, 'alter system set synchronous_commit = on');
  await remoteSql(remote, 'select pg_reload_conf()');
  await setSetting(db, 'lease_seconds', LEASE_SECONDS);
  await remoteSql(remote, `create table accounts (id int primary key, v int, note text);
    insert into accounts select g, 0, 'n' || g from generate_series(1, ${ROWS}) g;`);
});

afterAll(async () => {
  for (const c of children) await c.kill();
  for (const r of rescuers) await r.stop();
  await remote?.stop();
  await roles?.cleanup();
});

it('SIGKILL after the apply\'s UPDATE, before COMMIT: invisible, position and slot unmoved; the re-run applies every change once', async () => {
  const child = await spawnSidecar(db.url);
  children.push(child);
  const first = await syncAndWait(db, alice, {
    connector: { provider: 'postgres', connection: { server: remote.host, port: remote.port, database: 'postgres', username: 'postgres', sslmode: 'disable' },
      table: 'accounts', mode: 'cdc' },
    interval: 3600,
  });
  syncId = first.id;
  expect(first.state, first.error_message ?? '').toBe('success');
  expect(await localSum()).toEqual(await remoteSum());

  await alice.query(`create table public.hold (s float8); insert into public.hold values (${HOLD_SECONDS});
    create function public.hold_run() returns trigger language plpgsql as $$
    begin perform pg_catalog.pg_sleep(h.s) from public.hold h; return null; end $$;
    create trigger hold_after_update after update on public.accounts for each statement execute function public.hold_run();`);
  // 300 updates in 3 source transactions, 10 inserts, 5 deletes
  await remoteSql(remote, `begin; update accounts set v = v + 1 where id <= 100; commit;
    begin; update accounts set v = v + 1 where id <= 200 and id > 100; insert into accounts select g, 7, 'new' from generate_series(${ROWS + 1}, ${ROWS + 10}) g; commit;
    begin; update accounts set v = v + 1 where id > 200 and id <= 300; delete from accounts where id between 1001 and 1005; commit;`);
  const before = await localSum();
  const positionBefore = await position();
  const slotBefore = await slotConfirmed();
  await db.query('update cdb_connectors.syncs set run_at = now() where id = $1', [syncId]);
  const jobId = await waitFor('the run claimed by the child', async () => {
    const id = (await readSync(db, syncId)).last_import_id;
    return id !== first.last_import_id && (await jobRecord(db, id)).state === 'importing' && id;
  }, 20_000);
  const held = await waitFor('the run sleeping in the trigger after its UPDATE', async () => {
    const job = await jobRecord(db, jobId);
    if (job.backend_pid === null) return false;
    const { rows } = await db.query('select wait_event from pg_stat_activity where pid = $1', [job.backend_pid]);
    return rows[0]?.wait_event === 'PgSleep' && job;
  }, 20_000);
  child.signal('SIGKILL');
  expect((await child.exited).signal).toBe('SIGKILL');
  expect(await backendAlive(db, held.backend_pid!)).toBe(true);
  expect(await localSum()).toEqual(before);
  expect(await position()).toBe(positionBefore);
  expect(await slotConfirmed()).toBe(slotBefore);

  await alice.query('update public.hold set s = 0');
  const rescuer = await startCapturedSidecar(db.url, { concurrency: 2, pollIntervalMs: 250 });
  rescuers.push(rescuer);
  const done = await waitForJob(db, jobId, 40_000);
  expect(done.state, done.error_message ?? '').toBe('complete');
  expect((await jobRecord(db, jobId)).attempt).toBe(2);
  expect(await localSum()).toEqual(await remoteSum());
  expect(await runCounts(db, jobId)).toEqual({ state: 'complete', rows_fetched: 315, rows_inserted: 10, rows_updated: 300, rows_deleted: 5, rows_unchanged: 0 });
  expect(await position()).not.toBe(positionBefore);

  const again = await runSyncNow(db, syncId);
  expect(again.state).toBe('success');
  expect(await runCounts(db, again.last_import_id)).toEqual({ state: 'complete', rows_fetched: 0, rows_inserted: 0, rows_updated: 0, rows_deleted: 0, rows_unchanged: 0 });
  expect(await localSum()).toEqual(await remoteSum());
});
