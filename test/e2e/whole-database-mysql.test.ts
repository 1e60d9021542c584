/**
 * Whole-database runs from MariaDB (SPEC §15, issue 20 item 6): a 30-table shop schema with
 * composite keys, self-referencing and circular foreign keys, a table without a key, ENUM / SET /
 * spatial columns, a FULLTEXT index and a view, imported by one SQL call. Checked: the tables that
 * arrived and their rows (counts and an md5 over every row, computed on both sides), the structure
 * in pg_constraint / pg_index, the warnings for what was not reproduced, the runs view and the
 * summary, atomic and non-atomic failure, cancel, and a whole-database sync with one merge table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSetting } from '../helpers/answers.js';
import { constraintsIn, indexesIn, runAndWait, runSummary, startRun, tablesIn, waitForRun } from '../helpers/database-runs.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { startSidecar, waitForJob, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

const DIMENSIONS = 21;
const DIM_ROWS = 50;

let db: TargetDb;
let my: MysqlDb;
let sidecar: TestSidecar;

const source = (extra: Record<string, unknown> = {}) => ({ connector: { provider: 'mysql', connection: my.connection(), ...extra } });

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb({ postgis: true }), createMysqlDb()]);
  sidecar = await startSidecar(db, { concurrency: 3 });
  const dims = Array.from({ length: DIMENSIONS }, (_, i) =>
    `create table dim_${i} (id int primary key, label varchar(20) not null);
     insert into dim_${i} select seq, concat('d${i}-', seq) from seq_1_to_${DIM_ROWS};`).join('\n');
  await my.exec(`
    create table customers (id int primary key, email varchar(100) not null, name varchar(50),
      referred_by int, unique key uq_email (email), key ix_name (name(10)),
      constraint fk_referrer foreign key (referred_by) references customers (id) on delete set null);
    insert into customers values (1, 'a@x', 'Ann', null), (2, 'b@x', 'Bob', 1), (3, 'c@x', null, 2);
    create table products (id int primary key, sku varchar(20) not null, name varchar(100), unique key (sku), fulltext key ft_name (name));
    insert into products values (1, 'S-1', 'red chair'), (2, 'S-2', 'blue table');
    create table orders (id int primary key, customer_id int not null, status enum('new','paid','shipped') not null,
      tags set('gift','rush'), created_at datetime not null, key ix_status (status, created_at desc),
      constraint fk_customer foreign key (customer_id) references customers (id) on delete cascade on update restrict);
    insert into orders values (10, 1, 'paid', 'gift,rush', '2026-01-02 03:04:05'), (11, 2, 'new', '', '2026-02-03 04:05:06'), (12, 1, 'shipped', null, '2026-03-04 05:06:07');
    create table order_items (order_id int not null, line int not null, product_id int not null, qty decimal(8,2) not null,
      primary key (order_id, line),
      constraint fk_item_order foreign key (order_id) references orders (id) on delete cascade,
      constraint fk_item_product foreign key (product_id) references products (id));
    insert into order_items values (10, 1, 1, 2.50), (10, 2, 2, 1), (11, 1, 1, 3);
    create table places (id int primary key, geom point not null, spatial key sp_geom (geom));
    insert into places values (1, ST_GeomFromText('POINT(1 2)')), (2, ST_GeomFromText('POINT(3 4)'));
    create table dept (id int primary key, manager_id int);
    create table employees (id int primary key, dept_id int, constraint fk_emp_dept foreign key (dept_id) references dept (id));
    alter table dept add constraint fk_dept_manager foreign key (manager_id) references employees (id);
    insert into dept values (1, null); insert into employees values (100, 1); update dept set manager_id = 100;
    create table no_key (a int, b varchar(10)); insert into no_key values (1, 'x'), (1, 'x'), (null, null);
    create table audit_backup (id int primary key); insert into audit_backup values (1);
    create view v_orders as select id, status from orders;
    ${dims}`);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), my?.drop()]);
});

/** The id of the sync's run after `previous`, once the scheduler enqueued it. */
async function nextRunOf(syncId: string, previous: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await db.query('select last_import_id from cdb_connectors.syncs where id = $1', [syncId]);
    if (rows[0].last_import_id !== previous) return rows[0].last_import_id as string;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sync ${syncId} was not run again`);
}

/** md5 over every row in key order, the same text on both sides. */
async function checksums(table: string, columns: string, order: string): Promise<{ remote: string; local: string }> {
  const [remote] = await my.exec(`select md5(coalesce(group_concat(concat_ws('|', ${columns}) order by ${order} separator '\\n'), '')) as h from \`${table}\``) as [Array<{ h: string }>];
  const { rows } = await db.query(`select md5(coalesce(string_agg(concat_ws('|', ${columns}), E'\\n' order by ${order}), '')) as h from shop.${table}`);
  return { remote: remote[0]!.h, local: rows[0].h };
}

