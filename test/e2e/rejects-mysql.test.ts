/**
 * SPEC §14 rejected rows (issue 19 item 2) end to end on MariaDB into a PostGIS target (CARTO
 * columns on, as a CARTO database has them), run by a real sidecar as alice:
 *   - an import with one bad row of each cause — bytes invalid in UTF-8 reaching COPY (a UTF-16
 *     surrogate MariaDB stores in utf8mb4), a number PostgreSQL refuses (a JSON number beyond
 *     numeric's range), an invalid geometry (a WKT column cast to geometry) — completes with the
 *     warning rejected_rows; every good row is there (compared with the remote, row for row), its
 *     cartodb_id still 1..n; each reject row is checked field by field;
 *   - an impossible date and a number beyond bigint, reaching types the user's cast rules chose;
 *   - the limits: max_rejects and max_reject_ratio fail with 1512, no table, the rejects kept;
 *   - "on_error": "fail" (and no on_error) fails as before, rejecting nothing;
 *   - a replace sync that rejects on every run; a merge sync whose table alice gave a NOT NULL:
 *     the refused rows are rejected, the rest merged, the counts exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastRun, localRows, mysqlRows, syncAndWait } from '../helpers/incremental.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { importAndWait, type ImportStatus } from '../helpers/sidecar.js';
import { runSyncNow, startSyncSidecar } from '../helpers/sync.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import type { TestSidecar } from '../helpers/sidecar.js';
import { roleFactory, type RoleFactory, type TestRole } from '../sql/helpers.js';

let db: TargetDb;
let my: MysqlDb;
let roles: RoleFactory;
let alice: TestRole;
let sidecar: TestSidecar;

const ROWS = 200;
/** The bad rows of `things`, by id (= position in the read: InnoDB reads in key order). */
const BAD = { encoding: 17, number: 42, geometry: 99 };
const GOOD_IDS = `id not in (${Object.values(BAD).join(', ')})`;

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb({ postgis: true }), createMysqlDb()]);
  roles = roleFactory(db);
  alice = await roles.create('alice', 'cdb_connector_user');
  await db.query(`grant create on schema public to "${alice.name}"`);
  sidecar = await startSyncSidecar(db);
  await my.exec(`set names binary;
    create table things (id int primary key, name varchar(20) character set utf8mb4, doc json, shape varchar(100)) character set utf8mb4;
    insert into things select seq, concat('thing ', seq), concat('{"n": ', seq, '}'), concat('POINT(', seq % 170, ' 1)') from seq_1_to_${ROWS};
    update things set name = x'61eda080' where id = ${BAD.encoding};
    update things set doc = '{"n": 1e400000}' where id = ${BAD.number};
    update things set shape = 'POLYGON((0 0,1 0,1 1))' where id = ${BAD.geometry};`);
});

afterAll(async () => {
  await sidecar?.stop();
  await my?.drop();
  await roles?.cleanup();
});

const connector = (extra: Record<string, unknown>) => ({ provider: 'mysql', connection: my.connection(), table: 'things', casts: [{ column: 'shape', to: 'geometry' }], ...extra });
const importAs = (extra: Record<string, unknown>): Promise<ImportStatus> => importAndWait(db, { connector: connector(extra) }, { url: db.urlAs(alice.name) });

interface RejectRow { import_id: string; sync_id: string | null; owner: string; row_number: number; column_name: string | null; error_code: string; message: string; remote_value: string | null }

async function rejectsOf(importId: string): Promise<RejectRow[]> {
  return (await db.query<RejectRow>(`select import_id, sync_id, owner, row_number::int, column_name, error_code, message, remote_value
    from cdb_connectors.rejects where import_id = $1 order by row_number`, [importId])).rows;
}

const tableExists = async (name: string) => (await db.query('select to_regclass($1) is not null as e', [`public.${name}`])).rows[0].e as boolean;

// MariaDB's own text of the good rows, and the local table's, as the same sorted text
const REMOTE_GOOD = `select id, name, cast(doc as char), shape from things where ${GOOD_IDS}`;
const localGood = (table: string) => `select id, name, doc::text, ST_AsText(the_geom) from ${table}`;

