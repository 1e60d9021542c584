/**
 * Issue 6 §6, the sidecar side of the role model (the SQL side is test/sql/permissions.test.ts
 * and test/sql/search-path.test.ts):
 *   - the sidecar creates alice's table in her schema, owned by her; bob can neither see, wait
 *     on nor cancel her job while it runs, nor read the table it produced;
 *   - CREATE revoked between the enqueue and the run: the job fails with a clear message, no table;
 *   - `allowed_hosts` is enforced before connecting: a counting proxy in front of MariaDB sees no
 *     connection for a denied host, and one for an allowed CIDR;
 *   - no SECURITY DEFINER function or definer-rights view can be steered by a caller's search_path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_SOURCES } from '../../src/db/embedded.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { waitForJob } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { roleFactory, sqlError, type TestRole } from '../sql/helpers.js';
import { jobRecord, setSetting } from '../reliability/helpers/jobs.js';
import { startCapturedSidecar, type CapturedSidecar } from '../reliability/helpers/sidecars.js';
import { createNumbers, slowRequest } from '../reliability/helpers/slow-source.js';
import { startTcpProxy, type TcpProxy } from '../reliability/helpers/tcp-proxy.js';
import { waitFor } from '../reliability/helpers/wait.js';

/** Views that run with their owner's rights on purpose (counts only, documented in their header). */
const DEFINER_VIEWS_ALLOWED = ['workers'];

let db: TargetDb;
let my: MysqlDb;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;
let bob: TestRole;
let sidecar: CapturedSidecar;
let proxy: TcpProxy;

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  roles = roleFactory(db);
  alice = await roles.create('alice', 'cdb_connector_user');
  bob = await roles.create('bob', 'cdb_connector_user');
  // Each role's own schema, named after it: the default search_path ("$user", public) makes it current.
  await db.query(`create schema "${alice.name}" authorization "${alice.name}"; create schema "${bob.name}" authorization "${bob.name}"`);
  await createNumbers(my);
  await my.exec("create table orders (id int, v varchar(5)); insert into orders values (1, 'a'), (2, 'b');");
  proxy = await startTcpProxy({ host: my.host, port: my.port });
  sidecar = await startCapturedSidecar(db.url, { concurrency: 2, pollIntervalMs: 200 });
});

afterAll(async () => {
  await sidecar?.stop();
  await proxy?.close();
  await my?.drop();
  await roles?.cleanup();
});

async function importAs(role: TestRole, params: unknown, targetSchema?: string): Promise<string> {
  const { rows } = targetSchema
    ? await role.query<{ r: { item_queue_id: string } }>('select cdb_connector_import($1::jsonb, $2) as r', [JSON.stringify(params), targetSchema])
    : await role.query<{ r: { item_queue_id: string } }>('select cdb_connector_import($1::jsonb) as r', [JSON.stringify(params)]);
  return rows[0]!.r.item_queue_id;
}

const ordersRequest = (connection: Record<string, unknown> = {}) =>
  ({ connector: { provider: 'mysql', connection: { ...my.connection(), ...connection }, table: 'orders' } });

describe('tables are created as the calling role', () => {
  it("alice's job runs in her schema and her table is hers; bob cannot see, wait on or cancel it, nor read the table", async () => {
    const id = await importAs(alice, slowRequest(my, { rows: 150, sleepSeconds: 0.01, marker: 'alice', table: 'alice_rows' }));
    await waitFor("alice's job to run", async () => (await jobRecord(db, id)).state === 'importing', 10_000);

    for (const call of ['cdb_connector_import_status($1)', "cdb_connector_wait($1, '1 second')", 'cdb_connector_cancel($1)']) {
      expect(await sqlError(bob.query(`select ${call}`, [id]))).toMatchObject({ code: 'P0002', message: `Import ${id} not found` });
    }
    expect((await bob.query('select id from cdb_connectors.imports')).rows).toEqual([]);
    expect((await bob.query('select job_id from cdb_connectors.import_log')).rows).toEqual([]);
    expect((await bob.query('update cdb_connectors.jobs set cancel_requested = true where id = $1', [id])).rowCount).toBe(0);

    const done = await waitForJob(db, id, 20_000);
    expect(done.state, done.error_message ?? '').toBe('complete'); // bob's attempts changed nothing
    expect(done.rows_imported).toBe(150);
    expect(done.target_schema).toBe(alice.name);
    const { rows } = await db.query<{ schema: string; owner: string; acl: string | null }>(
      `select n.nspname as schema, pg_get_userbyid(c.relowner) as owner, c.relacl::text as acl
         from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname = 'alice_rows'`);
    expect(rows).toEqual([{ schema: alice.name, owner: alice.name, acl: null }]);
    expect((await alice.query<{ n: number }>('select count(*)::int as n from alice_rows')).rows[0]!.n).toBe(150);
    expect(await sqlError(bob.query(`select * from "${alice.name}".alice_rows`))).toMatchObject({ code: '42501' });
  });

  it('CREATE revoked between the enqueue and the run: the job fails with a clear message and leaves no table; new calls get 42501', async () => {
    const shared = `shared_${alice.name}`;
    await db.query(`create schema "${shared}"; grant usage, create on schema "${shared}" to "${alice.name}"`);
    await alice.query('begin');
    const id = await importAs(alice, ordersRequest(), shared);
    await db.query(`revoke create on schema "${shared}" from "${alice.name}"`);
    await alice.query('commit');

    const failed = await waitForJob(db, id);
    expect(failed.state).toBe('failure');
    expect(failed.error_code).toBe(1502);
    expect(failed.error_message).toMatch(new RegExp(`lacks a privilege.*permission denied for schema ${shared}`));
    const { rows } = await db.query('select relname from pg_class where relnamespace = $1::regnamespace', [shared]);
    expect(rows).toEqual([]);

    const err = await sqlError(importAs(alice, ordersRequest(), shared));
    expect(err.code).toBe('42501');
    expect((await db.query('select count(*)::int as n from cdb_connectors.jobs where target_schema = $1', [shared])).rows[0].n).toBe(1);
  });
});