describe('an atomic run of the whole shop schema', () => {
  let runId: string;

  beforeAll(async () => {
    const status = await runAndWait(db, source({ exclude: ['%_backup'] }), 'shop');
    runId = status.run_id;
    expect(status.state, status.error_message ?? '').toBe('complete');
  });

  it('imports every base table but the excluded one, each with its rows', async () => {
    const tables = await tablesIn(db, 'shop');
    expect(tables).toHaveLength(29);
    expect(tables).not.toContain('audit_backup');
    expect(tables).not.toContain('v_orders');
    for (const [table, columns, order] of [
      ['customers', 'id, email, name, referred_by', 'id'], ['orders', 'id, customer_id, status, tags, created_at', 'id'],
      ['order_items', 'order_id, line, product_id, qty', 'order_id, line'], ['dim_7', 'id, label', 'id'],
    ] as const) {
      const sums = await checksums(table, columns, order);
      expect(sums.local, table).toBe(sums.remote);
    }
    const { rows } = await db.query(`select (select count(*) from shop.dim_20)::int as dims, (select count(*) from shop.no_key)::int as no_key,
      (select string_agg(ST_AsText(geom), ' ' order by id) from shop.places) as geoms`);
    expect(rows[0]).toEqual({ dims: DIM_ROWS, no_key: 3, geoms: 'POINT(1 2) POINT(3 4)' });
    const staging = await db.query(`select nspname from pg_namespace where nspname like 'cdb_run_%'`);
    expect(staging.rows).toEqual([]);
  });

  it('reproduces primary keys, unique keys and foreign keys with their actions, self-referencing and circular ones included', async () => {
    const constraints = await constraintsIn(db, 'shop');
    expect(constraints).toEqual(expect.arrayContaining([
      'shop.customers: PRIMARY KEY (id)',
      // MariaDB reports an unspecified rule as RESTRICT (information_schema.REFERENTIAL_CONSTRAINTS)
      'shop.customers: FOREIGN KEY (referred_by) REFERENCES shop.customers(id) ON UPDATE RESTRICT ON DELETE SET NULL',
      'shop.order_items: PRIMARY KEY (order_id, line)',
      'shop.order_items: FOREIGN KEY (order_id) REFERENCES shop.orders(id) ON UPDATE RESTRICT ON DELETE CASCADE',
      'shop.order_items: FOREIGN KEY (product_id) REFERENCES shop.products(id) ON UPDATE RESTRICT ON DELETE RESTRICT',
      'shop.orders: FOREIGN KEY (customer_id) REFERENCES shop.customers(id) ON UPDATE RESTRICT ON DELETE CASCADE',
      'shop.dept: FOREIGN KEY (manager_id) REFERENCES shop.employees(id) ON UPDATE RESTRICT ON DELETE RESTRICT',
      'shop.employees: FOREIGN KEY (dept_id) REFERENCES shop.dept(id) ON UPDATE RESTRICT ON DELETE RESTRICT',
    ]));
    expect(constraints.filter((c) => c.startsWith('shop.no_key'))).toEqual([]);
    const { rows } = await db.query(`select attname from pg_attribute where attrelid = 'shop.customers'::regclass and attnotnull and attnum > 0 order by attnum`);
    expect(rows.map((r) => r.attname)).toEqual(['id', 'email']);
  });

  it('creates the unique, secondary and spatial indexes, and warns for the FULLTEXT index and the prefix', async () => {
    const indexes = await indexesIn(db, 'shop');
    expect(indexes).toEqual(expect.arrayContaining([
      expect.stringMatching(/^CREATE UNIQUE INDEX customers_uq_email ON shop\.customers USING btree \(email\)$/),
      expect.stringMatching(/^CREATE INDEX orders_ix_status ON shop\.orders USING btree \(status, created_at DESC\)$/),
      expect.stringMatching(/^CREATE INDEX places_sp_geom ON shop\.places USING gist \(geom\)$/),
      expect.stringMatching(/^CREATE UNIQUE INDEX products_sku ON shop\.products USING btree \(sku\)$/),
    ]));
    expect(indexes.some((d) => d.includes('ft_name'))).toBe(false);
    const status = (await db.query('select warnings from cdb_connectors.runs where run_id = $1', [runId])).rows[0].warnings as Array<{ code: string; message: string; table?: string }>;
    expect(status.find((w) => w.table === 'products')?.message).toMatch(/FULLTEXT/);
    expect(status.find((w) => w.table === 'customers')?.message).toMatch(/prefix/);
    expect(status.find((w) => w.code === 'views_skipped')?.message).toMatch(/v_orders/);
  });

  it('shows the run and its summary: 29 tables, every row, a total', async () => {
    const run = (await db.query('select * from cdb_connectors.runs where run_id = $1', [runId])).rows[0];
    expect(run).toMatchObject({ state: 'complete', tables_total: 29, tables_complete: 29, tables_failed: 0, percent: '100', atomic: true });
    const rowsExpected = 3 + 2 + 3 + 3 + 2 + 1 + 1 + 3 + DIMENSIONS * DIM_ROWS;
    expect(Number(run.rows_fetched)).toBe(rowsExpected);
    const summary = await runSummary(db, runId);
    expect(summary).toHaveLength(30);
    expect(summary.at(-1)).toMatchObject({ table_name: 'Total', rows: String(rowsExpected), rejects: '0' });
    expect(summary.find((r) => r.remote_table === 'order_items')).toMatchObject({ table_name: 'order_items', state: 'complete', rows: '3', error: null });
    // the imports view shows where each table lives now
    const { rows } = await db.query(`select distinct target_schema from cdb_connectors.imports where id in (select id from cdb_connectors.jobs where run_id = $1)`, [runId]);
    expect(rows).toEqual([{ target_schema: 'shop' }]);
  });
});

