/**
 * Issue 18 (SPEC §13) under the threat model of docs/security.md: a hostile API user (alice, a
 * plain member of cdb_connector_user owning the schema named after her) attacks incremental sync
 * tables. The sidecar must never lend her more than her own rights. Each test asserts on what
 * arrived (the whole local table against the remote one, the mark) and on what her code could do
 * (the `probe_log` her code writes: who it ran as and what each attempt got), and names the
 * protection it checks — remove that protection and the test fails:
 *   - triggers on her merge table that RESET ROLE, SET ROLE / SET SESSION AUTHORIZATION to the
 *     sidecar's login, read the password tables, write elsewhere;
 *   - code she plants from such a trigger on the run's own staging tables (temp tables her role
 *     owns in the sidecar's session), which the run reads after her code ran;
 *   - a deferrable constraint trigger (it would fire at COMMIT, outside her frame);
 *   - remote identifiers and table names built to inject SQL, as cursor and primary_key;
 *   - another role's sync_state, reset and mark; writing the mark directly;
 *   - the delete guard: max_delete_ratio is the DBA's, not hers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastRun, localRows, mysqlRows, syncAndWait, syncFixture, syncState } from '../helpers/incremental.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { queryOnce } from '../helpers/one-shot-sql.js';
import { createSync, runSyncNow, type SyncRow } from '../helpers/sync.js';
import type { TargetDb } from '../helpers/target.js';
import { sqlError, type RoleFactory, type TestRole } from '../sql/helpers.js';

let db: TargetDb;
let my: MysqlDb;
let roles: RoleFactory;
let alice: TestRole;
let bob: TestRole;
/** alice's own schema (`"$user"`), where her syncs land. */
let s: string;

interface ProbeRow { at: string; who: string; super: boolean; note: string }

const mysqlName = (name: string) => `\`${name.replace(/`/g, '``')}\``;
const pgName = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function probes(at: string): Promise<ProbeRow[]> {
  return (await db.query<ProbeRow>(`select at, who, super, note from ${pgName(s)}.probe_log where at = $1 order by note`, [at])).rows;
}

/** Everything alice's code logged under `at` ran as alice, never a superuser; `mustRun`: it did run. */
async function expectContained(at: string, opts: { mustRun: boolean }): Promise<ProbeRow[]> {
  const rows = await probes(at);
  if (opts.mustRun) expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) expect(row, row.note).toMatchObject({ who: alice.name, super: false });
  expect((await db.query('select rolsuper from pg_roles where rolname = $1', [alice.name])).rows).toEqual([{ rolsuper: false }]);
  return rows;
}

/** The mark alone (`null` before the first run and after a reset). */
const markOf = async (syncId: string) => (await syncState(db, syncId)).mark;

const REMOTE_ITEMS = (t: string) => `select id, name, date_format(updated_at, '%Y-%m-%d %H:%i:%s.%f') as u from ${t}`;
const LOCAL_ITEMS = (t: string) => `select id, name, to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US') as u from ${t}`;

/** A remote table of three rows, merge-synced by `who` (cursor updated_at, deletes hard); first run done. */
async function mergeSynced(name: string, who: TestRole = alice, connector: Record<string, unknown> = {}): Promise<{ table: string; sync: SyncRow }> {
  await my.exec(`create table ${name} (id int primary key, name varchar(20), updated_at datetime(6));
    insert into ${name} values (1, 'one', '2026-01-01 10:00:01'), (2, 'two', '2026-01-01 10:00:02'), (3, 'three', '2026-01-01 10:00:03');`);
  const sync = await syncAndWait(db, who, {
    connector: { provider: 'mysql', connection: my.connection(), table: name, mode: 'merge', cursor: 'updated_at', deletes: 'hard', ...connector },
    interval: 3600,
  });
  expect(sync, sync.error_message ?? '').toMatchObject({ state: 'success', target_schema: who.name, table_name: name });
  return { table: `${pgName(who.name)}.${name}`, sync };
}

