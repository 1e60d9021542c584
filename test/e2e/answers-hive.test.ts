/**
 * Answers now from SQL against Hive (issue 10 §1): hive-driver → the HiveServer2 test server in
 * PLAIN SASL mode, with the provider suites' edge-value fixture.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, createApiUser, listTables, preview, sqlError, type ApiUser } from '../helpers/answers.js';
import { startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { EDGE_COLUMNS, EDGE_EXPECTED, EDGE_VALUES_HIVEQL } from '../providers/hive/fixtures.js';
import { localHiveServerFactory, type HiveTestServer } from '../providers/hive/server-factory.js';

let db: TargetDb;
let user: ApiUser;
let sidecar: TestSidecar;
let hive: HiveTestServer;

beforeAll(async () => {
  [db, hive] = await Promise.all([createTargetDb(), localHiveServerFactory('PLAIN').start()]);
  [user, sidecar] = await Promise.all([createApiUser(db), startSidecar(db)]);
  await hive.loadFixture(EDGE_VALUES_HIVEQL);
  await hive.loadFixture(['CREATE DATABASE many', ...Array.from({ length: 600 }, (_, i) => `CREATE TABLE many.t${String(i).padStart(3, '0')} (id INT)`)].join(';\n'));
});

afterAll(async () => {
  await sidecar?.stop();
  await user?.drop();
  await Promise.all([db?.drop(), hive?.stop()]);
});

const connector = (extra: Record<string, unknown> = {}, password = hive.password) => ({
  connector: {
    provider: 'hive',
    connection: { server: hive.host, port: hive.port, database: 'default', username: hive.user, password },
    ...extra,
  },
});

describe('answers now: Hive', () => {
  it('check: connected', async () => {
    expect(await check(user.url, connector())).toEqual({ connected: true });
  });

  it('check with a wrong password: connected false and 1503', async () => {
    const answer = await check(user.url, connector({}, 'not-the-password'));
    expect(answer).toMatchObject({ connected: false, error_code: 1503 });
    expect(JSON.stringify(answer)).not.toContain('not-the-password');
  });

  it('list_tables of one schema: tables and views', async () => {
    expect(await listTables(user.url, connector({ schema: 'default' }))).toEqual({
      tables: [
        { schema: 'default', name: 'edge_values', kind: 'table' },
        { schema: 'default', name: 'edge_view', kind: 'view' },
        { schema: 'default', name: 'labels', kind: 'table' },
      ],
      truncated: false,
    });
  });

  it('list_tables of 600 tables: the first 500 and truncated', async () => {
    const { tables, truncated } = await listTables(user.url, connector({ schema: 'many' }));
    expect(truncated).toBe(true);
    expect(tables.map((t: { schema: string; name: string }) => `${t.schema}.${t.name}`))
      .toEqual(Array.from({ length: 500 }, (_, i) => `many.t${String(i).padStart(3, '0')}`));
  });

  it('preview: every Hive type with its local type, uniontype skipped, exact values', async () => {
    const answer = await preview(user.url, connector({ table: 'edge_values' }), 5);
    expect(answer.columns).toEqual([
      ...EDGE_COLUMNS.map(([name, remote, local]) => ({ name, local_name: name, remote_type: remote, local_type: local })),
      { name: 'c_union', local_name: null, remote_type: 'uniontype', local_type: 'skipped' },
    ]);
    const byId = [...answer.rows].sort((a: string[], b: string[]) => Number(a[0]) - Number(b[0]));
    expect(byId).toEqual([1, 2, 3, 4, 5].map((id) => EDGE_EXPECTED[id]));
    expect(answer.warnings.map((w: { code: string }) => w.code)).toContain('timestamp_rounded');
  });

  it('preview of a query, limited to 2 rows', async () => {
    const answer = await preview(user.url, connector({ sql_query: 'SELECT id, label FROM labels ORDER BY id' }), 2);
    expect(answer.rows).toEqual([['1', 'one'], ['2', 'two']]);
  });

  it('preview of a missing table raises 58000 with error_code 1505', async () => {
    const err = await sqlError(preview(user.url, connector({ table: 'nope' })));
    expect([err.code, err.detail]).toEqual(['58000', 'error_code 1505']);
  });
});
