/**
 * Whole-database runs (SPEC §15, issue 20 item 6) from SQL Server (the TDS test server) and Hive
 * (the HiveServer2 test server): neither provider reads a schema's structure, so a run imports the
 * tables that include selects with their rows and one `structure_not_read` warning. Each remote has
 * three tables in its default schema (dbo, default) and a same-named table in a second schema:
 * the run's "schema" (its default when absent) scopes the listing and every child's read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAndWait, runSummary, tablesIn, type RunStatus } from '../helpers/database-runs.js';
import { importAndWait, startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { localHiveServerFactory, type HiveTestServer } from '../providers/hive/server-factory.js';
import { tdsTestServer, type SqlServerUnderTest } from '../providers/sqlserver/server.js';

let db: TargetDb;
let ms: SqlServerUnderTest;
let hive: HiveTestServer;
let sidecar: TestSidecar;

beforeAll(async () => {
  [db, ms, hive] = await Promise.all([createTargetDb(), tdsTestServer.start(), localHiveServerFactory('PLAIN').start()]);
  sidecar = await startSidecar(db, { concurrency: 2 });
  await ms.loadFixture(`
    create table dbo.wd_a (id int primary key, name nvarchar(20) not null);
    insert into dbo.wd_a (id, name) values (1, N'a-one'), (2, N'a-two'), (3, N'Zürich');
    create table dbo.wd_b (id int primary key, amount decimal(10,2));
    insert into dbo.wd_b (id, amount) values (1, 10.50), (2, null);
    create table dbo.wd_c (id int);
    insert into dbo.wd_c (id) values (1);`);
  await ms.loadFixture('CREATE SCHEMA sales');
  await ms.loadFixture(`
    create table sales.wd_a (id int primary key, name nvarchar(20));
    insert into sales.wd_a (id, name) values (7, N'sales-a');
    create table sales.wd_s (id int);
    insert into sales.wd_s (id) values (70), (71);`);
  await hive.loadFixture(`
    CREATE TABLE wd_a (id INT, name STRING); INSERT INTO wd_a VALUES (1, 'a-one'), (2, 'a-two'), (3, 'Zürich');
    CREATE TABLE wd_b (id INT, amount DECIMAL(10,2)); INSERT INTO wd_b VALUES (1, 10.50), (2, NULL);
    CREATE TABLE wd_c (id INT); INSERT INTO wd_c VALUES (1);
    CREATE DATABASE other_db; CREATE TABLE other_db.wd_a (id INT, name STRING); INSERT INTO other_db.wd_a VALUES (9, 'other-a');
    CREATE DATABASE otherxdb; CREATE TABLE otherxdb.wd_z (id INT); INSERT INTO otherxdb.wd_z VALUES (99);`);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), ms?.stop(), hive?.stop()]);
});

const sqlserver = (extra: Record<string, unknown> = {}) => ({ connector: {
  provider: 'sqlserver', connection: { server: ms.host, port: ms.port, database: ms.database, username: ms.user, password: ms.password, encrypt: false }, ...extra,
} });
const hiveSource = (extra: Record<string, unknown> = {}) => ({ connector: {
  provider: 'hive', connection: { server: hive.host, port: hive.port, database: 'default', username: hive.user, password: hive.password }, ...extra,
} });

const rowsOf = async (sql: string) => (await db.query(sql)).rows;

/** The run completed with exactly the `structure_not_read` warning (views: none on these remotes). */
function expectNoStructure(status: RunStatus, provider: string): void {
  expect(status.state, status.error_message ?? '').toBe('complete');
  expect(status.warnings).toEqual([{ code: 'structure_not_read', message: expect.stringMatching(new RegExp(`^${provider} sources do not report their keys`)) }]);
}

async function expectSummary(status: RunStatus, rows: Record<string, number>): Promise<void> {
  const run = (await db.query('select * from cdb_connectors.runs where run_id = $1', [status.run_id])).rows[0];
  const n = Object.keys(rows).length;
  const total = Object.values(rows).reduce((a, b) => a + b, 0);
  expect(run).toMatchObject({ state: 'complete', tables_total: n, tables_complete: n, tables_failed: 0 });
  expect(Number(run.rows_fetched)).toBe(total);
  const summary = await runSummary(db, status.run_id);
  expect(summary).toHaveLength(n + 1);
  for (const [table, count] of Object.entries(rows)) {
    expect(summary.find((r) => r.remote_table === table), table).toMatchObject({ table_name: table, state: 'complete', rows: String(count), rejects: '0', error: null });
  }
  expect(summary.at(-1)).toMatchObject({ table_name: 'Total', rows: String(total), rejects: '0' });
}

