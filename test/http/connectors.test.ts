/**
 * The connectors API over HTTP (issue 11 §2): providers, a provider's parameters, remote tables
 * and connection checks, with the connection in query parameters (CARTO's form) or a JSON body,
 * answered by a running sidecar through the SQL API's two-step requests.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import type { RoleFactory, TestRole } from '../sql/helpers.js';
import { api, leaks, startAsAlice, type HttpHarness } from './helpers.js';

let db: TargetDb;
let my: MysqlDb;
let h: HttpHarness;
let roles: RoleFactory;
let alice: TestRole;
let key: string;
const user = `u${crypto.randomBytes(4).toString('hex')}`;
const password = `pw-${crypto.randomBytes(8).toString('hex')}`;
const texts: string[] = [];

async function call(path: string, req: Parameters<typeof api>[2] = {}) {
  const res = await api(h.base, path, req);
  texts.push(res.text, ...[...res.headers.entries()].flat());
  return res;
}

const connectionQuery = (pw = password) => ({ server: my.host, port: my.port, database: my.name, username: user, password: pw });

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  ({ roles, alice, key, h } = await startAsAlice(db, { createInPublic: false }));
  await my.exec('create table orders (id int); create table customers (id int); create view big_orders as select id from orders;');
  await my.createUser(user, password);
});

afterAll(async () => {
  await h?.stop();
  await roles?.cleanup();
  await my?.drop();
});

describe('providers', () => {
  it('GET /api/v1/connectors lists them in CARTO\'s shape, enabled per the setting', async () => {
    const all = await call('/api/v1/connectors', { key });
    expect(all.body).toEqual({
      hive: { name: 'Hive', description: null, enabled: true }, mysql: { name: 'MySQL', description: null, enabled: true },
      postgres: { name: 'PostgreSQL', description: null, enabled: true }, sqlserver: { name: 'Microsoft SQL Server', description: null, enabled: true },
    });
    await db.query(`update cdb_connectors.settings set value = '["mysql"]' where name = 'enabled_providers'`);
    try {
      const some = await call('/api/v1/connectors', { key });
      expect(Object.fromEntries(Object.entries(some.body).map(([k, v]: [string, any]) => [k, v.enabled]))).toEqual({ hive: false, mysql: true, postgres: false, sqlserver: false });
    } finally {
      await db.query(`update cdb_connectors.settings set value = '["mysql", "postgres", "sqlserver", "hive"]' where name = 'enabled_providers'`);
    }
  });

  it('GET /api/v1/connectors/:provider gives cdb_connector_providers()\'s parameters; unknown → 404', async () => {
    const res = await call('/api/v1/connectors/postgres', { key });
    const sql = await alice.query("select * from cdb_connector_providers() where provider = 'postgres'");
    expect(res.body).toMatchObject({ name: 'PostgreSQL', enabled: true, default_port: 5432, default_schema: 'public', parameters: sql.rows[0].parameters });
    expect(res.body.features).toMatchObject({ list_tables: true, sql_queries: true });
    const unknown = await call('/api/v1/connectors/oracle', { key });
    expect([unknown.status, unknown.body]).toEqual([404, { errors: ['Provider oracle unknown'] }]);
  });
});

describe('remote tables', () => {
  it('GET with the connection in query parameters, as CARTO\'s API', async () => {
    const res = await call('/api/v1/connectors/mysql/tables', { key, query: connectionQuery() });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual([
      { schema: my.name, name: 'big_orders', kind: 'view' },
      { schema: my.name, name: 'customers', kind: 'table' },
      { schema: my.name, name: 'orders', kind: 'table' },
    ]);
    expect(res.headers.get('x-tables-truncated')).toBe('false');
  });

  it('POST with the connection in a JSON body (Bearer key), and max_listed_tables cuts the list', async () => {
    await db.query(`update cdb_connectors.settings set value = '2' where name = 'max_listed_tables'`);
    try {
      const res = await call('/api/v1/connectors/mysql/tables', { bearer: key, body: { connection: connectionQuery() } });
      expect(res.status, res.text).toBe(200);
      expect(res.body.map((t: { name: string }) => t.name)).toEqual(['big_orders', 'customers']);
      expect(res.headers.get('x-tables-truncated')).toBe('true');
    } finally {
      await db.query(`update cdb_connectors.settings set value = '500' where name = 'max_listed_tables'`);
    }
  });

  it('invalid parameters are SQL\'s 400; a remote failure is 400 with its error_code', async () => {
    const bad = await call('/api/v1/connectors/mysql/tables', { key, query: { ...connectionQuery(), port: 'abc', colour: 'blue' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ errors: ['Invalid connection parameters: colour', 'The port connection parameter must be an integer between 1 and 65535'], error_code: 1502 });
    const denied = await call('/api/v1/connectors/mysql/tables', { key, query: connectionQuery(`${password}-wrong`) });
    expect(denied.status).toBe(400);
    expect(denied.body.error_code).toBe(1503);
    const provider = await call('/api/v1/connectors/oracle/tables', { key, query: connectionQuery() });
    expect(provider.body).toEqual({ errors: ['Invalid provider "oracle" — use one of mysql, postgres, sqlserver, hive'], error_code: 1502 });
  });
});

describe('connection checks', () => {
  it('GET …/connect?… answers {"connected": true}; a wrong password 400 {"connected": false, error_code 1503}', async () => {
    const ok = await call('/api/v1/connectors/mysql/connect', { key, query: connectionQuery() });
    expect([ok.status, ok.body]).toEqual([200, { connected: true }]);
    const wrong = await call('/api/v1/connectors/mysql/connect', { key, query: connectionQuery(`${password}-wrong`) });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ connected: false, error_code: 1503, errors: [expect.stringMatching(/Access denied/)] });
    const viaBody = await call('/api/v1/connectors/mysql/connect', { key, body: { connection: connectionQuery() } });
    expect([viaBody.status, viaBody.body]).toEqual([200, { connected: true }]);
  });

  it('no sidecar alive: 503 with SQL\'s explanation, in well under 5 s', async () => {
    // The live sidecar's heartbeat (every second) would renew last_seen_at between the backdating
    // and the call: hold it back with a trigger for the duration of the test.
    await db.query(`create function public.freeze_last_seen() returns trigger language plpgsql as $$
      begin new.last_seen_at := old.last_seen_at; return new; end $$`);
    await db.query("update cdb_connectors.sidecars set last_seen_at = now() - interval '1 day'");
    await db.query('create trigger freeze_last_seen before update on cdb_connectors.sidecars for each row execute function public.freeze_last_seen()');
    const started = Date.now();
    try {
      const res = await call('/api/v1/connectors/mysql/connect', { key, query: connectionQuery() });
      expect(res.status).toBe(503);
      expect(res.body.errors).toEqual(['No connector sidecar is running for this database']);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await db.query('drop trigger freeze_last_seen on cdb_connectors.sidecars');
      await db.query('drop function public.freeze_last_seen()');
      await db.query('update cdb_connectors.sidecars set last_seen_at = now()');
    }
  });

  it('passwords given in query strings or bodies never come back nor reach the log', () => {
    expect(texts.length).toBeGreaterThan(10);
    expect(leaks(password, texts)).toBe(false);
    expect(leaks(password, h.logs)).toBe(false);
  });
});
