/**
 * Answers now from SQL against MySQL (issue 10 §1): CALL cdb_connector_check / _list_tables /
 * _preview as a plain API user → sidecar → mysql2 → the run's MariaDB, and the answer comes back
 * in the same statement. The shared scenario is suites/answers-suite.ts; here are the MariaDB
 * fixture, its expected answers and the tests only MySQL has.
 */
import { expect, it } from 'vitest';
import { listTables, preview, sqlError, withSetting } from '../helpers/answers.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { describeAnswers, MANY_TABLE_NAMES, MANY_TABLES } from './suites/answers-suite.js';

const READER = `reader_${process.pid}`;
const READER_PASSWORD = 'S3cret-pw!';

interface MysqlRemote {
  /** The fixture's database, read by READER. */
  shop: MysqlDb;
  /** A database of MANY_TABLES tables, read as root: MySQL lists one database, so the many tables need their own. */
  many: MysqlDb;
}

async function startMysql(): Promise<MysqlRemote> {
  const [shop, many] = await Promise.all([createMysqlDb(), createMysqlDb()]);
  await shop.exec(`
    create table orders (Id int primary key, \`Order Name\` varchar(20), amount decimal(12,2), created datetime(3),
                         shape geometry, photo blob, note text);
    insert into orders values
      (1, 'Zürich 東京', 1234567890.25, '2024-01-31 10:00:00.125', ST_GeomFromText('POINT(1 2)'), x'00ff10', null),
      (2, null, -0.01, '1999-12-31 23:59:59.000', null, null, 'a\\tb'),
      (3, 'third', 0, '2000-01-01 00:00:00.000', null, x'', '');
    create view big_orders as select Id, amount from orders where amount > 100;`);
  await shop.createUser(READER, READER_PASSWORD);
  // one round trip for all 600; MEMORY tables skip InnoDB files, still ~10 s of DDL on this machine
  await many.exec(MANY_TABLE_NAMES.map((name) => `create table ${name} (id int) engine=memory;`).join('\n'));
  return { shop, many };
}

describeAnswers<MysqlRemote>({
  title: 'MySQL',
  provider: 'mysql',
  start: startMysql,
  stop: async ({ shop, many }) => { await Promise.all([shop.drop(), many.drop()]); },
  connection: ({ shop }, password = READER_PASSWORD) => shop.connection(READER, password),
  wrongPasswordText: /Access denied/i,
  previewTitle: 'preview: columns with remote and local types and names, skipped columns, exact rows',
  expected: ({ shop, many }) => ({
    listed: {
      request: {},
      tables: [
        { schema: shop.name, name: 'big_orders', kind: 'view' },
        { schema: shop.name, name: 'orders', kind: 'table' },
      ],
    },
    many: { request: { connection: many.connection() }, schema: many.name },
    preview: {
      request: { table: 'orders' },
      limit: 2,
      columns: [
        { name: 'Id', local_name: 'id', remote_type: 'int(11)', local_type: 'integer' },
        { name: 'Order Name', local_name: 'order_name', remote_type: 'varchar(20)', local_type: 'varchar(20)' },
        { name: 'amount', local_name: 'amount', remote_type: 'decimal(12,2)', local_type: 'numeric(12,2)' },
        { name: 'created', local_name: 'created', remote_type: 'datetime(3)', local_type: 'timestamp(3)' },
        { name: 'photo', local_name: 'photo', remote_type: 'blob', local_type: 'bytea' },
        { name: 'note', local_name: 'note', remote_type: 'text', local_type: 'text' },
        { name: 'shape', local_name: null, remote_type: 'geometry', local_type: 'skipped' },
      ],
      rows: [
        ['1', 'Zürich 東京', '1234567890.25', '2024-01-31 10:00:00.125', '\\x00ff10', null],
        ['2', null, '-0.01', '1999-12-31 23:59:59.000', null, 'a\tb'],
      ],
      warnings: ['skipped_columns'],
    },
    missingTable: { table: 'no_such_table' },
  }),
}, (ctx) => {
  it('list_tables honours max_listed_tables: exactly the limit is not truncated', async () => {
    await withSetting(ctx.db, 'max_listed_tables', String(MANY_TABLES), async () => {
      const { tables, truncated } = await listTables(ctx.user.url, ctx.connector({ connection: ctx.remote.many.connection() }));
      expect(tables).toHaveLength(MANY_TABLES);
      expect(truncated).toBe(false);
    });
  });

  it('preview of a sql_query needs no local name; the default is 10 rows, 0 gives the columns only', async () => {
    const sample = await preview(ctx.user.url, ctx.connector({ sql_query: 'select Id from orders order by Id desc' }));
    expect(sample.rows).toEqual([['3'], ['2'], ['1']]);
    const none = await preview(ctx.user.url, ctx.connector({ sql_query: 'select Id from orders' }), 0);
    expect(none).toEqual({ columns: [{ name: 'Id', local_name: 'id', remote_type: 'int', local_type: 'integer' }], rows: [], warnings: [] });
  });

  it('list_tables with a wrong password raises with error_code 1503', async () => {
    const err = await sqlError(listTables(ctx.user.url, ctx.connector({}, 'wrong-pw-4711')));
    expect(err.code).toBe('58000');
    expect(err.detail).toBe('error_code 1503');
    expect(err.message).toMatch(/Access denied/i);
    expect(err.message).not.toContain('wrong-pw-4711');
  });
});