describe('allowed_hosts', () => {
  afterAll(async () => { await setSetting(db, 'allowed_hosts', LOCAL_SOURCES); });

  it('a CIDR that excludes the server: failure before any connection', async () => {
    await setSetting(db, 'allowed_hosts', ['10.0.0.0/8']);
    const before = proxy.connections;
    for (const server of ['127.0.0.1', 'localhost']) {
      const s = await waitForJob(db, await importAs(alice, ordersRequest({ server, port: proxy.port })));
      expect(s.state).toBe('failure');
      expect(s.error_code).toBe(1502);
      expect(s.error_message).toMatch(new RegExp(`^Server ${server}:${proxy.port}( \\(127\\.0\\.0\\.1\\)| \\(::1\\))? is not in the allowed_hosts setting of this database; ask the administrator to allow it\\.$`));
    }
    expect(proxy.connections).toBe(before);
  });

  it("'127.0.0.0/8' lets the same import through", async () => {
    await setSetting(db, 'allowed_hosts', ['10.0.0.0/8', '127.0.0.0/8']);
    const before = proxy.connections;
    const s = await waitForJob(db, await importAs(alice, { connector: { ...ordersRequest({ port: proxy.port }).connector, import_as: 'through_proxy' } }));
    expect(s.state, s.error_message ?? '').toBe('complete');
    expect(proxy.connections).toBeGreaterThan(before);
    expect((await alice.query('select id, v from through_proxy order by id')).rows).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
  });
});

describe('definer rights', () => {
  // Procedures that COMMIT (cdb_connector_check & co., SPEC §7) cannot carry a SET clause nor be
  // SECURITY DEFINER: they run with the caller's rights, so a hijacked search_path only fools the
  // caller's own session. Functions must pin it; definer-rights code must pin it to pg_catalog.
  it('functions pin search_path, procedures run with invoker rights, SECURITY DEFINER code pins pg_catalog first', async () => {
    const { rows } = await db.query<{ fn: string; kind: string; definer: boolean; config: string[] | null }>(
      `select p.oid::regprocedure::text as fn, p.prokind::text as kind, p.prosecdef as definer, p.proconfig as config
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where (n.nspname = 'cdb_connectors' or p.proname like 'cdb\\_connector\\_%')
          -- pgcrypto, when migrate installed it here (C functions that resolve no names)
          and not exists (select from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
        order by 1`);
    expect(rows.length).toBeGreaterThan(10);
    const pinned = (r: { config: string[] | null }) => (r.config ?? []).some((c) => c.startsWith('search_path='));
    expect(rows.filter((r) => r.kind === 'f' && !pinned(r)).map((r) => r.fn)).toEqual([]);
    expect(rows.filter((r) => r.kind === 'p' && r.definer).map((r) => r.fn)).toEqual([]);
    const definers = rows.filter((r) => r.definer);
    const hijackable = definers.filter((r) => !(r.config ?? []).some((c) => /^search_path=pg_catalog(, ?pg_temp)?$/.test(c)));
    expect(hijackable.map((r) => r.fn)).toEqual([]);
    console.info(`definer rights: ${rows.filter((r) => r.kind === 'f').length} functions with a pinned search_path, `
      + `${rows.filter((r) => r.kind === 'p').length} invoker-rights procedures; SECURITY DEFINER: ${definers.map((r) => r.fn).join(', ') || 'none'}`);
  });

  it('views that bypass RLS (not security_invoker) are only the documented ones', async () => {
    const { rows } = await db.query<{ relname: string }>(
      `select c.relname from pg_class c where c.relnamespace = 'cdb_connectors'::regnamespace and c.relkind = 'v'
          and not coalesce(c.reloptions @> array['security_invoker=true'], false) order by 1`);
    expect(rows.map((r) => r.relname)).toEqual(DEFINER_VIEWS_ALLOWED);
  });
});
