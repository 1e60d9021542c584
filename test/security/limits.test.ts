/**
 * Issue 16, attacks 9 and 10 — limits with safe defaults (SPEC §6):
 *   9. `cdb_connector_sync_now` in a loop refreshed a sync back to back, around min_interval:
 *      min_sync_now_interval (default 60 s) refuses a sync_now soon after a run with SQLSTATE 54000
 *      saying when the next one is allowed; a sync_now during a run returns that run. The side
 *      doors are shut too: a direct UPDATE of sync_now_requested_at, a run set up by hand with
 *      pending_sync_setting, an interval change that makes a failing sync due at once.
 *  10. No default cap on queued jobs or syncs: max_queued_jobs_per_role (default 100) refuses the
 *      101st unfinished import (and a new sync, and sync_now) but never a scheduled run;
 *      max_syncs_per_role defaults to 100, also on installs that still had the old null.
 * The loop runs against a real sidecar and MariaDB; the rest is SQL on a database without one.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { queryOnce } from '../helpers/one-shot-sql.js';
import type { TestSidecar } from '../helpers/sidecar.js';
import { createSync, readSync, startSyncSidecar, waitForSyncRun } from '../helpers/sync.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { mysqlRequest, roleFactory, sqlError, type RoleFactory, type TestRole } from '../sql/helpers.js';

/** What every refusal of min_sync_now_interval says (the time is UTC, ISO 8601). */
const TOO_SOON = /^Synchronization [0-9a-f-]{36} ran or was asked to run less than 60 seconds ago: the next sync_now is allowed at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in \d+ s\)$/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Moves a sync's last run (and so its "last activity") an hour into the past, as a DBA could. */
async function ageLastRun(target: TargetDb, syncId: string): Promise<void> {
  await target.query(`update cdb_connectors.jobs set created_at = created_at - interval '1 hour', started_at = started_at - interval '1 hour',
    finished_at = finished_at - interval '1 hour' where sync_id = $1`, [syncId]);
  await target.query(`update cdb_connectors.syncs set ran_at = ran_at - interval '1 hour', created_at = created_at - interval '1 hour' where id = $1`, [syncId]);
}

