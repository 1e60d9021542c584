/**
 * Answers now from SQL against SQL Server (issue 10 §1): tedious → the TDS test server. The
 * shared scenario is suites/answers-suite.ts; here are the server's fixture, its expected answers
 * and the tests only SQL Server has.
 */
import { expect, it } from 'vitest';
import { listTables } from '../helpers/answers.js';
import { tdsTestServer, type SqlServerUnderTest } from '../providers/sqlserver/server.js';
import { DEFAULT_MAX_LISTED_TABLES, describeAnswers, MANY_TABLE_NAMES } from './suites/answers-suite.js';

async function startSqlServer(): Promise<SqlServerUnderTest> {
  const ms = await tdsTestServer.start();
  await ms.loadFixture(`
    create table dbo.stores (id int primary key, name nvarchar(100), revenue decimal(18,4), opened datetime2(7), active bit,
                             code uniqueidentifier, logo varbinary(16), v sql_variant);
    insert into dbo.stores (id, name, revenue, opened, active, code, logo) values
      (1, N'Zürich 東京 😀', 12345678901234.5678, '2020-01-02T03:04:05.1234567', 1, '6F9619FF-8B86-D011-B42D-00C04FC964FF', 0x00FF10);
    insert into dbo.stores (id, name, revenue, opened, active, code, logo) values
      (2, null, -0.0001, '2021-06-07T08:09:10', 0, null, null);
    create view dbo.big_stores as select id, revenue from dbo.stores where revenue > 100;
    create schema many;`);
  await ms.loadFixture(MANY_TABLE_NAMES.map((name) => `create table many.${name} (id int);`).join('\n'));
  return ms;
}

const DBO_TABLES = [
  { schema: 'dbo', name: 'big_stores', kind: 'view' },
  { schema: 'dbo', name: 'stores', kind: 'table' },
] as const;

describeAnswers<SqlServerUnderTest>({
  title: 'SQL Server',
  provider: 'sqlserver',
  start: startSqlServer,
  stop: (ms) => ms.stop(),
  connection: (ms, password = ms.password) =>
    ({ server: ms.host, port: ms.port, database: ms.database, username: ms.user, password, encrypt: false }),
  wrongPasswordText: /Login failed/i,
  previewTitle: 'preview: exact values, sql_variant skipped, the rounding warning an import would give',
  expected: () => ({
    listed: { request: { schema: 'dbo' }, tables: [...DBO_TABLES] },
    many: { request: { schema: 'many' }, schema: 'many' },
    preview: {
      request: { table: 'stores' },
      columns: [
        { name: 'id', local_name: 'id', remote_type: 'int', local_type: 'integer' },
        { name: 'name', local_name: 'name', remote_type: 'nvarchar(100)', local_type: 'varchar(100)' },
        { name: 'revenue', local_name: 'revenue', remote_type: 'decimal(18,4)', local_type: 'numeric(18,4)' },
        { name: 'opened', local_name: 'opened', remote_type: 'datetime2(7)', local_type: 'timestamp' },
        { name: 'active', local_name: 'active', remote_type: 'bit', local_type: 'boolean' },
        { name: 'code', local_name: 'code', remote_type: 'uniqueidentifier', local_type: 'uuid' },
        { name: 'logo', local_name: 'logo', remote_type: 'varbinary(16)', local_type: 'bytea' },
        { name: 'v', local_name: null, remote_type: 'sql_variant', local_type: 'skipped' },
      ],
      rows: [
        ['1', 'Zürich 東京 😀', '12345678901234.5678', '2020-01-02 03:04:05.123457', 't', '6f9619ff-8b86-d011-b42d-00c04fc964ff', '\\x00ff10'],
        ['2', null, '-0.0001', '2021-06-07 08:09:10', 'f', null, null],
      ],
      warnings: ['skipped_columns', 'timestamp_rounded'],
    },
    missingTable: { table: 'nope' },
  }),
}, (ctx) => {
  it('list_tables without a schema: every schema, 500 of 602 and truncated', async () => {
    const { tables, truncated } = await listTables(ctx.user.url, ctx.connector());
    expect(truncated).toBe(true);
    expect(tables).toHaveLength(DEFAULT_MAX_LISTED_TABLES);
    // dbo sorts before many: its two come first, then the many tables until the limit
    expect(tables.slice(0, DBO_TABLES.length)).toEqual(DBO_TABLES);
    expect(tables[2]).toEqual({ schema: 'many', name: 't000', kind: 'table' });
    expect(tables[499]).toEqual({ schema: 'many', name: 't497', kind: 'table' });
  });
});
