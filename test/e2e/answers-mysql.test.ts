/**
 * Answers now from SQL against MySQL (issue 10 §1): CALL cdb_connector_check / _list_tables /
 * _preview as a plain API user → sidecar → mysql2 → the run's MariaDB, and the answer comes back
 * in the same statement.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, createApiUser, listTables, preview, sqlError, type ApiUser } from '../helpers/answers.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

const READER = `reader_${process.pid}`;
const READER_PASSWORD = 'S3cret-pw!';
const MANY_TABLES = 600;

let db: TargetDb;
let user: ApiUser;
let sidecar: TestSidecar;
let remote: MysqlDb;
let many: MysqlDb;

beforeAll(async () => {
  [db, remote, many] = await Promise.all([createTargetDb(), createMysqlDb(), createMysqlDb()]);
  [user, sidecar] = await Promise.all([createApiUser(db), startSidecar(db)]);
  await remote.exec(`
    create table orders (Id int primary key, \`Order Name\` varchar(20), amount decimal(12,2), created datetime(3),
                         shape geometry, photo blob, note text);
    insert into orders values
      (1, 'Zürich 東京', 1234567890.25, '2024-01-31 10:00:00.125', ST_GeomFromText('POINT(1 2)'), x'00ff10', null),
      (2, null, -0.01, '1999-12-31 23:59:59.000', null, null, 'a\\tb'),
      (3, 'third', 0, '2000-01-01 00:00:00.000', null, x'', '');
    create view big_orders as select Id, amount from orders where amount > 100;`);
  await remote.createUser(READER, READER_PASSWORD);
  // one round trip for all 600; MEMORY tables skip InnoDB files, still ~10 s of DDL on this machine
  await many.exec(Array.from({ length: MANY_TABLES }, (_, i) => `create table t${String(i).padStart(3, "0")} (id int) engine=memory;`).join('\n'));
});

afterAll(async () => {
  await sidecar?.stop();
  await user?.drop();
  await Promise.all([db?.drop(), remote?.drop(), many?.drop()]);
});

const connector = (extra: Record<string, unknown> = {}, password = READER_PASSWORD) => ({
  connector: { provider: 'mysql', connection: remote.connection(READER, password), ...extra },
});

describe('answers now: MySQL', () => {
  it('check: connected', async () => {
    expect(await check(user.url, connector())).toEqual({ connected: true });
  });

  it('check with a wrong password: connected false, 1503, the remote text, never the password', async () => {
    const answer = await check(user.url, connector({}, 'not-the-password'));
    expect(answer).toMatchObject({ connected: false, error_code: 1503 });
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors[0]).toMatch(/Access denied/i);
    expect(JSON.stringify(answer)).not.toContain('not-the-password');
  });

  it('list_tables: tables and views of the database, sorted', async () => {
    expect(await listTables(user.url, connector())).toEqual({
      tables: [
        { schema: remote.name, name: 'big_orders', kind: 'view' },
        { schema: remote.name, name: 'orders', kind: 'table' },
      ],
      truncated: false,
    });
  });

  it('list_tables of 600 tables: the first 500 and truncated', async () => {
    const { tables, truncated } = await listTables(user.url, { connector: { provider: 'mysql', connection: many.connection() } });
    expect(truncated).toBe(true);
    expect(tables).toHaveLength(500);
    expect(tables[0]).toEqual({ schema: many.name, name: 't000', kind: 'table' });
    expect(tables[499]).toEqual({ schema: many.name, name: 't499', kind: 'table' });
  });

  it('list_tables honours max_listed_tables: exactly the limit is not truncated', async () => {
    await db.query("update cdb_connectors.settings set value = '600' where name = 'max_listed_tables'");
    try {
      const { tables, truncated } = await listTables(user.url, { connector: { provider: 'mysql', connection: many.connection() } });
      expect(tables).toHaveLength(600);
      expect(truncated).toBe(false);
    } finally {
      await db.query("update cdb_connectors.settings set value = '500' where name = 'max_listed_tables'");
    }
  });

  it('preview: columns with remote and local types and names, skipped columns, exact rows', async () => {
    const answer = await preview(user.url, connector({ table: 'orders' }), 2);
    expect(answer.columns).toEqual([
      { name: 'Id', local_name: 'id', remote_type: 'int(11)', local_type: 'integer' },
      { name: 'Order Name', local_name: 'order_name', remote_type: 'varchar(20)', local_type: 'varchar(20)' },
      { name: 'amount', local_name: 'amount', remote_type: 'decimal(12,2)', local_type: 'numeric(12,2)' },
      { name: 'created', local_name: 'created', remote_type: 'datetime(3)', local_type: 'timestamp(3)' },
      { name: 'photo', local_name: 'photo', remote_type: 'blob', local_type: 'bytea' },
      { name: 'note', local_name: 'note', remote_type: 'text', local_type: 'text' },
      { name: 'shape', local_name: null, remote_type: 'geometry', local_type: 'skipped' },
    ]);
    expect(answer.rows).toEqual([
      ['1', 'Zürich 東京', '1234567890.25', '2024-01-31 10:00:00.125', '\\x00ff10', null],
      ['2', null, '-0.01', '1999-12-31 23:59:59.000', null, 'a\tb'],
    ]);
  });

  it('preview of a sql_query needs no local name; the default is 10 rows, 0 gives the columns only', async () => {
    const sample = await preview(user.url, connector({ sql_query: 'select Id from orders order by Id desc' }));
    expect(sample.rows).toEqual([['3'], ['2'], ['1']]);
    const none = await preview(user.url, connector({ sql_query: 'select Id from orders' }), 0);
    expect(none).toEqual({ columns: [{ name: 'Id', local_name: 'id', remote_type: 'int', local_type: 'integer' }], rows: [], warnings: [] });
  });

  it('preview of a missing table raises 58000 with error_code 1505 and the remote text', async () => {
    const err = await sqlError(preview(user.url, connector({ table: 'no_such_table' })));
    expect(err.code).toBe('58000');
    expect(err.detail).toBe('error_code 1505');
    expect(err.message).toMatch(/no_such_table/);
  });

  it('list_tables with a wrong password raises with error_code 1503', async () => {
    const err = await sqlError(listTables(user.url, connector({}, 'wrong-pw-4711')));
    expect(err.code).toBe('58000');
    expect(err.detail).toBe('error_code 1503');
    expect(err.message).toMatch(/Access denied/i);
    expect(err.message).not.toContain('wrong-pw-4711');
  });
});
