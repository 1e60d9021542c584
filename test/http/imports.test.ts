/**
 * Imports over HTTP (issue 11 §2–§5): a full import checked in SQL, the status endpoint as a thin
 * window on cdb_connector_import_status, the caller's target schema, SQL's own validation
 * messages and statuses, other roles' jobs, hostile ids, passwords, and 100 concurrent polls.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { roleFactory, sqlError, type TestRole } from '../sql/helpers.js';
import { api, createKey, leaks, pollImport, startHttpHarness, type HttpHarness } from './helpers.js';

let db: TargetDb;
let my: MysqlDb;
let h: HttpHarness;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;
let bob: TestRole; // has a schema of his own
let carol: TestRole; // no CREATE anywhere
let dora: TestRole; // ALTER ROLE … IN DATABASE … SET search_path
const keys: Record<string, string> = {};
const user = `u${crypto.randomBytes(4).toString('hex')}`;
const password = `pw-${crypto.randomBytes(8).toString('hex')}`;
const responses: string[] = [];

const request = (extra: Record<string, unknown> = {}, connection: Record<string, unknown> = {}) => ({
  connector: { provider: 'mysql', connection: { ...my.connection(user, password), ...connection }, table: 'orders', ...extra },
});

/** Every answer is kept, to search them all for the password at the end. */
async function call(path: string, req: Parameters<typeof api>[2] = {}) {
  const res = await api(h.base, path, req);
  responses.push(res.text, ...[...res.headers.entries()].flat());
  return res;
}

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  roles = roleFactory(db);
  [alice, bob, carol, dora] = await Promise.all(['alice', 'bob', 'carol', 'dora'].map((r) => roles.create(r, 'cdb_connector_user')));
  await db.query(`grant create on schema public to "${alice.name}"`);
  await db.query(`create schema "${bob.name}" authorization "${bob.name}"`);
  await db.query(`create schema dora_data authorization "${dora.name}"`);
  await db.query(`alter role "${dora.name}" in database "${db.name}" set search_path = dora_data`);
  for (const r of [alice, bob, carol, dora]) keys[r.name] = await createKey(db, r.name);
  h = await startHttpHarness(db);
  await my.exec(`
    create table orders (id int primary key, total decimal(12,2), placed datetime(6), note varchar(40));
    insert into orders values (1, 99.95, '2024-02-29 23:59:59.999999', 'first'), (2, -0.01, '2000-01-01 00:00:00', null),
      (3, 1234567890.12, '1999-12-31 12:00:00.5', 'tab\\there');`);
  await my.createUser(user, password);
});

afterAll(async () => {
  await h?.stop();
  await roles?.cleanup();
  await my?.drop();
});

describe('a full import through HTTP', () => {
  it('enqueues, polls to complete, and the table is in SQL with exact values, owned by the key\'s role', async () => {
    const created = await call('/api/v1/imports/', { bearer: keys[alice.name], body: request() });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ item_queue_id: expect.any(String), success: true });
    const id = created.body.item_queue_id;
    // GET /api/v1/imports lists it while it is unfinished (or it has finished already)
    const unfinished = await call('/api/v1/imports', { key: keys[alice.name] });
    expect(unfinished.body.success).toBe(true);
    const status = await pollImport(h.base, keys[alice.name], id);
    expect(status).toMatchObject({ id, item_queue_id: id, state: 'complete', success: true, table_name: 'orders', target_schema: 'public', rows_imported: 3, error_code: null });
    expect((await db.query('select id, total::text, placed::text, note from public.orders order by id')).rows).toEqual([
      { id: 1, total: '99.95', placed: '2024-02-29 23:59:59.999999', note: 'first' },
      { id: 2, total: '-0.01', placed: '2000-01-01 00:00:00', note: null },
      { id: 3, total: '1234567890.12', placed: '1999-12-31 12:00:00.5', note: 'tab\there' },
    ]);
    expect((await db.query("select tableowner from pg_tables where schemaname = 'public' and tablename = 'orders'")).rows[0].tableowner).toBe(alice.name);
    // the HTTP status is cdb_connector_import_status, member for member
    const sql = await alice.query('select cdb_connector_import_status($1) as s', [id]);
    expect((await call(`/api/v1/imports/${id}`, { key: keys[alice.name] })).body).toEqual(JSON.parse(JSON.stringify(sql.rows[0].s)));
    expect((await call('/api/v1/imports', { key: keys[alice.name] })).body).toEqual({ imports: [], success: true });
  });

  it('the target schema is the one a login of the role would get: its own schema, or its search_path setting', async () => {
    const forBob = await call('/api/v1/imports', { key: keys[bob.name], body: request({ import_as: 'bobs' }) });
    const forDora = await call('/api/v1/imports', { key: keys[dora.name], body: request({ import_as: 'doras' }) });
    const [b, d] = await Promise.all([pollImport(h.base, keys[bob.name], forBob.body.item_queue_id), pollImport(h.base, keys[dora.name], forDora.body.item_queue_id)]);
    expect([b.state, b.target_schema, d.state, d.target_schema]).toEqual(['complete', bob.name, 'complete', 'dora_data']);
    expect((await db.query(`select count(*)::int as n from "${bob.name}".bobs`)).rows[0].n).toBe(3);
    expect((await db.query('select count(*)::int as n from dora_data.doras')).rows[0].n).toBe(3);
  });
});

