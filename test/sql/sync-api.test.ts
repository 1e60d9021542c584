/**
 * Issue 5, the SQL side of sync tables (no sidecar): validation of interval, max_syncs_per_role,
 * the synchronization object (CARTO fields), what creation stores, the control functions'
 * bookkeeping (sync_now, set_interval, cancel, unsync), the backoff of settle_sync_run, and the
 * new settings' rules.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { listenForJobs, mysqlRequest, sqlError, withAlice, type RoleFactory, type TestRole } from './helpers.js';

let db: TargetDb;
let roles: RoleFactory;
let alice: TestRole;

const request = (interval: unknown = 900, overrides: Record<string, unknown> = {}) => JSON.stringify({ ...mysqlRequest(overrides), interval });

async function syncAs(role: TestRole, body = request()): Promise<Record<string, any>> {
  const { rows } = await role.query('select cdb_connector_sync($1::jsonb) as s', [body]);
  return rows[0].s;
}

async function counts(): Promise<{ syncs: number; jobs: number; sync_secrets: number; job_secrets: number }> {
  const { rows } = await db.query(`select (select count(*)::int from cdb_connectors.syncs) as syncs, (select count(*)::int from cdb_connectors.jobs) as jobs,
    (select count(*)::int from cdb_connectors.sync_secrets) as sync_secrets, (select count(*)::int from cdb_connectors.job_secrets) as job_secrets`);
  return rows[0];
}

beforeAll(async () => {
  db = await createTargetDb();
  ({ roles, alice } = await withAlice(db));
  // these syncs' runs are faked moments before each sync_now: no wait between on-demand runs here
  // (min_sync_now_interval itself is tested in test/security/limits.test.ts)
  await db.query(`update cdb_connectors.settings set value = '0' where name = 'min_sync_now_interval'`);
});

afterAll(async () => {
  await roles.cleanup();
});

afterEach(async () => {
  await db.query('delete from cdb_connectors.jobs; delete from cdb_connectors.syncs');
  await db.query(`update cdb_connectors.settings set value = 'null' where name = 'max_syncs_per_role'`);
});

describe('creating a sync', () => {
  it('returns the synchronization object with every CARTO field, first run enqueued', async () => {
    const s = await syncAs(alice);
    expect(Object.keys(s).sort()).toEqual([
      'cdc_warning', 'checksum', 'content_guessing', 'created_at', 'data_import', 'error_code', 'error_message', 'etag', 'from_external_source',
      'id', 'interval', 'last_import_id', 'log_id', 'modified_at', 'name', 'paused', 'paused_reason', 'provider', 'quoted_fields_guessing', 'ran_at',
      'retried_times', 'run_at', 'service_item_id', 'service_name', 'state', 'table_name', 'target_schema', 'type_guessing',
      'updated_at', 'url', 'user_id', 'visualization_id',
    ]);
    expect(s).toMatchObject({
      name: null, interval: 900, url: null, state: 'created', user_id: alice.name, etag: null, checksum: null,
      error_code: null, error_message: null, retried_times: 0, service_name: 'connector', type_guessing: true,
      quoted_fields_guessing: true, content_guessing: false, visualization_id: null, from_external_source: false,
      table_name: null, target_schema: 'public', ran_at: null, modified_at: null, paused: false, provider: 'mysql',
    });
    expect(s.data_import).toEqual({ endpoint: '/api/v1/imports', item_queue_id: s.last_import_id });
    expect(s.log_id).toBe(s.last_import_id);
    expect(JSON.parse(s.service_item_id)).toEqual({
      provider: 'mysql', connection: { server: 'db.example.com', port: 3306, database: 'shop', username: 'reader', password: '***' },
      schema: 'shop', table: 'orders',
    });
    const job = await alice.query('select id, sync_id, state, owner, params #>> $2 as pw from cdb_connectors.imports where id = $1',
      [s.last_import_id, '{connection,password}']);
    expect(job.rows).toEqual([{ id: s.last_import_id, sync_id: s.id, state: 'enqueued', owner: alice.name, pw: '***' }]);
    const secrets = await db.query(`select (select password from cdb_connectors.sync_secrets where sync_id = $1) as sync_pw,
      (select password from cdb_connectors.job_secrets where job_id = $2) as job_pw`, [s.id, s.last_import_id]);
    expect(secrets.rows).toEqual([{ sync_pw: 'secret', job_pw: 'secret' }]);
  });

  it('cdb_connector_import with interval is cdb_connector_sync; keys are case-insensitive', async () => {
    const { rows } = await alice.query('select cdb_connector_import($1::jsonb) as r', [JSON.stringify({ ...mysqlRequest(), INTERVAL: 3600 })]);
    expect(rows[0].r).toMatchObject({ state: 'created', interval: 3600, user_id: alice.name });
    expect(await counts()).toEqual({ syncs: 1, jobs: 1, sync_secrets: 1, job_secrets: 1 });
  });

  it('a sync without password stores no secret', async () => {
    const body = JSON.stringify({ connector: { provider: 'postgres', connection: { server: 'h', database: 'd', username: 'u' }, table: 't' }, interval: 900 });
    const s = await syncAs(alice, body);
    expect(JSON.parse(s.service_item_id).connection).toEqual({ server: 'h', port: 5432, database: 'd', username: 'u', sslmode: 'require' });
    expect(await counts()).toEqual({ syncs: 1, jobs: 1, sync_secrets: 0, job_secrets: 0 });
  });

  it.each([
    ['missing (null is absent)', null, 'Missing required parameters interval'],
    ['a string', '900', 'The interval parameter must be a whole number of seconds'],
    ['a fraction', 900.5, 'The interval parameter must be a whole number of seconds'],
    ['below the floor', 899, 'The interval parameter must be at least 900 seconds'],
    ['negative', -5, 'The interval parameter must be at least 900 seconds'],
    ['beyond int4', 2147483648, 'The interval parameter must be at most 2147483647 seconds'],
  ])('interval %s → 22023, nothing stored', async (_name, interval, message) => {
    const err = await sqlError(syncAs(alice, request(interval)));
    expect(err).toEqual({ code: '22023', message, detail: 'error_code 1502' });
    expect(await counts()).toEqual({ syncs: 0, jobs: 0, sync_secrets: 0, job_secrets: 0 });
  });

  it('other problems are reported together with the interval, as for imports', async () => {
    const err = await sqlError(syncAs(alice, JSON.stringify({ connector: { provider: 'mysql', connection: { server: 'h' }, table: 't' }, interval: 10 })));
    expect(err.message).toBe('Missing required connection parameters database,username,password\nThe interval parameter must be at least 900 seconds');
  });

  it('the floor follows min_interval', async () => {
    await db.query(`update cdb_connectors.settings set value = '60' where name = 'min_interval'`);
    try {
      expect((await syncAs(alice, request(60))).interval).toBe(60);
      expect((await sqlError(syncAs(alice, request(59)))).message).toBe('The interval parameter must be at least 60 seconds');
    } finally {
      await db.query(`update cdb_connectors.settings set value = '900' where name = 'min_interval'`);
    }
  });

  it('max_syncs_per_role: a clear 54000 error at the limit, nothing stored; null is unlimited', async () => {
    await db.query(`update cdb_connectors.settings set value = '2' where name = 'max_syncs_per_role'`);
    await syncAs(alice);
    await syncAs(alice);
    const err = await sqlError(syncAs(alice));
    expect(err).toMatchObject({ code: '54000', message: `Role ${alice.name} already has 2 sync table(s); the max_syncs_per_role setting allows 2` });
    expect((await counts()).syncs).toBe(2);
    await db.query(`update cdb_connectors.settings set value = '0' where name = 'max_syncs_per_role'`);
    expect((await sqlError(syncAs(alice))).code).toBe('54000');
    await db.query(`update cdb_connectors.settings set value = 'null' where name = 'max_syncs_per_role'`);
    await syncAs(alice);
    expect((await counts()).syncs).toBe(3);
  });

  it('max_syncs_per_role holds against concurrent creations', async () => {
    await db.query(`update cdb_connectors.settings set value = '1' where name = 'max_syncs_per_role'`);
    const clients = await Promise.all([0, 1, 2].map(async () => { const c = new pg.Client(db.urlAs(alice.name)); await c.connect(); return c; }));
    try {
      const results = await Promise.allSettled(clients.map((c) => c.query('select cdb_connector_sync($1::jsonb)', [request()])));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((await counts()).syncs).toBe(1);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('a direct INSERT into syncs is validated and normalised the same way; bookkeeping cannot be set', async () => {
    expect((await sqlError(alice.query(`insert into cdb_connectors.syncs (params, target_schema) values ($1, 'public')`, [request(10)]))).code).toBe('22023');
    await alice.query(`insert into cdb_connectors.syncs (params, target_schema) values ($1, 'public')`, [request()]);
    const { rows } = await db.query('select owner, state, interval_seconds, params #>> $1 as pw from cdb_connectors.syncs', ['{connection,password}']);
    expect(rows).toEqual([{ owner: alice.name, state: 'created', interval_seconds: 900, pw: '***' }]);
    for (const column of ['owner', 'state', 'checksum', 'table_oid', 'run_at']) {
      const err = await sqlError(alice.query(`insert into cdb_connectors.syncs (params, target_schema, ${column}) values ($1, 'public', null)`, [request()]));
      expect(err).toMatchObject({ code: '42501', message: 'permission denied for table syncs' });
    }
  });

  it('a direct INSERT into jobs with interval is refused: a job cannot become a sync', async () => {
    const err = await sqlError(alice.query(`insert into cdb_connectors.jobs (params, target_schema) values ($1, 'public')`, [request()]));
    expect(err).toMatchObject({ code: '22023', detail: 'error_code 1502' });
    expect(err.message).toMatch(/^The interval parameter makes a sync table/);
  });

  it('without CREATE on the schema: 42501 and nothing stored', async () => {
    await db.query('create schema locked');
    const err = await sqlError(alice.query(`select cdb_connector_sync($1::jsonb, 'locked')`, [request()]));
    expect(err.code).toBe('42501');
    expect(await counts()).toEqual({ syncs: 0, jobs: 0, sync_secrets: 0, job_secrets: 0 });
  });

  it('a hand-made run must match its sync: other parameters are refused', async () => {
    const s = await syncAs(alice);
    await db.query("update cdb_connectors.jobs set state = 'complete' where sync_id = $1", [s.id]);
    const jobId = '00000000-0000-0000-0000-000000000001';
    await alice.query('begin');
    try {
      await alice.query('select set_config(cdb_connectors.pending_sync_setting($1), $2, true)', [jobId, s.id]);
      const err = await sqlError(alice.query(`insert into cdb_connectors.jobs (id, params, target_schema) values ($1, $2, 'public')`,
        [jobId, JSON.stringify(mysqlRequest({ table: 'customers' }))]));
      expect(err).toMatchObject({ code: '22023' });
      expect(err.message).toMatch(/has other parameters than this run/);
    } finally {
      await alice.query('rollback');
    }
  });
});

describe('control functions', () => {
  async function finishedSync(): Promise<Record<string, any>> {
    const s = await syncAs(alice);
    await db.query("update cdb_connectors.jobs set state = 'complete' where id = $1", [s.last_import_id]);
    await db.query(`update cdb_connectors.syncs set state = 'success', ran_at = now() - interval '100 seconds', run_at = now() + interval '800 seconds' where id = $1`, [s.id]);
    return s;
  }

  it('sync_now makes it due at once, notifies, and returns the object', async () => {
    const s = await finishedSync();
    const listener = await listenForJobs(db);
    try {
      const { rows } = await alice.query('select cdb_connector_sync_now($1) as s, now() as now', [s.id]);
      expect(new Date(rows[0].s.run_at).getTime()).toBe(rows[0].now.getTime());
      await listener.received(1);
      expect(listener.payloads).toEqual([{ op: 'sync_now' }]); // a hint: no sync id (issue 16, attack 6)
    } finally {
      await listener.stop();
    }
  });

  it('sync_now during a run changes nothing but the request time', async () => {
    const s = await syncAs(alice);
    const before = await db.query('select run_at from cdb_connectors.syncs where id = $1', [s.id]);
    const { rows } = await alice.query('select cdb_connector_sync_now($1) as s', [s.id]);
    expect(rows[0].s.state).toBe('created');
    expect(new Date(rows[0].s.run_at)).toEqual(before.rows[0].run_at);
  });

  it('set_interval validates and reschedules from the last run', async () => {
    const s = await finishedSync();
    const err = await sqlError(alice.query('select cdb_connector_set_interval($1, 600)', [s.id]));
    expect(err).toEqual({ code: '22023', message: 'The interval parameter must be at least 900 seconds', detail: 'error_code 1502' });
    expect((await sqlError(alice.query('select cdb_connector_set_interval($1, null)', [s.id]))).message).toBe('The interval parameter must be a whole number of seconds');
    const { rows } = await alice.query('select cdb_connector_set_interval($1, 7200) as s', [s.id]);
    const row = await db.query('select ran_at, run_at, interval_seconds from cdb_connectors.syncs where id = $1', [s.id]);
    expect(rows[0].s.interval).toBe(7200);
    expect(row.rows[0].interval_seconds).toBe(7200);
    expect((row.rows[0].run_at.getTime() - row.rows[0].ran_at.getTime()) / 1000).toBe(7200);
  });

  it('cancel with a sync id cancels its queued run; the scheduler settles the sync as failure 1509, next interval', async () => {
    const s = await syncAs(alice);
    const { rows } = await alice.query('select cdb_connector_cancel($1) as ok', [s.id]);
    expect(rows[0].ok).toBe(true);
    const job = await alice.query('select state, error_code from cdb_connectors.imports where id = $1', [s.last_import_id]);
    expect(job.rows).toEqual([{ state: 'cancelled', error_code: 1509 }]);
    expect((await alice.query('select cdb_connector_cancel($1) as ok', [s.id])).rows[0].ok).toBe(false);
    // what every scheduler tick runs for syncs that look in flight without an active run
    await db.query('select cdb_connectors.settle_sync_run($1)', [s.id]);
    const { rows: after } = await db.query('select state, error_code, retried_times, extract(epoch from run_at - now())::int as due_in from cdb_connectors.syncs where id = $1', [s.id]);
    expect(after).toEqual([{ state: 'failure', error_code: 1509, retried_times: 1, due_in: 900 }]);
  });

  it('unsync removes the sync and its secret, cancels the active run, keeps the run history', async () => {
    const s = await syncAs(alice);
    const { rows } = await alice.query('select cdb_connector_unsync($1) as ok', [s.id]);
    expect(rows[0].ok).toBe(true);
    expect(await counts()).toMatchObject({ syncs: 0, sync_secrets: 0, jobs: 1 });
    const job = await alice.query('select sync_id, state from cdb_connectors.imports where id = $1', [s.last_import_id]);
    expect(job.rows).toEqual([{ sync_id: null, state: 'cancelled' }]);
    expect((await sqlError(alice.query('select cdb_connector_unsync($1)', [s.id]))).code).toBe('P0002');
  });

  it('unknown ids are P0002 everywhere', async () => {
    const id = '00000000-0000-0000-0000-00000000abcd';
    for (const call of ['cdb_connector_sync_now($1)', 'cdb_connector_set_interval($1, 900)', 'cdb_connector_unsync($1)', 'cdb_connector_cancel($1)']) {
      const err = await sqlError(alice.query(`select ${call}`, [id]));
      expect(err.code, call).toBe('P0002');
    }
  });
});

describe('settle_sync_run: retries', () => {
  async function failedRun(code: number, retried: number): Promise<{ state: string; retried_times: number; due_in: number }> {
    const s = await syncAs(alice, request(3600));
    await db.query('update cdb_connectors.syncs set retried_times = $2 where id = $1', [s.id, retried]);
    await db.query(`update cdb_connectors.jobs set state = 'failure', error_code = $2, error_message = 'boom' where id = $1`, [s.last_import_id, code]);
    await db.query('select cdb_connectors.settle_sync_run($1)', [s.id]);
    const { rows } = await db.query('select state, retried_times, extract(epoch from run_at - now())::float8 as due_in from cdb_connectors.syncs where id = $1', [s.id]);
    return rows[0];
  }

  it('a transient error retries after base × 2^retried_times with jitter (half to full)', async () => {
    for (const [retried, cap] of [[0, 60], [2, 240], [5, 1920]] as const) {
      const r = await failedRun(1504, retried);
      expect(r.state).toBe('failure');
      expect(r.retried_times).toBe(retried + 1);
      expect(r.due_in).toBeGreaterThanOrEqual(cap / 2);
      expect(r.due_in).toBeLessThanOrEqual(cap);
    }
  });

  it('the backoff is capped at the interval, and retries stop at max_retries', async () => {
    const capped = await failedRun(1504, 9);
    expect(capped.due_in).toBeGreaterThanOrEqual(1800);
    expect(capped.due_in).toBeLessThanOrEqual(3600);
    const exhausted = await failedRun(1504, 10);
    expect(Math.round(exhausted.due_in)).toBe(3600);
  });

  it('a permanent error waits for the next interval', async () => {
    for (const code of [1503, 1505, 2013]) expect(Math.round((await failedRun(code, 0)).due_in)).toBe(3600);
  });

  it('the new settings are validated', async () => {
    expect((await sqlError(db.query(`update cdb_connectors.settings set value = '0' where name = 'sync_retry_base_seconds'`))).message)
      .toBe('Invalid value 0 for setting sync_retry_base_seconds: it must be a whole number of seconds of at least 1');
    expect((await sqlError(db.query(`update cdb_connectors.settings set value = '"yes"' where name = 'sync_rebuild_on_schema_change'`))).message)
      .toBe('Invalid value "yes" for setting sync_rebuild_on_schema_change: it must be true or false');
    const { rows } = await db.query(`select name, value from cdb_connectors.settings where name like 'sync%' order by name`);
    expect(rows).toEqual([{ name: 'sync_rebuild_on_schema_change', value: false }, { name: 'sync_retry_base_seconds', value: 60 }]);
  });
});
