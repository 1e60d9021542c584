/**
 * Issue 16, attacks 1–3 and their variants: an API user (alice, a plain member of
 * cdb_connector_user owning the schema named after her, i.e. the `"$user"` schema) attaches code
 * to her own sync table, or shadows names the sidecar and the HTTP API send, and tries to run it
 * with more than her rights. The probe function records who it ran as after trying
 * `RESET ROLE`; on the code before the fix it recorded the sidecar's superuser login.
 *
 * Every test asserts on what arrived (rows, owner) and on the probe's log: never a row run as
 * anyone but alice, never a superuser, and where the attack's code must run, that it did.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, createKey, startHttpHarness, type HttpHarness } from '../http/helpers.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { enqueueImport, waitForJob } from '../helpers/sidecar.js';
import { createSync, runSyncNow, startSyncSidecar, waitForSyncRun } from '../helpers/sync.js';
import type { TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { roleFactory, type TestRole } from '../sql/helpers.js';

const hasPostgis = inject('servers').pg.hasPostgis;

let db: TargetDb;
let my: MysqlDb;
let sidecar: TestSidecar;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;
/** alice's own schema, `"$user"` for her sessions. */
let s: string;

interface ProbeRow { at: string; who: string; super: boolean; note: string }

async function probes(at: string): Promise<ProbeRow[]> {
  return (await db.query<ProbeRow>(`select at, who, super, note from "${s}".probe_log where at = $1`, [at])).rows;
}

/** Nobody but alice, never a superuser; `mustRun`: the attack's code did run (so the test can fail). */
async function expectContained(at: string, opts: { mustRun: boolean }): Promise<ProbeRow[]> {
  const rows = await probes(at);
  if (opts.mustRun) expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) expect(row).toMatchObject({ who: alice.name, super: false });
  expect((await db.query('select rolsuper from pg_roles where rolname = $1', [alice.name])).rows).toEqual([{ rolsuper: false }]);
  return rows;
}

/** A remote table of three rows, synced by alice (first run done); returns the local table and the sync id. */
async function syncedTable(name: string): Promise<{ table: string; syncId: string }> {
  await my.exec(`create table ${name} (id int primary key, name varchar(20));
    insert into ${name} values (1, 'one'), (2, 'two'), (3, 'three');`);
  const created = await createSync(db.urlAs(alice.name), { connector: { provider: 'mysql', connection: my.connection(), table: name }, interval: 3600 });
  const first = await waitForSyncRun(db, created.id);
  expect(first).toMatchObject({ state: 'success', target_schema: s, table_name: name });
  return { table: `"${s}".${name}`, syncId: created.id };
}

/** Changes the remote rows, so the refresh really writes, and runs it. */
async function refresh(name: string, syncId: string) {
  await my.exec(`update ${name} set name = concat(name, '!') where id = 2; insert into ${name} values (4, 'four');`);
  return runSyncNow(db, syncId);
}

async function localRows(table: string) {
  return (await db.query(`select id, name from ${table} order by id`)).rows;
}

const REFRESHED = [{ id: 1, name: 'one' }, { id: 2, name: 'two!' }, { id: 3, name: 'three' }, { id: 4, name: 'four' }];

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb({ postgis: hasPostgis }), createMysqlDb()]);
  roles = roleFactory(db);
  alice = await roles.create('alice', 'cdb_connector_user');
  s = alice.name;
  await db.query(`grant create on database "${db.name}" to "${s}"`);
  // Plain tables: the CARTO columns are not what these attacks are about.
  await db.query(`update cdb_connectors.settings set value = '"off"' where name = 'cartodbfy'`);
  await alice.query(`create schema "${s}"`);
  await alice.query(`
    create table "${s}".probe_log (at text, who text, super boolean, note text);
    create table "${s}".side (v text);
    create function "${s}".probe(at text) returns text language plpgsql as $$
    declare note text := 'reset role allowed';
    begin
      begin
        reset role;
      exception when others then note := 'refused: ' || sqlerrm;
      end;
      insert into "${s}".probe_log values (at, current_user, (select rolsuper from pg_catalog.pg_roles where rolname = current_user), note);
      return at;
    end $$;
    create function "${s}".probe_bool(at text) returns boolean language plpgsql as $$
    begin perform "${s}".probe(at); return true; end $$;
    create function "${s}".probe_trigger() returns trigger language plpgsql as $$
    begin perform "${s}".probe(tg_argv[0]); return new; end $$;`);
  sidecar = await startSyncSidecar(db);
});

afterAll(async () => {
  await sidecar?.stop();
  await my?.drop();
  await roles?.cleanup();
});

