/**
 * Issue 19 item 1 (SPEC §14) under the threat model of docs/security.md: hostile API users
 * against schema changes of sync tables. Each test names the protection it checks:
 *   - RLS on cdb_connectors.schema_changes: bob sees none of alice's rows and cannot approve,
 *     reject or resume her sync (P0002 / no row), a guessed id is P0002 like another role's;
 *   - the decision trigger: a change goes from pending to approved or rejected only, once; the
 *     other columns, INSERT and DELETE are not for users (42501); a direct write of
 *     resume_requested_at resumes nothing while a change is pending;
 *   - cdb_connector_admin members see and decide every role's changes;
 *   - a remote column name that is SQL is only ever an identifier and a value;
 *   - ALTER COLUMN TYPE runs in an owner frame: a CHECK constraint of alice's that the rewrite
 *     evaluates runs as alice and cannot RESET ROLE;
 *   - an owner's own type (a domain) is never used for the staging table, whose COPY runs outside
 *     any frame: 2013, nothing loaded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncAndWait, syncFixture } from '../helpers/incremental.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { changesOf, decideAll, pendingOf } from '../helpers/schema-changes.js';
import { readSync, runSyncNow, type SyncRow } from '../helpers/sync.js';
import type { TargetDb } from '../helpers/target.js';
import { sqlError, type RoleFactory, type TestRole } from '../sql/helpers.js';

let db: TargetDb;
let my: MysqlDb;
let roles: RoleFactory;
let alice: TestRole;
let bob: TestRole;
let admin: TestRole;
let outsider: TestRole;

const sync = (as: TestRole, connector: Record<string, unknown>): Promise<SyncRow> =>
  syncAndWait(db, as, { connector: { provider: 'mysql', connection: my.connection(), ...connector }, interval: 3600 });

const fixture = syncFixture(createMysqlDb, (m) => m.drop());
beforeAll(async () => {
  ({ db, source: my, alice, roles } = await fixture.setUp());
  bob = await roles.create('bob', 'cdb_connector_user');
  admin = await roles.create('admin', 'cdb_connector_admin');
  outsider = await roles.create('outsider');
});
afterAll(() => fixture.tearDown());

describe('another role\'s changes', () => {
  let s: SyncRow;
  let changeId: string;

  beforeAll(async () => {
    await my.exec(`create table guarded (id int primary key); insert into guarded values (1);`);
    s = await sync(alice, { table: 'guarded', on_schema_change: 'pause' });
    await my.exec(`alter table guarded add column extra int;`);
    expect((await runSyncNow(db, s.id)).state).toBe('paused');
    changeId = (await pendingOf(db, s.id))[0]!.id;
  });

  it('are invisible to bob, in the table and in the view', async () => {
    expect((await alice.query('select id from cdb_connectors.schema_changes')).rows).toEqual([{ id: changeId }]);
    expect((await bob.query('select * from cdb_connectors.schema_changes')).rows).toEqual([]);
    expect((await bob.query('select * from cdb_connectors.synchronizations where id = $1', [s.id])).rows).toEqual([]);
  });

  it.each(['approve', 'reject'])('bob\'s %s of alice\'s change is P0002 like a guessed id, and changes nothing', async (decision) => {
    const theirs = await sqlError(bob.query(`select cdb_connector_schema_change_${decision}($1)`, [changeId]));
    const guessed = await sqlError(alice.query(`select cdb_connector_schema_change_${decision}($1)`, ['6f1c1a4e-8d7b-4c1e-9a55-0d1d5b1f2a3c']));
    expect(theirs).toMatchObject({ code: 'P0002', message: `Schema change ${changeId} not found` });
    expect(guessed).toMatchObject({ code: 'P0002', message: 'Schema change 6f1c1a4e-8d7b-4c1e-9a55-0d1d5b1f2a3c not found' });
    expect((await changesOf(db, s.id)).map((c) => c.action)).toEqual(['pending']);
    expect((await readSync(db, s.id)).state).toBe('paused');
  });

  it('bob\'s direct UPDATEs touch no row of alice\'s', async () => {
    expect((await bob.query(`update cdb_connectors.schema_changes set action = 'approved' where id = $1`, [changeId])).rowCount).toBe(0);
    expect((await bob.query('update cdb_connectors.syncs set resume_requested_at = now() where id = $1', [s.id])).rowCount).toBe(0);
    expect((await changesOf(db, s.id)).map((c) => c.action)).toEqual(['pending']);
  });

  it('NULL is 22023; a role outside cdb_connector_user cannot call the functions at all', async () => {
    expect(await sqlError(alice.query('select cdb_connector_schema_change_approve(null)'))).toMatchObject({ code: '22023', message: 'The change_id argument must not be NULL' });
    expect((await sqlError(outsider.query('select cdb_connector_schema_change_approve($1)', [changeId]))).code).toBe('42501');
  });

  it('alice may only decide: other actions, other columns, INSERT and DELETE are refused; her resume alone resumes nothing', async () => {
    expect(await sqlError(alice.query(`update cdb_connectors.schema_changes set action = 'applied' where id = $1`, [changeId])))
      .toMatchObject({ code: '22023', message: 'A pending schema change can only be approved or rejected, not set to applied' });
    for (const set of ["reason = 'x'", "decided_by = 'postgres'", "owner = 'x'", "new_type = 'text'", 'applied_at = now()']) {
      expect((await sqlError(alice.query(`update cdb_connectors.schema_changes set ${set} where id = $1`, [changeId]))).code, set).toBe('42501');
    }
    expect((await sqlError(alice.query(`insert into cdb_connectors.schema_changes (sync_id, owner, kind, column_name, new_type, action) values ($1, current_user, 'add', 'x', 'text', 'approved')`, [s.id]))).code).toBe('42501');
    expect((await sqlError(alice.query('delete from cdb_connectors.schema_changes where id = $1', [changeId]))).code).toBe('42501');
    expect((await sqlError(alice.query(`update cdb_connectors.syncs set state = 'failure' where id = $1`, [s.id]))).code).toBe('42501');
    expect((await alice.query('update cdb_connectors.syncs set resume_requested_at = now() where id = $1', [s.id])).rowCount).toBe(1);
    expect((await readSync(db, s.id)).state).toBe('paused');
  });

  it('an admin sees and decides it; it cannot be decided twice', async () => {
    expect((await admin.query('select id from cdb_connectors.schema_changes where sync_id = $1', [s.id])).rows).toEqual([{ id: changeId }]);
    const { answers, run } = await decideAll(db, admin, s.id, 'approve');
    expect(answers).toEqual([expect.objectContaining({ id: changeId, action: 'approved', decided_by: admin.name, sync_state: 'queued', pending_changes: 0 })]);
    expect(run.state).toBe('success');
    expect(await sqlError(alice.query('select cdb_connector_schema_change_reject($1)', [changeId])))
      .toMatchObject({ code: '22023', message: expect.stringMatching(new RegExp(`^Schema change ${changeId} is not pending: it was approved by ${admin.name} at `)) });
  });
});

describe('hostile names and owner code', () => {
  it('a remote column name that is SQL stays an identifier and a value', async () => {
    const evil = `x"; drop table victim; --`;
    // identifiers.ts makes it a plain local name; the remote name is only ever quoted (MySQL side)
    const local = 'x___drop_table_victim____';
    await alice.query('create table victim (id int)');
    await my.exec(`create table named (id int primary key); insert into named values (1);`);
    const s = await sync(alice, { table: 'named', on_schema_change: 'pause' });
    await my.exec(`alter table named add column \`${evil}\` varchar(5); update named set \`${evil}\` = 'v';`);
    const paused = await runSyncNow(db, s.id);
    expect(paused.paused_reason).toBe(`add ${local} character varying(5): on_schema_change is pause`);
    const { run } = await decideAll(db, alice, s.id, 'approve');
    expect(run.state, run.error_message ?? '').toBe('success');
    expect((await db.query(`select ${local} as v from named`)).rows).toEqual([{ v: 'v' }]);
    expect((await changesOf(db, s.id)).map((c) => [c.column_name, c.action])).toEqual([[local, 'approved']]);
    expect((await db.query(`select to_regclass('victim') is not null as kept`)).rows).toEqual([{ kept: true }]);
  });

  it('ALTER COLUMN TYPE runs as the owner in a frame: her CHECK constraint, evaluated by the rewrite, cannot RESET ROLE', async () => {
    await my.exec(`create table checked (id int primary key, qty int); insert into checked values (1, 1);`);
    const s = await sync(alice, { table: 'checked', mode: 'merge' });
    await alice.query(`create table probe_log (who text, reset text);
      create function probe(v bigint) returns boolean language plpgsql as $$
      begin
        begin
          reset role;
          insert into public.probe_log values (current_user, 'reset worked');
        exception when others then
          insert into public.probe_log values (current_user, sqlerrm);
        end;
        return true;
      end $$;
      alter table checked add constraint probed check (probe(qty));
      delete from probe_log;`);
    await my.exec(`alter table checked modify qty bigint;`);
    const run = await runSyncNow(db, s.id);
    expect(run.state, run.error_message ?? '').toBe('success');
    expect((await db.query('select format_type(atttypid, atttypmod) as t from pg_attribute where attrelid = \'checked\'::regclass and attname = \'qty\'')).rows).toEqual([{ t: 'bigint' }]);
    const log = (await db.query('select who, reset from probe_log')).rows;
    expect(log.length).toBeGreaterThan(0);
    for (const row of log) expect(row).toEqual({ who: alice.name, reset: 'cannot set parameter "role" within security-definer function' });
  });

  it('a column the owner gave her own type (a domain) is not staged with it: 2013, nothing loaded', async () => {
    await my.exec(`create table typed (id int primary key, n int); insert into typed values (1, 1);`);
    const s = await sync(alice, { table: 'typed' });
    await alice.query(`create domain "mine; drop table victim; --" as integer; alter table typed alter column n type "mine; drop table victim; --";`);
    await my.exec(`insert into typed values (2, 2);`);
    const run = await runSyncNow(db, s.id);
    expect(run).toMatchObject({ state: 'failure', error_code: 2013 });
    expect(run.error_message).toMatch(/^Cannot sync table public\.typed: the column n has the type public\."mine; drop table victim; --", which is not a built-in type/);
    expect((await db.query('select count(*)::int as n from typed')).rows[0].n).toBe(1);
  });
});
