/**
 * Issue 11: the reference document's four Hive curl examples, run verbatim by curl against the
 * sidecar's HTTP API and the HiveServer2 test server (PLAIN SASL login); only host, port, the
 * database ("default", Hive's session database), credentials and the key are substituted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { localHiveServerFactory, type HiveTestServer } from '../providers/hive/server-factory.js';
import type { RoleFactory } from '../sql/helpers.js';
import { curlAvailable } from './curl-examples.js';
import { runProviderExamples } from './curl-suite.js';
import { leaks, startAsAlice, type HttpHarness } from './helpers.js';

let db: TargetDb;
let hive: HiveTestServer;
let h: HttpHarness;
let roles: RoleFactory;
let key: string;

beforeAll(async () => {
  [db, hive] = await Promise.all([createTargetDb(), localHiveServerFactory('PLAIN').start()]);
  ({ roles, key, h } = await startAsAlice(db));
  await hive.loadFixture(`
    CREATE TABLE hs2table (id INT, name STRING, big BIGINT);
    INSERT INTO hs2table VALUES (1, 'ünï', CAST('9223372036854775807' AS BIGINT)), (2, NULL, CAST('-1' AS BIGINT));
    CREATE TABLE remote_table (id INT, value INT);
    INSERT INTO remote_table VALUES (1, 1), (2, 2), (3, 1);`);
});

afterAll(async () => {
  await h?.stop();
  await roles?.cleanup();
  await hive?.stop();
});

describe.skipIf(!curlAvailable)('Hive curl examples of the reference document', () => {
  it('run verbatim with curl, answer as documented, and import exactly', async () => {
    const out = await runProviderExamples('hive', h, key, {
      server: ['hs2server.com', hive.host], port: hive.port, database: ['hs2database', 'default'],
      username: ['hs2username', hive.user!], password: ['hs2password', hive.password!],
    });
    expect([out.table.status.table_name, out.sql_query.status.table_name, out.sql_query_quoted.status.table_name, out.sync.status.table_name])
      .toEqual(['hs2table', 'hs2table_1', 'hs2table_2', 'hs2table_3']);
    expect((await db.query('select id, name, big::text from hs2table order by id')).rows)
      .toEqual([{ id: 1, name: 'ünï', big: '9223372036854775807' }, { id: 2, name: null, big: '-1' }]);
    for (const t of ['hs2table_1', 'hs2table_2']) {
      expect((await db.query(`select id, value from ${t} order by id`)).rows).toEqual([{ id: 1, value: 1 }, { id: 3, value: 1 }]);
    }
    expect((await db.query('select count(*)::int as n from hs2table_3')).rows[0].n).toBe(2);
    expect(leaks(hive.password!, h.logs)).toBe(false);
  });
});