describe('attack 9: cdb_connector_sync_now in a loop (real sidecar)', () => {
  let db: TargetDb;
  let my: MysqlDb;
  let roles: RoleFactory;
  let alice: TestRole;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
    roles = roleFactory(db);
    alice = await roles.create('alice', 'cdb_connector_user');
    await db.query(`grant create on schema public to "${alice.name}"`);
    await my.exec("create table items (id int primary key, name varchar(20)); insert into items values (1, 'a'), (2, 'b'), (3, 'c');");
    sidecar = await startSyncSidecar(db);
  });

  afterAll(async () => {
    await sidecar?.stop();
    await my?.drop();
    await roles?.cleanup();
  });

  it('50 calls in a loop queue one run; calls during it return it; after it, sync_now is refused with the next allowed time', async () => {
    const created = await createSync(db.urlAs(alice.name), { connector: { provider: 'mysql', connection: my.connection(), table: 'items' }, interval: 3600 });
    const first = await waitForSyncRun(db, created.id);
    expect(first.state).toBe('success');

    // Right after a run, even the first call is refused, and so is the direct UPDATE the function makes.
    const early = await sqlError(alice.query('select cdb_connector_sync_now($1)', [created.id]));
    expect(early).toMatchObject({ code: '54000', message: expect.stringMatching(TOO_SOON) });
    const direct = await sqlError(alice.query('update cdb_connectors.syncs set sync_now_requested_at = now() where id = $1', [created.id]));
    expect(direct).toMatchObject({ code: '54000', message: expect.stringMatching(TOO_SOON) });

    // An hour later: the loop. Each run of this table takes a fraction of a second, so without the
    // limit the loop gets one refresh after another.
    await ageLastRun(db, created.id);
    const outcomes: Array<{ ok: true; lastImportId: string } | { ok: false; code: string | undefined; message: string }> = [];
    for (let i = 0; i < 50; i++) {
      try {
        const { rows } = await alice.query('select cdb_connector_sync_now($1) as s', [created.id]);
        outcomes.push({ ok: true, lastImportId: rows[0].s.last_import_id });
      } catch (err) {
        const e = err as { code?: string; message: string };
        outcomes.push({ ok: false, code: e.code, message: e.message });
      }
      await sleep(40);
    }
    const after = await waitForSyncRun(db, created.id, first.last_import_id);
    expect(after.state).toBe('success');

    const runs = await db.query<{ id: string }>('select id from cdb_connectors.jobs where sync_id = $1 and id <> $2', [created.id, first.last_import_id]);
    expect(runs.rows).toEqual([{ id: after.last_import_id }]);
    expect(outcomes[0]).toMatchObject({ ok: true });
    for (const o of outcomes) {
      if (o.ok) expect([first.last_import_id, after.last_import_id]).toContain(o.lastImportId);
      else expect(o).toMatchObject({ code: '54000', message: expect.stringMatching(TOO_SOON) });
    }
    // calls during the run were answered with the run itself — unless the whole run fit between
    // two calls (a loaded CI box can delay the scheduler's pick-up, then run it in a blink)
    const { rows: [span] } = await db.query<{ ms: number }>(
      'select extract(epoch from finished_at - created_at) * 1000 as ms from cdb_connectors.jobs where id = $1', [after.last_import_id]);
    if (Number(span!.ms) > 200) expect(outcomes.some((o) => o.ok && o.lastImportId === after.last_import_id)).toBe(true);

    // and once it ended, the next one waits for min_sync_now_interval
    const refused = await sqlError(alice.query('select cdb_connector_sync_now($1)', [created.id]));
    expect(refused).toMatchObject({ code: '54000', message: expect.stringMatching(TOO_SOON) });
    const allowedAt = new Date(/allowed at (\S+)/.exec(refused.message)![1]!);
    // counted from the end of the run (the later of the job's finished_at and the sync's ran_at)
    const end = (await db.query(`select greatest(j.finished_at, s.ran_at) as t from cdb_connectors.jobs as j, cdb_connectors.syncs as s
      where j.id = $1 and s.id = $2`, [after.last_import_id, created.id])).rows[0].t as Date;
    expect(Math.abs(allowedAt.getTime() - (end.getTime() + 60_000))).toBeLessThan(1500);
    await sleep(500);
    expect((await readSync(db, created.id)).last_import_id).toBe(after.last_import_id);
    expect((await db.query(`select value from cdb_connectors.settings where name = 'min_sync_now_interval'`)).rows).toEqual([{ value: 60 }]);
  });
});

