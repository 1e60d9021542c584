/**
 * A whole-database run driven by a hostile tenant (issue 20, docs/security.md): everything the
 * run creates is the caller's and runs with the caller's rights, hostile remote table names are
 * data, a name the caller already uses is never overwritten, and look-alike functions the caller
 * plants on its search_path change nothing in the sidecar's sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constraintsIn, runAndWait, tablesIn } from '../helpers/database-runs.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { roleFactory, type TestRole } from '../sql/helpers.js';

let db: TargetDb;
let my: MysqlDb;
let sidecar: TestSidecar;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;

const HOSTILE = 'x"; drop table alice_data.keep; --';

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  roles = roleFactory(db);
  alice = await roles.create('alice', 'cdb_connector_user');
  await db.query(`grant create on database "${db.name}" to "${alice.name}"; create schema alice_data authorization "${alice.name}"`);
  // the sidecar reaches the MariaDB on localhost: the test servers are allowed sources
  sidecar = await startSidecar(db);
  await my.exec(`
    create table parent (id int primary key, name varchar(10));
    insert into parent values (1, 'a'), (2, 'b');
    create table child (id int primary key, parent_id int, constraint fk_parent foreign key (parent_id) references parent (id));
    insert into child values (10, 1), (11, 2);
    create table \`${HOSTILE.replace(/`/g, '``')}\` (id int primary key); insert into \`${HOSTILE.replace(/`/g, '``')}\` values (7);
    create table \`Back\`\`tick\` (id int); insert into \`Back\`\`tick\` values (8);`);
  // what alice had before: a table the run must not touch, and look-alikes of what the sidecar calls
  await alice.query(`create table alice_data.keep (v int); insert into alice_data.keep values (42);
    create table alice_data.parent (mine text); insert into alice_data.parent values ('untouched');
    create table alice_data.calls (fn text);
    create function alice_data.format_type(oid, integer) returns text language sql as $$ insert into alice_data.calls values ('format_type') returning 'text' $$;
    create function alice_data.quote_ident(text) returns text language sql as $$ insert into alice_data.calls values ('quote_ident') returning $1 $$;
    create function alice_data.gen_random_uuid() returns uuid language sql as $$ insert into alice_data.calls values ('gen_random_uuid') returning '00000000-0000-0000-0000-000000000000'::uuid $$;`);
  await db.query(`alter role "${alice.name}" set search_path = alice_data, public`);
});

afterAll(async () => {
  await sidecar?.stop();
  await my?.drop();
  await roles?.cleanup();
});

describe("a tenant's whole-database run", () => {
  let runId: string;
  beforeAll(async () => {
    const status = await runAndWait(db, { connector: { provider: 'mysql', connection: my.connection() } }, 'alice_data', { url: db.urlAs(alice.name) });
    expect(status.state, status.error_message ?? '').toBe('complete');
    runId = status.run_id;
  });

  it('lands every table with a clean name, the hostile one as data; the caller\'s own tables are untouched', async () => {
    const tables = await tablesIn(db, 'alice_data');
    expect(tables).toEqual(['back_tick', 'calls', 'child', 'keep', 'parent', 'parent_1', 'x___drop_table_alice_data_keep____']);
    expect((await db.query('select v from alice_data.keep')).rows).toEqual([{ v: 42 }]);
    expect((await db.query('select mine from alice_data.parent')).rows).toEqual([{ mine: 'untouched' }]);
    expect((await db.query('select id from alice_data.x___drop_table_alice_data_keep____')).rows).toEqual([{ id: 7 }]);
    const run = (await db.query('select warnings from cdb_connectors.runs where run_id = $1', [runId])).rows[0];
    expect(run.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'renamed', table: 'parent' })]));
  });

  it('maps the structure onto the renamed table: the foreign key references parent_1', async () => {
    expect(await constraintsIn(db, 'alice_data')).toEqual(expect.arrayContaining([
      expect.stringMatching(/^alice_data\.child: FOREIGN KEY \(parent_id\) REFERENCES alice_data\.parent_1\(id\)/),
      'alice_data.parent_1: PRIMARY KEY (id)',
    ]));
  });

  it("everything the run created is the caller's, and its look-alike functions never ran", async () => {
    const { rows } = await db.query(`select c.relname, pg_get_userbyid(c.relowner) as owner from pg_class c
      join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'alice_data' and c.relkind in ('r', 'i') order by 1`);
    expect(new Set(rows.map((r) => r.owner))).toEqual(new Set([alice.name]));
    expect((await db.query('select fn from alice_data.calls')).rows).toEqual([]);
    expect((await db.query(`select count(*)::int as n from pg_namespace where nspname like 'cdb_run_%'`)).rows[0].n).toBe(0);
    const jobs = await db.query('select distinct owner from cdb_connectors.jobs where run_id = $1', [runId]);
    expect(jobs.rows).toEqual([{ owner: alice.name }]);
  });
});
