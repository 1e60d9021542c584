/**
 * Issue 18 end to end on MariaDB: incremental sync tables (SPEC §13) run by a real sidecar.
 * After every run the whole local table is compared with the remote one (every row, every
 * column, as text), so a lost, duplicated or stale row fails the test:
 *   - merge with a datetime(6) cursor: inserts, updates, ties at the mark, a late commit caught
 *     by lookback, NULL cursors (warning null_cursor), counts in imports and the status JSON;
 *   - deletes hard and soft (a row that comes back is revived), the max_delete_ratio guard (1511,
 *     nothing changed), cdb_connector_sync_reset;
 *   - exact marks: decimal(30,10) and BIGINT UNSIGNED above 2^63;
 *   - max_rows backfill: a table read in cursor order in batches;
 *   - append; merge without a cursor; the table keeps its identity and a user-added column;
 *   - bad keys: 22023 at creation, 1502 naming the column on the first run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSetting } from '../helpers/answers.js';
import { diffGeometry, lastRun, localRows, mysqlRows, syncAndWait, syncFixture, syncState } from '../helpers/incremental.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { queryOnce } from '../helpers/one-shot-sql.js';
import { runSyncNow, type SyncRow } from '../helpers/sync.js';
import type { TargetDb } from '../helpers/target.js';
import type { TestRole } from '../sql/helpers.js';

let db: TargetDb;
let my: MysqlDb;
let alice: TestRole;

const INTERVAL = 3600;

const sync = (connector: Record<string, unknown>): Promise<SyncRow> =>
  syncAndWait(db, alice, { connector: { provider: 'mysql', connection: my.connection(), ...connector }, interval: INTERVAL });

const fixture = syncFixture(createMysqlDb, (m) => m.drop());
beforeAll(async () => {
  ({ db, source: my, alice } = await fixture.setUp());
});
afterAll(() => fixture.tearDown());

const ORDERS_REMOTE = "select id, customer, cast(amount as char) as amount, date_format(updated_at, '%Y-%m-%d %H:%i:%s.%f') as updated_at from orders";
const ORDERS_LOCAL = "select id, customer, amount::text, to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US') as updated_at from orders";

describe('merge with a cursor', () => {
  let s: SyncRow;

  it('first run: a full read, a unique index on the key, the exact mark', async () => {
    await my.exec(`create table orders (id int primary key, customer varchar(20), amount decimal(10,2), updated_at datetime(6));
      insert into orders values (1, 'ann', 10.00, '2026-01-01 10:00:00.000001'), (2, 'bob', 20.00, '2026-01-01 10:00:00.000002'),
                                (3, 'cy', 30.00, '2026-01-01 10:00:00.000003');`);
    s = await sync({ table: 'orders', mode: 'merge', cursor: 'updated_at', lookback: '1 second' });
    expect(s).toMatchObject({ state: 'success', table_name: 'orders', error_code: null });
    expect(await localRows(db, ORDERS_LOCAL)).toEqual(await mysqlRows(my, ORDERS_REMOTE));
    expect(await syncState(db, s.id)).toEqual({ mode: 'merge', cursor: 'updated_at', mark: '2026-01-01 10:00:00.000003', rows_at_mark: 1 });
    const unique = await db.query(`select indexdef from pg_indexes where tablename = 'orders'`);
    expect(unique.rows.map((r) => r.indexdef)).toEqual([expect.stringMatching(/CREATE UNIQUE INDEX .* \(id\)/)]);
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 3, rows_inserted: 3, rows_updated: 0, rows_deleted: 0, rows_unchanged: 0 });
  });

  it('picks up inserts, updates and a row that ties the mark; unchanged rows are counted, not rewritten', async () => {
    const before = (await db.query(`select xmin::text as x from orders where id = 1`)).rows[0].x;
    await my.exec(`insert into orders values (4, 'dee', 40.00, '2026-01-01 10:00:00.000003');
      update orders set amount = 21.00, updated_at = '2026-01-01 10:00:05' where id = 2;
      insert into orders values (5, 'eve', 50.00, '2026-01-01 10:00:06');`);
    const run = await runSyncNow(db, s.id);
    expect(run.state).toBe('success');
    expect(await localRows(db, ORDERS_LOCAL)).toEqual(await mysqlRows(my, ORDERS_REMOTE));
    // read from mark - 1 s: rows 1..5 (row 1 and 3 unchanged), 4 is the tie at the old mark
    expect(await lastRun(db, s.id)).toMatchObject({ rows_fetched: 5, rows_inserted: 2, rows_updated: 1, rows_unchanged: 2, rows_deleted: 0 });
    expect((await db.query(`select xmin::text as x from orders where id = 1`)).rows[0].x).toBe(before);
    expect(await syncState(db, s.id)).toMatchObject({ mark: '2026-01-01 10:00:06.000000', rows_at_mark: 1 });
  });

  it('lookback catches a commit that landed behind the mark; without it the row would be lost', async () => {
    // a "late commit": its cursor is older than the mark, but within the lookback of 1 second
    await my.exec(`insert into orders values (6, 'fay', 60.00, '2026-01-01 10:00:05.500000');`);
    await runSyncNow(db, s.id);
    expect(await localRows(db, ORDERS_LOCAL)).toEqual(await mysqlRows(my, ORDERS_REMOTE));
    expect(await lastRun(db, s.id)).toMatchObject({ rows_fetched: 3, rows_inserted: 1, rows_updated: 0, rows_unchanged: 2 });
  });

  it('rows with a NULL cursor are merged every run and named in a warning', async () => {
    await my.exec(`insert into orders values (7, 'gus', 70.00, null);`);
    await runSyncNow(db, s.id);
    expect(await localRows(db, ORDERS_LOCAL)).toEqual(await mysqlRows(my, ORDERS_REMOTE));
    await my.exec(`update orders set amount = 71.00 where id = 7;`);
    await runSyncNow(db, s.id);
    expect(await localRows(db, ORDERS_LOCAL)).toEqual(await mysqlRows(my, ORDERS_REMOTE));
    const run = await lastRun(db, s.id);
    expect(run).toMatchObject({ rows_updated: 1 });
    expect(run.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'null_cursor', message: expect.stringMatching(/^1 rows have a NULL cursor/) })]));
  });

  it('status JSON carries the counts', async () => {
    const job = (await db.query('select last_import_id from cdb_connectors.syncs where id = $1', [s.id])).rows[0].last_import_id;
    const [row] = await queryOnce<{ s: Record<string, unknown> }>(db.urlAs(alice.name), 'select cdb_connector_import_status($1) as s', [job]);
    expect(row!.s).toMatchObject({ rows_inserted: 0, rows_updated: 1, rows_deleted: 0 });
  });

  it('a remote row deleted is kept with deletes "keep" (the default)', async () => {
    await my.exec(`delete from orders where id = 1;`);
    await runSyncNow(db, s.id);
    expect((await db.query('select count(*)::int as n from orders where id = 1')).rows[0].n).toBe(1);
  });

  it('cdb_connector_sync_reset forgets the mark: the next run reads everything and merges it', async () => {
    const [reset] = await queryOnce<{ r: Record<string, unknown> }>(db.urlAs(alice.name), 'select cdb_connector_sync_reset($1) as r', [s.id]);
    expect(reset!.r).toMatchObject({ sync_id: s.id, mark: null, mode: 'merge' });
    await runSyncNow(db, s.id);
    expect(await lastRun(db, s.id)).toMatchObject({ rows_fetched: 6, rows_inserted: 0, rows_updated: 0, rows_unchanged: 6 });
    expect(await syncState(db, s.id)).toMatchObject({ mark: '2026-01-01 10:00:06.000000' });
  });
});

describe('deletes', () => {
  const ITEMS_REMOTE = 'select id, name from items';

  it('hard: local rows whose key is gone remotely are deleted; the guard stops a run that would delete too much', async () => {
    await my.exec(`create table items (id int primary key, name varchar(10), v int);
      insert into items select seq, concat('n', seq), 0 from seq_1_to_10;`);
    const s = await sync({ table: 'items', mode: 'merge', deletes: 'hard' });
    expect(await localRows(db, 'select id, name from items')).toEqual(await mysqlRows(my, ITEMS_REMOTE));
    await my.exec(`delete from items where id in (2, 3); insert into items values (11, 'n11', 0); update items set name = 'x' where id = 4;`);
    await runSyncNow(db, s.id);
    expect(await localRows(db, 'select id, name from items')).toEqual(await mysqlRows(my, ITEMS_REMOTE));
    expect(await lastRun(db, s.id)).toMatchObject({ rows_fetched: 9, rows_inserted: 1, rows_updated: 1, rows_deleted: 2, rows_unchanged: 7 });

    // the remote table emptied by mistake: 9 of 9 rows would go → 1511, nothing changed
    await my.exec('delete from items where id > 1');
    const guarded = await runSyncNow(db, s.id);
    expect(guarded).toMatchObject({ state: 'failure', error_code: 1511 });
    expect(guarded.error_message).toMatch(/would delete 8 of the 9 rows .*max_delete_ratio 0\.5/);
    expect((await db.query('select count(*)::int as n from items')).rows[0].n).toBe(9);

    expect((await withSetting(db, 'max_delete_ratio', '1', () => runSyncNow(db, s.id))).state).toBe('success');
    expect(await localRows(db, 'select id, name from items')).toEqual(await mysqlRows(my, ITEMS_REMOTE));
  });

  it('soft: gone rows get _deleted_at, and lose it when they come back', async () => {
    await my.exec(`create table people (id int primary key, name varchar(10));
      insert into people values (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd');`);
    const s = await sync({ table: 'people', mode: 'merge', deletes: 'soft' });
    await my.exec('delete from people where id = 2');
    await runSyncNow(db, s.id);
    const rows = async () => (await db.query('select id, name, _deleted_at is not null as gone from people order by id')).rows;
    expect(await rows()).toEqual([{ id: 1, name: 'a', gone: false }, { id: 2, name: 'b', gone: true }, { id: 3, name: 'c', gone: false }, { id: 4, name: 'd', gone: false }]);
    expect(await lastRun(db, s.id)).toMatchObject({ rows_deleted: 1 });
    await my.exec("insert into people values (2, 'b2')");
    await runSyncNow(db, s.id);
    expect(await rows()).toEqual([{ id: 1, name: 'a', gone: false }, { id: 2, name: 'b2', gone: false }, { id: 3, name: 'c', gone: false }, { id: 4, name: 'd', gone: false }]);
  });
});

describe('exact marks', () => {
  it('decimal(30,10) and BIGINT UNSIGNED above 2^63 keep every digit; the next run reads the last-digit neighbours', async () => {
    await my.exec(`create table ledger (id bigint unsigned primary key, seq decimal(30,10), note varchar(10));
      insert into ledger values (18446744073709551613, 12345678901234567890.0123456788, 'a'), (18446744073709551614, 12345678901234567890.0123456789, 'b');`);
    const byDecimal = await sync({ table: 'ledger', mode: 'merge', cursor: 'seq', import_as: 'ledger_by_seq' });
    expect(await syncState(db, byDecimal.id)).toMatchObject({ mark: '12345678901234567890.0123456789', rows_at_mark: 1 });
    const byId = await sync({ table: 'ledger', mode: 'append', cursor: 'id', import_as: 'ledger_by_id' });
    expect(await syncState(db, byId.id)).toMatchObject({ mark: '18446744073709551614', rows_at_mark: 1 });

    await my.exec(`insert into ledger values (18446744073709551615, 12345678901234567890.0123456790, 'c');
      update ledger set note = 'a2', seq = 12345678901234567890.0123456789 where id = 18446744073709551613;`);
    await runSyncNow(db, byDecimal.id);
    // >= the mark: the updated row (now at the mark), the tie, and the new one; compared exactly, not as doubles
    expect(await lastRun(db, byDecimal.id)).toMatchObject({ rows_fetched: 3, rows_inserted: 1, rows_updated: 1, rows_unchanged: 1 });
    expect(await localRows(db, 'select id::text, seq::text, note from ledger_by_seq')).toEqual(await mysqlRows(my, 'select cast(id as char), cast(seq as char), note from ledger'));
    await runSyncNow(db, byId.id);
    // append: > the mark, so only the new id
    expect(await lastRun(db, byId.id)).toMatchObject({ rows_fetched: 1, rows_inserted: 1 });
    expect((await db.query('select id::text from ledger_by_id order by id')).rows.map((r) => r.id))
      .toEqual(['18446744073709551613', '18446744073709551614', '18446744073709551615']);
  });
});

describe('max_rows backfill', () => {
  it('reads in cursor order, stops at max_rows with a row_limit warning, and the next runs continue', async () => {
    await my.exec(`create table events (id int primary key, at int not null, v varchar(5));
      insert into events select seq, seq, 'v' from seq_1_to_250;`);
    await withSetting(db, 'max_rows', '100', async () => {
      const s = await sync({ table: 'events', mode: 'merge', cursor: 'at' });
      expect((await db.query('select min(id)::int as lo, max(id)::int as hi, count(*)::int as n from events')).rows[0]).toEqual({ lo: 1, hi: 100, n: 100 });
      expect((await lastRun(db, s.id)).warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'row_limit', message: expect.stringMatching(/next run continues/) })]));
      await runSyncNow(db, s.id);
      expect((await db.query('select count(*)::int as n, max(id)::int as hi from events')).rows[0]).toEqual({ n: 200, hi: 200 });
      await runSyncNow(db, s.id);
      expect(await localRows(db, 'select id, at, v from events')).toEqual(await mysqlRows(my, 'select id, at, v from events'));
      expect((await lastRun(db, s.id)).warnings).toEqual([]);
    });
  });

  it('a run that cannot get past its mark (more NULL cursors than max_rows) fails with 1502 instead of repeating forever', async () => {
    // MariaDB sorts NULLs first: every read of this table spends its whole budget on them
    await my.exec(`create table nulls (id int primary key, at int); insert into nulls select seq, if(seq <= 5, null, seq) from seq_1_to_10;`);
    await withSetting(db, 'max_rows', '3', async () => {
      const s = await sync({ table: 'nulls', mode: 'merge', cursor: 'at' });
      expect(s.state).toBe('success');
      const stuck = await runSyncNow(db, s.id);
      expect(stuck).toMatchObject({ state: 'failure', error_code: 1502, error_message: expect.stringMatching(/without getting past the mark .*3 of them have a NULL cursor.*Raise max_rows/) });
    });
  });
});

describe('the table keeps its identity', () => {
  it('a view, a grant and a user-added column survive merge runs; merge without a cursor reads the whole table', async () => {
    await my.exec(`create table stock (sku varchar(10) primary key, qty int);
      insert into stock values ('a', 1), ('b', 2);`);
    const s = await sync({ table: 'stock', mode: 'merge' });
    const oid = (await db.query(`select 'stock'::regclass::oid::int as oid`)).rows[0].oid;
    await alice.query(`alter table stock add column note text default 'mine'; create view stock_view as select sku, qty, note from stock;`);
    await my.exec(`update stock set qty = 5 where sku = 'a'; insert into stock values ('c', 3);`);
    await runSyncNow(db, s.id);
    expect((await alice.query('select sku, qty, note from stock_view order by sku')).rows)
      .toEqual([{ sku: 'a', qty: 5, note: 'mine' }, { sku: 'b', qty: 2, note: 'mine' }, { sku: 'c', qty: 3, note: 'mine' }]);
    expect((await db.query(`select 'stock'::regclass::oid::int as oid`)).rows[0].oid).toBe(oid);
    expect(await lastRun(db, s.id)).toMatchObject({ rows_fetched: 3, rows_inserted: 1, rows_updated: 1, rows_unchanged: 1 });
  });
});

describe('diff mode (merge without a cursor)', () => {
  const REMOTE = 'select id, name, cast(price as char) from catalog';
  const LOCAL = 'select id, name, price::text from catalog';

  it('learns the buckets, then reads only the key ranges that changed: none for an unchanged table', async () => {
    await my.exec(`create table catalog (id int primary key, name varchar(20), price decimal(8,2));
      insert into catalog select seq, concat('item', seq), seq / 100 from seq_1_to_20000;`);
    const s = await sync({ table: 'catalog', mode: 'merge', deletes: 'hard' });
    expect(await lastRun(db, s.id)).toMatchObject({ rows_fetched: 20000, rows_inserted: 20000 });
    const geometry = await diffGeometry(db, s.id);
    expect(geometry).toEqual({ key_column: 'id', origin: '1', width: '100', unlearned: true });

    // second run: takes the first answer, reads everything once more
    await runSyncNow(db, s.id);
    expect(await lastRun(db, s.id)).toMatchObject({ rows_fetched: 20000, rows_unchanged: 20000 });

    // unchanged remote: not a single row read
    await runSyncNow(db, s.id);
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 0, rows_inserted: 0, rows_updated: 0, rows_deleted: 0 });

    // two scattered changes: two buckets of 100 rows, 1 % of the table
    await my.exec(`update catalog set price = 999.99 where id = 1234; update catalog set name = 'renamed' where id = 17000;`);
    await runSyncNow(db, s.id);
    expect(await lastRun(db, s.id)).toMatchObject({ rows_fetched: 200, rows_updated: 2, rows_unchanged: 198 });
    expect(await localRows(db, LOCAL)).toEqual(await mysqlRows(my, REMOTE));

    // a bucket's first and last keys (101 starts bucket 1, 200 ends it), a delete and a row past the end
    await my.exec(`update catalog set price = 1 where id in (101, 200); delete from catalog where id = 5050; insert into catalog values (20150, 'new', 3.00);`);
    await runSyncNow(db, s.id);
    expect(await lastRun(db, s.id)).toMatchObject({ rows_fetched: 100 + 99 + 1, rows_updated: 2, rows_deleted: 1, rows_inserted: 1 });
    expect(await localRows(db, LOCAL)).toEqual(await mysqlRows(my, REMOTE));

    // after a reset the next run reads everything again, and the one after nothing
    await queryOnce(db.urlAs(alice.name), 'select cdb_connector_sync_reset($1)', [s.id]);
    await runSyncNow(db, s.id);
    expect(await lastRun(db, s.id)).toMatchObject({ rows_fetched: 20000 });
    await runSyncNow(db, s.id);
    expect(await lastRun(db, s.id)).toMatchObject({ rows_fetched: 0 });
  });
});

describe('validation', () => {
  const create = (connector: Record<string, unknown>, interval: number | null = INTERVAL) =>
    queryOnce(db.urlAs(alice.name), 'select cdb_connector_import($1::jsonb)',
      [JSON.stringify({ connector: { provider: 'mysql', connection: my.connection(), table: 'orders', ...connector }, ...(interval ? { interval } : {}) })]);

  it('bad incremental keys are refused at creation (22023) with a message naming the key', async () => {
    await expect(create({ mode: 'upsert' })).rejects.toThrow(/The mode parameter must be "replace", "append", "merge" or "cdc"/);
    await expect(create({ mode: 'append' })).rejects.toThrow(/The append mode needs a cursor parameter/);
    await expect(create({ cursor: 'updated_at' })).rejects.toThrow(/The cursor parameter needs "mode": "merge" or "append"/);
    await expect(create({ mode: 'merge', deletes: 'sometimes' })).rejects.toThrow(/The deletes parameter must be "keep", "soft" or "hard"/);
    await expect(create({ mode: 'merge', cursor: 'updated_at', lookback: 'soon' })).rejects.toThrow(/The lookback parameter "soon" is not an interval/);
    await expect(create({ mode: 'merge', primary_key: [] })).rejects.toThrow(/The primary_key parameter must be a column name or an array/);
    await expect(create({ mode: "merge" }, null)).rejects.toThrow(/"merge" makes an incremental sync table and needs an interval/);
    await expect(create({ mode: 'cdc', cursor: 'updated_at' })).rejects.toThrow(/The mode "cdc" reads the change log and takes no cursor or lookback parameter/);
    await expect(create({ mode: 'cdc', sql_query: 'select 1', table: undefined })).rejects.toThrow(/cannot follow a sql_query/);
    await expect(create({ mode: 'cdc', publication: 'p' })).rejects.toThrow(/The publication parameter needs "mode": "cdc" and a postgres source/);
    await expect(create({ mode: 'merge', cursor: 'updated_at', continuous: true })).rejects.toThrow(/The continuous parameter needs "mode": "cdc"/);
    await expect(create({ mode: 'cdc', continuous: 'yes' })).rejects.toThrow(/The continuous parameter must be true or false/);
    await expect(create({ mode: 'cdc' }, null)).rejects.toThrow(/"cdc" makes an incremental sync table and needs an interval/);
  });

  it('a cursor or key the remote does not have fails the first run with 1502 naming the column', async () => {
    await my.exec(`create table plain_view_src (id int, name varchar(5)); insert into plain_view_src values (1, 'a');
      create view plain_view as select id, name from plain_view_src;`);
    const noKey = await sync({ table: 'plain_view', mode: 'merge' });
    expect(noKey).toMatchObject({ state: 'failure', error_code: 1502, error_message: expect.stringMatching(/declares no primary key .*give the primary_key parameter/) });
    const badCursor = await sync({ table: 'plain_view', mode: 'merge', primary_key: 'id', cursor: 'nope', import_as: 'pv2' });
    expect(badCursor).toMatchObject({ state: 'failure', error_code: 1502, error_message: expect.stringMatching(/The cursor column nope is not a column of the source/) });
    const textCursor = await sync({ table: 'plain_view', mode: 'merge', primary_key: 'id', cursor: 'name', import_as: 'pv3' });
    expect(textCursor).toMatchObject({ state: 'failure', error_code: 1502, error_message: expect.stringMatching(/cursor column name has type .*cannot be compared exactly/) });
    const dupKey = await sync({ table: 'plain_view', mode: 'merge', primary_key: 'name', import_as: 'pv4' });
    expect(dupKey.state).toBe('success');
    await my.exec(`insert into plain_view_src values (2, 'a')`);
    const dup = await runSyncNow(db, dupKey.id);
    expect(dup).toMatchObject({ state: 'failure', error_code: 1502, error_message: expect.stringMatching(/primary key \(name\) is not unique in the source/) });
  });

  it('a cast rule that retypes the cursor or the key fails the first run with 1502 naming the rule; on other columns it is fine', async () => {
    await my.exec(`create table cast_src (id int primary key, seen datetime(3) not null, qty int);
      insert into cast_src values (1, '2024-01-01 10:00:00', 5)`);
    const base = { table: 'cast_src', mode: 'merge', cursor: 'seen' };
    const onCursor = await sync({ ...base, import_as: 'cast_c', casts: [{ column: 'seen', to: 'text' }] });
    expect(onCursor).toMatchObject({ state: 'failure', error_code: 1502,
      error_message: expect.stringMatching(/The cursor column seen is retyped to text by the cast rule casts\[1\].*keeps its built-in type \(timestamp\(3\)/) });
    const onKey = await sync({ ...base, import_as: 'cast_k', casts: [{ column: 'id', to: 'numeric' }] });
    expect(onKey).toMatchObject({ state: 'failure', error_code: 1502, error_message: expect.stringMatching(/The primary key column id is retyped to numeric by the cast rule casts\[1\]/) });
    const elsewhere = await sync({ ...base, import_as: 'cast_o', casts: [{ column: 'qty', to: 'bigint' }] });
    expect(elsewhere.state).toBe('success');
    expect((await db.query('select id, qty, pg_typeof(qty)::text as t from cast_o')).rows).toEqual([{ id: 1, qty: '5', t: 'bigint' }]);
  });
});

describe('past max_rows and name clashes (issue 22 §3, §4)', () => {
  const importAndWait = async (connector: Record<string, unknown>) => {
    const [row] = await queryOnce<{ s: Record<string, unknown> }>(db.urlAs(alice.name),
      "select cdb_connector_import($1::jsonb) ->> 'item_queue_id' as s", [JSON.stringify({ connector: { provider: 'mysql', connection: my.connection(), ...connector } })]);
    const id = row!.s as unknown as string;
    const [done] = await queryOnce<{ s: Record<string, unknown> }>(db.urlAs(alice.name), 'select cdb_connector_wait($1) as s', [id]);
    return done!.s;
  };

  it('a truncated import says truncated: true; with "on_row_limit": "fail" it fails with 1513 and creates nothing', async () => {
    await my.exec(`create table many (id int primary key); insert into many select seq from seq_1_to_30;`);
    await withSetting(db, 'max_rows', '10', async () => {
      const cut = await importAndWait({ table: 'many' });
      expect(cut).toMatchObject({ state: 'complete', truncated: true, rows_imported: 10 });
      const refused = await importAndWait({ table: 'many', import_as: 'many_strict', on_row_limit: 'fail' });
      expect(refused).toMatchObject({ state: 'failure', error_code: 1513, truncated: null });
      expect((await db.query(`select to_regclass('public.many_strict') as t`)).rows[0].t).toBeNull();
      const whole = await importAndWait({ sql_query: 'select id from many where id <= 10', import_as: 'many_ten' });
      expect(whole).toMatchObject({ state: 'complete', truncated: false, rows_imported: 10 });
    });
  });

  it('a taken name becomes name_1 with a renamed warning; "if_exists": "fail" fails with 1514', async () => {
    await my.exec(`create table clash (id int primary key); insert into clash values (1);`);
    const first = await importAndWait({ table: 'clash' });
    expect(first).toMatchObject({ state: 'complete', table_name: 'clash', warnings: [] });
    const second = await importAndWait({ table: 'clash' });
    expect(second).toMatchObject({ state: 'complete', table_name: 'clash_1' });
    expect(second.warnings).toEqual([expect.objectContaining({ code: 'renamed', message: expect.stringMatching(/^Imported as "clash_1" instead of "clash": a table .* named "clash" already exists/) })]);
    const dotted = await importAndWait({ table: 'clash', import_as: 'analytics.clash' });
    expect(dotted.warnings).toEqual([expect.objectContaining({ code: 'renamed', message: expect.stringMatching(/"analytics\.clash" is not a plain PostgreSQL identifier, so it became "analytics_clash"/) })]);
    const refused = await importAndWait({ table: 'clash', if_exists: 'fail' });
    expect(refused).toMatchObject({ state: 'failure', error_code: 1514, error_message: expect.stringMatching(/already has a table .* named clash/) });
  });
});
