/**
 * Issue 3 end to end: cdb_connector_import → sidecar → MariaDB → COPY → a local table, checked
 * value by value in PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { importAndWait, startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
let my: MysqlDb;
let sidecar: TestSidecar;

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  sidecar = await startSidecar(db);
  await my.exec(`
    create table edge (
      id int primary key,
      big bigint, ubig bigint unsigned, dec38 decimal(38,10), dbl double, flt float,
      dt6 datetime(6), ts timestamp null, d date, t time, txt text, vc varchar(20), yr year, bit1 bit(1), js json, bl blob
    );
    insert into edge values
      (1, 9223372036854775807, 18446744073709551615, 1234567890123456789012345678.0123456789, 1.7976931348623157e308, 3.14159,
       '2024-02-29 23:59:59.999999', '2024-01-02 03:04:05', '2024-02-29', '838:59:59', 'tab\there\nnew\\\\back "q" ''s''', '', 2024, b'1', '{"a": [1, 2.5, "x"]}', x'00ff00'),
      (2, -9223372036854775808, 0, -0.0000000001, -2.2250738585072014e-308, -1.5,
       '0000-00-00 00:00:00', null, '0000-00-00', '-12:30:00.5', 'emoji 😀 中文', null, 1901, b'0', 'null', x''),
      (3, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    create table customers (id int primary key, name varchar(50));
    create table orders (id int primary key, customer_id int, total decimal(12,2));
    insert into customers values (1, 'Ada'), (2, 'Grace');
    insert into orders values (10, 1, 99.95), (11, 2, 5.00), (12, 1, 0.05);
  `);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), my?.drop()]);
});

const request = (extra: Record<string, unknown>) => ({ connector: { provider: 'mysql', connection: my.connection(), ...extra } });

describe('MySQL import end to end', () => {
  it('imports every edge value exactly', async () => {
    const status = await importAndWait(db, request({ table: 'edge' }));
    expect(status.state, status.error_message ?? '').toBe('complete');
    expect(status.table_name).toBe('edge');
    expect(status.rows_imported).toBe(3);
    const types = await db.query<{ column_name: string; t: string }>(
      `select a.attname as column_name, format_type(a.atttypid, a.atttypmod) as t from pg_attribute a
        where a.attrelid = 'public.edge'::regclass and a.attnum > 0 order by a.attnum`);
    expect(Object.fromEntries(types.rows.map((r) => [r.column_name, r.t]))).toMatchObject({
      id: 'integer', big: 'bigint', ubig: 'numeric(20,0)', dec38: 'numeric(38,10)', dbl: 'double precision', flt: 'real',
      dt6: 'timestamp(6) without time zone', d: 'date', t: 'time(0) without time zone', txt: 'text', vc: 'character varying(20)',
      yr: 'smallint', bit1: 'boolean', bl: 'bytea',
    });
    const { rows } = await db.query(`select id, big::text, ubig::text, dec38::text, dbl::text, flt::text, dt6::text, ts::text, d::text, t::text,
       txt, vc, yr, bit1, js::text, encode(bl, 'hex') as bl from edge order by id`);
    expect(rows[0]).toMatchObject({
      big: '9223372036854775807', ubig: '18446744073709551615', dec38: '1234567890123456789012345678.0123456789',
      dbl: '1.7976931348623157e+308', flt: '3.14159', dt6: '2024-02-29 23:59:59.999999', ts: '2024-01-02 03:04:05+00',
      d: '2024-02-29', t: null, txt: 'tab\there\nnew\\back "q" \'s\'', vc: '', yr: 2024, bit1: true, bl: '00ff00',
    });
    expect(JSON.parse(rows[0].js)).toEqual({ a: [1, 2.5, 'x'] });
    expect(rows[1]).toMatchObject({
      big: '-9223372036854775808', ubig: '0', dec38: '-0.0000000001', dbl: '-2.2250738585072014e-308', flt: '-1.5',
      dt6: null, d: null, t: null, txt: 'emoji 😀 中文', vc: null, yr: 1901, bit1: false, bl: '',
    });
    expect(rows[2]).toMatchObject({ big: null, ubig: null, dec38: null, txt: null, vc: null, bl: null });
    const codes = status.warnings.map((w) => w.code).sort();
    expect(codes).toContain('zero_dates');
    expect(codes).toContain('time_out_of_range');
  });

  it('imports a sql_query with a join under the table name', async () => {
    const status = await importAndWait(db, request({
      table: 'customer_orders',
      sql_query: 'select c.name, o.id as order_id, o.total from orders o join customers c on c.id = o.customer_id order by o.id',
    }));
    expect(status.state, status.error_message ?? '').toBe('complete');
    const { rows } = await db.query('select name, order_id, total::text from customer_orders order by order_id');
    expect(rows).toEqual([
      { name: 'Ada', order_id: 10, total: '99.95' },
      { name: 'Grace', order_id: 11, total: '5.00' },
      { name: 'Ada', order_id: 12, total: '0.05' },
    ]);
  });

  it('never overwrites an existing table: a second import gets _1', async () => {
    const first = await importAndWait(db, request({ table: 'customers' }));
    const second = await importAndWait(db, request({ table: 'customers' }));
    expect([first.table_name, second.table_name]).toEqual(['customers', 'customers_1']);
    const { rows } = await db.query('select (select count(*) from customers)::int as a, (select count(*) from customers_1)::int as b');
    expect(rows[0]).toEqual({ a: 2, b: 2 });
  });
});
