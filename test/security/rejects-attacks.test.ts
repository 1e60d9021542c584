/**
 * SPEC §14 rejected rows under the threat model of docs/security.md. The rejects table holds
 * remote values and messages, and its rows are made from what user code raised, so:
 *   - RLS: bob never sees, deletes or plants alice's rejects (not even from his own trigger, whose
 *     message is recorded); the DBA (cdb_connector_admin) sees all; alice cleans up her own;
 *   - a trigger alice puts on her merge table that raises on every row turns the rows into rejects
 *     (and past max_rejects into 1512, the table unchanged), and while it runs it has alice's
 *     rights only: reading the password tables and RESET ROLE are refused inside it, and what it
 *     saw is what the reject rows say (the sidecar records them as data, never runs them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastRun, localRows, mysqlRows, syncAndWait, syncFixture } from '../helpers/incremental.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { importAndWait } from '../helpers/sidecar.js';
import { runSyncNow, type SyncRow } from '../helpers/sync.js';
import type { TargetDb } from '../helpers/target.js';
import { sqlError, type RoleFactory, type TestRole } from '../sql/helpers.js';

let db: TargetDb;
let my: MysqlDb;
let roles: RoleFactory;
let alice: TestRole;
let bob: TestRole;
let admin: TestRole;

const pgName = (name: string) => `"${name.replace(/"/g, '""')}"`;
/** A remote value only alice's data holds. */
const SECRET = 'ALICE-SECRET-7f3a';

const fixture = syncFixture(createMysqlDb, (m) => m.drop(), { createInPublic: false });

beforeAll(async () => {
  ({ db, source: my, roles, alice } = await fixture.setUp());
  bob = await roles.create('bob', 'cdb_connector_user');
  admin = await roles.create('dba', 'cdb_connector_admin');
  for (const r of [alice, bob]) {
    await db.query(`grant create on database ${pgName(db.name)} to ${pgName(r.name)}`);
    await r.query(`create schema ${pgName(r.name)}`);
  }
  await my.exec(`create table docs (id int primary key, doc json);
    insert into docs values (1, '{"n": 1}'), (2, '{"secret": "${SECRET}", "n": 1e400000}'), (3, '{"n": 3}');`);
});

afterAll(() => fixture.tearDown());

/** A remote table of three rows merge-synced by `who`, first run done, then `trigger` (a plpgsql body) on every insert and update. */
async function mergeSyncedWithTrigger(who: TestRole, name: string, body: string, connector: Record<string, unknown> = {}): Promise<{ sync: SyncRow; table: string }> {
  await my.exec(`create table ${name} (id int primary key, v varchar(20), updated_at datetime(6));
    insert into ${name} values (1, 'one', '2026-01-01 10:00:01'), (2, 'two', '2026-01-01 10:00:02'), (3, 'three', '2026-01-01 10:00:03');`);
  const sync = await syncAndWait(db, who, {
    connector: { provider: 'mysql', connection: my.connection(), table: name, mode: 'merge', cursor: 'updated_at', on_error: 'reject', ...connector }, interval: 3600,
  });
  expect(sync, sync.error_message ?? '').toMatchObject({ state: 'success' });
  const table = `${pgName(who.name)}.${name}`;
  await who.query(`create function ${pgName(who.name)}.${name}_refuse() returns trigger language plpgsql as $$ ${body} $$;
    create trigger refuse before insert or update on ${table} for each row execute function ${pgName(who.name)}.${name}_refuse();`);
  return { sync, table };
}

const lastRunId = async (syncId: string) => (await db.query('select id from cdb_connectors.imports where sync_id = $1 order by created_at desc limit 1', [syncId])).rows[0].id as string;