/** An update that moves the cursor, an insert and a delete on the remote: the next run updates, inserts and deletes. */
async function changeRemote(name: string): Promise<void> {
  await my.exec(`update ${name} set name = 'two!', updated_at = '2026-01-01 10:00:05' where id = 2;
    insert into ${name} values (4, 'four', '2026-01-01 10:00:06'); delete from ${name} where id = 3;`);
}

async function expectMerged(name: string, table: string, syncId: string): Promise<void> {
  expect(await localRows(db, LOCAL_ITEMS(table))).toEqual(await mysqlRows(my, REMOTE_ITEMS(name)));
  expect(await markOf(syncId)).toBe('2026-01-01 10:00:06.000000');
  expect(await lastRun(db, syncId)).toMatchObject({ state: 'complete', rows_inserted: 1, rows_updated: 1, rows_deleted: 1 });
}

// alice and bob may create schemas (their own, below), not tables in public
const fixture = syncFixture(createMysqlDb, (m) => m.drop(), { createInPublic: false });

beforeAll(async () => {
  ({ db, source: my, roles, alice } = await fixture.setUp());
  bob = await roles.create('bob', 'cdb_connector_user');
  s = alice.name;
  for (const r of [alice, bob]) {
    await db.query(`grant create on database ${pgName(db.name)} to ${pgName(r.name)}`);
    await r.query(`create schema ${pgName(r.name)}`);
  }
  await bob.query(`create table ${pgName(bob.name)}.box (v text)`);
  const a = pgName(s);
  await alice.query(`
    create table ${a}.probe_log (at text, who text, super boolean, note text);
    create table ${a}.side (v text, who text default current_user);
    -- runs one statement, logs who ran it and what it got (done / refused: <error>)
    create function ${a}.try(at text, what text, stmt text) returns void language plpgsql as $$
    declare note text := 'done';
    begin
      begin
        execute stmt;
      exception when others then note := 'refused: ' || sqlerrm;
      end;
      insert into ${a}.probe_log values (at, current_user, (select rolsuper from pg_catalog.pg_roles where rolname = current_user), what || ': ' || note);
    end $$;
    create function ${a}.probe(at text) returns boolean language plpgsql as $$
    begin perform ${a}.try(at, 'reset role', 'reset role'); return true; end $$;
    create function ${a}.probe_trigger() returns trigger language plpgsql as $$
    begin perform ${a}.probe(tg_argv[0]); return new; end $$;`);
});

afterAll(() => fixture.tearDown());

