/**
 * Issue 11: the reference document's four SQL Server curl examples, run verbatim by curl against
 * the sidecar's HTTP API and the TDS test server (with TLS, so the provider's default
 * "encrypt": true works as it would against a real server); only host, port, database,
 * credentials and the key are substituted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { tdsTestServer, type SqlServerUnderTest } from '../providers/sqlserver/server.js';
import type { RoleFactory } from '../sql/helpers.js';
import { curlAvailable } from './curl-examples.js';
import { runProviderExamples } from './curl-suite.js';
import { leaks, startAsAlice, type HttpHarness } from './helpers.js';

let db: TargetDb;
let ms: SqlServerUnderTest;
let h: HttpHarness;
let roles: RoleFactory;
let key: string;

beforeAll(async () => {
  [db, ms] = await Promise.all([createTargetDb(), tdsTestServer.start({ tls: true })]);
  ({ roles, key, h } = await startAsAlice(db));
  await ms.loadFixture(`
    create table dbo.mstable (id int primary key, name nvarchar(50), price decimal(10,3));
    insert into dbo.mstable (id, name, price) values (1, N'東京', 1.125);
    insert into dbo.mstable (id, name, price) values (2, N'', -7.000);
    create table dbo.remote_table (id int primary key, value int);
    insert into dbo.remote_table (id, value) values (1, 1);
    insert into dbo.remote_table (id, value) values (2, 2);
    insert into dbo.remote_table (id, value) values (3, 1);`);
});

afterAll(async () => {
  await h?.stop();
  await roles?.cleanup();
  await ms?.stop();
});

describe.skipIf(!curlAvailable)('SQL Server curl examples of the reference document', () => {
  it('run verbatim with curl, answer as documented, and import exactly', async () => {
    // the test server's password contains a single quote: it must survive the shell quoting too
    expect(ms.password).toContain("'");
    const out = await runProviderExamples('sqlserver', h, key, {
      server: ['msserver.com', ms.host], port: ms.port, database: ['msdatabase', ms.database],
      username: ['msusername', ms.user], password: ['mspassword', ms.password],
    });
    expect([out.table.status.table_name, out.sql_query.status.table_name, out.sql_query_quoted.status.table_name, out.sync.status.table_name])
      .toEqual(['mstable', 'mstable_1', 'mstable_2', 'mstable_3']);
    expect((await db.query('select id, name, price::text from mstable order by id')).rows)
      .toEqual([{ id: 1, name: '東京', price: '1.125' }, { id: 2, name: '', price: '-7.000' }]);
    for (const t of ['mstable_1', 'mstable_2']) {
      expect((await db.query(`select id, value from ${t} order by id`)).rows).toEqual([{ id: 1, value: 1 }, { id: 3, value: 1 }]);
    }
    expect((await db.query('select count(*)::int as n from mstable_3')).rows[0].n).toBe(2);
    expect(leaks(ms.password, h.logs)).toBe(false);
  });
});