describe('SQL limits (no sidecar)', () => {
  let db: TargetDb;
  let roles: RoleFactory;

  beforeAll(async () => {
    db = await createTargetDb();
    roles = roleFactory(db);
  });

  afterAll(async () => {
    await roles?.cleanup();
  });

  async function user(prefix: string): Promise<TestRole> {
    const role = await roles.create(prefix, 'cdb_connector_user');
    await db.query(`grant create on schema public to "${role.name}"`);
    return role;
  }

  const importRequest = (i: number) => JSON.stringify(mysqlRequest({ import_as: `t_${i}` }));
  const syncRequest = (table = 'orders') => JSON.stringify({ ...mysqlRequest({ table }), interval: 900 });

  async function importAs(role: TestRole, i: number): Promise<string> {
    const { rows } = await role.query('select cdb_connector_import($1::jsonb) as r', [importRequest(i)]);
    return rows[0].r.item_queue_id;
  }

  async function syncAs(role: TestRole, table = 'orders'): Promise<string> {
    const { rows } = await role.query('select cdb_connector_sync($1::jsonb) as s', [syncRequest(table)]);
    return rows[0].s.id;
  }

  /** The first run done long ago: the sync is idle, next due in an hour. */
  async function idleSync(role: TestRole, table = 'orders'): Promise<string> {
    const id = await syncAs(role, table);
    await db.query(`update cdb_connectors.jobs set state = 'complete', started_at = now() - interval '2 hours', finished_at = now() - interval '2 hours',
      created_at = now() - interval '2 hours' where sync_id = $1`, [id]);
    await db.query(`update cdb_connectors.syncs set state = 'success', ran_at = now() - interval '2 hours', run_at = now() + interval '1 hour' where id = $1`, [id]);
    return id;
  }

  const unfinished = async (role: TestRole) =>
    (await db.query(`select count(*)::int as n from cdb_connectors.jobs where owner = $1 and state in ('enqueued', 'importing')`, [role.name])).rows[0].n as number;

  it('the 101st queued import is refused (54000), nothing stored; scheduled runs still go in; other roles are not affected', async () => {
    const alice = await user('alice');
    const sync = await idleSync(alice);
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push(await importAs(alice, i));
    expect(await unfinished(alice)).toBe(100);

    const message = `Role ${alice.name} already has 100 queued or running job(s); the max_queued_jobs_per_role setting allows 100`;
    const err = await sqlError(importAs(alice, 100));
    expect(err).toMatchObject({ code: '54000', message });
    // the same through a direct INSERT, a new sync (its first run is a job) and sync_now (it would queue a run)
    expect(await sqlError(alice.query('insert into cdb_connectors.jobs (params, target_schema) values ($1, $2)', [importRequest(101), 'public'])))
      .toMatchObject({ code: '54000', message });
    expect(await sqlError(syncAs(alice, 'other'))).toMatchObject({ code: '54000', message });
    expect(await sqlError(alice.query('select cdb_connector_sync_now($1)', [sync]))).toMatchObject({ code: '54000', message });
    expect(await unfinished(alice)).toBe(100);
    expect((await db.query('select count(*)::int as n from cdb_connectors.syncs where owner = $1', [alice.name])).rows[0].n).toBe(1);
    expect((await db.query(`select value from cdb_connectors.settings where name = 'max_queued_jobs_per_role'`)).rows).toEqual([{ value: 100 }]);

    // the scheduler's run of a due sync is not the role's to refuse (as src/sidecar/scheduler.ts enqueues it)
    await db.query(`update cdb_connectors.syncs set run_at = now() - interval '1 second' where id = $1`, [sync]);
    const client = await db.pool.connect();
    const runId = crypto.randomUUID();
    try {
      await client.query('begin');
      await client.query('select set_config(cdb_connectors.pending_sync_setting($1), $2, true)', [runId, sync]);
      await client.query(`set local role "${alice.name}"`);
      await client.query('insert into cdb_connectors.jobs (id, params, target_schema) values ($1, $2, $3)', [runId, JSON.stringify(mysqlRequest()), 'public']);
      await client.query('commit');
    } finally {
      client.release();
    }
    expect((await db.query('select sync_id, state from cdb_connectors.jobs where id = $1', [runId])).rows).toEqual([{ sync_id: sync, state: 'enqueued' }]);
    expect(await unfinished(alice)).toBe(101);

    const bob = await user('bob');
    await importAs(bob, 0);

    // finished jobs do not count
    for (const id of ids.slice(0, 2)) await alice.query('select cdb_connector_cancel($1)', [id]);
    await importAs(alice, 200);
    expect(await sqlError(importAs(alice, 201))).toMatchObject({ code: '54000' });
  });

  it('max_queued_jobs_per_role holds against concurrent imports of one role', async () => {
    const carol = await user('carol');
    await db.query(`update cdb_connectors.settings set value = '5' where name = 'max_queued_jobs_per_role'`);
    try {
      // one connection each: the imports race in separate transactions
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) =>
        queryOnce(db.urlAs(carol.name), 'select cdb_connector_import($1::jsonb) as r', [importRequest(i)])));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as { code?: string }).code).toBe('54000');
      expect(await unfinished(carol)).toBe(5);
    } finally {
      await db.query(`update cdb_connectors.settings set value = '100' where name = 'max_queued_jobs_per_role'`);
    }
  });

  it('max_syncs_per_role is 100 by default: the 101st sync is refused', async () => {
    const dave = await user('dave');
    for (let i = 0; i < 100; i++) {
      await syncAs(dave, `t_${i}`);
      // first runs done, so that max_queued_jobs_per_role is not what stops the 101st
      if (i % 50 === 49) await db.query(`update cdb_connectors.jobs set state = 'complete' where owner = $1`, [dave.name]);
    }
    const err = await sqlError(syncAs(dave, 't_100'));
    expect(err).toMatchObject({ code: '54000', message: `Role ${dave.name} already has 100 sync table(s); the max_syncs_per_role setting allows 100` });
    expect((await db.query('select count(*)::int as n from cdb_connectors.syncs where owner = $1', [dave.name])).rows[0].n).toBe(100);
    expect((await db.query(`select value from cdb_connectors.settings where name = 'max_syncs_per_role'`)).rows).toEqual([{ value: 100 }]);
  });

  it('a run set up by hand (pending_sync_setting) for an idle sync is refused', async () => {
    const erin = await user('erin');
    const sync = await idleSync(erin);
    await erin.query('begin');
    try {
      const jobId = crypto.randomUUID();
      await erin.query('select set_config(cdb_connectors.pending_sync_setting($1), $2, true)', [jobId, sync]);
      const err = await sqlError(erin.query('insert into cdb_connectors.jobs (id, params, target_schema) values ($1, $2, $3)', [jobId, JSON.stringify(mysqlRequest()), 'public']));
      expect(err).toMatchObject({ code: '22023', message: `Synchronization ${sync} is not due: its runs are enqueued by the sidecars' scheduler` });
    } finally {
      await erin.query('rollback');
    }
    expect((await db.query('select count(*)::int as n from cdb_connectors.jobs where sync_id = $1', [sync])).rows[0].n).toBe(1);
  });

  it('sync_now: refused soon after a run, coalesced while due; an interval change cannot make a failing sync due at once', async () => {
    const frank = await user('frank');
    const sync = await idleSync(frank);
    // an hour after the run: allowed, and due at once
    await frank.query('select cdb_connector_sync_now($1)', [sync]);
    // a second call before a scheduler picked it up queues nothing more: no error, still one request
    const { rows } = await frank.query('select cdb_connector_sync_now($1) as s', [sync]);
    expect(rows[0].s.state).toBe('success');

    // a failing sync that never succeeded: ran_at null, created long ago, its last run just failed
    const failing = await idleSync(frank, 'failing');
    await db.query(`update cdb_connectors.jobs set state = 'failure', finished_at = now() - interval '5 seconds' where sync_id = $1`, [failing]);
    await db.query(`update cdb_connectors.syncs set state = 'failure', ran_at = null, created_at = now() - interval '2 hours', run_at = now() + interval '10 minutes' where id = $1`, [failing]);
    // syncs_before_update reschedules it at created_at + 1000 s, long past; it becomes due 60 s after its last run instead
    await frank.query('select cdb_connector_set_interval($1, 1000)', [failing]);
    const { rows: timing } = await db.query('select extract(epoch from run_at - now())::int as due_in from cdb_connectors.syncs where id = $1', [failing]);
    expect(timing[0].due_in).toBeGreaterThanOrEqual(50);
    expect(timing[0].due_in).toBeLessThanOrEqual(56);
    expect(await sqlError(frank.query('select cdb_connector_sync_now($1)', [failing]))).toMatchObject({ code: '54000', message: expect.stringMatching(TOO_SOON) });

    // a DBA (superuser) is not limited
    await db.query('select cdb_connector_sync_now($1)', [failing]);
    expect((await db.query('select run_at <= now() as due from cdb_connectors.syncs where id = $1', [failing])).rows).toEqual([{ due: true }]);

    // min_sync_now_interval = 0 switches the wait off (a DBA's choice)
    await db.query(`update cdb_connectors.syncs set run_at = now() + interval '1 hour' where id = $1`, [failing]);
    await db.query(`update cdb_connectors.settings set value = '0' where name = 'min_sync_now_interval'`);
    try {
      await frank.query('select cdb_connector_sync_now($1)', [failing]);
    } finally {
      await db.query(`update cdb_connectors.settings set value = '60' where name = 'min_sync_now_interval'`);
    }
  });

  it('settings validation rejects bad values and accepts good ones', async () => {
    const bad: Array<[string, string, string]> = [
      ['min_sync_now_interval', '-1', 'a whole number of seconds of at least 0 (0 = no wait between on-demand runs)'],
      ['min_sync_now_interval', '1.5', 'a whole number of seconds of at least 0 (0 = no wait between on-demand runs)'],
      ['min_sync_now_interval', '"60"', 'a whole number of seconds of at least 0 (0 = no wait between on-demand runs)'],
      ['min_sync_now_interval', 'null', 'a whole number of seconds of at least 0 (0 = no wait between on-demand runs)'],
      ['max_queued_jobs_per_role', '0', 'an integer of at least 1'],
      ['max_queued_jobs_per_role', '-5', 'an integer of at least 1'],
      ['max_queued_jobs_per_role', 'null', 'an integer of at least 1'],
      ['max_queued_jobs_per_role', '"100"', 'an integer of at least 1'],
      ['max_queued_jobs_per_role', '3000000000', 'an integer of at least 1'],
      ['max_syncs_per_role', '-1', 'null (unlimited) or an integer of at least 0'],
    ];
    for (const [name, value, rule] of bad) {
      const err = await sqlError(db.query('update cdb_connectors.settings set value = $2::jsonb where name = $1', [name, value]));
      expect(err, `${name} = ${value}`).toMatchObject({ code: '22023', message: `Invalid value ${value} for setting ${name}: it must be ${rule}` });
    }
    for (const [name, value] of [['min_sync_now_interval', '0'], ['min_sync_now_interval', '3600'], ['max_queued_jobs_per_role', '1'], ['max_queued_jobs_per_role', '100']]) {
      await db.query('update cdb_connectors.settings set value = $2::jsonb where name = $1', [name, value]);
    }
    await db.query(`update cdb_connectors.settings set value = '60' where name = 'min_sync_now_interval'`);
    const { rows } = await db.query(`select name, value from cdb_connectors.settings where name in ('min_sync_now_interval', 'max_queued_jobs_per_role', 'max_syncs_per_role') order by name`);
    expect(rows).toEqual([{ name: 'max_queued_jobs_per_role', value: 100 }, { name: 'max_syncs_per_role', value: 100 }, { name: 'min_sync_now_interval', value: 60 }]);
  });

  it('migration 0010 turns the old default null of max_syncs_per_role into 100 and keeps a number a DBA set', async () => {
    const statements: string[] = [];
    const migration = (await import(new URL('../../migrations/0010_limits.js', import.meta.url).href)) as { up(pgm: { sql(text: string): void }): void };
    migration.up({ sql: (text) => statements.push(text) });
    const apply = async () => { for (const text of statements) await db.query(text); };
    const value = async () => (await db.query(`select value from cdb_connectors.settings where name = 'max_syncs_per_role'`)).rows[0].value;

    await db.query(`update cdb_connectors.settings set value = 'null' where name = 'max_syncs_per_role'`);
    await db.query(`update cdb_connectors.settings set value = '250' where name = 'max_queued_jobs_per_role'`);
    await apply();
    expect(await value()).toBe(100);
    // re-applying keeps values: a DBA's number, and the new settings' rows (ON CONFLICT DO NOTHING)
    await db.query(`update cdb_connectors.settings set value = '7' where name = 'max_syncs_per_role'`);
    await apply();
    expect(await value()).toBe(7);
    expect((await db.query(`select value from cdb_connectors.settings where name = 'max_queued_jobs_per_role'`)).rows[0].value).toBe(250);
    await db.query(`update cdb_connectors.settings set value = '100' where name in ('max_syncs_per_role', 'max_queued_jobs_per_role')`);
  });
});