describe('user code on a merge-synced table runs with alice\'s rights, never the sidecar\'s', () => {
  it('BEFORE UPDATE / BEFORE INSERT triggers: RESET ROLE, SET ROLE and SET SESSION AUTHORIZATION to the sidecar\'s login and reading the password tables are refused', async () => {
    // Protection: the merge's UPDATE and INSERT run in owner frames (src/load/owner-frame.ts
    // runAsOwner, called by src/load/strategies/merge.ts). Under a plain SET ROLE alice every
    // `done` below would have been logged by the sidecar's superuser login.
    const { table, sync } = await mergeSynced('t_escalate');
    await alice.query(`
      create function ${pgName(s)}.escalate() returns trigger language plpgsql as $$
      begin
        perform ${pgName(s)}.try(tg_argv[0], 'a reset role', 'reset role');
        perform ${pgName(s)}.try(tg_argv[0], 'b set role', pg_catalog.format('set role %I', session_user));
        perform ${pgName(s)}.try(tg_argv[0], 'c set session authorization', pg_catalog.format('set session authorization %I', session_user));
        perform ${pgName(s)}.try(tg_argv[0], 'd job_secrets', 'select pg_catalog.count(*) from cdb_connectors.job_secrets');
        perform ${pgName(s)}.try(tg_argv[0], 'e sync_secrets', 'select pg_catalog.count(*) from cdb_connectors.sync_secrets');
        return new;
      end $$;
      create trigger u before update on ${table} for each row execute function ${pgName(s)}.escalate('update');
      create trigger i before insert on ${table} for each row execute function ${pgName(s)}.escalate('insert');`);
    await changeRemote('t_escalate');
    const run = await runSyncNow(db, sync.id);
    expect(run, run.error_message ?? '').toMatchObject({ state: 'success', error_code: null });
    await expectMerged('t_escalate', table, sync.id);
    for (const at of ['update', 'insert']) {
      const rows = await expectContained(at, { mustRun: true });
      expect(rows.map((r) => r.note)).toEqual([
        expect.stringMatching(/^a reset role: refused: cannot set parameter "role" within security-definer function/),
        expect.stringMatching(/^b set role: refused: cannot set parameter "role" within security-definer function/),
        expect.stringMatching(/^c set session authorization: refused: cannot set parameter "session_authorization" within security-definer function/),
        'd job_secrets: refused: permission denied for table job_secrets',
        'e sync_secrets: refused: permission denied for table sync_secrets',
      ]);
    }
  });

  it('a trigger that writes elsewhere writes with alice\'s rights only: her own table yes; bob\'s table, the mark, the settings, the job counts no', async () => {
    // Protection: owner frames again (runAsOwner: the trigger's RESET ROLE is refused, so what
    // follows runs as alice, not as the sidecar's superuser login); then the column grants of
    // grants-incremental.sql (only reset_requested_at) and grants.sql (settings: SELECT only).
    const { table, sync } = await mergeSynced('t_elsewhere');
    await alice.query(`
      create function ${pgName(s)}.elsewhere() returns trigger language plpgsql as $$
      begin
        perform ${pgName(s)}.try('elsewhere', '0 reset role', 'reset role');
        perform ${pgName(s)}.try('elsewhere', 'a own table', 'insert into ${pgName(s)}.side (v) values (''from the trigger'')');
        perform ${pgName(s)}.try('elsewhere', 'b bob', 'insert into ${pgName(bob.name)}.box values (''alice was here'')');
        perform ${pgName(s)}.try('elsewhere', 'c mark', 'update cdb_connectors.syncs set mark = ''9999-12-31 00:00:00.000000''');
        perform ${pgName(s)}.try('elsewhere', 'd settings', 'update cdb_connectors.settings set value = ''1'' where name = ''max_delete_ratio''');
        perform ${pgName(s)}.try('elsewhere', 'e counts', 'update cdb_connectors.jobs set rows_inserted = 0');
        return null;
      end $$;
      create trigger w after update on ${table} for each statement execute function ${pgName(s)}.elsewhere();`);
    await changeRemote('t_elsewhere');
    const run = await runSyncNow(db, sync.id);
    expect(run, run.error_message ?? '').toMatchObject({ state: 'success' });
    await expectMerged('t_elsewhere', table, sync.id);
    const rows = await expectContained('elsewhere', { mustRun: true });
    expect(rows.map((r) => r.note)).toEqual([
      expect.stringMatching(/^0 reset role: refused: cannot set parameter "role" within security-definer function/),
      'a own table: done',
      `b bob: refused: permission denied for schema ${bob.name}`,
      'c mark: refused: permission denied for table syncs',
      'd settings: refused: permission denied for table settings',
      'e counts: refused: permission denied for table jobs',
    ]);
    expect((await db.query(`select v, who from ${pgName(s)}.side`)).rows).toEqual([{ v: 'from the trigger', who: alice.name }]);
    expect((await db.query(`select count(*)::int as n from ${pgName(bob.name)}.box`)).rows[0].n).toBe(0);
    expect((await db.query(`select value from cdb_connectors.settings where name = 'max_delete_ratio'`)).rows[0].value).toBe(0.5);
  });

  it('code planted from a trigger on the run\'s own staging tables (temp tables alice\'s role owns) still runs as alice', async () => {
    // The run stages rows in temp tables it creates under SET LOCAL ROLE alice, so alice owns
    // them, in the sidecar's session where her trigger runs (a fix may stop her owning them:
    // then planting is refused, and the test passes as well). Her BEFORE DELETE trigger fires in
    // the deletes frame, whose DELETE reads only the key-set table, so the staging table is not
    // in use and she can force row-level security with her function on it (the key-set table
    // is in use: "cannot ALTER TABLE … being used by active queries"). Whatever reads the
    // staging table after her code ran must read it inside an owner frame, or her policy
    // function runs as alice outside the security-definer frame, where RESET ROLE is allowed
    // and gives it the sidecar's login. Protection checked: no read of a table alice owns
    // outside a frame once her code ran (src/load/strategies/incremental-table.ts beginLaterRun:
    // readMark on the staging table after `apply`). Fails on the code it was written against:
    // readMark's `select max(…) from pg_temp.cdb_import_…` ran her policy with RESET ROLE
    // allowed, and her function logged `reset role: done` as the sidecar's superuser login.
    const { table, sync } = await mergeSynced('t_staging');
    await alice.query(`
      create function ${pgName(s)}.plant() returns trigger language plpgsql as $$
      declare r record;
      begin
        perform ${pgName(s)}.try('plant', 'ran', 'select 1');
        for r in select c.oid::pg_catalog.regclass::text as t from pg_catalog.pg_class c
                  where c.relnamespace = pg_catalog.pg_my_temp_schema() and c.relkind = 'r' loop
          perform ${pgName(s)}.try('plant', 'rls ' || r.t, pg_catalog.format('alter table %s enable row level security, force row level security', r.t));
          perform ${pgName(s)}.try('plant', 'policy ' || r.t, pg_catalog.format('create policy planted on %s using (${pgName(s)}.probe(%L))', r.t, 'staging'));
        end loop;
        return null;
      end $$;
      create trigger p before delete on ${table} for each statement execute function ${pgName(s)}.plant();`);
    await changeRemote('t_staging');
    const run = await runSyncNow(db, sync.id);
    expect(run, run.error_message ?? '').toMatchObject({ state: 'success' });
    await expectMerged('t_staging', table, sync.id);
    const planted = await expectContained('plant', { mustRun: true });
    expect(planted.map((r) => r.note)).toContain('ran: done');
    // where her policy ran (it does inside the merge's frames), it ran as alice and RESET ROLE was refused
    const ran = await expectContained('staging', { mustRun: false });
    for (const row of ran) expect(row.note).toMatch(/refused: cannot set parameter "role" within security-definer function/);
  });

  it('a deferrable constraint trigger on the merge table (it would fire at COMMIT, outside the frame): the commit is refused (1502), table and mark unchanged', async () => {
    // Protection: assertNoDeferredUserCode before the commit (src/load/owner-frame.ts, called
    // in beginLaterRun). Without it the trigger would fire at COMMIT as the sidecar's login.
    const { table, sync } = await mergeSynced('t_deferred');
    const before = await localRows(db, LOCAL_ITEMS(table));
    const mark = await markOf(sync.id);
    await alice.query(`create constraint trigger d after insert or update or delete on ${table} deferrable initially deferred
      for each row execute function ${pgName(s)}.probe_trigger('deferred')`);
    await changeRemote('t_deferred');
    const run = await runSyncNow(db, sync.id);
    expect(run).toMatchObject({ state: 'failure', error_code: 1502 });
    expect(run.error_message).toMatch(/Refusing to commit the refresh: deferrable trigger\(s\) d on .*t_deferred/);
    expect(await localRows(db, LOCAL_ITEMS(table))).toEqual(before);
    expect(await markOf(sync.id)).toBe(mark);
    await expectContained('deferred', { mustRun: false });
  });
});