describe('an import with bad rows', () => {
  let status: ImportStatus;

  it('completes without them, with the warning rejected_rows', async () => {
    status = await importAs({ import_as: 'things_ok', on_error: 'reject' });
    expect(status.state, status.error_message ?? '').toBe('complete');
    expect(status).toMatchObject({ table_name: 'things_ok', rows_fetched: ROWS, rows_imported: ROWS - 3 });
    expect(status.warnings).toContainEqual({
      code: 'rejected_rows', count: 3,
      message: expect.stringMatching(new RegExp(`^3 row\\(s\\) PostgreSQL refused .* \\(import_id ${status.id}\\); the first: row 17, column name: invalid byte sequence for encoding "UTF8": 0xed 0xa0 0x80`)),
    });
  });

  it('has every good row, exactly as the remote has it, cartodb_id from the remote key', async () => {
    expect(await localRows(db, localGood('things_ok'))).toEqual(await mysqlRows(my, REMOTE_GOOD));
    expect((await db.query('select count(*)::int as n from things_ok where cartodb_id is distinct from id')).rows[0].n).toBe(0);
  });

  it('numbers generated cartodb_ids 1..n over the rows kept (a sql_query has no key)', async () => {
    const viaQuery = await importAs({ import_as: 'things_q', sql_query: 'select * from things', on_error: 'reject' });
    expect(viaQuery).toMatchObject({ state: 'complete', rows_imported: ROWS - 3 });
    expect(await localRows(db, localGood('things_q'))).toEqual(await mysqlRows(my, REMOTE_GOOD));
    const ids = await db.query('select min(cartodb_id)::int as lo, max(cartodb_id)::int as hi, count(distinct cartodb_id)::int as n, bool_and(cartodb_id < id) as before from things_q where id > 99');
    expect(ids.rows[0]).toMatchObject({ hi: ROWS - 3, before: true });
    // fetch order: ids 1..16 keep their position, every id after a rejected row moves up by one
    expect((await db.query('select count(*)::int as n from things_q where cartodb_id <> id - (id > 17)::int - (id > 42)::int - (id > 99)::int')).rows[0].n).toBe(0);
  });

  it('records each bad row: position, column, SQLSTATE, message, remote value', async () => {
    const rows = await rejectsOf(status.id);
    const common = { import_id: status.id, sync_id: null, owner: alice.name };
    expect(rows).toEqual([
      { ...common, row_number: BAD.encoding, column_name: 'name', error_code: '22021', message: 'invalid byte sequence for encoding "UTF8": 0xed 0xa0 0x80', remote_value: '\\x61eda080' },
      { ...common, row_number: BAD.number, column_name: 'doc', error_code: '22003', message: expect.stringMatching(/overflows numeric format/), remote_value: '{"n": 1e400000}' },
      { ...common, row_number: BAD.geometry, column_name: 'shape', error_code: 'XX000', message: expect.stringMatching(/geometry requires more points/), remote_value: 'POLYGON((0 0,1 0,1 1))' },
    ]);
    // alice reads her rejects herself
    expect((await alice.query('select count(*)::int as n from cdb_connectors.rejects where import_id = $1', [status.id])).rows[0].n).toBe(3);
  });
});

describe('values the cast rules send to a type that refuses them', () => {
  it('an impossible date and a number beyond bigint are rejected with 22008 and 22003; the other rows exact', async () => {
    await my.exec(`create table readings (id int primary key, day varchar(10), n decimal(30,0));
      insert into readings select seq, concat('2024-01-', lpad(seq, 2, '0')), seq * 1000 from seq_1_to_20;
      update readings set day = '2024-02-30' where id = 5;
      update readings set day = '0000-00-00' where id = 9;
      update readings set n = 10000000000000000000000000 where id = 12;`);
    const status = await importAndWait(db, { connector: { provider: 'mysql', connection: my.connection(), table: 'readings', on_error: 'reject',
      casts: [{ column: 'day', to: 'date' }, { column: 'n', to: 'bigint' }] } }, { url: db.urlAs(alice.name) });
    expect(status, status.error_message ?? '').toMatchObject({ state: 'complete', rows_fetched: 20, rows_imported: 17 });
    const rejects = await rejectsOf(status.id);
    expect(rejects.map(({ row_number, column_name, error_code, remote_value }) => ({ row_number, column_name, error_code, remote_value }))).toEqual([
      { row_number: 5, column_name: 'day', error_code: '22008', remote_value: '2024-02-30' },
      { row_number: 9, column_name: 'day', error_code: '22008', remote_value: '0000-00-00' },
      { row_number: 12, column_name: 'n', error_code: '22003', remote_value: '10000000000000000000000000' },
    ]);
    const types = await db.query(`select format_type(atttypid, atttypmod) as t from pg_attribute where attrelid = 'public.readings'::regclass and attname in ('day', 'n') order by attname`);
    expect(types.rows.map((r) => r.t)).toEqual(['date', 'bigint']);
    expect(await localRows(db, 'select id, day::text, n::text from readings'))
      .toEqual(await mysqlRows(my, 'select id, day, cast(n as char) from readings where id not in (5, 9, 12)'));
  });
});

describe('limits', () => {
  it('more rejects than max_rejects: 1512 naming the count, the limit and the first reason; no table; the rejects kept', async () => {
    const status = await importAs({ import_as: 'things_count', on_error: 'reject', max_rejects: 2 });
    expect(status).toMatchObject({ state: 'failure', error_code: 1512 });
    expect(status.error_message).toMatch(/^3 rows were rejected, more than max_rejects \(2\); the first: row 17, column name: invalid byte sequence .*Nothing was imported; the rejected rows found are kept in cdb_connectors\.rejects/);
    expect(await tableExists('things_count')).toBe(false);
    expect((await rejectsOf(status.id)).map((r) => r.row_number)).toEqual([17, 42, 99]);
  });

  it('a larger share than max_reject_ratio: 1512 once the read is done', async () => {
    const status = await importAs({ import_as: 'things_ratio', on_error: 'reject', max_reject_ratio: 0.01 });
    expect(status).toMatchObject({ state: 'failure', error_code: 1512 });
    expect(status.error_message).toMatch(/^3 of the 200 rows read were rejected \(1\.50 %\), more than max_reject_ratio \(0\.01\)/);
    expect(await tableExists('things_ratio')).toBe(false);
  });

  it('max_rejects 0 takes no bad row at all', async () => {
    const status = await importAs({ import_as: 'things_zero', on_error: 'reject', max_rejects: 0 });
    expect(status).toMatchObject({ state: 'failure', error_code: 1512 });
    expect(await tableExists('things_zero')).toBe(false);
  });
});

