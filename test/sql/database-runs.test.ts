/**
 * cdb_connector_import_database without a sidecar (SPEC §15): validation (22023 naming what to
 * fix, nothing stored), target and staging schemas (42501 / 3F000), and who may do what with a
 * run — each role sees, summarises and cancels only its own; passwords are never readable; a
 * direct INSERT cannot forge the bookkeeping, and a job cannot be slipped into another run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { roleFactory, sqlError, type TestRole } from './helpers.js';

let db: TargetDb;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;
let bob: TestRole;
let aliceRun: string;

const connection = { server: 'db.example.com', database: 'shop', username: 'reader', password: 'hunter2-secret' };
const request = (connector: Record<string, unknown> = {}, top: Record<string, unknown> = {}) =>
  JSON.stringify({ connector: { provider: 'mysql', connection, ...connector }, ...top });

async function runAs(role: TestRole, connector: Record<string, unknown>, schema: string, top: Record<string, unknown> = {}): Promise<string> {
  const { rows } = await role.query('select cdb_connector_import_database($1::jsonb, $2) as r', [request(connector, top), schema]);
  return rows[0].r.run_id;
}

beforeAll(async () => {
  db = await createTargetDb();
  roles = roleFactory(db);
  alice = await roles.create('alice', 'cdb_connector_user');
  bob = await roles.create('bob', 'cdb_connector_user');
  await db.query(`create schema alice_data authorization "${alice.name}"; create schema bob_data authorization "${bob.name}"`);
  await db.query(`grant create on database "${db.name}" to "${alice.name}"`);
  // several runs per role below; the limit itself is tested at the end
  await db.query(`update cdb_connectors.settings set value = '10' where name = 'max_active_runs_per_role'`);
  aliceRun = await runAs(alice, { include: ['orders'] }, 'alice_data');
});

afterAll(async () => {
  await roles.cleanup();
});

describe('validation', () => {
  it.each([
    [{ table: 'orders' }, /Invalid parameters: table — a whole-database run imports every table/],
    [{ include: ['~(unclosed'] }, /Invalid include\[1\]: ~\(unclosed is not a valid regular expression/],
    [{ include: 'orders' }, /Invalid include: it must be an array/],
    [{ exclude: [''] }, /Invalid exclude: it must be an array/],
    [{ structure: { defaults: true } }, /Invalid structure.defaults: reproducing the remote column defaults is not supported/],
    [{ structure: { indexes: 'yes' } }, /Invalid structure: true, false, or an object of booleans/],
    [{ concurrency: 0 }, /Invalid concurrency: a whole number of tables loaded at once, from 1 to 32/],
    [{ atomic: 'no' }, /Invalid atomic/],
    [{ tables: { orders: { password: 'x' } } }, /Invalid tables.orders: per-table keys are/],
    [{ tables: { orders: { mode: 'merge' } } }, /In tables.orders: "mode" and "on_schema_change" make sync tables and need an interval/],
    [{ tables: { orders: { mode: 'merge', cursor: 'x' } } }, /In tables.orders: /],
    [{ mode: 'merge', primary_key: ['id'] }, /"mode" and "on_schema_change" make sync tables/],
    [{ provider: 'mariadbx' }, /Invalid provider/],
  ])('%j is refused with 22023 and a message saying what to fix', async (connector, message) => {
    const e = await sqlError(alice.query('select cdb_connector_import_database($1::jsonb, $2)', [request(connector), 'alice_data']));
    expect(e.code).toBe('22023');
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain('hunter2');
  });

  it('"atomic": true with "interval" is refused: sync tables appear as each first run completes', async () => {
    const e = await sqlError(alice.query('select cdb_connector_import_database($1::jsonb, $2)', [request({ atomic: true }, { interval: 3600 }), 'alice_data']));
    expect(e.code).toBe('22023');
    expect(e.message).toMatch(/Invalid atomic: a whole-database sync/);
  });

  it('a refused run stores nothing and leaves no staging schema', async () => {
    const { rows } = await db.query(`select (select count(*) from cdb_connectors.database_runs)::int as runs,
      (select count(*) from pg_namespace where nspname like 'cdb_run_%')::int as staging`);
    expect(rows[0]).toEqual({ runs: 1, staging: 1 });
  });
});

describe('schemas', () => {
  it('the run is stored as listing, owned by the caller, password hidden, with its staging schema owned by the caller', async () => {
    const { rows } = await alice.query('select state, owner, params, options, atomic from cdb_connectors.runs where run_id = $1', [aliceRun]);
    expect(rows[0]).toMatchObject({ state: 'listing', owner: alice.name, atomic: true, options: { include: ['orders'], concurrency: 2, atomic: true } });
    expect(rows[0].params.connection.password).toBe('***');
    expect(rows[0].params.table).toBeUndefined();
    const staging = await db.query(`select pg_get_userbyid(nspowner) as owner from pg_namespace where nspname = $1`, [`cdb_run_${aliceRun.replace(/-/g, '')}`]);
    expect(staging.rows).toEqual([{ owner: alice.name }]);
  });

  it('a missing target schema is created for the caller; without CREATE on the database it is 42501', async () => {
    await runAs(alice, { atomic: false }, 'alice_new');
    expect((await db.query(`select pg_get_userbyid(nspowner) as owner from pg_namespace where nspname = 'alice_new'`)).rows).toEqual([{ owner: alice.name }]);
    const e = await sqlError(bob.query('select cdb_connector_import_database($1::jsonb, $2)', [request({ atomic: false }), 'bob_new']));
    expect(e.code).toBe('42501');
    expect(e.message).toMatch(/Schema bob_new does not exist, and role .* may not create it/);
  });

  it('an atomic run needs CREATE on the database for its staging schema; "atomic": false does not', async () => {
    const e = await sqlError(bob.query('select cdb_connector_import_database($1::jsonb, $2)', [request(), 'bob_data']));
    expect(e.code).toBe('42501');
    expect(e.message).toMatch(/staging schema of an atomic run/);
    await runAs(bob, { atomic: false }, 'bob_data');
  });

  it("another role's schema, or a system schema, is refused with 42501", async () => {
    expect((await sqlError(alice.query('select cdb_connector_import_database($1::jsonb, $2)', [request({ atomic: false }), 'bob_data']))).code).toBe('42501');
    expect((await sqlError(alice.query('select cdb_connector_import_database($1::jsonb, $2)', [request({ atomic: false }), 'cdb_connectors']))).code).toBe('42501');
  });
});

describe('who may do what', () => {
  it("a role neither sees, summarises nor cancels another role's run", async () => {
    expect((await bob.query('select run_id from cdb_connectors.runs where run_id = $1', [aliceRun])).rows).toEqual([]);
    expect((await sqlError(bob.query('select * from cdb_connector_run_summary($1)', [aliceRun]))).code).toBe('P0002');
    expect((await sqlError(bob.query('select cdb_connector_cancel_run($1)', [aliceRun]))).code).toBe('P0002');
    expect((await db.query('select cancel_requested from cdb_connectors.database_runs where id = $1', [aliceRun])).rows[0].cancel_requested).toBe(false);
  });

  it('the password is sealed away: run_secrets cannot be read, not even by its owner', async () => {
    expect((await sqlError(alice.query('select * from cdb_connectors.run_secrets'))).code).toBe('42501');
    const { rows } = await db.query('select password from cdb_connectors.run_secrets where run_id = $1', [aliceRun]);
    expect(rows).toHaveLength(1);
  });

  it('a direct INSERT is validated the same and cannot forge state, owner or the staging schema', async () => {
    await alice.query(`insert into cdb_connectors.database_runs (params, target_schema) values ($1::jsonb, 'alice_data')`, [request({ atomic: false })]);
    const { rows } = await db.query(`select state, owner, staging_schema from cdb_connectors.database_runs where owner = $1 order by created_at desc limit 1`, [alice.name]);
    expect(rows[0]).toEqual({ state: 'listing', owner: alice.name, staging_schema: null });
    expect((await sqlError(alice.query(`insert into cdb_connectors.database_runs (params, target_schema, state) values ($1::jsonb, 'alice_data', 'complete')`, [request()]))).code).toBe('42501');
    expect((await sqlError(alice.query(`update cdb_connectors.database_runs set state = 'complete' where id = $1`, [aliceRun]))).code).toBe('42501');
  });

  it("a job cannot be slipped into a run: run_id is forced for roles under RLS", async () => {
    const job = JSON.stringify({ connector: { provider: 'mysql', connection, table: 'orders' } });
    await bob.query(`grant create on schema bob_data to "${bob.name}"`).catch(() => undefined);
    expect((await sqlError(bob.query(`insert into cdb_connectors.jobs (params, target_schema, run_id) values ($1::jsonb, 'bob_data', $2)`, [job, aliceRun]))).code).toBe('42501');
    const { rows } = await bob.query(`select cdb_connector_import($1::jsonb, 'bob_data') as r`, [job]);
    expect((await db.query('select run_id from cdb_connectors.jobs where id = $1', [rows[0].r.item_queue_id])).rows[0].run_id).toBeNull();
  });

  it('the owner cancels its own run, and cannot take the cancel back; the run\'s sync tables are paused', async () => {
    const sync = (await alice.query(`select cdb_connector_sync($1::jsonb, 'alice_data') as s`,
      [JSON.stringify({ connector: { provider: 'mysql', connection, table: 'orders' }, interval: 3600 })])).rows[0].s.id;
    await db.query('update cdb_connectors.syncs set run_id = $2 where id = $1', [sync, aliceRun]);
    expect((await alice.query('select cdb_connector_cancel_run($1) as ok', [aliceRun])).rows[0].ok).toBe(true);
    expect((await db.query('select paused from cdb_connectors.syncs where id = $1', [sync])).rows[0].paused).toBe(true);
    await alice.query('update cdb_connectors.database_runs set cancel_requested = false where id = $1', [aliceRun]);
    expect((await db.query('select cancel_requested from cdb_connectors.database_runs where id = $1', [aliceRun])).rows[0].cancel_requested).toBe(true);
  });

  it('a finished run answers false', async () => {
    await db.query(`update cdb_connectors.database_runs set state = 'cancelled' where id = $1`, [aliceRun]);
    expect((await alice.query('select cdb_connector_cancel_run($1) as ok', [aliceRun])).rows[0].ok).toBe(false);
  });

  it('max_active_runs_per_role refuses one more run listing or importing with 54000', async () => {
    const { rows } = await db.query(`select count(*)::int as n from cdb_connectors.database_runs where owner = $1 and state in ('listing', 'importing')`, [alice.name]);
    await db.query(`update cdb_connectors.settings set value = $1 where name = 'max_active_runs_per_role'`, [String(rows[0].n)]);
    const e = await sqlError(alice.query('select cdb_connector_import_database($1::jsonb, $2)', [request({ atomic: false }), 'alice_data']));
    expect(e.code).toBe('54000');
    expect(e.message).toMatch(/whole-database run\(s\) listing or importing; the max_active_runs_per_role setting allows/);
    await db.query(`update cdb_connectors.settings set value = '10' where name = 'max_active_runs_per_role'`);
  });

  it('the runs view survives absurd remote estimates: no error, no negative ETA', async () => {
    const run = await runAs(alice, { atomic: false }, 'alice_data');
    await db.query(`update cdb_connectors.database_runs set state = 'importing', started_at = now() - interval '1 hour', table_estimates = '{"huge": 1e21}' where id = $1`, [run]);
    await db.query(`insert into cdb_connectors.jobs (params, target_schema, owner, run_id) values ($1::jsonb, 'alice_data', $2, $3)`,
      [JSON.stringify({ connector: { provider: 'mysql', connection, table: 'huge' } }), alice.name, run]);
    await db.query(`update cdb_connectors.jobs set state = 'importing', rows_fetched = 1 where run_id = $1`, [run]);
    const { rows } = await alice.query('select rows_estimated::text, percent::text, eta from cdb_connectors.runs where run_id = $1', [run]);
    expect(rows[0]).toEqual({ rows_estimated: '1000000000000000', percent: '0.0', eta: null });
  });
});
