/**
 * Issue 19 item 1 (SPEC §14) end to end on MariaDB: what replace and merge syncs do when the
 * remote columns change, under each on_schema_change policy, run by a real sidecar. After every
 * run that loads, the whole local table is compared with the remote one as text (every row,
 * every column), and the table's column types are read from the catalog:
 *   - evolve: add, drop (the column stays, NULL), widen in place (int → bigint, varchar(10) →
 *     varchar(50), decimal(10,2) → decimal(14,2)) with values that need the new types; a view on
 *     other columns survives with its OID; a view on a widened column blocks ALTER TYPE → paused
 *     with PostgreSQL's reason; a retype (int → varchar) pauses;
 *   - pause: nothing applied, state paused, paused_reason, sync_now refused; approve → the next
 *     run applies (replace: USING NULL, merge: through text), reject → the table keeps its shape
 *     and the data still loads (a rejected retype into the old type; a value that does not fit
 *     fails the run); later runs do not ask again;
 *   - fail: 2013 naming every change, the old data kept, one row per change, not repeated;
 *   - merge: updated rows get NULL in a dropped column, untouched rows keep theirs; approved
 *     while the view still blocks → paused again with a new pending row;
 *   - sync_rebuild_on_schema_change rebuilds instead of pausing;
 *   - cdb_connectors.schema_changes rows checked field by field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSetting } from '../helpers/answers.js';
import { localRows, mysqlRows, syncAndWait, syncFixture } from '../helpers/incremental.js';
import type { MysqlDb } from '../helpers/mysql.js';
import { createMysqlDb } from '../helpers/mysql.js';
import { changesOf, decideAll, pendingOf } from '../helpers/schema-changes.js';
import { runSyncNow, type SyncRow } from '../helpers/sync.js';
import type { TargetDb } from '../helpers/target.js';
import { sqlError, type TestRole } from '../sql/helpers.js';

let db: TargetDb;
let my: MysqlDb;
let alice: TestRole;

const sync = (connector: Record<string, unknown>): Promise<SyncRow> =>
  syncAndWait(db, alice, { connector: { provider: 'mysql', connection: my.connection(), ...connector }, interval: 3600 });

const fixture = syncFixture(createMysqlDb, (m) => m.drop());
beforeAll(async () => {
  ({ db, source: my, alice } = await fixture.setUp());
});
afterAll(() => fixture.tearDown());

/** The local table's columns and types, as the catalog spells them. */
async function typesOf(table: string): Promise<Record<string, string>> {
  const { rows } = await db.query<{ name: string; type: string }>(
    `select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
      where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`, [table]);
  return Object.fromEntries(rows.map((r) => [r.name, r.type]));
}

const oidOf = async (relation: string): Promise<number> => Number((await db.query('select $1::regclass::oid as oid', [relation])).rows[0].oid);

/** Every remote column as text, against the same local columns as text. */
async function expectSameRows(table: string, columns: string[], localExtra: Record<string, string> = {}): Promise<void> {
  const local = columns.map((c) => localExtra[c] ?? `${c}::text`).join(', ');
  const remote = columns.map((c) => `cast(${c} as char)`).join(', ');
  expect(await localRows(db, `select ${local} from ${table}`)).toEqual(await mysqlRows(my, `select ${remote} from ${table}`));
}

