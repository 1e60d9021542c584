/**
 * Answers now from SQL against SQL Server (issue 10 §1): tedious → the TDS test server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, createApiUser, listTables, preview, sqlError, type ApiUser } from '../helpers/answers.js';
import { startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { tdsTestServer, type SqlServerUnderTest } from '../providers/sqlserver/server.js';

let db: TargetDb;
let user: ApiUser;
let sidecar: TestSidecar;
let ms: SqlServerUnderTest;

beforeAll(async () => {
  [db, ms] = await Promise.all([createTargetDb(), tdsTestServer.start()]);
  [user, sidecar] = await Promise.all([createApiUser(db), startSidecar(db)]);
  await ms.loadFixture(`
    create table dbo.stores (id int primary key, name nvarchar(100), revenue decimal(18,4), opened datetime2(7), active bit,
                             code uniqueidentifier, logo varbinary(16), v sql_variant);
    insert into dbo.stores (id, name, revenue, opened, active, code, logo) values
      (1, N'Zürich 東京 😀', 12345678901234.5678, '2020-01-02T03:04:05.1234567', 1, '6F9619FF-8B86-D011-B42D-00C04FC964FF', 0x00FF10);
    insert into dbo.stores (id, name, revenue, opened, active, code, logo) values
      (2, null, -0.0001, '2021-06-07T08:09:10', 0, null, null);
    create view dbo.big_stores as select id, revenue from dbo.stores where revenue > 100;
    create schema many;`);
  await ms.loadFixture(Array.from({ length: 600 }, (_, i) => `create table many.t${String(i).padStart(3, '0')} (id int);`).join('\n'));
});

afterAll(async () => {
  await sidecar?.stop();
  await user?.drop();
  await Promise.all([db?.drop(), ms?.stop()]);
});

const connector = (extra: Record<string, unknown> = {}, password = ms.password) => ({
  connector: {
    provider: 'sqlserver',
    connection: { server: ms.host, port: ms.port, database: ms.database, username: ms.user, password, encrypt: false },
    ...extra,
  },
});

describe('answers now: SQL Server', () => {
  it('check: connected', async () => {
    expect(await check(user.url, connector())).toEqual({ connected: true });
  });

  it('check with a wrong password: connected false and 1503', async () => {
    const answer = await check(user.url, connector({}, 'not-the-password'));
    expect(answer).toMatchObject({ connected: false, error_code: 1503 });
    expect(answer.errors[0]).toMatch(/Login failed/i);
    expect(JSON.stringify(answer)).not.toContain('not-the-password');
  });

  it('list_tables of one schema', async () => {
    expect(await listTables(user.url, connector({ schema: 'dbo' }))).toEqual({
      tables: [{ schema: 'dbo', name: 'big_stores', kind: 'view' }, { schema: 'dbo', name: 'stores', kind: 'table' }],
      truncated: false,
    });
  });

  it('list_tables without a schema: every schema, 500 of 602 and truncated', async () => {
    const { tables, truncated } = await listTables(user.url, connector());
    expect(truncated).toBe(true);
    expect(tables).toHaveLength(500);
    expect(tables[0]).toEqual({ schema: 'dbo', name: 'big_stores', kind: 'view' });
    expect(tables[2]).toEqual({ schema: 'many', name: 't000', kind: 'table' });
    expect(tables[499]).toEqual({ schema: 'many', name: 't497', kind: 'table' });
  });

  it('list_tables of 600 tables in one schema: the first 500 and truncated', async () => {
    const { tables, truncated } = await listTables(user.url, connector({ schema: 'many' }));
    expect(truncated).toBe(true);
    expect(tables.map((t: { name: string }) => t.name)).toEqual(Array.from({ length: 500 }, (_, i) => `t${String(i).padStart(3, '0')}`));
  });

  it('preview: exact values, sql_variant skipped, the rounding warning an import would give', async () => {
    const answer = await preview(user.url, connector({ table: 'stores' }));
    expect(answer.columns).toEqual([
      { name: 'id', local_name: 'id', remote_type: 'int', local_type: 'integer' },
      { name: 'name', local_name: 'name', remote_type: 'nvarchar(100)', local_type: 'varchar(100)' },
      { name: 'revenue', local_name: 'revenue', remote_type: 'decimal(18,4)', local_type: 'numeric(18,4)' },
      { name: 'opened', local_name: 'opened', remote_type: 'datetime2(7)', local_type: 'timestamp' },
      { name: 'active', local_name: 'active', remote_type: 'bit', local_type: 'boolean' },
      { name: 'code', local_name: 'code', remote_type: 'uniqueidentifier', local_type: 'uuid' },
      { name: 'logo', local_name: 'logo', remote_type: 'varbinary(16)', local_type: 'bytea' },
      { name: 'v', local_name: null, remote_type: 'sql_variant', local_type: 'skipped' },
    ]);
    expect(answer.rows).toEqual([
      ['1', 'Zürich 東京 😀', '12345678901234.5678', '2020-01-02 03:04:05.123457', 't', '6f9619ff-8b86-d011-b42d-00c04fc964ff', '\\x00ff10'],
      ['2', null, '-0.0001', '2021-06-07 08:09:10', 'f', null, null],
    ]);
    expect(answer.warnings.map((w: { code: string }) => w.code)).toEqual(['timestamp_rounded']);
  });

  it('preview of a missing table raises 58000 with error_code 1505', async () => {
    const err = await sqlError(preview(user.url, connector({ table: 'nope' })));
    expect([err.code, err.detail]).toEqual(['58000', 'error_code 1505']);
  });
});