describe('sqlserver', () => {
  it('default schema dbo: include picks 2 of 3 tables; the rows are dbo\'s, not the same-named sales table\'s', async () => {
    const status = await runAndWait(db, sqlserver({ include: ['wd_a', '~^wd_b$'] }), 'ms_pick');
    expectNoStructure(status, 'sqlserver');
    expect(await tablesIn(db, 'ms_pick')).toEqual(['wd_a', 'wd_b']);
    expect(await rowsOf('select id, name from ms_pick.wd_a order by id')).toEqual([
      { id: 1, name: 'a-one' }, { id: 2, name: 'a-two' }, { id: 3, name: 'Zürich' },
    ]);
    expect(await rowsOf('select id, amount::text as amount from ms_pick.wd_b order by id')).toEqual([{ id: 1, amount: '10.50' }, { id: 2, amount: null }]);
    // no structure: neither the remote primary keys nor the NOT NULL column
    expect((await db.query(`select count(*)::int as n from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname = 'ms_pick'`)).rows[0].n).toBe(0);
    expect((await db.query(`select attnotnull from pg_attribute where attrelid = 'ms_pick.wd_a'::regclass and attname = 'name'`)).rows[0].attnotnull).toBe(false);
    await expectSummary(status, { wd_a: 3, wd_b: 2 });
  });

  it('"schema": "sales" lists and reads that schema only', async () => {
    const status = await runAndWait(db, sqlserver({ schema: 'sales', include: ['wd%'], exclude: ['wd_c'] }), 'ms_sales');
    expectNoStructure(status, 'sqlserver');
    expect(await tablesIn(db, 'ms_sales')).toEqual(['wd_a', 'wd_s']);
    expect(await rowsOf('select id, name from ms_sales.wd_a')).toEqual([{ id: 7, name: 'sales-a' }]);
    expect(await rowsOf('select id from ms_sales.wd_s order by id')).toEqual([{ id: 70 }, { id: 71 }]);
    await expectSummary(status, { wd_a: 1, wd_s: 2 });
  });
});

describe('hive', () => {
  it('default database: include picks 2 of 3 tables with their rows', async () => {
    const status = await runAndWait(db, hiveSource({ include: ['wd_a', 'wd_b'] }), 'hive_pick');
    expectNoStructure(status, 'hive');
    expect(await tablesIn(db, 'hive_pick')).toEqual(['wd_a', 'wd_b']);
    expect(await rowsOf('select id, name from hive_pick.wd_a order by id')).toEqual([
      { id: 1, name: 'a-one' }, { id: 2, name: 'a-two' }, { id: 3, name: 'Zürich' },
    ]);
    expect(await rowsOf('select id, amount::text as amount from hive_pick.wd_b order by id')).toEqual([{ id: 1, amount: '10.50' }, { id: 2, amount: null }]);
    await expectSummary(status, { wd_a: 3, wd_b: 2 });
  });

  it('"schema": "other_db" takes that database only, though GetTables reads "_" as a wildcard (otherxdb matches it)', async () => {
    const status = await runAndWait(db, hiveSource({ schema: 'other_db', include: ['~.'] }), 'hive_other');
    expectNoStructure(status, 'hive');
    expect(await tablesIn(db, 'hive_other')).toEqual(['wd_a']);
    expect(await rowsOf('select id, name from hive_other.wd_a')).toEqual([{ id: 9, name: 'other-a' }]);
    await expectSummary(status, { wd_a: 1 });
  });

  it('a schema spelled in another case is found, as a one-table import finds it (Hive names ignore case)', async () => {
    // GetTables matches OTHER_DB and answers `other_db`: the listing compares Hive schema names without case
    const one = await importAndWait(db, hiveSource({ schema: 'OTHER_DB', table: 'wd_a', import_as: 'hive_one' }));
    expect(one.state, one.error_message ?? '').toBe('complete');
    expect(await rowsOf('select id, name from public.hive_one')).toEqual([{ id: 9, name: 'other-a' }]);
    const status = await runAndWait(db, hiveSource({ schema: 'OTHER_DB', include: ['wd%'] }), 'hive_case');
    expect(status.state, status.error_message ?? '').toBe('complete');
    expect(await tablesIn(db, 'hive_case')).toEqual(['wd_a']);
    expect(await rowsOf('select id, name from hive_case.wd_a')).toEqual([{ id: 9, name: 'other-a' }]);
  });
});