describe('identifiers built to inject SQL', () => {
  const TABLE = 'o"r\'d`s; drop table x; --';
  const KEY = 'a"; drop table x; --';
  const TS = "t`s'; drop table x; --";
  const remoteSelect = `select ${mysqlName(KEY)}, date_format(${mysqlName(TS)}, '%Y-%m-%d %H:%i:%s.%f'), v from ${mysqlName(TABLE)}`;

  /** The local table's rows in column order (the cleaned names are read from the catalog). */
  async function localOf(sync: SyncRow): Promise<string[]> {
    const table = `${pgName(sync.target_schema)}.${pgName(sync.table_name!)}`;
    const names = (await db.query<{ n: string }>(
      'select attname as n from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum', [table])).rows.map((r) => r.n);
    expect(names).toHaveLength(3);
    return localRows(db, `select ${pgName(names[0]!)}, to_char(${pgName(names[1]!)}, 'YYYY-MM-DD HH24:MI:SS.US'), ${pgName(names[2]!)} from ${table}`);
  }

  async function canaries() {
    const [remote] = await my.exec('select count(*) as n from x') as [Array<{ n: unknown }>];
    const local = await db.query(`select (select count(*)::int from public.x) as pub, (select count(*)::int from ${pgName(s)}.x) as own`);
    return { remote: Number(remote[0]!.n), ...local.rows[0] };
  }

  it('a column named a"; drop table x; -- as cursor and primary key, a backtick-quote column as cursor, a quoted table name: the syncs work and nothing else happens', async () => {
    // Protection: remote identifiers quoted for MySQL (providers/mysql/sql-text.ts quoteIdent,
    // backticks doubled) in the table SELECT, the window's WHERE/ORDER BY (window.ts) and the
    // key-set read; local names cleaned (load/identifiers.ts) and quoted (qi) in the merge.
    await my.exec(`create table x (v int); insert into x values (1);
      create table ${mysqlName(TABLE)} (${mysqlName(KEY)} int primary key, ${mysqlName(TS)} datetime(6), v varchar(10));
      insert into ${mysqlName(TABLE)} values (1, '2026-01-01 00:00:01', 'one'), (2, '2026-01-01 00:00:02', 'two'), (3, '2026-01-01 00:00:03', 'three');`);
    await db.query('create table public.x (v int); insert into public.x values (1)');
    await alice.query(`create table ${pgName(s)}.x (v int); insert into ${pgName(s)}.x values (1)`);
    const start = async (connector: Record<string, unknown>) => {
      const sync = await syncAndWait(db, alice, { connector: { provider: 'mysql', connection: my.connection(), table: TABLE, mode: 'merge', deletes: 'hard', ...connector }, interval: 3600 });
      expect(sync, sync.error_message ?? '').toMatchObject({ state: 'success', error_code: null });
      return sync;
    };
    const byKey = await start({ primary_key: KEY, cursor: KEY });
    const byTs = await start({ primary_key: [KEY], cursor: TS, import_as: 'i"m\'port`; drop table x; --' });
    for (const sync of [byKey, byTs]) {
      expect(sync.table_name).toMatch(/^[a-z0-9_]+$/);
      expect(await localOf(sync)).toEqual(await mysqlRows(my, remoteSelect));
    }
    expect(await markOf(byKey.id)).toBe('3');
    expect(await markOf(byTs.id)).toBe('2026-01-01 00:00:03.000000');
    const [state] = await queryOnce<{ cursor: string; primary_key: string[] }>(db.urlAs(alice.name), 'select cursor, primary_key from cdb_connectors.sync_state where sync_id = $1', [byTs.id]);
    expect(state).toEqual({ cursor: TS, primary_key: [KEY] });

    await my.exec(`update ${mysqlName(TABLE)} set v = 'three!', ${mysqlName(TS)} = '2026-01-01 00:00:05' where ${mysqlName(KEY)} = 3;
      insert into ${mysqlName(TABLE)} values (4, '2026-01-01 00:00:04', 'four'); delete from ${mysqlName(TABLE)} where ${mysqlName(KEY)} = 1;`);
    for (const sync of [byKey, byTs]) {
      const run = await runSyncNow(db, sync.id);
      expect(run, run.error_message ?? '').toMatchObject({ state: 'success' });
      expect(await localOf(sync)).toEqual(await mysqlRows(my, remoteSelect));
      expect(await lastRun(db, sync.id)).toMatchObject({ rows_fetched: 2, rows_inserted: 1, rows_updated: 1, rows_deleted: 1, rows_unchanged: 0 });
    }
    expect(await markOf(byKey.id)).toBe('4');
    expect(await markOf(byTs.id)).toBe('2026-01-01 00:00:05.000000');
    expect(await canaries()).toEqual({ remote: 1, pub: 1, own: 1 });
  });
});