describe('replace sync, on_schema_change evolve (the default)', () => {
  let s: SyncRow;

  it('add, drop and widen in place: the values that need the new types arrive exact, a view on other columns survives', async () => {
    await my.exec(`create table evolves (id int primary key, qty int, name varchar(10), price decimal(10,2), gone int, keep varchar(5));
      insert into evolves values (1, 10, 'short', 12345678.91, 7, 'k1'), (2, 20, 'tiny', 0.01, 8, 'k2');`);
    s = await sync({ table: 'evolves' });
    expect(s.state, s.error_message ?? '').toBe('success');
    await alice.query('create view evolves_keep as select id, keep from evolves');
    const [tableOid, viewOid] = [await oidOf('evolves'), await oidOf('evolves_keep')];
    await my.exec(`alter table evolves modify qty bigint, modify name varchar(50), modify price decimal(14,2), drop column gone, add column note text;
      insert into evolves values (3, 9000000000, 'a name far longer than ten characters', 123456789012.34, 'k3', 'new');`);
    const run = await runSyncNow(db, s.id);
    expect(run).toMatchObject({ state: 'success', error_code: null, paused_reason: null });
    expect(await typesOf('evolves')).toEqual({
      id: 'integer', qty: 'bigint', name: 'character varying(50)', price: 'numeric(14,2)', gone: 'integer', keep: 'character varying(5)', note: 'text',
    });
    await expectSameRows('evolves', ['id', 'qty', 'name', 'price', 'keep', 'note']);
    expect((await db.query('select count(*)::int as n from evolves where gone is not null')).rows[0].n).toBe(0);
    expect([await oidOf('evolves'), await oidOf('evolves_keep')]).toEqual([tableOid, viewOid]);
    expect((await alice.query('select id, keep from evolves_keep order by id')).rows).toEqual([{ id: 1, keep: 'k1' }, { id: 2, keep: 'k2' }, { id: 3, keep: 'k3' }]);
    const changes = await changesOf(db, s.id);
    const common = { sync_id: s.id, job_id: run.last_import_id, action: 'applied', reason: null, decided_by: null, decided: true, applied: true };
    expect(changes.map(({ id, ...c }) => c)).toEqual([
      { ...common, kind: 'drop', column_name: 'gone', old_type: 'integer', new_type: null },
      { ...common, kind: 'widen', column_name: 'name', old_type: 'character varying(10)', new_type: 'character varying(50)' },
      { ...common, kind: 'add', column_name: 'note', old_type: null, new_type: 'text' },
      { ...common, kind: 'widen', column_name: 'price', old_type: 'numeric(10,2)', new_type: 'numeric(14,2)' },
      { ...common, kind: 'widen', column_name: 'qty', old_type: 'integer', new_type: 'bigint' },
    ]);
  });

  it('the next run finds nothing new: no row added, the dropped column stays NULL', async () => {
    await my.exec(`update evolves set note = 'again' where id = 1;`);
    const run = await runSyncNow(db, s.id);
    expect(run.state).toBe('success');
    expect(await changesOf(db, s.id)).toHaveLength(5);
    await expectSameRows('evolves', ['id', 'qty', 'name', 'price', 'keep', 'note']);
  });
});

describe('replace sync: a view on a widened column blocks ALTER TYPE', () => {
  let s: SyncRow;

  it('pauses with PostgreSQL\'s reason; nothing changed, sync_now says why', async () => {
    await my.exec(`create table blocked (id int primary key, qty int, v varchar(5)); insert into blocked values (1, 1, 'a'), (2, 2, 'b');`);
    s = await sync({ table: 'blocked' });
    await alice.query('create view blocked_qty as select id, qty from blocked');
    const before = await localRows(db, 'select id, qty, v from blocked');
    await my.exec(`alter table blocked modify qty bigint; insert into blocked values (3, 5000000000, 'c');`);
    const run = await runSyncNow(db, s.id);
    expect(run).toMatchObject({ state: 'paused', error_code: 2013, checksum: s.checksum });
    expect(run.error_message).toMatch(/^Sync table public\.blocked is paused: its remote columns changed \(widen qty integer → bigint: cannot alter type of a column used by a view or rule \(rule _RETURN on view public.blocked_qty depends on column "qty"\)\)\. Nothing was changed\. Decide each pending change: SELECT cdb_connector_schema_change_approve\(id\)/);
    expect(run.paused_reason).toBe('widen qty integer → bigint: cannot alter type of a column used by a view or rule (rule _RETURN on view public.blocked_qty depends on column "qty")');
    expect(await localRows(db, 'select id, qty, v from blocked')).toEqual(before);
    expect((await typesOf('blocked')).qty).toBe('integer');
    const [change] = await changesOf(db, s.id);
    expect(change).toMatchObject({ kind: 'widen', column_name: 'qty', old_type: 'integer', new_type: 'bigint', action: 'pending', decided_by: null, decided: false, applied: false, job_id: run.last_import_id });
    const refused = await sqlError(alice.query('select cdb_connector_sync_now($1)', [s.id]));
    expect(refused).toMatchObject({ code: '22023', detail: 'error_code 2013', message: `Synchronization ${s.id} is paused: its remote columns changed (widen qty bigint) and each change waits for a decision` });
  });

  it('the scheduler leaves a paused sync alone, even when it is due', async () => {
    await db.query('update cdb_connectors.syncs set run_at = now() - interval \'1 hour\' where id = $1', [s.id]);
    await new Promise((r) => setTimeout(r, 500)); // several scheduler ticks
    const row = (await db.query('select state, last_import_id from cdb_connectors.syncs where id = $1', [s.id])).rows[0];
    expect(row).toEqual({ state: 'paused', last_import_id: (await changesOf(db, s.id))[0]!.job_id });
  });

  it('approved while the view still blocks: paused again, with a new pending row', async () => {
    const { answers, run } = await decideAll(db, alice, s.id, 'approve');
    expect(answers).toEqual([expect.objectContaining({ action: 'approved', decided_by: alice.name, sync_state: 'queued', pending_changes: 0 })]);
    expect(run).toMatchObject({ state: 'paused', error_code: 2013 });
    expect((await changesOf(db, s.id)).map((c) => [c.action, c.decided_by, c.applied])).toEqual([['approved', alice.name, false], ['pending', null, false]]);
  });

  it('the view dropped, the approval applies: bigint, the rows exact', async () => {
    await alice.query('drop view blocked_qty');
    const { run } = await decideAll(db, alice, s.id, 'approve');
    expect(run).toMatchObject({ state: 'success', error_code: null, error_message: null, paused_reason: null });
    expect((await typesOf('blocked')).qty).toBe('bigint');
    await expectSameRows('blocked', ['id', 'qty', 'v']);
    expect((await changesOf(db, s.id)).map((c) => [c.action, c.applied])).toEqual([['approved', false], ['approved', true]]);
  });
});

