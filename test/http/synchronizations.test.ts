/**
 * Sync tables over HTTP (issue 11 §2, SPEC §5): create (both endpoints), show, list, sync_now
 * (picks up remote changes), delete (unsync keeps the table), and other roles' syncs → 404.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { roleFactory, type TestRole } from '../sql/helpers.js';
import { assertSyncObject } from './curl-suite.js';
import { api, createKey, leaks, pollImport, startHttpHarness, type HttpHarness } from './helpers.js';

let db: TargetDb;
let my: MysqlDb;
let h: HttpHarness;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;
let bob: TestRole;
let aliceKey: string;
let bobKey: string;
const password = `pw-${crypto.randomBytes(8).toString('hex')}`;
const user = `u${crypto.randomBytes(4).toString('hex')}`;
const texts: string[] = [];

const request = (extra: Record<string, unknown> = {}) => ({
  connector: { provider: 'mysql', connection: my.connection(user, password), table: 'stock', ...extra }, interval: 2592000,
});

async function call(path: string, req: Parameters<typeof api>[2] = {}) {
  const res = await api(h.base, path, req);
  texts.push(res.text);
  return res;
}

/** Waits until the sync's run `importId` has finished and the sync has settled. */
async function settle(syncId: string, importId: string): Promise<Record<string, any>> {
  const run = await pollImport(h.base, aliceKey, importId);
  expect(run.state, run.error_message).toBe('complete');
  for (;;) {
    const sync = (await call(`/api/v1/synchronizations/${syncId}`, { key: aliceKey })).body;
    if (sync.state === 'success' || sync.state === 'failure') return sync;
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  roles = roleFactory(db);
  [alice, bob] = await Promise.all([roles.create('alice', 'cdb_connector_user'), roles.create('bob', 'cdb_connector_user')]);
  await db.query(`grant create on schema public to "${alice.name}", "${bob.name}"`);
  // sync_now right after the first run: no wait between on-demand runs here (min_sync_now_interval
  // itself is tested in test/security/limits.test.ts)
  await db.query(`update cdb_connectors.settings set value = '0' where name = 'min_sync_now_interval'`);
  [aliceKey, bobKey] = await Promise.all([createKey(db, alice.name), createKey(db, bob.name)]);
  h = await startHttpHarness(db);
  await my.exec(`create table stock (id int primary key, qty int); insert into stock values (1, 10), (2, 20);`);
  await my.createUser(user, password);
});

afterAll(async () => {
  await h?.stop();
  await roles?.cleanup();
  await my?.drop();
});

describe('synchronizations', () => {
  it('create, show, list, sync_now picks up remote changes, delete keeps the table', async () => {
    const created = await call('/api/v1/synchronizations/', { key: aliceKey, body: request() });
    expect(created.status).toBe(200);
    assertSyncObject(created.body, 'mysql');
    const id = created.body.id;
    const first = await settle(id, created.body.data_import.item_queue_id);
    expect(first).toMatchObject({ id, state: 'success', table_name: 'stock', user_id: alice.name, interval: 2592000 });
    expect((await db.query('select id, qty from stock order by id')).rows).toEqual([{ id: 1, qty: 10 }, { id: 2, qty: 20 }]);

    const list = await call('/api/v1/synchronizations', { key: aliceKey });
    expect(list.body).toMatchObject({ total_entries: 1, synchronizations: [{ id, state: 'success' }] });
    expect((await call('/api/v1/synchronizations', { key: bobKey })).body).toEqual({ synchronizations: [], total_entries: 0 });

    await my.exec('update stock set qty = 11 where id = 1; insert into stock values (3, 30); delete from stock where id = 2;');
    const now = await call(`/api/v1/synchronizations/${id}/sync_now`, { key: aliceKey, method: 'PUT' });
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({ enqueued: true, synchronization_id: id, id });
    // the run sync_now asked for is a new import, visible through the sync object
    let runId: string | null = null;
    for (let i = 0; i < 200 && (runId === null || runId === first.last_import_id); i++) {
      runId = (await call(`/api/v1/synchronizations/${id}`, { key: aliceKey })).body.last_import_id;
      if (runId === first.last_import_id) await new Promise((r) => setTimeout(r, 25));
    }
    expect(runId).not.toBe(first.last_import_id);
    const second = await settle(id, runId!);
    expect(second.state).toBe('success');
    expect((await db.query('select id, qty from stock order by id')).rows).toEqual([{ id: 1, qty: 11 }, { id: 3, qty: 30 }]);

    const deleted = await call(`/api/v1/synchronizations/${id}`, { key: aliceKey, method: 'DELETE' });
    expect([deleted.status, deleted.text]).toEqual([204, '']);
    expect((await call(`/api/v1/synchronizations/${id}`, { key: aliceKey })).status).toBe(404);
    expect((await call(`/api/v1/synchronizations/${id}`, { key: aliceKey, method: 'DELETE' })).status).toBe(404);
    expect((await db.query('select count(*)::int as n from stock')).rows[0].n).toBe(2);
    expect((await db.query('select count(*)::int as n from cdb_connectors.syncs')).rows[0].n).toBe(0);
  });

  it('POST /api/v1/imports with "interval" creates a sync too; /synchronizations requires it', async () => {
    const viaImports = await call('/api/v1/imports', { key: aliceKey, body: request({ import_as: 'stock_via_imports' }) });
    expect(viaImports.status).toBe(200);
    assertSyncObject(viaImports.body, 'mysql');
    const { interval: _interval, ...noInterval } = request();
    const missing = await call('/api/v1/synchronizations', { key: aliceKey, body: noInterval });
    expect(missing.status).toBe(400);
    expect(missing.body.error_code).toBe(1502);
    expect(missing.body.errors.join('\n')).toMatch(/interval/);
    const tooShort = await call('/api/v1/synchronizations', { key: aliceKey, body: { ...request(), interval: 60 } });
    expect(tooShort.body).toEqual({ errors: ['The interval parameter must be at least 900 seconds'], error_code: 1502 });
  });

  it("another role's sync is 404 for show, sync_now and delete, and stays untouched", async () => {
    const created = await call('/api/v1/synchronizations', { key: aliceKey, body: request({ import_as: 'stock_private' }) });
    const id = created.body.id;
    for (const [method, path] of [['GET', `/api/v1/synchronizations/${id}`], ['PUT', `/api/v1/synchronizations/${id}/sync_now`], ['DELETE', `/api/v1/synchronizations/${id}`]] as const) {
      const res = await call(path, { key: bobKey, method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body).toEqual({ errors: [`Synchronization ${id} not found`] });
    }
    expect((await call(`/api/v1/synchronizations/${id}`, { key: aliceKey })).status).toBe(200);
    expect((await db.query('select count(*)::int as n from cdb_connectors.syncs where id = $1', [id])).rows[0].n).toBe(1);
    // its owner may: an empty body sent with a JSON content type (as some clients do) is no body
    const own = await fetch(`${h.base}/api/v1/synchronizations/${id}/sync_now?api_key=${aliceKey}`, { method: 'PUT', headers: { 'content-type': 'application/json' } });
    expect(own.status).toBe(200);
    expect((await api(h.base, '/api/v1/imports', { key: aliceKey, body: ' ' })).body).toEqual({ errors: ['body must be object'] });
  });

  it('never shows the password', () => {
    expect(texts.length).toBeGreaterThan(10);
    expect(leaks(password, texts)).toBe(false);
    expect(leaks(password, h.logs)).toBe(false);
  });
});