describe('errors are the SQL API\'s, with HTTP statuses', () => {
  it('invalid parameters: 400 with exactly the messages SQL raises, and error_code 1502', async () => {
    const body = { connector: { provider: 'mysql', connection: { server: '', port: 'abc', password: password }, bogus: 1 }, Interval: 5 };
    const res = await call('/api/v1/imports', { key: keys[alice.name], body });
    const sql = await sqlError(alice.query('select cdb_connector_import($1::jsonb)', [JSON.stringify(body)]));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: sql.message.split('\n'), error_code: 1502 });
    expect(res.body.errors.length).toBeGreaterThan(3);
  });

  it('the body reaches SQL exactly as sent (1e400 is not turned into null, 3306.0000000000000001 not into 3306)', async () => {
    const text = `{"connector": {"provider": "mysql", "connection": {"server": "h", "port": 3306.0000000000000001, "database": "d", "username": "u", "password": "p"}, "table": "t"}, "interval": 1e400}`;
    const res = await call('/api/v1/imports', { key: keys[alice.name], body: text });
    const sql = await sqlError(alice.query('select cdb_connector_import($1::jsonb)', [text]));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(sql.message.split('\n'));
    expect(res.body.errors).toContain('The port connection parameter must be an integer between 1 and 65535');
  });

  it('a disabled provider: 400 with error_code 1501', async () => {
    await db.query(`update cdb_connectors.settings set value = '["mysql"]' where name = 'enabled_providers'`);
    try {
      const res = await call('/api/v1/imports', { key: keys[alice.name], body: { connector: { provider: 'hive', connection: { server: 'h', database: 'default' }, table: 't' } } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ errors: ['The hive provider is disabled on this database'], error_code: 1501 });
    } finally {
      await db.query(`update cdb_connectors.settings set value = '["mysql", "postgres", "sqlserver", "hive"]' where name = 'enabled_providers'`);
    }
  });

  it('no CREATE on the target schema: 403 with SQL\'s message, nothing enqueued', async () => {
    const res = await call('/api/v1/imports', { key: keys[carol.name], body: request() });
    expect(res.status).toBe(403);
    expect(res.body.errors[0]).toMatch(new RegExp(`^permission denied for schema public: role ${carol.name} needs CREATE`));
    expect((await db.query('select count(*)::int as n from cdb_connectors.jobs where owner = $1', [carol.name])).rows[0].n).toBe(0);
  });

  it('bodies must be JSON objects; malformed JSON is refused without echoing it', async () => {
    for (const body of ['[1, 2]', '"text"', 'null', '42']) {
      const res = await call('/api/v1/imports', { key: keys[alice.name], body });
      expect(res.status, body).toBe(400);
      expect(res.body).toEqual({ errors: ['body must be object'] });
    }
    const broken = `{"connector": {"connection": {"password": "${password}"} oops`;
    const res = await call('/api/v1/imports', { key: keys[alice.name], body: broken });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: ['The request body is not valid JSON'] });
    const form = await fetch(`${h.base}/api/v1/imports?api_key=${keys[alice.name]}`, { method: 'POST', body: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
  });
});