describe('row-level security on cdb_connectors.rejects', () => {
  let aliceImport: string;

  it('alice\'s reject holds her remote value; she sees it, bob does not, the DBA does', async () => {
    const status = await importAndWait(db, { connector: { provider: 'mysql', connection: my.connection(), table: 'docs', on_error: 'reject' } }, { url: db.urlAs(alice.name) });
    expect(status).toMatchObject({ state: 'complete', rows_imported: 2 });
    aliceImport = status.id;
    const mine = await alice.query('select import_id, row_number::int, remote_value from cdb_connectors.rejects');
    expect(mine.rows).toEqual([{ import_id: aliceImport, row_number: 2, remote_value: expect.stringContaining(SECRET) }]);
    expect((await bob.query('select count(*)::int as n from cdb_connectors.rejects')).rows[0].n).toBe(0);
    expect((await bob.query('select count(*)::int as n from cdb_connectors.rejects where import_id = $1', [aliceImport])).rows[0].n).toBe(0);
    expect((await admin.query('select count(*)::int as n from cdb_connectors.rejects where import_id = $1', [aliceImport])).rows[0].n).toBe(1);
  });

  it('bob can neither delete nor change alice\'s rejects, nor plant rejects of his own', async () => {
    expect((await bob.query('delete from cdb_connectors.rejects where import_id = $1', [aliceImport])).rowCount).toBe(0);
    expect((await sqlError(bob.query("update cdb_connectors.rejects set message = 'x'"))).code).toBe('42501');
    expect((await sqlError(bob.query(`insert into cdb_connectors.rejects (import_id, owner, row_number, error_code, message) values ($1, $2, 1, '22000', 'fake')`, [aliceImport, alice.name]))).code).toBe('42501');
    expect((await db.query('select count(*)::int as n from cdb_connectors.rejects where import_id = $1', [aliceImport])).rows[0].n).toBe(1);
  });

  it('bob\'s trigger, whose message becomes his reject, cannot read alice\'s rejects either', async () => {
    const { sync } = await mergeSyncedWithTrigger(bob, 'bob_items',
      `begin raise exception 'bob saw: %', coalesce((select pg_catalog.string_agg(r.remote_value, ';') from cdb_connectors.rejects as r), 'nothing'); end`);
    await my.exec("insert into bob_items values (4, 'four', '2026-01-02 00:00:00')");
    expect((await runSyncNow(db, sync.id)).state).toBe('success');
    const rows = (await db.query('select owner, message from cdb_connectors.rejects where import_id = $1', [await lastRunId(sync.id)])).rows;
    expect(rows).toEqual([{ owner: bob.name, message: 'bob saw: nothing' }]);
  });

  it('alice deletes her own rejects', async () => {
    expect((await alice.query('delete from cdb_connectors.rejects where import_id = $1', [aliceImport])).rowCount).toBe(1);
  });
});

describe('a trigger raising on every row of a merge table', () => {
  // what the trigger tries before it refuses the row; each part says what it was allowed to do
  const PROBING = `declare secrets text; reset_role text;
    begin
      begin perform pg_catalog.count(*) from cdb_connectors.job_secrets; secrets := 'READ';
      exception when others then secrets := 'denied'; end;
      begin reset role; reset_role := 'DONE';
      exception when others then reset_role := 'denied'; end;
      raise exception 'refused as % (super %): secrets %, reset role %', current_user,
        (select rolsuper from pg_catalog.pg_roles where rolname = current_user), secrets, reset_role;
    end`;

  it('turns every new or changed row into a reject with alice\'s rights; the table keeps its rows', async () => {
    const { sync, table } = await mergeSyncedWithTrigger(alice, 'guarded', PROBING);
    const before = await localRows(db, `select id, v from ${table}`);
    await my.exec("insert into guarded values (4, 'four', '2026-01-02 00:00:00'), (5, 'five', '2026-01-02 00:00:01'); update guarded set v = 'TWO', updated_at = '2026-01-02 00:00:02' where id = 2;");
    const run = await runSyncNow(db, sync.id);
    expect(run, run.error_message ?? '').toMatchObject({ state: 'success', error_code: null });
    expect(await lastRun(db, sync.id)).toMatchObject({ rows_fetched: 4, rows_inserted: 0, rows_updated: 0, rows_unchanged: 1 });
    expect(await localRows(db, `select id, v from ${table}`)).toEqual(before);
    const rows = (await db.query('select row_number::int, error_code, message from cdb_connectors.rejects where import_id = $1 order by row_number', [await lastRunId(sync.id)])).rows;
    expect(rows).toEqual([2, 3, 4].map((n) => ({ row_number: n, error_code: 'P0001', message: `refused as ${alice.name} (super f): secrets denied, reset role denied` })));
    expect(await mysqlRows(my, 'select count(*) from guarded')).toEqual(['["5"]']);
  });

  it('past max_rejects: 1512, the table unchanged, the rejects found kept', async () => {
    const { sync, table } = await mergeSyncedWithTrigger(alice, 'guarded_limit', PROBING, { max_rejects: 3 });
    const before = await localRows(db, `select id, v from ${table}`);
    await my.exec("insert into guarded_limit select seq, concat('n', seq), '2026-01-02 00:00:00' + interval seq second from seq_10_to_19");
    const run = await runSyncNow(db, sync.id);
    expect(run).toMatchObject({ state: 'failure', error_code: 1512 });
    expect(run.error_message).toMatch(new RegExp(`^4 rows were rejected, more than max_rejects \\(3\\); the first: row \\d+: refused as ${alice.name} \\(super f\\): secrets denied, reset role denied \\(SQLSTATE P0001\\)\\. The table was not changed`));
    expect(await localRows(db, `select id, v from ${table}`)).toEqual(before);
    expect((await db.query('select count(*)::int as n from cdb_connectors.rejects where import_id = $1', [await lastRunId(sync.id)])).rows[0].n).toBe(4);
  });
});
