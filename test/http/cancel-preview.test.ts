/**
 * Issue 22 §12: cancel and preview over HTTP, on the SQL API's cdb_connector_cancel and the
 * two-step cdb_connector_request('preview', …). A real sidecar and MariaDB: a slow remote query
 * keeps imports running while they are cancelled; previews are compared with SQL's CALL.
 * Attacks: another role's ids (404, nothing cancelled), a key whose role lost its grant (403,
 * nothing cancelled or stored), a sync id on the imports endpoint, passwords in logs/answers.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { createNumbers, slowQuery } from '../reliability/helpers/slow-source.js';
import { curlAvailable, docCurlExamples, runCurl, substituteDoc } from './curl-examples.js';
import { roleFactory, sqlError, type TestRole } from '../sql/helpers.js';
import { api, createKey, leaks, pollImport, startHttpHarness, type HttpHarness } from './helpers.js';

let db: TargetDb;
let my: MysqlDb;
let h: HttpHarness;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;
let bob: TestRole;
let erin: TestRole; // loses cdb_connector_user after her key is made
const keys: Record<string, string> = {};
const user = `u${crypto.randomBytes(4).toString('hex')}`;
// quotes of both kinds, as in the curl tests: it must survive JSON and never come back
const password = `pw'"${crypto.randomBytes(8).toString('hex')}`;
const responses: string[] = [];

async function call(path: string, req: Parameters<typeof api>[2] = {}) {
  const res = await api(h.base, path, req);
  responses.push(res.text, ...[...res.headers.entries()].flat());
  return res;
}

const connection = (pw = password) => my.connection(user, pw);
/** An import of a remote query that takes about 2000 × 10 ms: running until cancelled. */
const slowImport = (table: string, extra: Record<string, unknown> = {}) => ({
  connector: { provider: 'mysql', connection: connection(), table, sql_query: slowQuery({ rows: 2000, sleepSeconds: 0.01, marker: table }) }, ...extra,
});

async function job(id: string): Promise<{ state: string; cancel_requested: boolean; error_code: number | null }> {
  return (await db.query('select state, cancel_requested, error_code from cdb_connectors.jobs where id = $1', [id])).rows[0];
}

