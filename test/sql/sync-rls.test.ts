/**
 * Issue 5, who may do what with a sync: each role sees and controls only its own syncs (alice
 * cannot see, sync_now, re-time, cancel or unsync bob's), passwords are never readable, users can
 * write only interval/paused/sync_now_requested_at, and the README's DBA recipes work as plain
 * SQL on cdb_connectors.synchronizations for members of cdb_connector_admin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { mysqlRequest, roleFactory, sqlError, type TestRole } from './helpers.js';

let db: TargetDb;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;
let bob: TestRole;
let admin: TestRole;
let aliceSync: string;
let bobSync: string;

const request = JSON.stringify({ ...mysqlRequest(), interval: 3600 });

async function syncAs(role: TestRole): Promise<string> {
  const { rows } = await role.query('select cdb_connector_sync($1::jsonb) as s', [request]);
  return rows[0].s.id;
}

beforeAll(async () => {
  db = await createTargetDb();
  roles = roleFactory(db);
  // the first runs below are faked just before the sync_now calls: no wait between on-demand runs
  // here (min_sync_now_interval itself is tested in test/security/limits.test.ts)
  await db.query(`update cdb_connectors.settings set value = '0' where name = 'min_sync_now_interval'`);
  alice = await roles.create('alice', 'cdb_connector_user');
  bob = await roles.create('bob', 'cdb_connector_user');
  admin = await roles.create('admin', 'cdb_connector_admin');
  await db.query(`grant create on schema public to "${alice.name}", "${bob.name}", "${admin.name}"`);
  aliceSync = await syncAs(alice);
  bobSync = await syncAs(bob);
  // both first runs done: the syncs are idle and due in an hour
  await db.query(`update cdb_connectors.jobs set state = 'complete'`);
  await db.query(`update cdb_connectors.syncs set state = 'success', ran_at = now(), run_at = now() + interval '1 hour'`);
});

afterAll(async () => {
  await roles.cleanup();
});

describe('row-level security', () => {
  it('each role sees only its own syncs; admins see all', async () => {
    expect((await alice.query('select id, user_id from cdb_connectors.synchronizations')).rows).toEqual([{ id: aliceSync, user_id: alice.name }]);
    expect((await bob.query('select id from cdb_connectors.synchronizations')).rows).toEqual([{ id: bobSync }]);
    expect((await admin.query('select id from cdb_connectors.synchronizations order by user_id')).rows.map((r) => r.id).sort())
      .toEqual([aliceSync, bobSync].sort());
  });

  it.each([
    ['cdb_connector_sync_now($1)'],
    ['cdb_connector_set_interval($1, 7200)'],
    ['cdb_connector_unsync($1)'],
    ['cdb_connector_cancel($1)'],
  ])("alice's %s on bob's sync is P0002 and changes nothing", async (call) => {
    const before = await db.query('select * from cdb_connectors.syncs where id = $1', [bobSync]);
    const err = await sqlError(alice.query(`select ${call}`, [bobSync]));
    expect(err.code).toBe('P0002');
    const after = await db.query('select * from cdb_connectors.syncs where id = $1', [bobSync]);
    expect(after.rows).toEqual(before.rows);
  });

  it("direct UPDATEs and DELETEs of bob's sync by alice touch no row", async () => {
    expect((await alice.query('update cdb_connectors.syncs set paused = true where id = $1', [bobSync])).rowCount).toBe(0);
    expect((await alice.query('update cdb_connectors.synchronizations set interval = 7200')).rowCount).toBe(1);
    expect((await alice.query('delete from cdb_connectors.synchronizations where id = $1', [bobSync])).rowCount).toBe(0);
    const { rows } = await db.query('select interval_seconds, paused from cdb_connectors.syncs where id = $1', [bobSync]);
    expect(rows).toEqual([{ interval_seconds: 3600, paused: false }]);
    await alice.query('update cdb_connectors.synchronizations set interval = 3600');
  });

  it('users may write interval, paused and sync_now_requested_at only', async () => {
    for (const set of ["state = 'failure'", 'checksum = null', "owner = 'x'", 'run_at = now()', 'retried_times = 0', "params = '{}'", 'table_oid = 1']) {
      const err = await sqlError(alice.query(`update cdb_connectors.syncs set ${set} where id = $1`, [aliceSync]));
      expect(err.code, set).toBe('42501');
    }
    expect((await sqlError(alice.query(`update cdb_connectors.synchronizations set state = 'failure'`))).code).toBe('42501');
  });

  it('sync_now_requested_at is forced to now(), whatever the value written', async () => {
    await alice.query(`update cdb_connectors.syncs set sync_now_requested_at = '2000-01-01' where id = $1`, [aliceSync]);
    const { rows } = await db.query('select sync_now_requested_at = run_at as due, run_at > now() - interval \'1 minute\' as recent from cdb_connectors.syncs where id = $1', [aliceSync]);
    expect(rows).toEqual([{ due: true, recent: true }]);
  });

  it('passwords are stored but never readable, and cannot be planted on another role\'s sync', async () => {
    expect((await sqlError(alice.query('select * from cdb_connectors.sync_secrets'))).code).toBe('42501');
    const err = await sqlError(alice.query(`insert into cdb_connectors.sync_secrets (sync_id, password) values ($1, 'x')`, [bobSync]));
    expect(err.code).toBe('42501');
    expect((await db.query('select count(*)::int as n from cdb_connectors.sync_secrets')).rows[0].n).toBe(2);
  });

  it('settle_sync_run is for the sidecars only', async () => {
    expect((await sqlError(alice.query('select cdb_connectors.settle_sync_run($1)', [aliceSync]))).code).toBe('42501');
  });
});

describe('DBA recipes (README) as plain SQL on the view', () => {
  it('list failing syncs', async () => {
    await db.query(`update cdb_connectors.syncs set state = 'failure', error_code = 1504, error_message = 'down', retried_times = 3 where id = $1`, [bobSync]);
    const { rows } = await admin.query(`select user_id, table_name, error_code, error_message, retried_times, run_at
      from cdb_connectors.synchronizations where state = 'failure' order by run_at`);
    expect(rows).toMatchObject([{ user_id: bob.name, error_code: 1504, error_message: 'down', retried_times: 3 }]);
  });

  it('pause, then resume all syncs of a role', async () => {
    const paused = await admin.query('update cdb_connectors.synchronizations set paused = true where user_id = $1', [bob.name]);
    expect(paused.rowCount).toBe(1);
    expect((await db.query('select owner, paused from cdb_connectors.syncs order by owner = $1', [bob.name])).rows)
      .toEqual([{ owner: alice.name, paused: false }, { owner: bob.name, paused: true }]);
    await admin.query('update cdb_connectors.synchronizations set paused = false where user_id = $1', [bob.name]);
    expect((await db.query('select paused from cdb_connectors.syncs where id = $1', [bobSync])).rows).toEqual([{ paused: false }]);
  });

  it('change the intervals of a role, validated', async () => {
    const err = await sqlError(admin.query('update cdb_connectors.synchronizations set interval = 60 where user_id = $1', [bob.name]));
    expect(err.message).toBe('The interval parameter must be at least 900 seconds');
    await admin.query('update cdb_connectors.synchronizations set interval = 86400 where user_id = $1', [bob.name]);
    const { rows } = await db.query(`select interval_seconds, extract(epoch from run_at - coalesce(ran_at, created_at))::int as gap from cdb_connectors.syncs where id = $1`, [bobSync]);
    expect(rows).toEqual([{ interval_seconds: 86400, gap: 86400 }]);
  });

  it("an admin runs and unsyncs another role's sync", async () => {
    expect((await admin.query('select cdb_connector_sync_now($1) as s', [bobSync])).rows[0].s.user_id).toBe(bob.name);
    expect((await admin.query('delete from cdb_connectors.synchronizations where id = $1', [bobSync])).rowCount).toBe(1);
    expect((await db.query('select count(*)::int as n from cdb_connectors.syncs where id = $1', [bobSync])).rows[0].n).toBe(0);
  });
});