describe('marks and resets belong to their owner', () => {
  let mine: { table: string; sync: SyncRow };
  let bobs: { table: string; sync: SyncRow };

  beforeAll(async () => {
    mine = await mergeSynced('t_mine');
    bobs = await mergeSynced('t_bobs', bob);
  });

  it('alice cannot reset bob\'s sync (P0002, like an unknown id) nor see his sync_state or mark', async () => {
    // Protection: RLS on cdb_connectors.syncs (sql/security/rls-syncs.sql syncs_update /
    // syncs_select) under cdb_connector_sync_reset's invoker rights (sql/api/sync-reset.sql
    // `if not found … raise_not_found`), and the view's security_invoker (views/sync-state.sql).
    const bobMark = await markOf(bobs.sync.id);
    expect(bobMark).toBe('2026-01-01 10:00:03.000000');
    const reset = await sqlError(alice.query('select cdb_connector_sync_reset($1)', [bobs.sync.id]));
    expect(reset).toMatchObject({ code: 'P0002', message: `Synchronization ${bobs.sync.id} not found` });
    const unknown = await sqlError(alice.query('select cdb_connector_sync_reset($1)', ['00000000-0000-4000-8000-000000000000']));
    expect(unknown.code).toBe('P0002');
    expect((await alice.query('update cdb_connectors.syncs set reset_requested_at = now() where id = $1', [bobs.sync.id])).rowCount).toBe(0);
    expect(await markOf(bobs.sync.id)).toBe(bobMark);

    const seen = (await alice.query('select sync_id, owner, mark from cdb_connectors.sync_state')).rows;
    expect(seen.map((r) => r.sync_id)).toContain(mine.sync.id);
    expect(seen.map((r) => r.sync_id)).not.toContain(bobs.sync.id);
    for (const row of seen) expect(row.owner).toBe(alice.name);
    expect((await alice.query('select mark from cdb_connectors.syncs where id = $1', [bobs.sync.id])).rows).toEqual([]);
    // bob sees his own
    expect((await bob.query('select mark from cdb_connectors.sync_state where sync_id = $1', [bobs.sync.id])).rows).toEqual([{ mark: bobMark }]);
  });

  it('alice cannot write a mark directly (permission denied); her own reset_requested_at works, forced to now(), and forgets the mark', async () => {
    // Protection: column-level UPDATE grants (sql/security/grants-syncs.sql, grants-incremental.sql:
    // only reset_requested_at is new) and syncs_before_update forcing now() (sql/api/sync-update-trigger.sql).
    for (const column of ['mark', 'rows_at_mark', 'mark_updated_at', 'params']) {
      const value = column === 'params' ? `'{}'::jsonb` : column === 'mark_updated_at' ? 'now()' : column === 'mark' ? `'9999-12-31 00:00:00.000000'` : '0';
      const denied = await sqlError(alice.query(`update cdb_connectors.syncs set ${column} = ${value} where id = $1`, [mine.sync.id]));
      expect(denied, column).toMatchObject({ code: '42501', message: 'permission denied for table syncs' });
    }
    expect(await markOf(mine.sync.id)).toBe('2026-01-01 10:00:03.000000');

    const { rows, rowCount } = await alice.query(
      `update cdb_connectors.syncs set reset_requested_at = '2000-01-01' where id = $1 returning mark, reset_requested_at > now() - interval '1 minute' as forced`, [mine.sync.id]);
    expect(rowCount).toBe(1);
    expect(rows[0]).toEqual({ mark: null, forced: true });
    // the next run reads everything again, and merges it into the same rows
    const run = await runSyncNow(db, mine.sync.id);
    expect(run.state).toBe('success');
    expect(await lastRun(db, mine.sync.id)).toMatchObject({ rows_fetched: 3, rows_inserted: 0, rows_updated: 0, rows_unchanged: 3 });
    expect(await markOf(mine.sync.id)).toBe('2026-01-01 10:00:03.000000');
    expect(await localRows(db, LOCAL_ITEMS(mine.table))).toEqual(await mysqlRows(my, REMOTE_ITEMS('t_mine')));
  });
});