describe('replace sync: a retype (int → varchar) is not a widening', () => {
  let s: SyncRow;

  it('pauses under evolve', async () => {
    await my.exec(`create table codes (id int primary key, code int, n int); insert into codes values (1, 10, 1), (2, 20, 2);`);
    s = await sync({ table: 'codes' });
    await my.exec(`alter table codes modify code varchar(10); insert into codes values (3, '30', 3);`);
    const run = await runSyncNow(db, s.id);
    expect(run.state).toBe('paused');
    expect(run.paused_reason).toBe('retype code integer → character varying(10): not a widening PostgreSQL can apply in place keeping every value');
  });

  it('rejected: the column keeps integer and the remote values load into it; later runs do not ask again', async () => {
    const { answers, run } = await decideAll(db, alice, s.id, 'reject');
    expect(answers).toEqual([expect.objectContaining({ action: 'rejected', kind: 'retype', sync_state: 'queued' })]);
    expect(run, run.error_message ?? '').toMatchObject({ state: 'success', error_code: null });
    expect((await typesOf('codes')).code).toBe('integer');
    await expectSameRows('codes', ['id', 'code', 'n']);
    await my.exec(`insert into codes values (4, '40', 4);`);
    expect((await runSyncNow(db, s.id)).state).toBe('success');
    await expectSameRows('codes', ['id', 'code', 'n']);
    expect((await changesOf(db, s.id)).map((c) => c.action)).toEqual(['rejected']);
  });

  it('a remote value that does not fit the kept type fails the run; the old data stays', async () => {
    const before = await localRows(db, 'select id, code, n from codes');
    await my.exec(`insert into codes values (5, 'abc', 5);`);
    const run = await runSyncNow(db, s.id);
    expect(run).toMatchObject({ state: 'failure', error_code: 1500 });
    expect(run.error_message).toMatch(/invalid input syntax for type integer: "abc"/);
    expect(await localRows(db, 'select id, code, n from codes')).toEqual(before);
    await my.exec(`delete from codes where id = 5;`);
  });
});

describe('replace sync, on_schema_change pause', () => {
  let s: SyncRow;

  it('an added column pauses the sync: nothing applied, the old rows kept', async () => {
    await my.exec(`create table held (id int primary key, code varchar(10)); insert into held values (1, '1'), (2, '2');`);
    s = await sync({ table: 'held', on_schema_change: 'pause' });
    expect(s.state).toBe('success');
    await my.exec(`alter table held add column extra int; update held set extra = id * 10;`);
    const run = await runSyncNow(db, s.id);
    expect(run).toMatchObject({ state: 'paused', error_code: 2013, paused_reason: 'add extra integer: on_schema_change is pause' });
    expect(Object.keys(await typesOf('held'))).toEqual(['id', 'code']);
  });

  it('approved: the next run adds it', async () => {
    const { run } = await decideAll(db, alice, s.id, 'approve');
    expect(run.state).toBe('success');
    expect(await typesOf('held')).toEqual({ id: 'integer', code: 'character varying(10)', extra: 'integer' });
    await expectSameRows('held', ['id', 'code', 'extra']);
  });

  it('an approved retype: the refresh reloads every row into the new type (USING NULL, no old value converted)', async () => {
    await my.exec(`alter table held modify code int;`);
    expect((await runSyncNow(db, s.id)).state).toBe('paused');
    const { run } = await decideAll(db, alice, s.id, 'approve');
    expect(run.state).toBe('success');
    expect((await typesOf('held')).code).toBe('integer');
    await expectSameRows('held', ['id', 'code', 'extra']);
  });

  it('a rejected add is never added, the other columns still load, and later runs do not ask again', async () => {
    await my.exec(`alter table held add column unwanted text; update held set unwanted = 'x', extra = extra + 1;`);
    expect((await runSyncNow(db, s.id)).state).toBe('paused');
    const { run } = await decideAll(db, alice, s.id, 'reject');
    expect(run.state).toBe('success');
    expect(Object.keys(await typesOf('held'))).toEqual(['id', 'code', 'extra']);
    await expectSameRows('held', ['id', 'code', 'extra']);
    expect((await runSyncNow(db, s.id)).state).toBe('success');
    expect((await changesOf(db, s.id)).filter((c) => c.column_name === 'unwanted').map((c) => c.action)).toEqual(['rejected']);
  });
});

