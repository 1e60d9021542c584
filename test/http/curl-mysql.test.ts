/**
 * Issue 11: the reference document's four MySQL curl examples (table with encoding, sql_query,
 * sql_query with '"'"' quoting, sync), run verbatim by curl against the sidecar's HTTP API with
 * only host, port, database, credentials and the key substituted; then the tables checked in SQL.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import type { RoleFactory, TestRole } from '../sql/helpers.js';
import { curlAvailable } from './curl-examples.js';
import { runProviderExamples } from './curl-suite.js';
import { leaks, startAsAlice, type HttpHarness } from './helpers.js';

let db: TargetDb;
let my: MysqlDb;
let h: HttpHarness;
let roles: RoleFactory;
let alice: TestRole;
let key: string;
const user = `u${crypto.randomBytes(4).toString('hex')}`;
// quotes of both kinds: the substitution must survive JSON and the shell
const password = `pw'"${crypto.randomBytes(6).toString('hex')}`;

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  ({ roles, alice, key, h } = await startAsAlice(db));
  await my.exec(`
    create table mytable (id int primary key, name varchar(20)) character set latin1;
    insert into mytable values (1, 'café'), (2, 'naïve');
    create table remote_table (id int primary key, value int, label varchar(10)) character set latin1;
    insert into remote_table values (1, 1, 'one'), (2, 2, 'two'), (3, 1, 'ûne');`);
  await my.createUser(user, password);
});

afterAll(async () => {
  await h?.stop();
  await roles?.cleanup();
  await my?.drop();
});

describe.skipIf(!curlAvailable)('MySQL curl examples of the reference document', () => {
  it('run verbatim with curl, answer as documented, and import exactly', async () => {
    const out = await runProviderExamples('mysql', h, key, {
      server: ['myserver.com', my.host], port: my.port, database: ['mydatabase', my.name],
      username: ['myusername', user], password: ['mypassword', password],
    });
    expect([out.table.status.table_name, out.sql_query.status.table_name, out.sql_query_quoted.status.table_name, out.sync.status.table_name])
      .toEqual(['mytable', 'mytable_1', 'mytable_2', 'mytable_3']);
    // "encoding": "iso88591" decodes the latin1 bytes
    expect((await db.query('select id, name from mytable order by id')).rows).toEqual([{ id: 1, name: 'café' }, { id: 2, name: 'naïve' }]);
    for (const t of ['mytable_1', 'mytable_2']) {
      expect((await db.query(`select id, value, label from ${t} order by id`)).rows).toEqual([{ id: 1, value: 1, label: 'one' }, { id: 3, value: 1, label: 'ûne' }]);
    }
    expect((await db.query('select count(*)::int as n from mytable_3')).rows[0].n).toBe(2);
    const owners = await db.query(`select distinct tableowner from pg_tables where tablename like 'mytable%'`);
    expect(owners.rows).toEqual([{ tableowner: alice.name }]);
    expect(out.sync.answer.user_id).toBe(alice.name);
    const sync = await db.query('select id, interval, table_name from cdb_connectors.synchronizations');
    expect(sync.rows).toEqual([{ id: out.sync.answer.id, interval: 2592000, table_name: 'mytable_3' }]);
    expect(leaks(password, h.logs)).toBe(false);
  });
});