/** Polls (as the superuser) until the job is importing. */
async function untilImporting(id: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await job(id)).state !== 'importing') {
    if (Date.now() > deadline) throw new Error(`job ${id} not importing after ${timeoutMs} ms: ${JSON.stringify(await job(id))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startSlowImport(role: TestRole, table: string): Promise<string> {
  const res = await call('/api/v1/imports', { key: keys[role.name], body: slowImport(table) });
  expect(res.status, res.text).toBe(200);
  await untilImporting(res.body.item_queue_id);
  return res.body.item_queue_id;
}

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  roles = roleFactory(db);
  [alice, bob, erin] = await Promise.all(['alice', 'bob', 'erin'].map((r) => roles.create(r, 'cdb_connector_user')));
  for (const r of [alice, bob, erin]) {
    await db.query(`grant create on schema public to "${r.name}"`);
    keys[r.name] = await createKey(db, r.name);
  }
  h = await startHttpHarness(db, { concurrency: 4 });
  await createNumbers(my);
  await my.exec(`
    create table orders (id int primary key, total decimal(12,2), placed datetime(6), note varchar(40), shape point);
    insert into orders values (1, 99.95, '2024-02-29 23:59:59.999999', 'first', point(1, 2)), (2, -0.01, '2000-01-01 00:00:00', null, null),
      (3, 1234567890.12, '1999-12-31 12:00:00.5', 'tab\\there', null);
    create table mytable (id int primary key, name varchar(20));
    insert into mytable values (1, 'café'), (2, 'naïve');`);
  await my.createUser(user, password);
});

afterAll(async () => {
  // nothing slow may outlive the file: cancel what is still running, as the superuser
  await db?.query(`select cdb_connector_cancel(id) from cdb_connectors.jobs where state in ('enqueued', 'importing')`).catch(() => undefined);
  await h?.stop();
  await roles?.cleanup();
  await my?.drop();
});

describe('PUT /api/v1/imports/:id/cancel', () => {
  it('stops a running import: cancelled true at once, then state cancelled (1509), no table; again → cancelled false', async () => {
    const id = await startSlowImport(alice, 'to_cancel');
    const res = await call(`/api/v1/imports/${id}/cancel`, { method: 'PUT', bearer: keys[alice.name] });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ cancelled: true, id, item_queue_id: id });
    expect(['importing', 'cancelled']).toContain(res.body.state);
    const status = await pollImport(h.base, keys[alice.name], id, 10_000);
    expect([status.state, status.error_code, status.success]).toEqual(['cancelled', 1509, false]);
    expect((await db.query("select count(*)::int as n from pg_tables where tablename = 'to_cancel'")).rows[0].n).toBe(0);
    const again = await call(`/api/v1/imports/${id}/cancel`, { method: 'PUT', key: keys[alice.name] });
    expect([again.status, again.body.cancelled, again.body.state]).toEqual([200, false, 'cancelled']);
    // the answer is cdb_connector_import_status plus "cancelled"
    const sql = await alice.query('select cdb_connector_import_status($1) as s', [id]);
    const { cancelled: _, ...rest } = again.body;
    expect(rest).toEqual(JSON.parse(JSON.stringify(sql.rows[0].s)));
  });

  it('POST works the same; a finished import is left as it is (cancelled false, table kept)', async () => {
    const created = await call('/api/v1/imports', { key: keys[alice.name], body: { connector: { provider: 'mysql', connection: connection(), table: 'orders' } } });
    const id = created.body.item_queue_id;
    expect((await pollImport(h.base, keys[alice.name], id)).state).toBe('complete');
    const res = await call(`/api/v1/imports/${id}/cancel`, { method: 'POST', key: keys[alice.name] });
    expect([res.status, res.body.cancelled, res.body.state, res.body.table_name]).toEqual([200, false, 'complete', 'orders']);
    expect((await db.query('select count(*)::int as n from public.orders')).rows[0].n).toBe(3);
  });

  it("another role's import id: 404 exactly like an unknown id, and nothing is cancelled", async () => {
    const id = await startSlowImport(alice, 'not_bobs');
    for (const method of ['PUT', 'POST']) {
      const foreign = await call(`/api/v1/imports/${id}/cancel`, { method, key: keys[bob.name] });
      const unknown = await call(`/api/v1/imports/${crypto.randomUUID()}/cancel`, { method, key: keys[bob.name] });
      expect([foreign.status, unknown.status]).toEqual([404, 404]);
      expect(foreign.body).toEqual({ errors: [`Import ${id} not found`] });
      expect(Object.keys(unknown.body)).toEqual(['errors']);
    }
    // bob's key on the synchronizations endpoint with alice's import id: 404 too
    expect((await call(`/api/v1/synchronizations/${id}/cancel`, { method: 'PUT', key: keys[bob.name] })).status).toBe(404);
    await new Promise((r) => setTimeout(r, 300));
    expect(await job(id)).toEqual({ state: 'importing', cancel_requested: false, error_code: null });
    // hostile ids are 404, never 500
    for (const bad of ['abc', "1' or '1'='1", '%27', `${id}x`, 'x'.repeat(5000)]) {
      const res = await call(`/api/v1/imports/${bad}/cancel`, { method: 'PUT', key: keys[bob.name] });
      expect(res.status, `${bad}: ${res.text}`).toBe(404);
    }
    expect(await job(id)).toEqual({ state: 'importing', cancel_requested: false, error_code: null });
    expect((await call(`/api/v1/imports/${id}/cancel`, { method: 'PUT', key: keys[alice.name] })).body.cancelled).toBe(true);
    expect((await pollImport(h.base, keys[alice.name], id, 10_000)).state).toBe('cancelled');
  });

  it('a missing, unknown or revoked key: 401 and nothing cancelled', async () => {
    const id = await startSlowImport(bob, 'keyless');
    const revoked = await createKey(db, bob.name);
    await db.query('select cdb_connector_revoke_api_key($1)', [revoked]);
    for (const req of [{}, { key: `cdbk_${'0'.repeat(64)}` }, { bearer: revoked }, { key: 'not-a-key' }]) {
      const res = await call(`/api/v1/imports/${id}/cancel`, { method: 'PUT', ...req });
      expect(res.status, JSON.stringify(req)).toBe(401);
    }
    expect(await job(id)).toEqual({ state: 'importing', cancel_requested: false, error_code: null });
    expect((await call(`/api/v1/imports/${id}/cancel`, { method: 'PUT', key: keys[bob.name] })).body.cancelled).toBe(true);
  });
});

describe('PUT /api/v1/synchronizations/:id/cancel', () => {
  it('cancels the run in flight; the sync stays. Its id is 404 on the imports endpoint and for another role, nothing cancelled', async () => {
    const created = await call('/api/v1/synchronizations', { key: keys[alice.name], body: slowImport('synced', { interval: 900 }) });
    expect(created.status, created.text).toBe(200);
    const syncId = created.body.id;
    const runId = created.body.data_import.item_queue_id;
    await untilImporting(runId);

    const asImport = await call(`/api/v1/imports/${syncId}/cancel`, { method: 'PUT', key: keys[alice.name] });
    expect([asImport.status, asImport.body]).toEqual([404, { errors: [`Import ${syncId} not found`] }]);
    const foreign = await call(`/api/v1/synchronizations/${syncId}/cancel`, { method: 'PUT', key: keys[bob.name] });
    expect([foreign.status, foreign.body]).toEqual([404, { errors: [`Synchronization ${syncId} not found`] }]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await job(runId)).toEqual({ state: 'importing', cancel_requested: false, error_code: null });

    const res = await call(`/api/v1/synchronizations/${syncId}/cancel`, { method: 'PUT', key: keys[alice.name] });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ cancelled: true, id: syncId, interval: 900 });
    expect((await pollImport(h.base, keys[alice.name], runId, 10_000)).state).toBe('cancelled');
    const again = await call(`/api/v1/synchronizations/${syncId}/cancel`, { method: 'POST', key: keys[alice.name] });
    expect([again.status, again.body.cancelled, again.body.id]).toEqual([200, false, syncId]);
    expect((await call(`/api/v1/synchronizations/${syncId}`, { key: keys[alice.name] })).status).toBe(200);
  });
});

describe('POST /api/v1/connectors/:provider/preview', () => {
  it('answers what CALL cdb_connector_preview answers: columns with local names and types, rows, warnings', async () => {
    const res = await call('/api/v1/connectors/mysql/preview', { bearer: keys[alice.name], body: { connection: connection(), table: 'orders', rows: 2 } });
    expect(res.status, res.text).toBe(200);
    const sql = await alice.query('call cdb_connector_preview($1, 2)', [JSON.stringify({ connector: { provider: 'mysql', connection: connection(), table: 'orders' } })]);
    expect(res.body).toEqual(sql.rows[0].result);
    expect(res.body.rows).toHaveLength(2);
    expect(res.body.rows[0]).toEqual(['1', '99.95', '2024-02-29 23:59:59.999999', 'first']);
    expect(res.body.columns.map((c: { name: string }) => c.name)).toEqual(['id', 'total', 'placed', 'note', 'shape']);
    expect(res.body.columns.at(-1)).toMatchObject({ name: 'shape', local_name: null, local_type: 'skipped' });
    // nothing is imported, nothing left behind
    expect((await db.query("select count(*)::int as n from pg_tables where tablename = 'orders' and schemaname <> 'public'")).rows[0].n).toBe(0);
  });

  it('sql_query without rows gives the default 10 (here all 3); rows 0 gives only the columns', async () => {
    const all = await call('/api/v1/connectors/mysql/preview', { key: keys[alice.name], body: { connection: connection(), sql_query: 'select id, note from orders order by id' } });
    expect(all.status, all.text).toBe(200);
    expect(all.body.rows).toEqual([['1', 'first'], ['2', null], ['3', 'tab\there']]);
    const none = await call('/api/v1/connectors/mysql/preview', { key: keys[alice.name], body: { connection: connection(), table: 'orders', rows: 0 } });
    expect([none.status, none.body.rows, none.body.columns.length]).toEqual([200, [], 5]);
    const nullRows = await call('/api/v1/connectors/mysql/preview', { key: keys[alice.name], body: { connection: connection(), table: 'orders', rows: null } });
    expect(nullRows.body.rows).toHaveLength(3);
  });

  it("invalid parameters are SQL's 400s; remote failures are 400 with their error_code", async () => {
    const tooMany = await call('/api/v1/connectors/mysql/preview', { key: keys[alice.name], body: { connection: connection(), table: 'orders', rows: 101 } });
    const sqlTooMany = await sqlError(alice.query('select cdb_connector_request($1, $2, 101)', ['preview', JSON.stringify({ connector: { provider: 'mysql', connection: connection(), table: 'orders' } })]));
    expect(sqlTooMany.code).toBe('22023');
    expect([tooMany.status, tooMany.body.errors]).toEqual([400, sqlTooMany.message.split('\n')]);
    expect(tooMany.body.errors[0]).toMatch(/^The rows argument must be between 0 and 100/);
    const notInt = await call('/api/v1/connectors/mysql/preview', { key: keys[alice.name], body: { connection: connection(), table: 'orders', rows: 2.5 } });
    expect(notInt.status).toBe(400);
    expect(notInt.body.errors[0]).toMatch(/^body\/rows must be integer/);
    const noTable = await call('/api/v1/connectors/mysql/preview', { key: keys[alice.name], body: { connection: connection() } });
    const sqlNoTable = await sqlError(alice.query('select cdb_connector_request($1, $2)', ['preview', JSON.stringify({ connector: { provider: 'mysql', connection: connection() } })]));
    expect([noTable.status, noTable.body]).toEqual([400, { errors: sqlNoTable.message.split('\n'), error_code: 1502 }]);
    const unknownKey = await call('/api/v1/connectors/mysql/preview', { key: keys[alice.name], body: { connection: connection(), table: 'orders', colour: 'blue' } });
    expect([unknownKey.status, unknownKey.body.error_code]).toEqual([400, 1502]);
    const wrong = await call('/api/v1/connectors/mysql/preview', { key: keys[alice.name], body: { connection: connection(`${password}-wrong`), table: 'orders' } });
    expect([wrong.status, wrong.body.error_code]).toEqual([400, 1503]);
    const missing = await call('/api/v1/connectors/mysql/preview', { key: keys[alice.name], body: { connection: connection(), table: 'no_such_table' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error_code).toEqual(expect.any(Number));
    const provider = await call('/api/v1/connectors/oracle/preview', { key: keys[alice.name], body: { connection: connection(), table: 'orders' } });
    expect([provider.status, provider.body.error_code]).toEqual([400, 1502]);
    // the body must be an object; GET is not served (the connection belongs in a body)
    expect((await call('/api/v1/connectors/mysql/preview', { key: keys[alice.name], body: '[1]' })).status).toBe(400);
    expect((await call('/api/v1/connectors/mysql/preview', { key: keys[alice.name], query: { ...connection(), table: 'orders' } })).status).toBe(404);
  });

  it('a missing key is 401; nothing is stored for the sidecars', async () => {
    const before = (await db.query('select count(*)::int as n from cdb_connectors.requests')).rows[0].n;
    const res = await call('/api/v1/connectors/mysql/preview', { body: { connection: connection(), table: 'orders' } });
    expect(res.status).toBe(401);
    expect((await db.query('select count(*)::int as n from cdb_connectors.requests')).rows[0].n).toBe(before);
  });
});

describe('a key whose role lost its cdb_connector_user grant', () => {
  it('cancel and preview are 403; nothing is cancelled and no request stored', async () => {
    const id = await startSlowImport(erin, 'erins');
    await db.query(`revoke cdb_connector_user from "${erin.name}"`);
    try {
      for (const method of ['PUT', 'POST']) {
        const res = await call(`/api/v1/imports/${id}/cancel`, { method, key: keys[erin.name] });
        expect(res.status, res.text).toBe(403);
        expect(res.body.errors[0]).toMatch(/permission denied|cdb_connector_user/i);
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(await job(id)).toEqual({ state: 'importing', cancel_requested: false, error_code: null });
      const before = (await db.query('select count(*)::int as n from cdb_connectors.requests')).rows[0].n;
      const preview = await call('/api/v1/connectors/mysql/preview', { key: keys[erin.name], body: { connection: connection(), table: 'orders' } });
      expect(preview.status, preview.text).toBe(403);
      expect((await db.query('select count(*)::int as n from cdb_connectors.requests')).rows[0].n).toBe(before);
    } finally {
      await db.query(`grant cdb_connector_user to "${erin.name}"`);
    }
    expect((await call(`/api/v1/imports/${id}/cancel`, { method: 'PUT', key: keys[erin.name] })).body.cancelled).toBe(true);
  });
});

describe.skipIf(!curlAvailable)('the curl examples of docs/http-api.md (Cancel and preview)', () => {
  it('run with curl as written (address, key, ids and connection substituted) and answer as documented', async () => {
    const commands = docCurlExamples('### Cancel and preview');
    expect(commands.map((c) => /\/api\/v1\/[^\s"']+/.exec(c)?.[0])).toEqual([
      '/api/v1/connectors/mysql/preview', '/api/v1/imports/aef9925c-…/cancel', '/api/v1/synchronizations/97893fbe-…/cancel']);
    const importId = await startSlowImport(alice, 'curl_cancelled');
    const sync = await call('/api/v1/synchronizations', { key: keys[alice.name], body: slowImport('curl_synced', { interval: 900 }) });
    await untilImporting(sync.body.data_import.item_queue_id);
    const s = {
      base: h.base, apiKey: keys[alice.name], server: ['myserver.com', my.host] as [string, string], port: my.port,
      database: ['mydatabase', my.name] as [string, string], username: ['myusername', user] as [string, string],
      password: ['mypassword', password] as [string, string], ids: { 'aef9925c-…': importId, '97893fbe-…': sync.body.id },
    };
    const [preview, cancelImport, cancelSync] = await Promise.all(commands.map((c) => runCurl(`${substituteDoc(c, s)} -v`)));
    for (const run of [preview!, cancelImport!, cancelSync!]) responses.push(run.stdout, run.stderr);
    expect(preview!.status, preview!.stdout).toBe(200);
    expect(preview!.body.rows).toEqual([['1', 'café'], ['2', 'naïve']]);
    expect(preview!.body.columns.map((c: { name: string; local_name: string; local_type: string }) => [c.name, c.local_name, c.local_type]))
      .toEqual([['id', 'id', 'integer'], ['name', 'name', 'varchar(20)']]);
    expect(preview!.body.warnings).toEqual([]);
    expect([cancelImport!.status, cancelImport!.body.cancelled, cancelImport!.body.id]).toEqual([200, true, importId]);
    expect([cancelSync!.status, cancelSync!.body.cancelled, cancelSync!.body.id]).toEqual([200, true, sync.body.id]);
    expect((await pollImport(h.base, keys[alice.name], importId, 10_000)).state).toBe('cancelled');
    expect((await pollImport(h.base, keys[alice.name], sync.body.data_import.item_queue_id, 10_000)).state).toBe('cancelled');
  });
});

describe('passwords', () => {
  it("a preview's (or a cancelled import's) password never appears in any answer, header or log line", () => {
    expect(responses.length).toBeGreaterThan(40);
    expect(leaks(password, responses), 'an answer').toBe(false);
    expect(leaks(password, h.logs), 'the log').toBe(false);
    // JSON-escaped forms too (the password holds a double quote)
    expect(leaks(JSON.stringify(password).slice(1, -1), responses, h.logs)).toBe(false);
    expect(h.logs.some((l) => l.includes('"route":"/api/v1/connectors/:provider/preview"'))).toBe(true);
    expect(h.logs.some((l) => l.includes('"route":"/api/v1/imports/:id/cancel"'))).toBe(true);
  });
});
