/**
 * Security model (SPEC §3): user actions are INSERTs and a column-level UPDATE under row-level
 * security, guarded by triggers. Roles connect for real (login roles, db.urlAs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { listenForJobs, mysqlRequest, roleFactory, sqlError, type TestRole } from './helpers.js';

let db: TargetDb;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;
let bob: TestRole;
let admin: TestRole;
let carol: TestRole; // a member without CREATE on any schema
let mallory: TestRole; // not a member

const request = JSON.stringify(mysqlRequest());

async function importAs(role: TestRole, body = request): Promise<string> {
  const { rows } = await role.query<{ r: { item_queue_id: string } }>('select cdb_connector_import($1::jsonb) as r', [body]);
  return rows[0]!.r.item_queue_id;
}

async function jobCount(): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from cdb_connectors.jobs');
  return rows[0]!.n;
}

beforeAll(async () => {
  db = await createTargetDb();
  roles = roleFactory(db);
  alice = await roles.create('alice', 'cdb_connector_user');
  bob = await roles.create('bob', 'cdb_connector_user');
  admin = await roles.create('admin', 'cdb_connector_admin');
  carol = await roles.create('carol', 'cdb_connector_user');
  mallory = await roles.create('mallory');
  await db.query(`grant create on schema public to "${alice.name}", "${bob.name}", "${admin.name}", "${mallory.name}"`);
});

afterAll(async () => {
  await roles.cleanup();
});

describe('ownership and visibility', () => {
  let aliceJob: string;
  let bobJob: string;

  beforeAll(async () => {
    aliceJob = await importAs(alice);
    bobJob = await importAs(bob);
  });

  it('records the caller as owner and each role sees only its own jobs', async () => {
    const a = await alice.query('select id, owner from cdb_connectors.imports');
    expect(a.rows).toEqual([{ id: aliceJob, owner: alice.name }]);
    const b = await bob.query('select id, owner from cdb_connectors.imports');
    expect(b.rows).toEqual([{ id: bobJob, owner: bob.name }]);
    const direct = await alice.query('select id from cdb_connectors.jobs');
    expect(direct.rows).toEqual([{ id: aliceJob }]);
  });

  it('cdb_connector_admin members see every job', async () => {
    const { rows } = await admin.query('select owner from cdb_connectors.imports order by owner');
    expect(rows.map((r) => r.owner).sort()).toEqual([alice.name, bob.name].sort());
  });

  it("another role's job is not found by status, wait or cancel (P0002)", async () => {
    for (const call of ['cdb_connector_import_status($1)', "cdb_connector_wait($1, '1 second')", 'cdb_connector_cancel($1)']) {
      const err = await sqlError(bob.query(`select ${call}`, [aliceJob]));
      expect(err).toMatchObject({ code: 'P0002', message: `Import ${aliceJob} not found` });
    }
    const { rows } = await db.query('select state, cancel_requested from cdb_connectors.jobs where id = $1', [aliceJob]);
    expect(rows).toEqual([{ state: 'enqueued', cancel_requested: false }]);
  });

  it("a direct UPDATE of another role's job changes nothing", async () => {
    const res = await bob.query('update cdb_connectors.jobs set cancel_requested = true where id = $1', [aliceJob]);
    expect(res.rowCount).toBe(0);
  });

  it("an admin cancels another role's queued job, named in the message", async () => {
    const { rows } = await admin.query<{ ok: boolean }>('select cdb_connector_cancel($1) as ok', [bobJob]);
    expect(rows[0]!.ok).toBe(true);
    const job = await db.query('select state, error_code, error_message from cdb_connectors.jobs where id = $1', [bobJob]);
    expect(job.rows).toEqual([{ state: 'cancelled', error_code: 1509, error_message: `Cancelled by ${admin.name} before it started` }]);
  });

  it('log lines are visible to the job owner only', async () => {
    await db.query(`insert into cdb_connectors.job_log (job_id, level, message) values ($1, 'info', 'for alice'), ($2, 'info', 'for bob')`, [aliceJob, bobJob]);
    const a = await alice.query('select job_id, level, message from cdb_connectors.import_log');
    expect(a.rows).toEqual([{ job_id: aliceJob, level: 'info', message: 'for alice' }]);
    const all = await admin.query<{ n: number }>('select count(*)::int as n from cdb_connectors.import_log');
    expect(all.rows[0]!.n).toBe(2);
  });
});

describe('passwords', () => {
  it('are stored for the sidecar but never readable by the caller', async () => {
    const id = await importAs(alice, JSON.stringify(mysqlRequest({}, { password: 'p@ss "word"' })));
    const err = await sqlError(alice.query('select * from cdb_connectors.job_secrets'));
    expect(err.code).toBe('42501');
    const seen = await alice.query('select params #>> $2 as pw from cdb_connectors.imports where id = $1', [id, '{connection,password}']);
    expect(seen.rows).toEqual([{ pw: '***' }]);
    const status = await alice.query<{ s: string }>('select cdb_connector_import_status($1)::text as s', [id]);
    expect(status.rows[0]!.s).not.toContain('p@ss');
    const secret = await db.query('select password from cdb_connectors.job_secrets where job_id = $1', [id]);
    expect(secret.rows).toEqual([{ password: 'p@ss "word"' }]);
  });

  it("cannot be planted on another role's job", async () => {
    const bobJob = await importAs(bob, JSON.stringify({ connector: { provider: 'postgres', connection: { server: 'h', database: 'd', username: 'u' }, table: 't' } }));
    const err = await sqlError(alice.query("insert into cdb_connectors.job_secrets (job_id, password) values ($1, 'x')", [bobJob]));
    expect(err.code).toBe('42501');
    const { rows } = await db.query<{ n: number }>('select count(*)::int as n from cdb_connectors.job_secrets where job_id = $1', [bobJob]);
    expect(rows[0]!.n).toBe(0);
  });

  it('the hand-over setting is blank after the insert', async () => {
    const id = await importAs(alice);
    const { rows } = await alice.query('select current_setting($1, true) as v', [`cdb_connectors.pending_secret_${id.replace(/-/g, '')}`]);
    expect(rows[0]!.v === null || rows[0]!.v === '').toBe(true);
  });
});

describe('privileges', () => {
  it('a member without CREATE on the current schema gets 42501 naming it, nothing enqueued', async () => {
    const before = await jobCount();
    const err = await sqlError(importAs(carol));
    expect(err.code).toBe('42501');
    expect(err.message).toBe(`permission denied for schema public: role ${carol.name} needs CREATE on it to import a table there`);
    expect(await jobCount()).toBe(before);
  });

  it('a role that is not a member cannot call the API at all', async () => {
    const err = await sqlError(importAs(mallory));
    expect(err).toMatchObject({ code: '42501', message: 'permission denied for function cdb_connector_import' });
    const view = await sqlError(mallory.query('select * from cdb_connectors.imports'));
    expect(view.code).toBe('42501');
  });

  it('an explicit target_schema is checked the same way', async () => {
    await db.query(`create schema alice_only authorization "${alice.name}"`);
    const id = await alice.query<{ r: { item_queue_id: string } }>("select cdb_connector_import($1::jsonb, 'alice_only') as r", [request]);
    const job = await db.query('select target_schema from cdb_connectors.jobs where id = $1', [id.rows[0]!.r.item_queue_id]);
    expect(job.rows).toEqual([{ target_schema: 'alice_only' }]);
    const err = await sqlError(bob.query("select cdb_connector_import($1::jsonb, 'alice_only')", [request]));
    expect(err.code).toBe('42501');
    const missing = await sqlError(bob.query("select cdb_connector_import($1::jsonb, 'no_such_schema')", [request]));
    expect(missing).toMatchObject({ code: '3F000', message: 'Schema no_such_schema does not exist' });
  });

  it('the table lands in the caller\'s current schema (search_path), not pg_catalog', async () => {
    await db.query(`create schema bob_space authorization "${bob.name}"`);
    await bob.query('set search_path = bob_space, public');
    try {
      const id = await importAs(bob);
      const job = await db.query('select target_schema from cdb_connectors.jobs where id = $1', [id]);
      expect(job.rows).toEqual([{ target_schema: 'bob_space' }]);
    } finally {
      await bob.query('reset search_path');
    }
  });

  it('no schema in search_path is a clear error', async () => {
    await alice.query("set search_path = ''");
    try {
      const err = await sqlError(alice.query('select public.cdb_connector_import($1::jsonb)', [request]));
      expect(err).toMatchObject({ code: '3F000', message: 'No target schema: the search_path names no existing schema to create the table in' });
    } finally {
      await alice.query('reset search_path');
    }
  });
});

describe('direct table access', () => {
  it('a direct INSERT is validated like cdb_connector_import', async () => {
    const before = await jobCount();
    const err = await sqlError(alice.query(`insert into cdb_connectors.jobs (params, target_schema) values ('{"connector": {}}', 'public')`));
    expect(err).toMatchObject({ code: '22023', detail: 'error_code 1502' });
    expect(await jobCount()).toBe(before);
  });

  it('a direct INSERT is normalised, owned by the caller, and its password moved', async () => {
    const { rows } = await alice.query<{ id: string }>(
      "insert into cdb_connectors.jobs (params, target_schema) values ($1, 'public') returning id", [request]);
    const job = await db.query('select owner, state, provider, requested_name, params #>> $2 as pw from cdb_connectors.jobs where id = $1', [rows[0]!.id, '{connection,password}']);
    expect(job.rows).toEqual([{ owner: alice.name, state: 'enqueued', provider: 'mysql', requested_name: 'orders', pw: '***' }]);
    const secret = await db.query('select password from cdb_connectors.job_secrets where job_id = $1', [rows[0]!.id]);
    expect(secret.rows).toEqual([{ password: 'secret' }]);
  });

  it.each([
    ['owner', `'postgres'`],
    ['state', `'complete'`],
    ['attempt', '5'],
    ['worker_id', `'w'`],
    ['sync_id', 'gen_random_uuid()'],
  ])('a direct INSERT cannot set %s', async (column, value) => {
    const before = await jobCount();
    const err = await sqlError(alice.query(`insert into cdb_connectors.jobs (params, target_schema, ${column}) values ($1, 'public', ${value})`, [request]));
    expect(err).toMatchObject({ code: '42501', message: 'permission denied for table jobs' });
    expect(await jobCount()).toBe(before);
  });

  it('the owner cannot change state or other columns, nor lower a raised cancel flag', async () => {
    const id = await importAs(alice);
    for (const set of ["state = 'complete'", "params = '{}'", "owner = 'postgres'", 'rows_imported = 1']) {
      const err = await sqlError(alice.query(`update cdb_connectors.jobs set ${set} where id = $1`, [id]));
      expect(err.code).toBe('42501');
    }
    await db.query("update cdb_connectors.jobs set state = 'importing', worker_id = 'w1' where id = $1", [id]);
    await alice.query('update cdb_connectors.jobs set cancel_requested = true where id = $1', [id]);
    await alice.query('update cdb_connectors.jobs set cancel_requested = false where id = $1', [id]);
    const job = await db.query('select state, cancel_requested from cdb_connectors.jobs where id = $1', [id]);
    expect(job.rows).toEqual([{ state: 'importing', cancel_requested: true }]);
  });

  it('users cannot delete jobs or change settings', async () => {
    expect((await sqlError(alice.query('delete from cdb_connectors.jobs'))).code).toBe('42501');
    expect((await sqlError(alice.query("update cdb_connectors.settings set value = '1' where name = 'max_rows'"))).code).toBe('42501');
    const settings = await alice.query<{ n: number }>('select count(*)::int as n from cdb_connectors.settings');
    expect(settings.rows[0]!.n).toBeGreaterThanOrEqual(14);
    const codes = await alice.query('select title from cdb_connectors.error_codes where code = 1503');
    expect(codes.rows).toEqual([{ title: 'Authentication failed' }]);
  });
});

describe('workers and notifications', () => {
  it('workers counts every role\'s running jobs and tells alive from stale', async () => {
    await db.query(`insert into cdb_connectors.sidecars (id, host, pid, version, concurrency, last_seen_at) values
      ('w-live', 'h1', 1, '0.1.0', 4, now()), ('w-dead', 'h2', 2, '0.1.0', 4, now() - interval '10 minutes')`);
    const bobJob = await importAs(bob);
    await db.query("update cdb_connectors.jobs set state = 'importing', worker_id = 'w-live' where id = $1", [bobJob]);
    const { rows } = await alice.query('select id, host, running_jobs::int, alive from cdb_connectors.workers order by id');
    expect(rows).toEqual([
      { id: 'w-dead', host: 'h2', running_jobs: 0, alive: false },
      { id: 'w-live', host: 'h1', running_jobs: 1, alive: true },
    ]);
  });

  it('an import notifies cdb_connectors_jobs at commit with a hint that names no job (issue 16, attack 6)', async () => {
    const listener = await listenForJobs(db);
    try {
      await alice.query('begin');
      await importAs(alice);
      await importAs(alice);
      await new Promise((r) => setTimeout(r, 100));
      expect(listener.payloads).toEqual([]); // nothing before commit
      await alice.query('commit');
      await listener.received(1);
      await new Promise((r) => setTimeout(r, 100));
      // identical hints of one transaction are merged: one wake-up claims both jobs
      expect(listener.payloads).toEqual([{ op: 'enqueued' }]);
    } finally {
      await listener.stop();
    }
  });
});