describe('ids', () => {
  let aliceJob: string;

  beforeAll(async () => {
    aliceJob = (await call('/api/v1/imports', { key: keys[alice.name], body: request({ import_as: 'for_ids' }) })).body.item_queue_id;
  });

  it("another role's job is 404, exactly like an unknown id", async () => {
    const foreign = await call(`/api/v1/imports/${aliceJob}`, { key: keys[bob.name] });
    const unknown = await call(`/api/v1/imports/${crypto.randomUUID()}`, { key: keys[bob.name] });
    expect([foreign.status, unknown.status]).toEqual([404, 404]);
    expect(foreign.body.errors).toEqual([`Import ${aliceJob} not found`]);
    expect(Object.keys(unknown.body)).toEqual(['errors']);
    expect((await call(`/api/v1/imports/${aliceJob}`, { key: keys[alice.name] })).status).toBe(200);
  });

  it('hostile ids get 404 (or 400), never 500', async () => {
    const hostile = ['abc', "1' or '1'='1", "'; drop table cdb_connectors.jobs; --", '%00', '%27', '..%2F..%2Fetc%2Fpasswd', '😀',
      `${aliceJob}x`, `${aliceJob}%00`, '00000000-0000-0000-0000-00000000000g', 'x'.repeat(5000), '-1', '1e400', '{}', 'null'];
    for (const id of hostile) {
      for (const [method, path] of [['GET', `/api/v1/imports/${id}`], ['GET', `/api/v1/synchronizations/${id}`],
        ['PUT', `/api/v1/synchronizations/${id}/sync_now`], ['DELETE', `/api/v1/synchronizations/${id}`]] as const) {
        const res = await call(path, { key: keys[alice.name], method });
        expect([400, 404], `${method} ${path} → ${res.status} ${res.text}`).toContain(res.status);
        expect(Array.isArray(res.body?.errors), res.text).toBe(true);
      }
    }
    expect((await db.query('select count(*)::int as n from cdb_connectors.jobs')).rows[0].n).toBeGreaterThan(0);
  });
});

describe('load', () => {
  it('100 concurrent status requests all answer 200, and pooled connections never carry a role across requests', async () => {
    const id = (await call('/api/v1/imports', { key: keys[alice.name], body: request({ import_as: 'polled' }) })).body.item_queue_id;
    await pollImport(h.base, keys[alice.name], id);
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 100 }, () => api(h.base, `/api/v1/imports/${id}`, { key: keys[alice.name] })));
    const elapsedMs = performance.now() - started;
    expect(results.map((r) => r.status)).toEqual(Array(100).fill(200));
    expect(new Set(results.map((r) => r.body.id))).toEqual(new Set([id]));
    console.log(`100 concurrent GET /api/v1/imports/:id: ${elapsedMs.toFixed(0)} ms`);
    // interleaved keys on the same few connections: alice sees her job, bob never does
    const mixed = await Promise.all(Array.from({ length: 100 }, (_, i) => api(h.base, `/api/v1/imports/${id}`, { key: keys[i % 2 ? bob.name : alice.name] })));
    expect(mixed.map((r) => r.status)).toEqual(Array.from({ length: 100 }, (_, i) => (i % 2 ? 404 : 200)));
  });
});

describe('passwords', () => {
  it('never appear in any response body, header or log line', async () => {
    const failing = await call('/api/v1/imports', { key: keys[alice.name], body: request({ import_as: 'bad_login' }, { password: `${password}-wrong` }) });
    const status = await pollImport(h.base, keys[alice.name], failing.body.item_queue_id);
    expect([status.state, status.error_code]).toEqual(['failure', 1503]);
    await call(`/api/v1/imports/${failing.body.item_queue_id}`, { key: keys[alice.name] });
    await call('/api/v1/imports', { key: keys[alice.name], body: { ...request({ table: 'orders' }), extra: password } });
    expect(responses.length).toBeGreaterThan(20);
    expect(leaks(password, responses), 'a response').toBe(false);
    expect(leaks(password, h.logs), 'the log').toBe(false);
    expect(h.logs.some((l) => l.includes('"route":"/api/v1/imports/:id"'))).toBe(true);
    expect(h.logs.some((l) => l.includes('api_key') || l.includes(keys[alice.name]!))).toBe(false);
  });
});