describe('"on_error": "fail"', () => {
  for (const extra of [{}, { on_error: 'fail' }]) {
    it(`fails at the first bad row as before (${JSON.stringify(extra)}): 1510, no table, no rejects`, async () => {
      const status = await importAs({ import_as: 'things_fail', ...extra });
      expect(status).toMatchObject({ state: 'failure', error_code: 1510 });
      expect(status.error_message).toMatch(/invalid byte sequence for encoding "UTF8"/);
      expect(await tableExists('things_fail')).toBe(false);
      expect(await rejectsOf(status.id)).toEqual([]);
    });
  }
});

describe('sync tables', () => {
  it('a replace sync leaves the bad rows out on every run and says so each time', async () => {
    const sync = await syncAndWait(db, alice, { connector: connector({ import_as: 'things_sync', on_error: 'reject' }), interval: 3600 });
    expect(sync).toMatchObject({ state: 'success', error_code: null });
    expect(await localRows(db, localGood('things_sync'))).toEqual(await mysqlRows(my, REMOTE_GOOD));
    await my.exec("update things set name = 'renamed' where id = 1");
    await runSyncNow(db, sync.id);
    const run = await lastRun(db, sync.id);
    expect(run).toMatchObject({ state: 'complete', rows_fetched: ROWS });
    expect(run.warnings).toContainEqual(expect.objectContaining({ code: 'rejected_rows', count: 3 }));
    expect(await localRows(db, localGood('things_sync'))).toEqual(await mysqlRows(my, REMOTE_GOOD));
    const [{ id: runId }] = (await db.query('select id from cdb_connectors.imports where sync_id = $1 order by created_at desc limit 1', [sync.id])).rows;
    expect((await rejectsOf(runId)).map((r) => [r.row_number, r.sync_id])).toEqual([[17, sync.id], [42, sync.id], [99, sync.id]]);
    await my.exec("update things set name = 'thing 1' where id = 1");
  });

  it('a merge sync: rows the NOT NULL alice added refuses are rejected, the others merged, the counts exact', async () => {
    await my.exec(`create table members (id int primary key, name varchar(20), note varchar(20), updated_at datetime(6));
      insert into members select seq, concat('m', seq), 'ok', '2026-01-01 00:00:00' from seq_1_to_50;`);
    const sync = await syncAndWait(db, alice, { connector: { provider: 'mysql', connection: my.connection(), table: 'members', mode: 'merge', cursor: 'updated_at', on_error: 'reject' }, interval: 3600 });
    expect(sync.state).toBe('success');
    await alice.query('alter table members alter column note set not null');
    // 3 new rows and 2 updates; rows 52 and 4 lose their note
    await my.exec(`insert into members values (51, 'm51', 'ok', '2026-01-02 00:00:00'), (52, 'm52', null, '2026-01-02 00:00:01'), (53, 'm53', 'ok', '2026-01-02 00:00:02');
      update members set name = 'M3', updated_at = '2026-01-02 00:00:03' where id = 3;
      update members set note = null, updated_at = '2026-01-02 00:00:04' where id = 4;`);
    const run = await runSyncNow(db, sync.id);
    expect(run).toMatchObject({ state: 'success', error_code: null });
    // read in cursor order from the mark (inclusive): the 48 rows still at 2026-01-01 00:00:00, then 51, 52, 53, 3, 4
    expect(await lastRun(db, sync.id)).toMatchObject({ rows_fetched: 53, rows_inserted: 2, rows_updated: 1, rows_unchanged: 48, rows_deleted: 0 });
    expect(await localRows(db, 'select id, name, note from members')).toEqual(
      await mysqlRows(my, "select id, name, note from members where id not in (4, 52) union all select 4, 'm4', 'ok'"));
    const [{ id: runId }] = (await db.query('select id from cdb_connectors.imports where sync_id = $1 order by created_at desc limit 1', [sync.id])).rows;
    const rejects = await rejectsOf(runId);
    expect(rejects.map((r) => ({ ...r, import_id: undefined }))).toEqual([50, 53].map((rowNumber) => ({
      import_id: undefined, sync_id: sync.id, owner: alice.name, row_number: rowNumber, column_name: 'note', error_code: '23502',
      message: expect.stringMatching(/^null value in column "note" of relation "members" violates not-null constraint \(Failing row contains \(/), remote_value: null,
    })));
  });
});