describe('replace sync, on_schema_change fail', () => {
  it('2013 naming every change, the old data kept, one row per change however often it runs', async () => {
    await my.exec(`create table strict (id int primary key, qty int, name varchar(10)); insert into strict values (1, 1, 'a');`);
    const s = await sync({ table: 'strict', on_schema_change: 'fail' });
    const before = await localRows(db, 'select id, qty, name from strict');
    await my.exec(`alter table strict modify qty bigint, add column extra int; update strict set qty = 9000000000;`);
    const run = await runSyncNow(db, s.id);
    expect(run).toMatchObject({ state: 'failure', error_code: 2013, checksum: s.checksum, paused_reason: null });
    expect(run.error_message).toBe('Cannot sync table public.strict: its remote columns changed (widen qty integer → bigint: on_schema_change is fail; add extra integer: on_schema_change is fail) and the sync has "on_schema_change": "fail". The old data was kept. Change the table to match (ALTER TABLE), change the remote back, or recreate the sync.');
    expect(await localRows(db, 'select id, qty, name from strict')).toEqual(before);
    expect((await runSyncNow(db, s.id)).state).toBe('failure');
    const changes = await changesOf(db, s.id);
    expect(changes.map(({ kind, column_name, action, decided, applied }) => ({ kind, column_name, action, decided, applied }))).toEqual([
      { kind: 'add', column_name: 'extra', action: 'failed', decided: false, applied: false },
      { kind: 'widen', column_name: 'qty', action: 'failed', decided: false, applied: false },
    ]);
    const refused = await sqlError(alice.query('select cdb_connector_schema_change_approve($1)', [changes[0]!.id]));
    expect(refused).toMatchObject({ code: '22023', message: expect.stringMatching(/is not pending: it was failed \(on_schema_change fail/) });
  });
});

describe('merge sync', () => {
  let s: SyncRow;
  const COLUMNS = ['id', 'v', 'qty', 'name', 'keep'];

  it('evolve: add, drop and widen; updated rows get NULL in the dropped column, untouched rows keep theirs; a view on other columns survives', async () => {
    await my.exec(`create table merged (id int primary key, v int, qty int, name varchar(10), gone varchar(5), keep varchar(5));
      insert into merged values (1, 1, 1, 'a', 'g1', 'k1'), (2, 1, 2, 'b', 'g2', 'k2'), (3, 1, 3, 'c', 'g3', 'k3');`);
    s = await sync({ table: 'merged', mode: 'merge', cursor: 'v' });
    await alice.query('create view merged_keep as select id, keep from merged');
    const viewOid = await oidOf('merged_keep');
    await my.exec(`alter table merged modify qty bigint, modify name varchar(50), drop column gone, add column note text;
      update merged set v = 2, qty = 7000000000, name = 'a much longer name than before', note = 'n' where id = 2;
      insert into merged values (4, 2, 4, 'd', 'k4', 'fresh');`);
    const run = await runSyncNow(db, s.id);
    expect(run.state, run.error_message ?? '').toBe('success');
    expect(await typesOf('merged')).toMatchObject({ qty: 'bigint', name: 'character varying(50)', gone: 'character varying(5)', note: 'text' });
    await expectSameRows('merged', [...COLUMNS, 'note']);
    expect((await db.query('select id, gone from merged order by id')).rows).toEqual([{ id: 1, gone: 'g1' }, { id: 2, gone: null }, { id: 3, gone: 'g3' }, { id: 4, gone: null }]);
    expect(await oidOf('merged_keep')).toBe(viewOid);
    expect((await changesOf(db, s.id)).map((c) => `${c.kind} ${c.column_name} ${c.action}`)).toEqual(['drop gone applied', 'widen name applied', 'add note applied', 'widen qty applied']);
  });

  it('a later run still writes NULL into the dropped column of the rows it updates', async () => {
    await my.exec(`update merged set v = 3, keep = 'k3b' where id = 3;`);
    expect((await runSyncNow(db, s.id)).state).toBe('success');
    expect((await db.query('select id, gone from merged order by id')).rows).toEqual([{ id: 1, gone: 'g1' }, { id: 2, gone: null }, { id: 3, gone: null }, { id: 4, gone: null }]);
    await expectSameRows('merged', [...COLUMNS, 'note']);
  });

  it('an approved retype converts the rows the table keeps through text', async () => {
    // MariaDB turns the text it cannot convert into 0; the remote is the truth either way
    await my.exec(`alter table merged modify keep int; update merged set keep = id * 100, v = 4 where id in (1, 2);`);
    const paused = await runSyncNow(db, s.id);
    expect(paused).toMatchObject({ state: 'paused', paused_reason: 'retype keep character varying(5) → integer: not a widening PostgreSQL can apply in place keeping every value' });
    await alice.query('drop view merged_keep');
    // the local rows hold text that is no integer (the ALTER runs before the merge updates them):
    // it cannot convert them, the sync pauses again with PostgreSQL's reason
    const { run } = await decideAll(db, alice, s.id, 'approve');
    expect(run.state).toBe('paused');
    expect(run.paused_reason).toMatch(/^retype keep character varying\(5\) → integer: invalid input syntax for type integer: "k1"$/);
    await alice.query(`update merged set keep = null where keep !~ '^[0-9]+$'`);
    await my.exec(`update merged set v = 5;`);
    const { run: applied } = await decideAll(db, alice, s.id, 'approve');
    expect(applied.state, applied.error_message ?? '').toBe('success');
    expect((await typesOf('merged')).keep).toBe('integer');
    await expectSameRows('merged', [...COLUMNS, 'note']);
  });

  it('pause, a rejected widen keeps the type: values that fit load, one that does not fails the run', async () => {
    await my.exec(`create table capped (id int primary key, v int, qty int); insert into capped values (1, 1, 1), (2, 1, 2);`);
    const c = await sync({ table: 'capped', mode: 'merge', cursor: 'v', on_schema_change: 'pause' });
    await my.exec(`alter table capped modify qty bigint; update capped set v = 2, qty = 20 where id = 1;`);
    expect((await runSyncNow(db, c.id))).toMatchObject({ state: 'paused', paused_reason: 'widen qty integer → bigint: on_schema_change is pause' });
    const { run } = await decideAll(db, alice, c.id, 'reject');
    expect(run.state, run.error_message ?? '').toBe('success');
    expect((await typesOf('capped')).qty).toBe('integer');
    await expectSameRows('capped', ['id', 'v', 'qty']);
    const before = await localRows(db, 'select id, v, qty from capped');
    await my.exec(`update capped set v = 3, qty = 9000000000 where id = 2;`);
    const failed = await runSyncNow(db, c.id);
    expect(failed).toMatchObject({ state: 'failure', error_code: 1500 });
    expect(failed.error_message).toMatch(/out of range for type integer/);
    expect(await localRows(db, 'select id, v, qty from capped')).toEqual(before);
    expect((await changesOf(db, c.id)).map((x) => x.action)).toEqual(['rejected']);
  });
});

describe('sync_rebuild_on_schema_change', () => {
  it('rebuilds instead of pausing (the DBA\'s override), and records the changes as applied by the rebuild', async () => {
    await my.exec(`create table rebuilt2 (id int primary key, code int); insert into rebuilt2 values (1, 1);`);
    const s = await sync({ table: 'rebuilt2', on_schema_change: 'pause' });
    const oid = await oidOf('rebuilt2');
    await my.exec(`alter table rebuilt2 modify code varchar(10); update rebuilt2 set code = 'x';`);
    const run = await withSetting(db, 'sync_rebuild_on_schema_change', 'true', () => runSyncNow(db, s.id));
    expect(run.state).toBe('success');
    expect(await oidOf('rebuilt2')).not.toBe(oid);
    await expectSameRows('rebuilt2', ['id', 'code']);
    expect((await changesOf(db, s.id)).map((c) => [c.kind, c.action, c.reason])).toEqual([['retype', 'applied', 'the table was rebuilt (setting sync_rebuild_on_schema_change)']]);
    expect(await pendingOf(db, s.id)).toEqual([]);
  });
});