describe('selection, failure and cancel', () => {
  it('takes exact names, LIKE and ~regex includes minus excludes; a view only when named', async () => {
    const status = await runAndWait(db, source({ include: ['orders', 'order\\_%', '~^dim_1[0-9]?$', 'v_orders'], exclude: ['dim_12'], atomic: false, structure: false }), 'picked');
    expect(status.state, status.error_message ?? '').toBe('complete');
    expect(await tablesIn(db, 'picked')).toEqual(['dim_1', 'dim_10', 'dim_11', 'dim_13', 'dim_14', 'dim_15', 'dim_16', 'dim_17', 'dim_18', 'dim_19', 'order_items', 'orders', 'v_orders']);
    expect(await constraintsIn(db, 'picked')).toEqual([]);
    const { rows } = await db.query('select count(*)::int as n from picked.v_orders');
    expect(rows[0].n).toBe(3);
  });

  it('an atomic run with a failing table publishes nothing and names the table', async () => {
    await withSetting(db, 'max_columns', '3', async () => {
      const status = await runAndWait(db, source({ include: ['dim_1', 'dim_2', 'customers'] }), 'atomic_fail');
      expect(status.state).toBe('failure');
      expect(status.error_code).toBe(1507);
      expect(status.error_message).toMatch(/^1 of 3 tables failed, so nothing was published \(atomic run\): customers \(1507: /);
      expect(await tablesIn(db, 'atomic_fail')).toEqual([]);
      // a table that did load says it was not published
      const { rows } = await db.query(`select state, warnings from cdb_connectors.jobs where run_id = $1 and state = 'complete'`, [status.run_id]);
      for (const r of rows) expect(r.warnings.map((w: { code: string }) => w.code)).toContain('not_published');
      expect((await db.query(`select count(*)::int as n from pg_namespace where nspname like 'cdb_run_%'`)).rows[0].n).toBe(0);
    });
  });

  it('a non-atomic run with a failing table keeps the others', async () => {
    await withSetting(db, 'max_columns', '3', async () => {
      const status = await runAndWait(db, source({ include: ['dim_1', 'dim_2', 'customers'], atomic: false }), 'loose_fail');
      expect(status.state).toBe('failure');
      expect(status.error_message).toMatch(/1 of 3 tables failed; the other 2 were imported: customers/);
      expect(await tablesIn(db, 'loose_fail')).toEqual(['dim_1', 'dim_2']);
      expect(await constraintsIn(db, 'loose_fail')).toEqual(['loose_fail.dim_1: PRIMARY KEY (id)', 'loose_fail.dim_2: PRIMARY KEY (id)']);
    });
  });

  it('cdb_connector_cancel_run stops the run; an atomic one leaves nothing behind', async () => {
    const runId = await startRun(db.url, source({ include: ['~^dim_'], concurrency: 1 }), 'cancelled');
    expect((await db.query('select cdb_connector_cancel_run($1) as ok', [runId])).rows[0].ok).toBe(true);
    const status = await waitForRun(db, runId);
    expect(status.state).toBe('cancelled');
    expect(status.error_code).toBe(1509);
    expect(await tablesIn(db, 'cancelled')).toEqual([]);
    expect((await db.query('select cdb_connector_cancel_run($1) as ok', [runId])).rows[0].ok).toBe(false);
  });

  it('a remote schema that does not exist fails the run with 1505', async () => {
    const status = await runAndWait(db, { connector: { provider: 'mysql', connection: { ...my.connection(), database: 'no_such_db' } } }, 'nowhere');
    expect(status.state).toBe('failure');
    expect([1505, 1506]).toContain(status.error_code);
  });
});

describe('a whole-database sync', () => {
  it('makes every table a sync of the run, one of them a merge table that takes a remote update', async () => {
    await withSetting(db, 'min_sync_now_interval', '0', async () => {
      const status = await runAndWait(db, {
        ...source({ include: ['customers', 'orders'], tables: { orders: { mode: 'merge', primary_key: ['id'] } } }),
        interval: 3600,
      }, 'synced');
      expect(status.state, status.error_message ?? '').toBe('complete');
      const syncs = (await db.query(`select id, table_name, params ->> 'mode' as mode from cdb_connectors.syncs
        where run_id = $1 order by table_name`, [status.run_id])).rows;
      expect(syncs.map((s) => [s.table_name, s.mode])).toEqual([['customers', null], ['orders', 'merge']]);
      expect(await constraintsIn(db, 'synced')).toEqual(expect.arrayContaining([
        'synced.orders: FOREIGN KEY (customer_id) REFERENCES synced.customers(id) ON UPDATE RESTRICT ON DELETE CASCADE',
      ]));
      await my.exec(`update orders set status = 'shipped' where id = 11`);
      const ordersSync = syncs.find((s) => s.table_name === 'orders')!.id as string;
      const first = (await db.query('select last_import_id from cdb_connectors.syncs where id = $1', [ordersSync])).rows[0].last_import_id;
      await db.query('select cdb_connector_sync_now($1)', [ordersSync]);
      const run = await waitForJob(db, await nextRunOf(ordersSync, first));
      expect(run.state, run.error_message ?? '').toBe('complete');
      const { rows } = await db.query('select status from synced.orders where id = 11');
      expect(rows[0].status).toBe('shipped');
      await my.exec(`update orders set status = 'new' where id = 11`);
    });
  });
});
