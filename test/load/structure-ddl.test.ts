/**
 * Whole-database structure (SPEC §15, issue 20 item 2), the two halves before the run that uses
 * them: the MySQL provider's readStructure on a real MariaDB schema (composite, self-referencing
 * and circular foreign keys, prefix, descending, FULLTEXT and SPATIAL indexes, a table without a
 * key, a foreign key to a non-unique column), and load/structure-ddl.ts's plan applied to a real
 * PostGIS target, checked in pg_constraint and pg_index, and its warnings for what it cannot
 * reproduce. The planner is given the local names (orders.`select` arrived as select_).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planStructure, type LoadedTable, type StructurePlan } from '../../src/load/structure-ddl.js';
import { mysqlProvider } from '../../src/providers/mysql/index.js';
import type { TableStructure } from '../../src/rows/structure.js';
import { applyStructure } from '../../src/load/apply-structure.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { roleFactory, type RoleFactory } from '../sql/helpers.js';
import { createTestDb, runMariaDb, sessionOptions, type MysqlTestDb } from '../providers/mysql/server.js';
import { postgresProvider } from '../../src/providers/postgres/index.js';
import { localRemoteFactory, remoteRequest, remoteSql, type RemotePostgres } from '../providers/postgres/remote.js';

let my: MysqlTestDb;
let db: TargetDb;
let structures: TableStructure[];
let roles: RoleFactory;

const TABLES = ['customers', 'orders', 'employees', 'a', 'b', 'places', 'nokey', 'parents', 'children'];

beforeAll(async () => {
  [my, db] = await Promise.all([createTestDb(runMariaDb()), createTargetDb({ postgis: true })]);
  roles = roleFactory(db);
  await my.exec(`
    create table customers (id int primary key, email varchar(100) not null, name varchar(200) not null, bio text,
      unique key email_uq (email), key name_prefix (name(10)), fulltext key bio_ft (bio)) engine=InnoDB;
    create table orders (id int, line int, customer_id int not null, placed datetime not null, \`select\` int,
      primary key (id, line), key by_customer (customer_id, placed desc),
      constraint orders_customer foreign key (customer_id) references customers (id) on delete cascade on update restrict);
    create table employees (id int primary key, manager_id int, constraint boss foreign key (manager_id) references employees (id) on delete set null);
    create table a (id int primary key, b_id int);
    create table b (id int primary key, a_id int, constraint b_a foreign key (a_id) references a (id));
    alter table a add constraint a_b foreign key (b_id) references b (id);
    create table places (id int primary key, pt point not null, spatial key pt_idx (pt));
    create table nokey (x int);
    create table parents (id int primary key, code int, key code_idx (code));
    create table children (id int primary key, parent_code int, constraint to_code foreign key (parent_code) references parents (code));
  `);
  const session = await mysqlProvider.connect(my.request(), sessionOptions());
  try {
    structures = await session.readStructure!([...TABLES, 'not_there']);
  } finally {
    await session.close();
  }
});

afterAll(async () => {
  await Promise.all([my?.drop(), roles?.cleanup()]);
});

const of = (table: string) => structures.find((s) => s.table === table)!;

describe('readStructure on MariaDB', () => {
  it('reads NOT NULL columns, the composite primary key first, index columns in order with prefix and direction', () => {
    expect(of('orders').notNull).toEqual(['id', 'line', 'customer_id', 'placed']);
    expect(of('orders').indexes).toEqual([
      { name: 'PRIMARY', unique: true, primary: true, kind: 'btree', columns: [{ name: 'id', descending: false }, { name: 'line', descending: false }] },
      { name: 'by_customer', unique: false, primary: false, kind: 'btree', columns: [{ name: 'customer_id', descending: false }, { name: 'placed', descending: true }] },
      // InnoDB indexes every foreign key's columns; it reuses by_customer here, so no extra index
    ]);
    expect(of('customers').indexes.map((i) => [i.name, i.unique, i.kind, i.columns.map((c) => c.prefixLength ?? null)])).toEqual([
      ['PRIMARY', true, 'btree', [null]],
      ['bio_ft', false, 'fulltext', [null]],
      ['email_uq', true, 'btree', [null]],
      ['name_prefix', false, 'btree', [10]],
    ]);
    expect(of('places').indexes.find((i) => i.name === 'pt_idx')?.kind).toBe('spatial');
    expect(of('nokey')).toEqual({ schema: my.name, table: 'nokey', notNull: [], indexes: [], foreignKeys: [] });
    expect(of('not_there')).toEqual({ schema: my.name, table: 'not_there', notNull: [], indexes: [], foreignKeys: [] });
  });

  it('reads foreign keys with their columns, the referenced table and columns, and both actions', () => {
    expect(of('orders').foreignKeys).toEqual([{ name: 'orders_customer', columns: ['customer_id'], refSchema: my.name, refTable: 'customers', refColumns: ['id'], onDelete: 'CASCADE', onUpdate: 'RESTRICT' }]);
    expect(of('employees').foreignKeys).toMatchObject([{ name: 'boss', refTable: 'employees', onDelete: 'SET NULL', onUpdate: 'RESTRICT' }]);
    expect([of('a').foreignKeys[0]?.refTable, of('b').foreignKeys[0]?.refTable]).toEqual(['b', 'a']);
  });
});

describe('the plan, applied to PostgreSQL', () => {
  let plan: StructurePlan;

  beforeAll(async () => {
    // the tables as an import would have created them: `select` renamed, customers.bio skipped
    await db.query(`create schema shop;
      create table shop.customers (id integer, email varchar(100), name varchar(200));
      create table shop.orders (id integer, line integer, customer_id integer, placed timestamp, select_ integer);
      create table shop.employees (id integer, manager_id integer);
      create table shop.a (id integer, b_id integer);
      create table shop.b (id integer, a_id integer);
      create table shop.places (id integer, pt geometry(Point));
      create table shop.nokey (x integer);
      create table shop.parents (id integer, code integer);
      create table shop.children (id integer, parent_code integer);
      insert into shop.customers values (1, 'x@y', 'Ann');
      insert into shop.orders values (1, 1, 1, '2024-01-01', null), (1, 2, 1, '2024-01-02', null);
      insert into shop.employees values (1, null), (2, 1);`);
    const loaded = new Map<string, LoadedTable>();
    for (const s of structures.filter((t) => TABLES.includes(t.table))) {
      const { rows } = await db.query(`select attname, format_type(atttypid, atttypmod) as type from pg_attribute
        where attrelid = ('shop.' || $1)::regclass and attnum > 0 and not attisdropped`, [s.table]);
      const columns = new Map(rows.map((r) => [r.attname === 'select_' ? 'select' : r.attname, { name: r.attname, type: r.type }]));
      loaded.set(s.table, { schema: 'shop', table: s.table, columns });
    }
    plan = planStructure(structures, loaded, { primaryKeys: true, indexes: true, notNull: true, foreignKeys: true });
    for (const statements of plan.tables.values()) for (const s of statements) await db.query(s.sql);
    for (const s of plan.foreignKeys) await db.query(s.sql);
  });

  it('creates the primary keys (composite too), NOT NULL, unique and secondary indexes with their order', async () => {
    const { rows } = await db.query(`select c.relname as index, i.indisprimary as primary, i.indisunique as unique, pg_get_indexdef(i.indexrelid) as def
      from pg_index i join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = 'shop' order by c.relname collate "C"`);
    expect(rows.map((r) => r.def)).toEqual([
      // InnoDB indexed each foreign key that had no index to use (a_b, b_a, boss, to_code): kept
      'CREATE INDEX a_a_b ON shop.a USING btree (b_id)',
      'CREATE UNIQUE INDEX a_pkey ON shop.a USING btree (id)',
      'CREATE INDEX b_b_a ON shop.b USING btree (a_id)',
      'CREATE UNIQUE INDEX b_pkey ON shop.b USING btree (id)',
      'CREATE UNIQUE INDEX children_pkey ON shop.children USING btree (id)',
      'CREATE INDEX children_to_code ON shop.children USING btree (parent_code)',
      'CREATE UNIQUE INDEX customers_email_uq ON shop.customers USING btree (email)',
      'CREATE INDEX customers_name_prefix ON shop.customers USING btree (name)',
      'CREATE UNIQUE INDEX customers_pkey ON shop.customers USING btree (id)',
      'CREATE INDEX employees_boss ON shop.employees USING btree (manager_id)',
      'CREATE UNIQUE INDEX employees_pkey ON shop.employees USING btree (id)',
      'CREATE INDEX orders_by_customer ON shop.orders USING btree (customer_id, placed DESC)',
      'CREATE UNIQUE INDEX orders_pkey ON shop.orders USING btree (id, line)',
      'CREATE INDEX parents_code_idx ON shop.parents USING btree (code)',
      'CREATE UNIQUE INDEX parents_pkey ON shop.parents USING btree (id)',
      'CREATE UNIQUE INDEX places_pkey ON shop.places USING btree (id)',
      'CREATE INDEX places_pt_idx ON shop.places USING gist (pt)',
    ]);
    expect(rows.filter((r) => r.primary).map((r) => r.index)).toEqual(['a_pkey', 'b_pkey', 'children_pkey', 'customers_pkey', 'employees_pkey', 'orders_pkey', 'parents_pkey', 'places_pkey']);
    const notNull = await db.query(`select attname from pg_attribute where attrelid = 'shop.orders'::regclass and attnum > 0 and attnotnull order by attnum`);
    expect(notNull.rows.map((r) => r.attname)).toEqual(['id', 'line', 'customer_id', 'placed']);
  });

  it('creates the foreign keys after the tables, self-referencing and circular ones included, with their actions', async () => {
    const { rows } = await db.query(`select conrelid::regclass::text as t, conname, pg_get_constraintdef(oid) as def from pg_constraint
      where contype = 'f' and connamespace = 'shop'::regnamespace order by conrelid::regclass::text collate "C", conname collate "C"`);
    expect(rows).toEqual([
      // InnoDB's default action is RESTRICT (checked at once, as PostgreSQL's RESTRICT is)
      { t: 'shop.a', conname: 'a_b', def: 'FOREIGN KEY (b_id) REFERENCES shop.b(id) ON UPDATE RESTRICT ON DELETE RESTRICT' },
      { t: 'shop.b', conname: 'b_a', def: 'FOREIGN KEY (a_id) REFERENCES shop.a(id) ON UPDATE RESTRICT ON DELETE RESTRICT' },
      { t: 'shop.employees', conname: 'boss', def: 'FOREIGN KEY (manager_id) REFERENCES shop.employees(id) ON UPDATE RESTRICT ON DELETE SET NULL' },
      { t: 'shop.orders', conname: 'orders_customer', def: 'FOREIGN KEY (customer_id) REFERENCES shop.customers(id) ON UPDATE RESTRICT ON DELETE CASCADE' },
    ]);
    // the actions work: deleting the customer cascades to its orders
    await db.query('delete from shop.customers where id = 1');
    expect((await db.query('select count(*)::int as n from shop.orders')).rows[0].n).toBe(0);
  });

  it('warns, naming each, what it cannot reproduce: FULLTEXT, a skipped column, a prefix, a foreign key to a non-unique column', () => {
    expect(plan.warnings).toEqual([
      { table: 'customers', message: expect.stringMatching(/^The index bio_ft \(FULLTEXT on bio\) is not reproduced: .*GIN index on to_tsvector/) },
      { table: 'customers', message: 'The index name_prefix indexes a prefix of name(10): PostgreSQL indexes the whole column.' },
      { table: 'children', message: expect.stringMatching(/^The foreign key to_code \(parent_code\) → parents \(code\) is not reproduced: PostgreSQL needs a primary key or unique index/) },
    ]);
  });

  it('quotes hostile names: an index name with a quote and a semicolon stays a name', () => {
    const hostile: TableStructure = { schema: 's', table: 't', notNull: [], foreignKeys: [], indexes: [{ name: 'x"; drop table t; --', unique: false, primary: false, kind: 'btree', columns: [{ name: 'c', descending: false }] }] };
    const loaded = new Map([['t', { schema: 'we"ird', table: 't"t', columns: new Map([['c', { name: 'c"c', type: 'integer' }]]) }]]);
    const sql = planStructure([hostile], loaded, { primaryKeys: true, indexes: true, notNull: true, foreignKeys: true }).tables.get('t')![0]!.sql;
    expect(sql).toBe('CREATE INDEX "t_t_x___drop_table_t____" ON "we""ird"."t""t" ("c""c")');
  });
});

describe('readStructure on PostgreSQL', () => {
  let remote: RemotePostgres;
  let pgStructures: TableStructure[];

  beforeAll(async () => {
    remote = await localRemoteFactory.start();
    await remoteSql(remote, `create schema shop;
      create table shop.regions (code text, country char(2), name text not null, primary key (country, code));
      create table shop.stores (id bigint generated always as identity primary key, country char(2) not null, region text,
        opened date, tags text[], note text,
        foreign key (country, region) references shop.regions (country, code) on update cascade on delete set default);
      create unique index stores_lower_note on shop.stores (lower(note));
      create index stores_open on shop.stores (opened desc) include (note) where opened is not null;
      create index stores_tags on shop.stores using gin (tags);
      create index stores_recent on shop.stores (country, opened desc nulls last) include (note);`);
    const session = await postgresProvider.connect(remoteRequest(remote, { schema: 'shop' }), sessionOptions());
    try {
      pgStructures = await session.readStructure!(['regions', 'stores']);
    } finally {
      await session.close();
    }
  });

  afterAll(async () => {
    await remote?.stop();
  });

  it('reads a composite primary key, NOT NULL, INCLUDE left out, DESC, and flags expressions, partial and GIN indexes', () => {
    const [regions, stores] = pgStructures;
    expect(regions!.notNull).toEqual(['code', 'country', 'name']);
    expect(regions!.indexes).toEqual([{ name: 'regions_pkey', unique: true, primary: true, kind: 'btree', columns: [{ name: 'country', descending: false }, { name: 'code', descending: false }] }]);
    expect(stores!.notNull).toEqual(['id', 'country']);
    expect(stores!.indexes).toEqual([
      { name: 'stores_pkey', unique: true, primary: true, kind: 'btree', columns: [{ name: 'id', descending: false }] },
      { name: 'stores_lower_note', unique: true, primary: false, kind: 'btree', expression: true, columns: [] },
      { name: 'stores_open', unique: false, primary: false, kind: 'btree', predicate: '(opened IS NOT NULL)', columns: [{ name: 'opened', descending: true }] },
      { name: 'stores_recent', unique: false, primary: false, kind: 'btree', columns: [{ name: 'country', descending: false }, { name: 'opened', descending: true }] },
      { name: 'stores_tags', unique: false, primary: false, kind: 'other', method: 'gin', columns: [{ name: 'tags', descending: false }] },
    ]);
    expect(stores!.foreignKeys).toEqual([{ name: 'stores_country_region_fkey', columns: ['country', 'region'], refSchema: 'shop', refTable: 'regions',
      refColumns: ['country', 'code'], onUpdate: 'CASCADE', onDelete: 'SET DEFAULT' }]);
  });

  it('plans the composite foreign key onto the composite primary key and warns for the three indexes it leaves out', () => {
    const loaded = new Map(['regions', 'stores'].map((t) => [t, {
      schema: 'shop', table: t,
      columns: new Map(['code', 'country', 'name', 'id', 'region', 'opened', 'tags', 'note'].map((c) => [c, { name: c, type: 'text' }])),
    }]));
    const plan = planStructure(pgStructures, loaded, { primaryKeys: true, indexes: true, notNull: true, foreignKeys: true });
    expect(plan.foreignKeys.map((f) => f.sql)).toEqual([
      'ALTER TABLE "shop"."stores" ADD CONSTRAINT "stores_country_region_fkey" FOREIGN KEY ("country", "region") REFERENCES "shop"."regions" ("country", "code") ON DELETE SET DEFAULT ON UPDATE CASCADE',
    ]);
    expect(plan.warnings.map((w) => w.message)).toEqual([
      'The unique index stores_lower_note is not reproduced: it is on expressions, which the connector does not translate.',
      'The index stores_open is not reproduced: it is partial (WHERE (opened IS NOT NULL)), which the connector does not translate.',
      'The index stores_tags is not reproduced: its method gin has no PostgreSQL counterpart the connector maps.',
    ]);
  });
});

describe('applyStructure', () => {
  const ALL = { primaryKeys: true, indexes: true, notNull: true, foreignKeys: true };
  const table = (name: string, keys: string[], extra: Partial<TableStructure> = {}): TableStructure => ({
    schema: 'x', table: name, notNull: [], foreignKeys: [], ...extra,
    indexes: [{ name: 'PRIMARY', unique: true, primary: true, kind: 'btree', columns: keys.map((k) => ({ name: k, descending: false })) }],
  });
  const loadedAs = (schema: string, names: string[]) => new Map(names.map((t) => [t, { schema, table: t, columns: new Map(['id', 'ref'].map((c) => [c, { name: c, type: 'integer' }])) }]));

  async function inTransaction<T>(fn: (client: import('pg').PoolClient) => Promise<T>): Promise<T> {
    const client = await db.pool.connect();
    try {
      await client.query('begin');
      const result = await fn(client);
      await client.query('commit');
      return result;
    } catch (err) {
      await client.query('rollback');
      throw err;
    } finally {
      client.release(true);
    }
  }

  it('turns what the data refuses into warnings and applies the rest, as the owner', async () => {
    const carol = await roles.create('carol');
    await db.query(`create schema dw authorization "${carol.name}"`);
    await carol.query(`create table dw.good (id integer, ref integer); insert into dw.good values (1, null), (2, 1);
      create table dw.dups (id integer, ref integer); insert into dw.dups values (1, 5), (1, 6);
      create table dw.orphans (id integer, ref integer); insert into dw.orphans values (1, 99);`);
    const structures = [
      table('good', ['id'], { foreignKeys: [{ name: 'good_self', columns: ['ref'], refSchema: 'x', refTable: 'good', refColumns: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' }] }),
      table('dups', ['id']),
      table('orphans', ['id'], { foreignKeys: [{ name: 'orphans_good', columns: ['ref'], refSchema: 'x', refTable: 'good', refColumns: ['id'], onDelete: 'NO ACTION', onUpdate: 'NO ACTION' }] }),
    ];
    const plan = planStructure(structures, loadedAs('dw', ['good', 'dups', 'orphans']), ALL);
    const result = await inTransaction((client) => applyStructure(client, carol.name, plan));
    expect(result.applied.map((s) => s.what)).toEqual(['primary key (id)', 'primary key (id)', 'foreign key good_self (ref) → good (id)']);
    expect(result.warnings).toEqual([
      { table: 'dups', message: 'The primary key (id) was not created: could not create unique index "dups_pkey" (Key (id)=(1) is duplicated.).' },
      { table: 'orphans', message: expect.stringMatching(/^The foreign key orphans_good \(ref\) → good \(id\) was not created: insert or update on table "orphans" violates foreign key constraint "orphans_good" \(Key \(ref\)=\(99\) is not present in table "good"\.\)\.$/) },
    ]);
    const { rows } = await db.query(`select conrelid::regclass::text as t, contype, pg_get_userbyid(c.relowner) as owner from pg_constraint
      join pg_class c on c.oid = conrelid where connamespace = 'dw'::regnamespace order by conrelid::regclass::text collate "C", contype`);
    expect(rows).toEqual([
      { t: 'dw.good', contype: 'f', owner: carol.name },
      { t: 'dw.good', contype: 'p', owner: carol.name },
      { t: 'dw.orphans', contype: 'p', owner: carol.name },
    ]);
  });

  it('a foreign key to a same-named table of another remote schema is not taken for the run\'s table', () => {
    const other = table('orphans', ['id'], { foreignKeys: [{ name: 'to_other', columns: ['ref'], refSchema: 'y', refTable: 'good', refColumns: ['id'], onDelete: 'NO ACTION', onUpdate: 'NO ACTION' }] });
    const plan = planStructure([table('good', ['id']), other], loadedAs('dw2', ['good', 'orphans']), ALL);
    expect(plan.foreignKeys).toEqual([]);
    expect(plan.warnings).toEqual([{ table: 'orphans', message: 'The foreign key to_other (ref) → good (id) is not reproduced: y.good is not part of this run.' }]);
  });

  it('never with more than the owner\'s rights: another role\'s table fails the run (42501), nothing applied', async () => {
    const dave = await roles.create('dave');
    await db.query(`create schema other; create table other.theirs (id integer, ref integer)`);
    const plan = planStructure([table('theirs', ['id'])], loadedAs('other', ['theirs']), ALL);
    const err = await inTransaction((client) => applyStructure(client, dave.name, plan)).catch((e: { code?: string }) => e);
    expect(err).toMatchObject({ code: '42501' });
    expect((await db.query(`select count(*)::int as n from pg_constraint where conrelid = 'other.theirs'::regclass`)).rows[0].n).toBe(0);
  });
});