describe('user code attached to a sync table runs with its owner\'s rights only', () => {
  it('attack 1: a BEFORE INSERT trigger that runs RESET ROLE during a refresh stays alice', async () => {
    const { table, syncId } = await syncedTable('items_trigger');
    await alice.query(`create trigger t before insert on ${table} for each row execute function "${s}".probe_trigger('trigger')`);
    const run = await refresh('items_trigger', syncId);
    expect(run).toMatchObject({ state: 'success', error_code: null });
    expect(await localRows(table)).toEqual(REFRESHED);
    const rows = await expectContained('trigger', { mustRun: true });
    expect(rows).toHaveLength(4);
    expect(rows[0]!.note).toMatch(/refused: cannot set parameter "role" within security-definer function/);
    expect((await db.query(`select tableowner from pg_tables where schemaname = $1 and tablename = 'items_trigger'`, [s])).rows).toEqual([{ tableowner: alice.name }]);
  });

  it('a rule on the table (DO ALSO) stays alice', async () => {
    const { table, syncId } = await syncedTable('items_rule');
    await alice.query(`create rule r as on insert to ${table} do also insert into "${s}".side values ("${s}".probe('rule'))`);
    expect(await refresh('items_rule', syncId)).toMatchObject({ state: 'success' });
    expect(await localRows(table)).toEqual(REFRESHED);
    await expectContained('rule', { mustRun: true });
  });

  it('an index expression stays alice', async () => {
    const { table, syncId } = await syncedTable('items_index');
    await alice.query(`create function "${s}".probe_immutable(t text) returns text language plpgsql immutable as $$
      begin return "${s}".probe('index') || t; end $$`);
    await alice.query(`create index on ${table} ("${s}".probe_immutable(name))`);
    await db.query(`delete from "${s}".probe_log where at = 'index'`); // the CREATE INDEX above was alice's own session
    expect(await refresh('items_index', syncId)).toMatchObject({ state: 'success' });
    expect(await localRows(table)).toEqual(REFRESHED);
    await expectContained('index', { mustRun: true });
  });

  it('a column default evaluated by the refresh (through a rule\'s insert) stays alice', async () => {
    const { table, syncId } = await syncedTable('items_default');
    await alice.query(`create table "${s}".side_default (v text default "${s}".probe('default'), id int)`);
    await alice.query(`create rule r as on insert to ${table} do also insert into "${s}".side_default (id) values (new.id)`);
    expect(await refresh('items_default', syncId)).toMatchObject({ state: 'success' });
    await expectContained('default', { mustRun: true });
  });

  it('a policy function under FORCE ROW LEVEL SECURITY stays alice', async () => {
    const { table, syncId } = await syncedTable('items_policy');
    await alice.query(`alter table ${table} enable row level security, force row level security;
      create policy p on ${table} using ("${s}".probe_bool('policy')) with check ("${s}".probe_bool('policy'))`);
    expect(await refresh('items_policy', syncId)).toMatchObject({ state: 'success' });
    await alice.query(`alter table ${table} no force row level security`);
    expect(await localRows(table)).toEqual(REFRESHED);
    await expectContained('policy', { mustRun: true });
  });

  it('a trigger that leaves SET search_path behind cannot shadow what the sidecar sends afterwards', async () => {
    const { table, syncId } = await syncedTable('items_path');
    await alice.query(`
      create function "${s}".now() returns timestamptz language plpgsql as $$ begin perform "${s}".probe('now'); return pg_catalog.now(); end $$;
      create function "${s}".clock_timestamp() returns timestamptz language plpgsql as $$ begin perform "${s}".probe('now'); return pg_catalog.clock_timestamp(); end $$;
      create function "${s}".set_path() returns trigger language plpgsql as $$
      begin set search_path = "${s}", pg_catalog; return new; end $$;
      create trigger t before insert on ${table} for each row execute function "${s}".set_path();`);
    expect(await refresh('items_path', syncId)).toMatchObject({ state: 'success' });
    expect(await localRows(table)).toEqual(REFRESHED);
    await expectContained('now', { mustRun: false });
  });

  it('temporary objects a trigger creates in the sidecar\'s session shadow nothing', async () => {
    const { table, syncId } = await syncedTable('items_temp');
    await alice.query(`
      create function "${s}".make_temp() returns trigger language plpgsql as $$
      begin
        perform "${s}".probe('temp');
        create temp table if not exists jobs (id uuid, state text);
        create temp table if not exists syncs (id uuid);
        create temp table if not exists settings (name text, value jsonb);
        create or replace function pg_temp.hashtextextended(text, integer) returns bigint language sql as 'select 0::bigint';
        create or replace function pg_temp.now() returns timestamptz language plpgsql as 'begin perform "${s}".probe(''temp''); return pg_catalog.now(); end';
        return new;
      end $$;
      create trigger t before insert on ${table} for each row execute function "${s}".make_temp();`);
    const run = await refresh('items_temp', syncId);
    expect(run).toMatchObject({ state: 'success' });
    expect(await localRows(table)).toEqual(REFRESHED);
    // The checksum is the one of the rows (a shadowing hash would have made it constant).
    await my.exec(`update items_temp set name = 'changed' where id = 1`);
    const again = await runSyncNow(db, syncId);
    expect(again.checksum).not.toEqual(run.checksum);
    await expectContained('temp', { mustRun: true });
  });

  it('a deferrable constraint trigger (it would fire at COMMIT, outside the frame) makes the refresh fail, old data kept', async () => {
    const { table, syncId } = await syncedTable('items_deferred');
    await alice.query(`create constraint trigger d after insert on ${table} deferrable initially deferred
      for each row execute function "${s}".probe_trigger('deferred')`);
    const run = await refresh('items_deferred', syncId);
    expect(run).toMatchObject({ state: 'failure', error_code: 1502 });
    expect(run.error_message).toMatch(/deferrable trigger\(s\) d on .*items_deferred/);
    expect(await localRows(table)).toEqual([{ id: 1, name: 'one' }, { id: 2, name: 'two' }, { id: 3, name: 'three' }]);
    await expectContained('deferred', { mustRun: false });
  });

  it('another tenant\'s deferrable trigger does not block refreshes that never write its table', async () => {
    const { table, syncId } = await syncedTable('items_unrelated');
    await alice.query(`create table "${s}".elsewhere (id int);
      create constraint trigger d after insert on "${s}".elsewhere deferrable initially deferred for each row execute function "${s}".probe_trigger('elsewhere')`);
    const run = await refresh('items_unrelated', syncId);
    expect(run, run.error_message ?? '').toMatchObject({ state: 'success' });
    expect(await localRows(table)).toEqual(REFRESHED);
  });
});

