/**
 * A hostile tenant against the run coordinator (issue 20 review): holding locks on its own run
 * and jobs, and planting code that raises a "server shutting down" SQLSTATE (57P01) inside the
 * publishing frame, it can delay and fail its own run only. Another role's run, started after it,
 * is listed and published meanwhile; the hostile run ends `failure` after a bounded number of
 * publishing attempts instead of blocking the queue for every sidecar. A relation of another role
 * holding an index's name gets the index a `_1` name instead of failing the publish.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constraintsIn, indexesIn, runStatus, startRun, waitForRun } from '../helpers/database-runs.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { roleFactory, type TestRole } from '../sql/helpers.js';

let db: TargetDb;
let my: MysqlDb;
let sidecar: TestSidecar;
let roles: ReturnType<typeof roleFactory>;
let mallory: TestRole;
let bob: TestRole;

const source = (include: string[]) => ({ connector: { provider: 'mysql', connection: my.connection(), include } });

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  roles = roleFactory(db);
  mallory = await roles.create('mallory', 'cdb_connector_user');
  bob = await roles.create('bob', 'cdb_connector_user');
  await db.query(`grant create on database "${db.name}" to "${mallory.name}", "${bob.name}";
    create schema mallory_data authorization "${mallory.name}"; create schema bob_data authorization "${bob.name}";
    -- another role's relation holding the name bob's primary key index would take
    create table bob_data.items_pkey (x int)`);
  sidecar = await startSidecar(db);
  await my.exec(`create table parent (id int primary key); insert into parent values (1), (2);
    create table child (id int primary key, parent_id int, constraint fk_parent foreign key (parent_id) references parent (id));
    insert into child values (10, 1), (11, 2);
    create table items (id int primary key, name varchar(10)); insert into items values (1, 'a'), (2, 'b');`);
});

afterAll(async () => {
  await sidecar?.stop();
  await my?.drop();
  await roles?.cleanup();
});

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a tenant cannot hold up or break the coordinator', () => {
  it('a locked run and a planted 57P01 delay and fail that run only; the next role\'s run publishes meanwhile', async () => {
    // the remote holds `child` back until the run's row is locked, so the run cannot publish first
    await my.exec('lock tables child write');
    const runId = await startRun(db.urlAs(mallory.name), source(['parent', 'child']), 'mallory_data');
    await until('the hostile run listed', async () => (await runStatus(db, runId)).state === 'importing');
    // holding its run's row: the coordinator passes the run by (SKIP LOCKED) instead of waiting
    await mallory.query('begin');
    await mallory.query('select id from cdb_connectors.database_runs where id = $1 for update', [runId]);
    await my.exec('unlock tables');
    await until('the tables of the hostile run', async () => (await runStatus(db, runId)).tables_complete === 2);
    const staging = `cdb_run_${runId.replace(/-/g, '')}`;
    await mallory.query(`create type mallory_data.mt as (v int);
      create function mallory_data.mt_int(mallory_data.mt) returns int language plpgsql as $$
        begin raise exception 'terminating connection due to administrator command' using errcode = '57P01'; end $$;
      create cast (mallory_data.mt as int) with function mallory_data.mt_int(mallory_data.mt) as implicit;
      alter table "${staging}".child alter column parent_id type mallory_data.mt using row(parent_id)`);

    const bobRun = await startRun(db.urlAs(bob.name), source(['items']), 'bob_data');
    const bobStatus = await waitForRun(db, bobRun, 30_000);
    expect(bobStatus.state, bobStatus.error_message ?? '').toBe('complete');
    expect((await runStatus(db, runId)).state).toBe('importing');
    await mallory.query('commit');

    // its foreign key now calls the planted cast inside the frame: a few attempts, then failure
    const status = await waitForRun(db, runId, 60_000);
    expect(status.state).toBe('failure');
    expect(status.error_message).toMatch(/^Publishing the run's tables failed, so none was published: .*administrator command/);
    expect((await db.query(`select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'mallory_data' and c.relkind = 'r'`)).rows[0].n).toBe(0);
  }, 90_000);

  it("gives an index a free name when another role's relation holds the usual one", async () => {
    expect(await constraintsIn(db, 'bob_data')).toEqual(['bob_data.items: PRIMARY KEY (id)']);
    expect(await indexesIn(db, 'bob_data')).toEqual(['CREATE UNIQUE INDEX items_pkey_1 ON bob_data.items USING btree (id)']);
    expect((await db.query('select count(*)::int as n from bob_data.items_pkey')).rows[0].n).toBe(0);
  });
});