describe('the delete guard is the DBA\'s', () => {
  it('alice cannot raise max_delete_ratio: not with UPDATE, not as a connector key, not from a trigger the sidecar runs; the guard still fails the emptying run (1511)', async () => {
    // Protection: settings are SELECT-only for cdb_connector_user (sql/security/grants.sql), the
    // connector's keys are a closed list (sql/api/normalize-connector.sql invalid_keys), and her
    // trigger runs in an owner frame (runAsOwner) — as the sidecar's login its UPDATE would
    // commit with the run, and the emptying run below would pass the guard.
    const denied = await sqlError(alice.query(`update cdb_connectors.settings set value = '1' where name = 'max_delete_ratio'`));
    expect(denied).toMatchObject({ code: '42501', message: 'permission denied for table settings' });
    const inserted = await sqlError(alice.query(`insert into cdb_connectors.settings (name, value) values ('max_delete_ratio', '1')`));
    expect(inserted.code).toBe('42501');
    const asKey = await sqlError(createSync(db.urlAs(alice.name), {
      connector: { provider: 'mysql', connection: my.connection(), table: 't_guard', mode: 'merge', deletes: 'hard', max_delete_ratio: 1 }, interval: 3600 }));
    expect(asKey.code).toBe('22023');
    expect(asKey.message).toMatch(/max_delete_ratio/);

    await my.exec(`create table t_guard (id int primary key, name varchar(10));
      insert into t_guard select seq, concat('n', seq) from seq_1_to_10;`);
    const first = await syncAndWait(db, alice, { connector: { provider: 'mysql', connection: my.connection(), table: 't_guard', mode: 'merge', deletes: 'hard' }, interval: 3600 });
    expect(first.state).toBe('success');
    const table = `${pgName(s)}.t_guard`;
    await alice.query(`
      create function ${pgName(s)}.raise_ratio() returns trigger language plpgsql as $$
      begin
        perform ${pgName(s)}.try('guard', '0 reset role', 'reset role');
        perform ${pgName(s)}.try('guard', 'settings', 'update cdb_connectors.settings set value = ''1'' where name = ''max_delete_ratio''');
        return null;
      end $$;
      create trigger g before delete on ${table} for each statement execute function ${pgName(s)}.raise_ratio();`);
    await my.exec('delete from t_guard where id = 10');
    const small = await runSyncNow(db, first.id);
    expect(small, small.error_message ?? '').toMatchObject({ state: 'success' });
    expect(await lastRun(db, first.id)).toMatchObject({ rows_deleted: 1, rows_unchanged: 9 });
    const rows = await expectContained('guard', { mustRun: true });
    expect(rows.map((r) => r.note)).toEqual([
      expect.stringMatching(/^0 reset role: refused: cannot set parameter "role" within security-definer function/),
      'settings: refused: permission denied for table settings',
    ]);
    expect((await db.query(`select value from cdb_connectors.settings where name = 'max_delete_ratio'`)).rows[0].value).toBe(0.5);

    await my.exec('delete from t_guard where id > 1');
    const before = await localRows(db, `select id, name from ${table}`);
    const guarded = await runSyncNow(db, first.id);
    expect(guarded).toMatchObject({ state: 'failure', error_code: 1511 });
    expect(guarded.error_message).toMatch(/would delete 8 of the 9 rows .*max_delete_ratio 0\.5/);
    expect(await localRows(db, `select id, name from ${table}`)).toEqual(before);
    expect(before).toHaveLength(9);
  });
});
