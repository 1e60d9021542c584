/**
 * The answers-now SQL API itself (issue 10 §1, SPEC §7), provider-independent: validation like
 * imports, no live sidecar → a clear error within seconds, the two-step form, CALL inside BEGIN,
 * psql, passwords, RLS, deadlines and cleanup. The remote is the test cluster itself (postgres
 * provider), or a socket that never answers.
 */
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cleanupRequests } from '../../src/sidecar/request-store.js';
import { check, createApiUser, listTables, preview, runPsql, sqlError, type ApiUser } from '../helpers/answers.js';
import { queryOnce } from '../helpers/one-shot-sql.js';
import { startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { allowTargetAsSource, createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
let alice: ApiUser;
let bob: ApiUser;
let sidecar: TestSidecar | undefined;
let silent: net.Server;
const silentSockets = new Set<net.Socket>();

beforeAll(async () => {
  db = await createTargetDb();
  await allowTargetAsSource(db);
  [alice, bob] = await Promise.all([createApiUser(db), createApiUser(db)]);
  await db.query('create table public.cities (id int, name text); insert into public.cities values (1, $$Zürich$$), (2, null)');
  // accepts connections and never says a word: a remote that hangs
  silent = net.createServer((socket) => { silentSockets.add(socket); socket.on('close', () => silentSockets.delete(socket)); });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await sidecar?.stop();
  for (const socket of silentSockets) socket.destroy();
  silent?.close();
  await Promise.all([alice?.drop(), bob?.drop()]);
  await db?.drop();
});

/** The test cluster itself, read through the postgres provider as its superuser. */
const connector = (extra: Record<string, unknown> = {}) => {
  const { host, port } = inject('servers').pg;
  return { connector: { provider: 'postgres', connection: { server: host, port, database: db.name, username: 'postgres', sslmode: 'disable' }, ...extra } };
};

const requestCount = async () => Number((await db.query('select count(*) as n from cdb_connectors.requests')).rows[0].n);

async function withSidecar(): Promise<void> {
  sidecar ??= await startSidecar(db);
}

describe('answers now: without a live sidecar', () => {
  it('no sidecar registered: 55000 at once, nothing stored', async () => {
    const started = Date.now();
    const err = await sqlError(check(alice.url, connector()));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(err.code).toBe('55000');
    expect(err.message).toBe('No connector sidecar is running for this database');
    expect(err.hint).toMatch(/connector-bridge run/);
    expect(await requestCount()).toBe(0);
  });

  it('a sidecar row that looks alive but nobody answers: 55000 within 5 s', async () => {
    await db.query("insert into cdb_connectors.sidecars (id, host, pid, version, concurrency) values ('ghost', 'nowhere', 1, '0', 1)");
    try {
      const started = Date.now();
      const err = await sqlError(listTables(alice.url, connector()));
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(2_900);
      expect(elapsed).toBeLessThan(5_000);
      expect(err.code).toBe('55000');
      expect(err.message).toMatch(/No connector sidecar picked up the request within 3 seconds/);
      expect(err.detail).toMatch(/lists 1 sidecar/);
    } finally {
      await db.query("delete from cdb_connectors.sidecars where id = 'ghost'");
      await db.query('delete from cdb_connectors.requests');
    }
  });
});

describe('answers now: validation, the same as imports', () => {
  const bad = { connector: { provider: 'postgres', connection: { server: 'x', port: 'abc' }, table: 't', foo: 1 } };

  it('the same messages and SQLSTATE 22023 / error_code 1502 as cdb_connector_import, nothing stored', async () => {
    const fromImport = await sqlError(queryOnce(alice.url, 'select cdb_connector_import($1::jsonb)', [JSON.stringify(bad)]));
    // one at a time: a rejected call created early would be an unhandled rejection until awaited
    for (const call of [() => check(alice.url, bad), () => listTables(alice.url, bad), () => preview(alice.url, bad)]) {
      const err = await sqlError(call());
      expect([err.code, err.detail, err.message]).toEqual(['22023', 'error_code 1502', fromImport.message]);
    }
    expect(fromImport.message.split('\n')).toEqual([
      'Invalid parameters: foo',
      'Missing required connection parameters database,username',
      'The port connection parameter must be an integer between 1 and 65535',
    ]);
    expect(await requestCount()).toBe(0);
  });

  it('table / sql_query: optional for check and list_tables, one of them required for preview', async () => {
    const noTable = { connector: { provider: 'mysql', connection: { server: 'x', database: 'd', username: 'u', password: 'p' } } };
    const err = await sqlError(preview(alice.url, noTable));
    expect([err.code, err.message]).toEqual(['22023', 'The table parameter is required if no sql_query parameter is provided']);
    // check and list_tables pass validation and only then miss the sidecar
    expect((await sqlError(check(alice.url, noTable))).code).toBe('55000');
    expect((await sqlError(listTables(alice.url, { connector: { ...noTable.connector, sql_query: 'select 1' } }))).code).toBe('55000');
  });

  it('interval, rows out of range, an unknown kind and a disabled provider are refused', async () => {
    const interval = await sqlError(check(alice.url, { ...connector(), Interval: 900 }));
    expect([interval.code, interval.message]).toEqual(['22023', 'Invalid parameters: interval']);
    const rows = await sqlError(preview(alice.url, connector({ table: 'cities' }), 101));
    expect([rows.code, rows.message]).toEqual(['22023', 'The rows argument must be between 0 and 100, not 101']);
    const kind = await sqlError(queryOnce(alice.url, "select cdb_connector_request('import', $1::jsonb)", [JSON.stringify(connector())]));
    expect([kind.code, kind.detail]).toEqual(['22023', 'error_code 1502']);
    await db.query(`update cdb_connectors.settings set value = '["mysql"]' where name = 'enabled_providers'`);
    try {
      const disabled = await sqlError(check(alice.url, connector()));
      expect([disabled.code, disabled.detail, disabled.message]).toEqual(['22023', 'error_code 1501', 'The postgres provider is disabled on this database']);
    } finally {
      await db.query(`update cdb_connectors.settings set value = '["mysql", "postgres", "sqlserver", "hive"]' where name = 'enabled_providers'`);
    }
  });

  it('CALL inside BEGIN: 25001 naming the two-step form, nothing stored', async () => {
    const client = new pg.Client(alice.url);
    await client.connect();
    try {
      await client.query('begin');
      const err = await sqlError(client.query('call cdb_connector_preview($1::jsonb, 3)', [JSON.stringify(connector({ table: 'cities' }))]));
      expect(err.code).toBe('25001');
      expect(err.message).toBe('cdb_connector_preview cannot run inside a transaction block');
      expect(err.hint).toMatch(/cdb_connector_request\('preview'/);
      await client.query('rollback');
    } finally {
      await client.end();
    }
    expect(await requestCount()).toBe(0);
  });
});

describe('answers now: with a sidecar', () => {
  beforeAll(withSidecar);

  it('one statement in psql returns the answer', async () => {
    const sql = `CALL cdb_connector_preview('${JSON.stringify(connector({ sql_query: 'select id, name from public.cities order by id' }))}', 5)`;
    const run = await runPsql(alice.url, ['-c', sql]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      columns: [
        { name: 'id', local_name: 'id', remote_type: 'integer', local_type: 'integer' },
        { name: 'name', local_name: 'name', remote_type: 'text', local_type: 'text' },
      ],
      rows: [['1', 'Zürich'], ['2', null]],
      warnings: [],
    });
  });

  it('psql: CALL inside BEGIN fails with the clear error', async () => {
    const run = await runPsql(alice.url, ['-f', '-'], `BEGIN;\nCALL cdb_connector_check('${JSON.stringify(connector())}');\n`);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/ERROR: {2}cdb_connector_check cannot run inside a transaction block/);
    expect(run.stderr).toMatch(/HINT: {2}.*two-step form/);
  });

  it('the request is gone after the CALL, and its password never readable', async () => {
    const withPassword = connector();
    (withPassword.connector.connection as Record<string, unknown>).password = 'pw-never-stored';
    expect(await check(alice.url, withPassword)).toEqual({ connected: true });
    expect(await requestCount()).toBe(0);
    expect((await db.query('select count(*) as n from cdb_connectors.request_secrets')).rows[0].n).toBe('0');
    const denied = await sqlError(queryOnce(alice.url, 'select * from cdb_connectors.request_secrets'));
    expect(denied.code).toBe('42501');
  });

  it('two-step form: request, commit, result (and again); others cannot see it', async () => {
    const [{ id }] = await queryOnce<{ id: string }>(alice.url, "select cdb_connector_request('list_tables', $1::jsonb) as id", [JSON.stringify(connector({ schema: 'public' }))]);
    const [{ r }] = await queryOnce(alice.url, 'select cdb_connector_request_result($1) as r', [id]);
    expect(r).toEqual({ tables: [{ schema: 'public', name: 'cities', kind: 'table' }], truncated: false });
    const [{ again }] = await queryOnce(alice.url, 'select cdb_connector_request_result($1) as again', [id]);
    expect(again).toEqual(r);
    const [stored] = await queryOnce(alice.url, 'select params, state from cdb_connectors.requests where id = $1', [id]);
    expect(stored).toMatchObject({ state: 'done', params: { provider: 'postgres', connection: { server: expect.any(String) } } });
    const hidden = await sqlError(queryOnce(bob.url, 'select cdb_connector_request_result($1)', [id]));
    expect(hidden.code).toBe('P0002');
  });

  it('two-step form: a failed preview raises like the CALL; a timeout returns NULL', async () => {
    const [{ id }] = await queryOnce<{ id: string }>(alice.url, "select cdb_connector_request('preview', $1::jsonb, 3) as id", [JSON.stringify(connector({ table: 'nope' }))]);
    const err = await sqlError(queryOnce(alice.url, 'select cdb_connector_request_result($1)', [id]));
    expect([err.code, err.detail]).toEqual(['58000', 'error_code 1505']);
    const [{ none }] = await queryOnce(alice.url, "select cdb_connector_request_result(null) as none");
    expect(none).toBeNull();
  });

  it('two-step form inside one transaction or under REPEATABLE READ: 25000 at once', async () => {
    const client = new pg.Client(alice.url);
    await client.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query("select cdb_connector_request('check', $1::jsonb) as id", [JSON.stringify(connector())]);
      const same = await sqlError(client.query('select cdb_connector_request_result($1)', [rows[0].id]));
      expect(same.code).toBe('25000');
      await client.query('rollback');
      await client.query('begin isolation level repeatable read');
      const rr = await sqlError(client.query('select cdb_connector_request_result(gen_random_uuid())'));
      expect(rr.code).toBe('25000');
      await client.query('rollback');
    } finally {
      await client.end();
    }
  });

  it('a remote that never answers: connected false with 1504 by the connect_timeout, listing raises 1504', async () => {
    await db.query("update cdb_connectors.settings set value = '1' where name = 'connect_timeout'");
    try {
      const { port } = silent.address() as net.AddressInfo;
      const hanging = { connector: { provider: 'mysql', connection: { server: '127.0.0.1', port, database: 'd', username: 'u', password: 'p' } } };
      const started = Date.now();
      const answer = await check(alice.url, hanging);
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(answer).toMatchObject({ connected: false, error_code: 1504 });
      const err = await sqlError(listTables(alice.url, hanging));
      expect([err.code, err.detail]).toEqual(['58000', 'error_code 1504']);
    } finally {
      await db.query("update cdb_connectors.settings set value = '30' where name = 'connect_timeout'");
    }
  });

  it('allowed_hosts applies: connected false with 1502', async () => {
    await db.query(`update cdb_connectors.settings set value = '["10.0.0.0/8"]' where name = 'allowed_hosts'`);
    try {
      const answer = await check(alice.url, connector());
      expect(answer).toMatchObject({ connected: false, error_code: 1502 });
      expect(answer.errors[0]).toMatch(/allowed_hosts/);
    } finally {
      await allowTargetAsSource(db);
    }
  });

  it('look-alike functions and operators in the caller\'s search_path change nothing (procedures cannot pin it)', async () => {
    await db.query(`create schema decoys authorization ${alice.name}`);
    const client = new pg.Client(alice.url);
    await client.connect();
    try {
      await client.query('set search_path = decoys, pg_catalog, public');
      await client.query(`
        create function trap(what text) returns text language plpgsql as $$ begin raise exception 'hijacked: %', what; end $$;
        create function texteq(text, text) returns boolean language sql as $$ select trap('=')::boolean $$;
        create operator = (leftarg = text, rightarg = text, function = texteq);
        create function mul(float8, float8) returns float8 language sql as $$ select trap('*')::float8 $$;
        create operator * (leftarg = float8, rightarg = float8, function = mul);
        create function format(text, text, text) returns text language sql as $$ select trap('format') $$;
        create function replace(text, text, text) returns text language sql as $$ select trap('replace') $$;
        create function clock_timestamp() returns timestamptz language sql as $$ select trap('clock_timestamp')::timestamptz $$;`);
      await expect(client.query("select 'a'::text = 'a'::text")).rejects.toThrow('hijacked: =');
      const { rows } = await client.query('call cdb_connector_preview($1::jsonb, 1)', [JSON.stringify(connector({ table: 'cities' }))]);
      expect(rows[0].result.rows).toEqual([['1', 'Zürich']]);
      await client.query('begin');
      const err = await sqlError(client.query('call cdb_connector_check($1::jsonb)', [JSON.stringify(connector())]));
      expect([err.code, err.message]).toEqual(['25001', 'cdb_connector_check cannot run inside a transaction block']);
      expect(err.hint).toMatch(/cdb_connector_request\('check'/);
      await client.query('rollback');
    } finally {
      await client.end();
      await db.query('drop schema decoys cascade');
    }
  });

  it('more requests at once than a sidecar runs: all answered', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => check(alice.url, connector())));
    expect(answers).toEqual(Array.from({ length: 10 }, () => ({ connected: true })));
  });

  it('cleanup deletes answers after the retention', async () => {
    const [{ id }] = await queryOnce<{ id: string }>(alice.url, "select cdb_connector_request('check', $1::jsonb) as id", [JSON.stringify(connector())]);
    await queryOnce(alice.url, 'select cdb_connector_request_result($1)', [id]);
    await db.query("update cdb_connectors.requests set finished_at = now() - interval '11 minutes' where id = $1", [id]);
    expect(await cleanupRequests(db.pool, 600)).toBeGreaterThanOrEqual(1);
    expect((await db.query('select count(*) as n from cdb_connectors.requests where id = $1', [id])).rows[0].n).toBe('0');
  });
});
