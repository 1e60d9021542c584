/**
 * Issue 5, failing sync runs against a MariaDB of this file's own (killed and restarted): the
 * remote going down fails the run with old data intact and a retry after the backoff; back up,
 * a success resets retried_times; a wrong password is not retried before the next interval; a
 * cancelled run keeps the data and waits for the next interval. Passwords never reach a status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSync, readSync, runSyncNow, seconds, startSyncSidecar, waitForSyncRun } from '../helpers/sync.js';
import type { TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { startMariaDb, type MariaDbServer } from '../servers/mariadb.js';

let db: TargetDb;
let remote: MariaDbServer;
let sidecar: TestSidecar;

const INTERVAL = 3600;
const PASSWORD = 'rea der pw';
const params = (extra: Record<string, unknown>) => ({
  connector: {
    provider: 'mysql',
    connection: { server: remote.host, port: remote.port, database: 'shop', username: 'reader', password: PASSWORD },
    ...extra,
  },
  interval: INTERVAL,
});

beforeAll(async () => {
  [db, remote] = await Promise.all([createTargetDb(), startMariaDb()]);
  // The test server trades durability for speed (innodb_flush_log_at_trx_commit=0): the last
  // second of commits would be lost when the first test SIGKILLs it, fixtures included.
  await remote.sql(`set global innodb_flush_log_at_trx_commit = 1;
    create database shop;
    create table shop.fruit (id int primary key, name varchar(10));
    insert into shop.fruit values (1, 'apple'), (2, 'pear');
    create table shop.slow (id int primary key, v varchar(5));
    insert into shop.slow values (1, 'a'), (2, 'b');
    create table shop.slow_ctl (delay double);
    insert into shop.slow_ctl values (0);
    create user reader@'%' identified by '${PASSWORD}';
    grant select on shop.* to reader@'%';`);
  sidecar = await startSyncSidecar(db);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), remote?.stop()]);
});

describe('failing runs', () => {
  it('remote down: failure 1504, old data intact, retried after the backoff; back up: success resets retried_times', async () => {
    const created = await createSync(db.url, params({ table: 'fruit' }));
    const first = await waitForSyncRun(db, created.id);
    expect(first.state).toBe('success');
    const rowsBefore = (await db.query('select id, name, xmin::text from fruit order by id')).rows;

    remote.kill();
    try {
      const down = await runSyncNow(db, created.id);
      expect(down).toMatchObject({ state: 'failure', error_code: 1504, retried_times: 1, checksum: first.checksum, modified_at: first.modified_at });
      // base 60 s (sync_retry_base_seconds), first retry: 30–60 s with jitter, far below the interval
      const dueIn = seconds(new Date(), down.run_at);
      expect(dueIn).toBeGreaterThan(25);
      expect(dueIn).toBeLessThan(61);
      expect((await db.query('select id, name, xmin::text from fruit order by id')).rows).toEqual(rowsBefore);

      const again = await runSyncNow(db, created.id);
      expect(again).toMatchObject({ state: 'failure', error_code: 1504, retried_times: 2 });
      const dueAgain = seconds(new Date(), again.run_at);
      expect(dueAgain).toBeGreaterThan(55);
      expect(dueAgain).toBeLessThan(121);
    } finally {
      await remote.start();
    }
    await remote.sql(`insert into shop.fruit values (3, 'fig');`);
    const back = await runSyncNow(db, created.id);
    expect(back).toMatchObject({ state: 'success', retried_times: 0, error_code: null, error_message: null });
    expect(seconds(back.ran_at!, back.run_at)).toBeCloseTo(INTERVAL, 0);
    expect((await db.query('select count(*)::int as n from fruit')).rows[0].n).toBe(3);
  });

  it('a wrong password is permanent: not retried before the next interval, password never shown', async () => {
    const created = await createSync(db.url, params({ table: 'fruit', import_as: 'fruit_pw' }));
    expect((await waitForSyncRun(db, created.id)).state).toBe('success');
    await remote.sql(`alter user reader@'%' identified by 'changed'`);
    try {
      const failed = await runSyncNow(db, created.id);
      expect(failed).toMatchObject({ state: 'failure', error_code: 1503, retried_times: 1 });
      expect(seconds(new Date(), failed.run_at)).toBeGreaterThan(INTERVAL - 60);
      expect(JSON.stringify(failed)).not.toContain(PASSWORD);
      expect((await db.query('select count(*)::int as n from fruit_pw')).rows[0].n).toBeGreaterThan(0);
    } finally {
      await remote.sql(`alter user reader@'%' identified by '${PASSWORD}'`);
    }
    expect(await runSyncNow(db, created.id)).toMatchObject({ state: 'success', retried_times: 0 });
  });

  it('cancelling a running sync keeps the data; the sync waits for its next interval (failure 1509)', async () => {
    const created = await createSync(db.url, params({ table: 'slow_sync', sql_query: 'select id, v from slow where sleep((select delay from slow_ctl)) = 0' }));
    expect((await waitForSyncRun(db, created.id)).state).toBe('success');
    await remote.sql('update shop.slow_ctl set delay = 5');
    try {
      await db.query('update cdb_connectors.syncs set run_at = now() where id = $1', [created.id]);
      const deadline = Date.now() + 10_000;
      while ((await readSync(db, created.id)).state !== 'syncing') {
        if (Date.now() > deadline) throw new Error('the run never started');
        await new Promise((r) => setTimeout(r, 20));
      }
      const started = Date.now();
      expect((await db.query('select cdb_connector_cancel($1) as ok', [created.id])).rows[0].ok).toBe(true);
      const cancelled = await waitForSyncRun(db, created.id, created.last_import_id);
      expect(Date.now() - started).toBeLessThan(4000);
      expect(cancelled).toMatchObject({ state: 'failure', error_code: 1509, retried_times: 1 });
      expect(seconds(new Date(), cancelled.run_at)).toBeGreaterThan(INTERVAL - 60);
      const job = await db.query('select state from cdb_connectors.imports where id = $1', [cancelled.last_import_id]);
      expect(job.rows).toEqual([{ state: 'cancelled' }]);
      expect((await db.query('select id, v from slow_sync order by id')).rows).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
    } finally {
      await remote.sql('update shop.slow_ctl set delay = 0');
    }
  });
});
