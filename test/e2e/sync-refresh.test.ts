/**
 * Issue 5 end to end: a sync table on MariaDB refreshed in place by a real sidecar. Inserted,
 * updated and deleted remote rows arrive; the table keeps its identity (OID, views, grants,
 * comments, indexes, RLS policies, a rename); identical data is not rewritten; readers never see
 * an empty or partial table; remote column changes: added → ALTER ADD, dropped → the column
 * stays with NULLs, retyped → a rebuild when the setting allows it (the policies themselves:
 * schema-changes-*.test.ts); unsync keeps the table.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { createSync, readSync, runSyncNow, seconds, startSyncSidecar, waitForSyncRun } from '../helpers/sync.js';
import type { TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { roleFactory, type TestRole } from '../sql/helpers.js';

let db: TargetDb;
let my: MysqlDb;
let sidecar: TestSidecar;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;
let bob: TestRole;

const INTERVAL = 3600;
const syncParams = (extra: Record<string, unknown>) => ({ connector: { provider: 'mysql', connection: my.connection(), ...extra }, interval: INTERVAL });

async function syncAsAlice(extra: Record<string, unknown>) {
  const created = await createSync(db.urlAs(alice.name), syncParams(extra));
  return waitForSyncRun(db, created.id);
}

async function oidOf(table: string): Promise<number> {
  return Number((await db.query('select $1::regclass::oid as oid', [table])).rows[0].oid);
}

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  roles = roleFactory(db);
  alice = await roles.create('alice', 'cdb_connector_user');
  bob = await roles.create('bob');
  await db.query(`grant create on schema public to "${alice.name}"`);
  sidecar = await startSyncSidecar(db);
});

afterAll(async () => {
  await sidecar?.stop();
  await my?.drop();
  await roles?.cleanup();
});

describe('refresh in place', () => {
  it('creates the table at once, then picks up inserted, updated and deleted remote rows', async () => {
    await my.exec(`create table items (id int primary key, name varchar(20), price decimal(8,2));
      insert into items values (1, 'apple', 1.10), (2, 'pear', 2.20), (3, 'plum', 3.30);`);
    const first = await syncAsAlice({ table: 'items' });
    expect(first).toMatchObject({ state: 'success', table_name: 'items', target_schema: 'public', retried_times: 0, error_code: null });
    expect(seconds(first.ran_at!, first.run_at)).toBeCloseTo(INTERVAL, 0);
    expect((await db.query('select id, name, price::text from items order by id')).rows)
      .toEqual([{ id: 1, name: 'apple', price: '1.10' }, { id: 2, name: 'pear', price: '2.20' }, { id: 3, name: 'plum', price: '3.30' }]);
    const owner = await db.query(`select tableowner from pg_tables where tablename = 'items'`);
    expect(owner.rows).toEqual([{ tableowner: alice.name }]);
    const oid = await oidOf('items');

    await my.exec(`insert into items values (4, 'fig', 4.40); update items set price = 9.99 where id = 2; delete from items where id = 1;`);
    const second = await runSyncNow(db, first.id);
    expect(second).toMatchObject({ state: 'success', table_name: 'items', retried_times: 0 });
    expect(second.checksum).not.toBe(first.checksum);
    expect(second.modified_at!.getTime()).toBeGreaterThan(first.modified_at!.getTime());
    expect((await db.query('select id, name, price::text from items order by id')).rows)
      .toEqual([{ id: 2, name: 'pear', price: '9.99' }, { id: 3, name: 'plum', price: '3.30' }, { id: 4, name: 'fig', price: '4.40' }]);
    expect(await oidOf('items')).toBe(oid);
    const runs = await db.query('select state, rows_imported::int from cdb_connectors.imports where sync_id = $1 order by created_at', [first.id]);
    expect(runs.rows).toEqual([{ state: 'complete', rows_imported: 3 }, { state: 'complete', rows_imported: 3 }]);
  });

  it('views, grants, comments, indexes and RLS policies on the table survive a refresh', async () => {
    await my.exec(`create table scores (id int primary key, team varchar(10), points int);
      insert into scores values (1, 'red', 10), (2, 'blue', 20);`);
    const first = await syncAsAlice({ table: 'scores' });
    await alice.query(`create view score_totals as select team, sum(points) as total from scores group by team;
      grant select on scores, score_totals to "${bob.name}";
      comment on table scores is 'synced from MariaDB';
      create index scores_team on scores (team);
      alter table scores enable row level security;
      create policy only_red on scores for select to "${bob.name}" using (team = 'red');`);
    await my.exec(`insert into scores values (3, 'red', 5); update scores set points = 11 where id = 1;`);
    await runSyncNow(db, first.id);

    const asBob = new pg.Client(db.urlAs(bob.name));
    await asBob.connect();
    try {
      expect((await asBob.query('select id, points from scores order by id')).rows).toEqual([{ id: 1, points: 11 }, { id: 3, points: 5 }]);
      expect((await asBob.query('select team, total::int from score_totals order by team')).rows)
        .toEqual([{ team: 'blue', total: 20 }, { team: 'red', total: 16 }]);
    } finally {
      await asBob.end();
    }
    const meta = await db.query(`select obj_description('scores'::regclass, 'pg_class') as comment,
      (select count(*)::int from pg_indexes where tablename = 'scores' and indexname = 'scores_team') as indexes,
      (select count(*)::int from pg_policies where tablename = 'scores') as policies`);
    expect(meta.rows).toEqual([{ comment: 'synced from MariaDB', indexes: 1, policies: 1 }]);
  });

  it('identical remote data: the table is not written, modified_at stays, ran_at moves', async () => {
    await my.exec(`create table stable (id int primary key, v varchar(5)); insert into stable values (1, 'a'), (2, 'b');`);
    const first = await syncAsAlice({ table: 'stable' });
    const xmins = (await db.query('select id, xmin::text from stable order by id')).rows;
    const second = await runSyncNow(db, first.id);
    expect(second.checksum).toBe(first.checksum);
    expect(second.modified_at).toEqual(first.modified_at);
    expect(second.ran_at!.getTime()).toBeGreaterThan(first.ran_at!.getTime());
    // the same row versions: no DELETE/INSERT happened, so no dead tuples either
    expect((await db.query('select id, xmin::text from stable order by id')).rows).toEqual(xmins);
  });

  it('follows the table through a rename by its owner', async () => {
    await my.exec(`create table renamed (id int primary key); insert into renamed values (1);`);
    const first = await syncAsAlice({ table: 'renamed' });
    await alice.query('alter table renamed rename to my_renamed');
    expect((await readSync(db, first.id)).table_name).toBe('my_renamed');
    await my.exec('insert into renamed values (2);');
    const second = await runSyncNow(db, first.id);
    expect(second).toMatchObject({ state: 'success', table_name: 'my_renamed' });
    expect((await db.query('select count(*)::int as n from my_renamed')).rows[0].n).toBe(2);
    expect((await db.query(`select to_regclass('renamed') as t`)).rows[0].t).toBeNull();
  });

  it('a concurrent reader sees the old or the new rows, never an empty or partial table', async () => {
    await my.exec(`create table big (id int primary key, pad varchar(40));
      insert into big select seq, repeat('x', 40) from seq_1_to_30000;`);
    const first = await syncAsAlice({ table: 'big' });
    await my.exec('insert into big select seq, repeat(\'y\', 40) from seq_30001_to_45000;');
    const reader = new pg.Client(db.url);
    await reader.connect();
    const seen = new Set<number>();
    let longestMs = 0;
    let reading = true;
    const loop = (async () => {
      while (reading) {
        const started = performance.now();
        seen.add(Number((await reader.query('select count(*) as n from big')).rows[0].n));
        longestMs = Math.max(longestMs, performance.now() - started);
      }
    })();
    try {
      const second = await runSyncNow(db, first.id);
      expect(second.state).toBe('success');
      await new Promise((r) => setTimeout(r, 100)); // go on reading the new rows for a moment
    } finally {
      reading = false;
      await loop;
      await reader.end();
    }
    expect([...seen].sort()).toEqual([30000, 45000]);
    expect(longestMs).toBeLessThan(1000);
  });

  it('unsync keeps the table and its data, and stops syncing', async () => {
    await my.exec(`create table kept (id int primary key); insert into kept values (1), (2);`);
    const first = await syncAsAlice({ table: 'kept' });
    expect((await alice.query('select cdb_connector_unsync($1) as ok', [first.id])).rows[0].ok).toBe(true);
    expect((await db.query('select count(*)::int as n from cdb_connectors.syncs where id = $1', [first.id])).rows[0].n).toBe(0);
    await my.exec('insert into kept values (3);');
    await new Promise((r) => setTimeout(r, 400)); // several scheduler ticks
    expect((await db.query('select count(*)::int as n from kept')).rows[0].n).toBe(2);
    const runs = await db.query('select sync_id, state from cdb_connectors.imports where id = $1', [first.last_import_id]);
    expect(runs.rows).toEqual([{ sync_id: null, state: 'complete' }]);
  });
});

describe('remote column changes', () => {
  it('a column added remotely is added locally (ALTER TABLE … ADD COLUMN), identity kept', async () => {
    await my.exec(`create table grows (id int primary key, a varchar(5)); insert into grows values (1, 'x');`);
    const first = await syncAsAlice({ table: 'grows' });
    const oid = await oidOf('grows');
    await my.exec(`alter table grows add column b int; update grows set b = 7; insert into grows values (2, 'y', 8);`);
    const second = await runSyncNow(db, first.id);
    expect(second.state).toBe('success');
    expect(await oidOf('grows')).toBe(oid);
    expect((await db.query('select id, a, b from grows order by id')).rows).toEqual([{ id: 1, a: 'x', b: 7 }, { id: 2, a: 'y', b: 8 }]);
  });

  it('a column dropped remotely stays, NULL in every row (on_schema_change evolve, SPEC §14); the change is recorded', async () => {
    await my.exec(`create table shrinks (id int primary key, a varchar(5), b int); insert into shrinks values (1, 'x', 1);`);
    const first = await syncAsAlice({ table: 'shrinks' });
    await my.exec(`alter table shrinks drop column b; insert into shrinks values (2, 'y');`);
    const second = await runSyncNow(db, first.id);
    expect(second).toMatchObject({ state: 'success', error_code: null, table_name: 'shrinks' });
    expect((await db.query('select id, a, b from shrinks order by id')).rows).toEqual([{ id: 1, a: 'x', b: null }, { id: 2, a: 'y', b: null }]);
    expect((await db.query('select kind, column_name, action from cdb_connectors.schema_changes where sync_id = $1', [first.id])).rows)
      .toEqual([{ kind: 'drop', column_name: 'b', action: 'applied' }]);
  });

  it('with sync_rebuild_on_schema_change the table is rebuilt, and dependent views are dropped', async () => {
    await my.exec(`create table rebuilt (id int primary key, a varchar(5), b int); insert into rebuilt values (1, 'x', 1);`);
    const first = await syncAsAlice({ table: 'rebuilt' });
    await alice.query('create view rebuilt_view as select * from rebuilt');
    const oid = await oidOf('rebuilt');
    await my.exec(`alter table rebuilt modify a int; update rebuilt set a = 5;`);
    await db.query(`update cdb_connectors.settings set value = 'true' where name = 'sync_rebuild_on_schema_change'`);
    try {
      const second = await runSyncNow(db, first.id);
      expect(second).toMatchObject({ state: 'success', table_name: 'rebuilt' });
    } finally {
      await db.query(`update cdb_connectors.settings set value = 'false' where name = 'sync_rebuild_on_schema_change'`);
    }
    expect(await oidOf('rebuilt')).not.toBe(oid);
    expect((await db.query('select id, a, b from rebuilt')).rows).toEqual([{ id: 1, a: 5, b: 1 }]);
    expect((await db.query(`select to_regclass('rebuilt_view') as v`)).rows[0].v).toBeNull();
    const row = await db.query('select table_oid::int as oid from cdb_connectors.syncs where id = $1', [first.id]);
    expect(row.rows[0].oid).toBe(await oidOf('rebuilt'));
  });
});
