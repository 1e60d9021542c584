/**
 * Everyday use from psql (issue 22 §2, §10, §12), with the real psql a user has:
 *   - no live sidecar: cdb_connector_import says so with a NOTICE at enqueue (the job stays
 *     queued), and cdb_connector_wait returns within seconds with the unfinished status and
 *     "sidecar_alive": false instead of blocking for its 10-minute default;
 *   - with a live sidecar neither happens;
 *   - cdb_connector_sync_now answers state "queued" when it queued a run (not the last run's
 *     "success"), and keeps the min_sync_now_interval limit;
 *   - \dt+ shows what cdb_connectors.settings and cdb_connectors.error_codes are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPsql } from '../helpers/answers.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { mysqlRequest, withAlice, type RoleFactory, type TestRole } from './helpers.js';

let db: TargetDb;
let roles: RoleFactory;
let alice: TestRole;
let aliceUrl: string;

const NO_SIDECAR_NOTICE = 'NOTICE:  no connector sidecar is running for this database: the import waits in the queue until one starts';

beforeAll(async () => {
  db = await createTargetDb();
  ({ roles, alice } = await withAlice(db));
  aliceUrl = db.urlAs(alice.name);
});

afterAll(async () => {
  await roles?.cleanup();
});

/** A psql session's output; fails the test on a psql error. */
async function psql(sql: string): Promise<{ stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const run = await runPsql(aliceUrl, ['-c', sql]);
  expect(run.code, run.stderr).toBe(0);
  return { stdout: run.stdout.trim(), stderr: run.stderr, ms: Date.now() - started };
}

const importSql = () => `select cdb_connector_import('${JSON.stringify(mysqlRequest())}') ->> 'item_queue_id'`;

describe('no live sidecar', () => {
  it('cdb_connector_import enqueues the job and says at once that no sidecar runs it', async () => {
    const { stdout, stderr } = await psql(importSql());
    expect(stdout).toMatch(/^[0-9a-f-]{36}$/);
    expect(stderr).toContain(NO_SIDECAR_NOTICE);
    expect(stderr).toMatch(/HINT: .*connector-bridge run/);
    expect((await db.query('select state from cdb_connectors.jobs where id = $1', [stdout])).rows).toEqual([{ state: 'enqueued' }]);
  });

  it('cdb_connector_wait returns within seconds, not after its 10-minute default, with sidecar_alive false', async () => {
    const id = (await psql(importSql())).stdout;
    const { stdout, stderr, ms } = await psql(`select cdb_connector_wait('${id}')`);
    expect(ms).toBeLessThan(8_000);
    expect(ms).toBeGreaterThanOrEqual(2_500); // a sidecar being started gets a moment to register
    const status = JSON.parse(stdout);
    expect(status).toMatchObject({ id, state: 'enqueued', success: false, sidecar_alive: false, hint: expect.stringContaining('No connector sidecar is running') });
    expect(stderr).toContain(`NOTICE:  no connector sidecar is running for this database: import ${id} is still enqueued`);
    // the job is still queued for a sidecar started later
    expect((await db.query('select state from cdb_connectors.jobs where id = $1', [id])).rows).toEqual([{ state: 'enqueued' }]);
  }, 30_000);
});

describe('a live sidecar', () => {
  beforeAll(async () => {
    // what a sidecar's heartbeat keeps up to date (cdb_connectors.workers: alive)
    await db.query(`insert into cdb_connectors.sidecars (id, host, pid, version, concurrency) values ('everyday-w1', 'test', 1, 'test', 1)`);
  });
  afterAll(async () => {
    await db.query(`delete from cdb_connectors.sidecars where id = 'everyday-w1'`);
  });

  it('no NOTICE at enqueue, and wait waits out its timeout without the marker', async () => {
    const { stdout: id, stderr } = await psql(importSql());
    expect(stderr).toBe('');
    const waited = await psql(`select cdb_connector_wait('${id}', '1 second')`);
    expect(waited.stderr).toBe('');
    expect(waited.ms).toBeGreaterThanOrEqual(900);
    const status = JSON.parse(waited.stdout);
    expect(status).toMatchObject({ id, state: 'enqueued' });
    expect(status).not.toHaveProperty('sidecar_alive');
  });
});

describe('cdb_connector_sync_now', () => {
  async function idleSync(): Promise<string> {
    const { stdout: id } = await psql(`select cdb_connector_sync('${JSON.stringify({ ...mysqlRequest({ import_as: `s_${Date.now()}` }), interval: 3600 })}') ->> 'id'`);
    // its first run ended successfully two hours ago; the next is due in an hour
    await db.query(`update cdb_connectors.jobs set state = 'complete', created_at = now() - interval '2 hours', started_at = now() - interval '2 hours', finished_at = now() - interval '2 hours'
      where sync_id = $1`, [id]);
    await db.query(`update cdb_connectors.syncs set state = 'success', ran_at = now() - interval '2 hours', run_at = now() + interval '1 hour' where id = $1`, [id]);
    return id;
  }

  it('returns state queued when it queued a run, not the last run\'s success', async () => {
    const id = await idleSync();
    const { stdout } = await psql(`select cdb_connector_sync_now('${id}') ->> 'state'`);
    expect(stdout).toBe('queued');
    // the row itself is due now: the sidecars' scheduler enqueues the run and marks it queued
    expect((await db.query('select state, run_at <= now() as due from cdb_connectors.syncs where id = $1', [id])).rows).toEqual([{ state: 'success', due: true }]);
  });

  it('keeps the min_sync_now_interval limit: refused right after a run', async () => {
    const id = await idleSync();
    await db.query(`update cdb_connectors.syncs set ran_at = now() - interval '5 seconds' where id = $1`, [id]);
    await db.query(`update cdb_connectors.jobs set finished_at = now() - interval '5 seconds' where sync_id = $1`, [id]);
    const run = await runPsql(aliceUrl, ['-c', `select cdb_connector_sync_now('${id}')`]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/ran or was asked to run less than 60 seconds ago/);
  });

  it('during a run it returns that run as it is', async () => {
    const { stdout: id } = await psql(`select cdb_connector_sync('${JSON.stringify({ ...mysqlRequest({ import_as: 'in_flight' }), interval: 3600 })}') ->> 'id'`);
    expect((await psql(`select cdb_connector_sync_now('${id}') ->> 'state'`)).stdout).toBe('created');
  });
});

describe('COMMENTs', () => {
  it.each(['settings', 'error_codes'])('\\dt+ cdb_connectors.%s describes the table', async (table) => {
    const { stdout } = await psql(`select obj_description('cdb_connectors.${table}'::regclass, 'pg_class')`);
    expect(stdout.length).toBeGreaterThan(40);
    const described = await runPsql(aliceUrl, ['-c', `\\dt+ cdb_connectors.${table}`]);
    expect(described.stdout).toContain(stdout.slice(0, 30));
  });
});
