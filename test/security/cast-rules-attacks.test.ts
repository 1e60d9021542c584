/**
 * User cast rules (SPEC §14) under the threat model of docs/security.md: a rule's `to` ends up in
 * CREATE TABLE and its type's input function runs inside the load, so a hostile API user (alice,
 * a plain member of cdb_connector_user with a schema of her own, first on her search_path as
 * "$user") must not get SQL into the DDL, nor her own types (a domain whose CHECK calls her
 * function, which would run in the sidecar's session) behind a built-in name. Each test names the
 * protection it checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { startSidecar, waitForJob, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { roleFactory, sqlError, type RoleFactory, type TestRole } from '../sql/helpers.js';

let db: TargetDb;
let my: MysqlDb;
let roles: RoleFactory;
let alice: TestRole;
let sidecar: TestSidecar;
let a: string;

const pgName = (name: string) => `"${name.replace(/"/g, '""')}"`;

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  roles = roleFactory(db);
  alice = await roles.create('alice', 'cdb_connector_user');
  a = pgName(alice.name);
  await db.query(`grant create on database ${pgName(db.name)} to ${a}`);
  // her look-alikes of built-in types, each CHECK logging who ran it
  await alice.query(`create schema ${a};
    create table ${a}.spy_log (who text, session_user_name text);
    create function ${a}.spy() returns boolean language plpgsql as $$
      begin insert into ${a}.spy_log values (current_user, session_user); return true; end $$;
    create domain ${a}.numeric as pg_catalog.numeric(12,2) check (${a}.spy());
    create domain ${a}.boolean as pg_catalog.bool check (${a}.spy());
    create domain ${a}.mytype as pg_catalog.text check (${a}.spy());
    create table ${a}.other (secret text)`);
  await my.exec(`create table items (id int primary key, flag tinyint(1), price decimal(10,2));
    insert into items values (1, 1, 9.99), (2, 0, 0.01)`);
  sidecar = await startSidecar(db);
});

afterAll(async () => {
  await sidecar?.stop();
  await my?.drop();
  await roles?.cleanup();
});

const request = (casts: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({
  connector: { provider: 'mysql', connection: my.connection(), table: 'items', casts, ...extra },
});

async function aliceImports(casts: unknown[], importAs: string) {
  const { rows } = await alice.query('select cdb_connector_import($1::jsonb) as r', [request(casts, { import_as: importAs })]);
  return waitForJob(db, rows[0].r.item_queue_id);
}

describe('cast rule attacks', () => {
  it('SQL in "to" or "time_zone", a quoted or schema-qualified type: refused with 22023 before anything is queued (cast_rule_problem)', async () => {
    const hostile = [
      { column: 'price', to: 'numeric(12,2)); drop table items; --' },
      { column: 'price', to: `${alice.name}.numeric` },
      { column: 'price', to: '"numeric"' },
      { column: 'price', to: 'mytype' },
    ];
    const outcomes = await Promise.all(hostile.map((rule) => alice.query('select cdb_connector_import($1::jsonb)', [request([rule])])
      .then(() => 'queued', (err) => `${err.code} ${err.detail}`)));
    expect(outcomes).toEqual(hostile.map(() => '22023 error_code 1502'));
    expect((await db.query('select count(*)::int as n from cdb_connectors.jobs')).rows[0].n).toBe(0);
  });

  it('a "time_zone" PostgreSQL\'s AT TIME ZONE accepts as a POSIX spec but that is no zone name fails the run with 1502, nothing created (request-casts.ts)', async () => {
    const status = await aliceImports([{ type: 'datetime', to: 'timestamptz', time_zone: "UTC' || pg_sleep(1) || '" }], 'zoned');
    expect([status.state, status.error_code]).toEqual(['failure', 1502]);
    expect(status.error_message).toMatch(/^The "time_zone" of casts\[1\], .* is not a time zone name/);
    expect((await db.query('select to_regclass($1) as t', [`${a}.zoned`])).rows[0].t).toBeNull();
  });

  it('built-in names resolve to pg_catalog even with her look-alikes first on her search_path ("$user"): her CHECK never runs', async () => {
    expect((await alice.query('show search_path')).rows[0].search_path).toMatch(/^"\$user"/);
    const status = await aliceImports([{ type: 'tinyint(1)', to: 'boolean' }, { column: 'price', to: 'NUMERIC(12, 2)' }], 'shadowed');
    expect(status.state, status.error_message ?? '').toBe('complete');
    const { rows } = await db.query(`select a.attname, n.nspname, format_type(a.atttypid, a.atttypmod) as type from pg_attribute a
      join pg_type t on t.oid = a.atttypid join pg_namespace n on n.oid = t.typnamespace
      where a.attrelid = $1::regclass and a.attname in ('flag', 'price') order by a.attname`, [`${a}.shadowed`]);
    expect(rows).toEqual([
      { attname: 'flag', nspname: 'pg_catalog', type: 'boolean' },
      { attname: 'price', nspname: 'pg_catalog', type: 'numeric(12,2)' },
    ]);
    expect((await db.query(`select count(*)::int as n from ${a}.spy_log`)).rows[0].n).toBe(0);
    expect((await db.query(`select flag, price::text from ${a}.shadowed order by id`)).rows).toEqual([{ flag: true, price: '9.99' }, { flag: false, price: '0.01' }]);
  });

  it('a column rule naming another table\'s column changes nothing else: only the source\'s columns arrive', async () => {
    const status = await aliceImports([{ column: 'secret', to: 'text' }, { column: 'other.secret', to: 'text' }], 'unrelated');
    expect(status.state, status.error_message ?? '').toBe('complete');
    const { rows } = await db.query(`select attname from pg_attribute where attrelid = $1::regclass and attnum > 0 order by attnum`, [`${a}.unrelated`]);
    expect(rows.map((r) => r.attname)).toEqual(['id', 'flag', 'price']);
  });

  it('the setting cast_rules is the DBA\'s: alice cannot change it, and a hostile entry is refused naming it (check_setting)', async () => {
    const denied = await sqlError(alice.query(`update cdb_connectors.settings set value = '[]' where name = 'cast_rules'`));
    expect(denied.code).toBe('42501');
    const bad = await sqlError(db.query(`update cdb_connectors.settings set value = $1 where name = 'cast_rules'`,
      [JSON.stringify([{ type: 'int', to: 'bigint' }, { column: 'a', to: 'int); drop table x; --' }])]));
    expect(bad.code).toBe('22023');
    expect(bad.message).toMatch(/^Invalid value for setting cast_rules: The "to" of cast_rules\[2\]/);
    const notList = await sqlError(db.query(`update cdb_connectors.settings set value = '{"type": "int"}' where name = 'cast_rules'`));
    expect(notList.message).toMatch(/it must be a JSON array of at most 200 cast rules/);
    expect((await db.query(`select value from cdb_connectors.settings where name = 'cast_rules'`)).rows[0].value).toEqual([]);
  });
});
