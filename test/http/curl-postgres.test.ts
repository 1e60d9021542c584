/**
 * Issue 11: the reference document's four PostgreSQL curl examples, run verbatim by curl against
 * the sidecar's HTTP API. The remote is a throwaway cluster with TLS and scram-sha-256, so the
 * examples' implicit sslmode "require" (the default) works as documented; only host, port,
 * password and the key are substituted (the database and user are created with the documented
 * names).
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { localRemoteFactory, remoteSql, type RemotePostgres } from '../providers/postgres/remote.js';
import type { RoleFactory } from '../sql/helpers.js';
import { curlAvailable } from './curl-examples.js';
import { runProviderExamples } from './curl-suite.js';
import { leaks, startAsAlice, type HttpHarness } from './helpers.js';

let db: TargetDb;
let remote: RemotePostgres;
let h: HttpHarness;
let roles: RoleFactory;
let key: string;
const password = `pw'"${crypto.randomBytes(6).toString('hex')}`;

beforeAll(async () => {
  [db, remote] = await Promise.all([createTargetDb(), localRemoteFactory.start({ tls: true, hostAuth: 'scram-sha-256' })]);
  ({ roles, key, h } = await startAsAlice(db));
  await remoteSql(remote, 'create database pgdatabase');
  await remoteSql(remote, `create role pgusername login password '${password.replace(/'/g, "''")}'`);
  await remoteSql(remote, `
    create table pgtable (id int primary key, name text, amount numeric(12,2));
    insert into pgtable values (1, 'Zürich', 10.50), (2, null, -0.01);
    create table remote_table (id int primary key, value int);
    insert into remote_table values (1, 1), (2, 2), (3, 1);
    grant select on pgtable, remote_table to pgusername;`, [], 'pgdatabase');
});

afterAll(async () => {
  await h?.stop();
  await roles?.cleanup();
  await remote?.stop();
});

describe.skipIf(!curlAvailable)('PostgreSQL curl examples of the reference document', () => {
  it('run verbatim with curl (sslmode require by default), answer as documented, and import exactly', async () => {
    const out = await runProviderExamples('postgres', h, key, {
      server: ['pgserver.com', remote.host], port: remote.port,
      username: ['pgusername', 'pgusername'], password: ['pgpassword', password],
    });
    expect([out.table.status.table_name, out.sql_query.status.table_name, out.sql_query_quoted.status.table_name, out.sync.status.table_name])
      .toEqual(['pgtable', 'pgtable_1', 'pgtable_2', 'pgtable_3']);
    expect((await db.query('select id, name, amount::text from pgtable order by id')).rows)
      .toEqual([{ id: 1, name: 'Zürich', amount: '10.50' }, { id: 2, name: null, amount: '-0.01' }]);
    for (const t of ['pgtable_1', 'pgtable_2']) {
      expect((await db.query(`select id, value from ${t} order by id`)).rows).toEqual([{ id: 1, value: 1 }, { id: 3, value: 1 }]);
    }
    expect((await db.query('select count(*)::int as n from pgtable_3')).rows[0].n).toBe(2);
    expect(JSON.parse(out.sync.answer.service_item_id).connection.sslmode).toBe('require');
    expect(leaks(password, h.logs)).toBe(false);
  });
});
