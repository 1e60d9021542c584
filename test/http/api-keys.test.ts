/**
 * API keys (issue 11 §3): created in SQL and returned once, only a hash stored, who may create
 * and revoke which, and every way a request can present a bad key (401).
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery } from '../helpers/one-shot-sql.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { roleFactory, sqlError, type TestRole } from '../sql/helpers.js';
import { api, createKey, startHttpHarness, type HttpHarness } from './helpers.js';

let db: TargetDb;
let h: HttpHarness;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;
let bob: TestRole;
let admin: TestRole;
let dba: TestRole; // granted alice: may act as alice
let outsider: TestRole; // not a cdb_connector_user

const KEY_FORMAT = /^cdbk_[0-9a-f]{64}$/;

beforeAll(async () => {
  db = await createTargetDb();
  roles = roleFactory(db);
  alice = await roles.create('alice', 'cdb_connector_user');
  bob = await roles.create('bob', 'cdb_connector_user');
  admin = await roles.create('admin', 'cdb_connector_admin');
  dba = await roles.create('dba', 'cdb_connector_user', alice.name);
  outsider = await roles.create('outsider');
  h = await startHttpHarness(db);
});

afterAll(async () => {
  await h?.stop();
  await roles?.cleanup();
});

describe('creating keys in SQL', () => {
  it('returns a new key once and stores only its SHA-256', async () => {
    const { rows } = await alice.query<{ k: string }>("select cdb_connector_create_api_key(label => 'nightly ETL') as k");
    const key = rows[0]!.k;
    expect(key).toMatch(KEY_FORMAT);
    const stored = await db.query(`select role_name, label, created_by, encode(key_hash, 'hex') as hash, last_used_at, revoked_at
      from cdb_connectors.api_keys where key_hash = sha256(convert_to($1, 'UTF8'))`, [key]);
    expect(stored.rows).toEqual([{ role_name: alice.name, label: 'nightly ETL', created_by: alice.name,
      hash: crypto.createHash('sha256').update(key).digest('hex'), last_used_at: null, revoked_at: null }]);
    // the key itself is nowhere in the table, and the hand-over setting is blank again
    const dump = await db.query('select to_jsonb(k)::text as t from cdb_connectors.api_keys as k');
    expect(dump.rows.map((r) => r.t).join()).not.toContain(key.slice(5));
    expect((await alice.query("select current_setting('cdb_connectors.new_api_key', true) as s")).rows[0].s ?? '').toBe('');
  });

  it('two keys are different (random), and a direct INSERT cannot choose the key', async () => {
    const [a, b] = await Promise.all([createKey(db, alice.name), createKey(db, alice.name)]);
    expect(a).not.toBe(b);
    await alice.query(`insert into cdb_connectors.api_keys (role_name, label) values ($1, 'direct')`, [alice.name]);
    const err = await sqlError(alice.query(`insert into cdb_connectors.api_keys (role_name, key_hash) values ($1, sha256('a'))`, [alice.name]));
    expect(err.code).toBe('42501'); // no INSERT privilege on key_hash
  });

  it('a role may create keys for itself, members of a role for it, and nobody for others', async () => {
    expect((await dba.query('select cdb_connector_create_api_key($1) as k', [alice.name])).rows[0].k).toMatch(KEY_FORMAT);
    const denied = await sqlError(bob.query('select cdb_connector_create_api_key($1)', [alice.name]));
    expect(denied).toMatchObject({ code: '42501', message: `Permission denied to create an API key for role ${alice.name}` });
    // admins see every job, but impersonating a role needs membership of it
    expect((await sqlError(admin.query('select cdb_connector_create_api_key($1)', [bob.name]))).code).toBe('42501');
    expect((await sqlError(outsider.query('select cdb_connector_create_api_key()'))).code).toBe('42501'); // no EXECUTE
  });

  it('refuses superusers, non-members and unknown roles with clear messages', async () => {
    expect(await sqlError(db.query("select cdb_connector_create_api_key('postgres')"))).toMatchObject({
      code: '22023', message: 'API keys cannot be created for superuser postgres: requests would bypass row-level security' });
    expect(await sqlError(db.query('select cdb_connector_create_api_key($1)', [outsider.name]))).toMatchObject({
      code: '22023', message: `Role ${outsider.name} is not a member of cdb_connector_user` });
    expect(await sqlError(db.query("select cdb_connector_create_api_key('no_such_role_x')"))).toMatchObject({
      code: '42704', message: 'Role no_such_role_x does not exist' });
  });
});

describe('revoking keys', () => {
  it('by key or by id; true once, then false; never reinstated', async () => {
    const key = await createKey(db, alice.name);
    expect((await api(h.base, '/api/v1/connectors', { key })).status).toBe(200);
    expect((await alice.query('select cdb_connector_revoke_api_key($1) as r', [key])).rows[0].r).toBe(true);
    expect((await alice.query('select cdb_connector_revoke_api_key($1) as r', [key])).rows[0].r).toBe(false);
    await alice.query('update cdb_connectors.api_keys set revoked_at = null where key_hash = sha256(convert_to($1, \'UTF8\'))', [key]);
    const res = await api(h.base, '/api/v1/connectors', { key });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ errors: ['This API key has been revoked'] });

    const other = await createKey(db, alice.name);
    const { rows } = await db.query('select id from cdb_connectors.api_keys where key_hash = sha256(convert_to($1, \'UTF8\'))', [other]);
    expect((await alice.query('select cdb_connector_revoke_api_key($1) as r', [rows[0].id])).rows[0].r).toBe(true);
    expect((await api(h.base, '/api/v1/connectors', { key: other })).status).toBe(401);
  });

  it("another role's key is not found (P0002); admins may revoke any key", async () => {
    const key = await createKey(db, alice.name);
    expect(await sqlError(bob.query('select cdb_connector_revoke_api_key($1)', [key]))).toMatchObject({ code: 'P0002', message: 'API key not found' });
    expect((await bob.query('select count(*)::int as n from cdb_connectors.api_keys')).rows[0].n).toBe(0);
    expect((await admin.query('select cdb_connector_revoke_api_key($1) as r', [key])).rows[0].r).toBe(true);
    expect((await api(h.base, '/api/v1/connectors', { key })).status).toBe(401);
  });
});

describe('bad keys over HTTP', () => {
  it('missing, malformed, unknown, and wrong-scheme keys get 401 with a Bearer challenge', async () => {
    const unknown = `cdbk_${crypto.randomBytes(32).toString('hex')}`;
    const cases = [
      { name: 'missing', req: {}, message: 'Missing API key: pass ?api_key=… or an Authorization: Bearer header' },
      { name: 'malformed', req: { key: "x' or '1'='1" }, message: 'Invalid API key' },
      { name: 'unknown', req: { key: unknown }, message: 'Invalid API key' },
      { name: 'unknown bearer', req: { bearer: unknown }, message: 'Invalid API key' },
    ];
    for (const c of cases) {
      for (const path of ['/api/v1/connectors', '/api/v1/imports/2a3c5d7e-0000-4000-8000-000000000000', '/api/v1/synchronizations']) {
        const res = await api(h.base, path, c.req);
        expect(res.status, `${c.name} ${path}`).toBe(401);
        expect(res.body).toEqual({ errors: [c.message] });
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="connector-bridge"');
      }
    }
    const basic = await fetch(`${h.base}/api/v1/connectors`, { headers: { authorization: 'Basic YWxpY2U6eA==' } });
    expect(basic.status).toBe(401);
  });

  it('a key works as ?api_key= and as Bearer, and records its last use', async () => {
    const key = await createKey(db, bob.name);
    expect((await api(h.base, '/api/v1/connectors', { key })).status).toBe(200);
    expect((await api(h.base, '/api/v1/connectors', { bearer: key })).status).toBe(200);
    await expect.poll(async () => (await db.query('select last_used_at from cdb_connectors.api_keys where key_hash = sha256(convert_to($1, \'UTF8\'))', [key])).rows[0].last_used_at)
      .toBeInstanceOf(Date);
  });

  it('a dropped role\'s keys stop working, and a new role of the same name does not inherit them', async () => {
    const name = `temp_${crypto.randomBytes(4).toString('hex')}`;
    await adminQuery(`create role "${name}" in role cdb_connector_user`);
    const key = await createKey(db, name);
    expect((await api(h.base, '/api/v1/connectors', { key })).status).toBe(200);
    await adminQuery(`drop role "${name}"`);
    expect((await api(h.base, '/api/v1/connectors', { key })).status).toBe(401);
    await adminQuery(`create role "${name}" in role cdb_connector_user`);
    try {
      expect((await api(h.base, '/api/v1/connectors', { key })).status).toBe(401);
    } finally {
      await adminQuery(`drop role "${name}"`);
    }
  });

  it('a role that left cdb_connector_user gets 403 from the SQL API itself', async () => {
    const name = `leaver_${crypto.randomBytes(4).toString('hex')}`;
    await adminQuery(`create role "${name}" in role cdb_connector_user`);
    try {
      const key = await createKey(db, name);
      await adminQuery(`revoke cdb_connector_user from "${name}"`);
      const res = await api(h.base, '/api/v1/connectors', { key });
      expect(res.status).toBe(403);
      expect(res.body.errors[0]).toMatch(/^permission denied for function cdb_connector_providers/);
    } finally {
      await adminQuery(`drop role "${name}"`);
    }
  });
});