describe('names the sidecar sends cannot be shadowed from "$user"', () => {
  it('attack 2: <own schema>.hashtextextended(text, integer) is not picked by the refresh checksum', async () => {
    const { table, syncId } = await syncedTable('items_hash');
    await alice.query(`create function "${s}".hashtextextended(t text, seed integer) returns bigint language plpgsql as $$
      begin perform "${s}".probe('hash'); return 0; end $$`);
    const run = await refresh('items_hash', syncId);
    expect(run).toMatchObject({ state: 'success' });
    expect(await localRows(table)).toEqual(REFRESHED);
    expect(await probes('hash')).toEqual([]);
  });

  it.skipIf(!hasPostgis)('a domain called geometry in "$user" (its CHECK calls user code) is not the type of an imported geometry column', async () => {
    await my.exec(`create table places (id int primary key, pos point);
      insert into places values (1, ST_GeomFromText('POINT(1 2)')), (2, ST_GeomFromText('POINT(3 4)'));`);
    await alice.query(`create domain "${s}".geometry as text check ("${s}".probe_bool('domain'))`);
    const id = await enqueueImport(db.urlAs(alice.name), { connector: { provider: 'mysql', connection: my.connection(), table: 'places' } });
    const job = await waitForJob(db, id);
    expect(job).toMatchObject({ state: 'complete', rows_imported: 2 });
    const types = await db.query(`select format_type(atttypid, atttypmod) as t, (select nspname from pg_namespace n join pg_type y on y.typnamespace = n.oid where y.oid = atttypid) as nsp
      from pg_attribute where attrelid = ('"' || $1 || '".' || $2)::regclass and attname = 'pos'`, [s, job.table_name]);
    expect(types.rows[0].nsp).not.toEqual(s);
    expect((await db.query(`select ST_AsText(pos) as wkt from "${s}"."${job.table_name}" order by id`)).rows).toEqual([{ wkt: 'POINT(1 2)' }, { wkt: 'POINT(3 4)' }]);
    expect(await probes('domain')).toEqual([]);
  });
});

describe('the HTTP API session', () => {
  let h: HttpHarness;
  beforeAll(async () => { h = await startHttpHarness(db); });
  afterAll(async () => { await h?.stop(); });

  it('attack 3: <own schema>.to_jsonb(cdb_connectors.synchronizations) is not picked by GET /api/v1/synchronizations', async () => {
    await alice.query(`create function "${s}".to_jsonb(r cdb_connectors.synchronizations) returns jsonb language plpgsql as $$
      begin perform "${s}".probe('to_jsonb'); return '{"pwned": true}'; end $$`);
    const key = await createKey(db, alice.name);
    const res = await api(h.base, '/api/v1/synchronizations', { key });
    expect(res.status).toBe(200);
    const list = res.body.synchronizations as Array<Record<string, unknown>>;
    expect(list.length).toBeGreaterThan(0);
    for (const sync of list) expect(sync).toMatchObject({ user_id: alice.name, service_name: 'connector' });
    expect(await probes('to_jsonb')).toEqual([]);
  });

  it('imports through HTTP still land in the role\'s own schema (the current schema is read before the path is pinned)', async () => {
    await my.exec(`create table via_http (id int primary key); insert into via_http values (7);`);
    const key = await createKey(db, alice.name);
    const res = await api(h.base, '/api/v1/imports', { key, method: 'POST', body: { connector: { provider: 'mysql', connection: my.connection(), table: 'via_http' } } });
    expect(res.status).toBe(200);
    const job = await waitForJob(db, res.body.item_queue_id);
    expect(job).toMatchObject({ state: 'complete', rows_imported: 1 });
    expect((await db.query(`select id from "${s}".via_http`)).rows).toEqual([{ id: 7 }]);
  });
});
