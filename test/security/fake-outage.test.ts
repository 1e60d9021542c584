/**
 * A tenant's trigger that raises a "server shutting down" SQLSTATE (57P01) during a refresh of its
 * sync table: the sidecar must not take it for a target outage and hand the job back, to be
 * claimed and handed back forever (issue 20 review). The load connection survives such an error,
 * so the run fails like any error, once, and the sync keeps its old rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { createSync, runSyncNow, startSyncSidecar, waitForSyncRun } from '../helpers/sync.js';
import type { TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { roleFactory, type TestRole } from '../sql/helpers.js';

let db: TargetDb;
let my: MysqlDb;
let sidecar: TestSidecar;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  roles = roleFactory(db);
  alice = await roles.create('alice', 'cdb_connector_user');
  await db.query(`grant create on database "${db.name}" to "${alice.name}"; update cdb_connectors.settings set value = '"off"' where name = 'cartodbfy'`);
  await alice.query(`create schema "${alice.name}"`);
  await my.exec(`create table items (id int primary key, name varchar(20)); insert into items values (1, 'one'), (2, 'two');`);
  sidecar = await startSyncSidecar(db);
});

afterAll(async () => {
  await sidecar?.stop();
  await my?.drop();
  await roles?.cleanup();
});

describe('an outage SQLSTATE raised by user code', () => {
  it('fails the refresh once instead of handing the job back forever; the old rows stay', async () => {
    const created = await createSync(db.urlAs(alice.name), { connector: { provider: 'mysql', connection: my.connection(), table: 'items' }, interval: 3600 });
    expect(await waitForSyncRun(db, created.id)).toMatchObject({ state: 'success' });
    const table = `"${alice.name}".items`;
    await alice.query(`create function "${alice.name}".fake_shutdown() returns trigger language plpgsql as $$
        begin raise exception 'terminating connection due to administrator command' using errcode = '57P01'; end $$;
      create trigger t before insert on ${table} for each row execute function "${alice.name}".fake_shutdown()`);
    await my.exec(`insert into items values (3, 'three')`);
    const run = await runSyncNow(db, created.id);
    expect(run).toMatchObject({ state: 'failure', error_code: 99999 });
    expect(run.error_message).toMatch(/57P01: terminating connection due to administrator command, raised while the target kept working/);
    const { rows } = await db.query(`select attempt from cdb_connectors.jobs where sync_id = $1 order by created_at desc limit 1`, [created.id]);
    expect(rows[0].attempt).toBe(1);
    expect((await db.query(`select id from ${table} order by id`)).rows).toEqual([{ id: 1 }, { id: 2 }]);
  });
});
