/**
 * cdb_connector_cancel, cdb_connector_wait and cdb_connector_import_status against jobs whose
 * progress is written by a simulated sidecar (superuser UPDATEs from another connection).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { listenForJobs, mysqlRequest, sqlError, withAlice, type RoleFactory, type TestRole } from './helpers.js';

let db: TargetDb;
let roles: RoleFactory;
let alice: TestRole;

async function importJob(): Promise<string> {
  const { rows } = await alice.query<{ r: { item_queue_id: string } }>('select cdb_connector_import($1::jsonb) as r', [JSON.stringify(mysqlRequest())]);
  return rows[0]!.r.item_queue_id;
}

/** What the sidecar does when it claims a job. */
async function claim(id: string): Promise<void> {
  await db.query(`update cdb_connectors.jobs set state = 'importing', worker_id = 'w1', attempt = attempt + 1, started_at = now(),
    lease_expires_at = now() + interval '60 seconds' where id = $1`, [id]);
}

async function job(id: string) {
  const { rows } = await db.query('select state, cancel_requested, error_code, error_message, finished_at is not null as finished from cdb_connectors.jobs where id = $1', [id]);
  return rows[0];
}

beforeAll(async () => {
  db = await createTargetDb();
  ({ roles, alice } = await withAlice(db));
});

afterAll(async () => {
  await roles.cleanup();
});

describe('cdb_connector_cancel', () => {
  it('cancels a queued job at once (1509) and reports false the second time', async () => {
    const id = await importJob();
    expect((await alice.query('select cdb_connector_cancel($1) as ok', [id])).rows[0].ok).toBe(true);
    expect(await job(id)).toEqual({ state: 'cancelled', cancel_requested: true, error_code: 1509, error_message: `Cancelled by ${alice.name} before it started`, finished: true });
    expect((await alice.query('select cdb_connector_cancel($1) as ok', [id])).rows[0].ok).toBe(false);
  });

  it('asks a running job to stop: state kept, flag raised, NOTIFY cancel hint (no id) sent', async () => {
    const id = await importJob();
    await claim(id);
    const listener = await listenForJobs(db);
    try {
      const { payloads } = listener;
      expect((await alice.query('select cdb_connector_cancel($1) as ok', [id])).rows[0].ok).toBe(true);
      await listener.received(1);
      expect(payloads).toEqual([{ op: 'cancel' }]);
      expect(await job(id)).toEqual({ state: 'importing', cancel_requested: true, error_code: null, error_message: null, finished: false });
      // asking again is still true (it is still running) and does not notify twice
      expect((await alice.query('select cdb_connector_cancel($1) as ok', [id])).rows[0].ok).toBe(true);
      await new Promise((r) => setTimeout(r, 100));
      expect(payloads).toHaveLength(1);
    } finally {
      await listener.stop();
    }
    // the sidecar aborts and writes the final state; the trigger leaves that alone
    await db.query(`update cdb_connectors.jobs set state = 'cancelled', error_code = 1509, error_message = 'Cancelled while importing', finished_at = now() where id = $1`, [id]);
    expect(await job(id)).toMatchObject({ state: 'cancelled', error_message: 'Cancelled while importing' });
    expect((await alice.query('select cdb_connector_cancel($1) as ok', [id])).rows[0].ok).toBe(false);
  });

  it('a running job handed back to the queue after a cancel request is cancelled, not re-queued', async () => {
    const id = await importJob();
    await claim(id);
    await alice.query('select cdb_connector_cancel($1)', [id]);
    await db.query(`update cdb_connectors.jobs set state = 'enqueued', worker_id = null, lease_expires_at = null where id = $1`, [id]);
    expect(await job(id)).toEqual({ state: 'cancelled', cancel_requested: true, error_code: 1509, error_message: 'Cancelled on request before it finished', finished: true });
  });

  it('returns false for a finished job and leaves it untouched', async () => {
    const id = await importJob();
    await claim(id);
    await db.query(`update cdb_connectors.jobs set state = 'complete', table_name = 'orders', rows_imported = 3, finished_at = now() where id = $1`, [id]);
    expect((await alice.query('select cdb_connector_cancel($1) as ok', [id])).rows[0].ok).toBe(false);
    expect(await job(id)).toEqual({ state: 'complete', cancel_requested: false, error_code: null, error_message: null, finished: true });
  });

  it('an unknown id is P0002', async () => {
    const err = await sqlError(alice.query('select cdb_connector_cancel(gen_random_uuid())'));
    expect(err.code).toBe('P0002');
  });

  it("the sidecar's own updates are never turned into cancellations", async () => {
    const id = await importJob();
    const before = (await db.query('select updated_at from cdb_connectors.jobs where id = $1', [id])).rows[0].updated_at as Date;
    await new Promise((r) => setTimeout(r, 20));
    await claim(id);
    await db.query('update cdb_connectors.jobs set rows_fetched = 500 where id = $1', [id]);
    await db.query(`update cdb_connectors.jobs set state = 'enqueued', worker_id = null where id = $1`, [id]); // hand back
    const { rows } = await db.query('select state, rows_fetched::int, updated_at from cdb_connectors.jobs where id = $1', [id]);
    expect(rows[0]).toMatchObject({ state: 'enqueued', rows_fetched: 500 });
    expect((rows[0].updated_at as Date).getTime()).toBeGreaterThan(before.getTime());
  });
});

describe('cdb_connector_import_status', () => {
  it('has the CARTO shape; table_name is the requested name until complete', async () => {
    const id = await importJob();
    const queued = (await alice.query('select cdb_connector_import_status($1) as s', [id])).rows[0].s;
    expect(Object.keys(queued).sort()).toEqual([
      'attempt', 'columns_imported', 'created_at', 'error_code', 'error_message', 'finished_at', 'get_error_text', 'id',
      'item_queue_id', 'params', 'provider', 'rows_deleted', 'rows_estimated', 'rows_fetched', 'rows_imported', 'rows_inserted', 'rows_unchanged',
      'rows_updated', 'started_at', 'state', 'success', 'sync_id', 'table_name', 'target_schema', 'truncated', 'updated_at', 'warnings',
    ]);
    expect(queued).toMatchObject({ id, item_queue_id: id, state: 'enqueued', success: false, table_name: 'orders', target_schema: 'public',
      rows_fetched: 0, rows_estimated: null, warnings: [], error_code: null, get_error_text: null, provider: 'mysql', attempt: 0 });
    await claim(id);
    await db.query(`update cdb_connectors.jobs set state = 'complete', table_name = 'orders_1', rows_imported = 3, rows_fetched = 3,
      columns_imported = 2, warnings = '[{"code": "row_limit", "message": "cut"}]', finished_at = now() where id = $1`, [id]);
    const done = (await alice.query('select cdb_connector_import_status($1) as s', [id])).rows[0].s;
    expect(done).toMatchObject({ state: 'complete', success: true, table_name: 'orders_1', rows_imported: 3, columns_imported: 2,
      warnings: [{ code: 'row_limit', message: 'cut' }], attempt: 1 });
  });

  it('explains an error code with get_error_text', async () => {
    const id = await importJob();
    await claim(id);
    await db.query(`update cdb_connectors.jobs set state = 'failure', error_code = 1503, error_message = 'Access denied for user reader', finished_at = now() where id = $1`, [id]);
    const s = (await alice.query('select cdb_connector_import_status($1) as s', [id])).rows[0].s;
    expect(s).toMatchObject({ state: 'failure', success: false, error_code: 1503, error_message: 'Access denied for user reader',
      get_error_text: { title: 'Authentication failed', what_about: expect.stringContaining('username or password') } });
  });
});

describe('cdb_connector_wait', () => {
  it('returns as soon as another session completes the job', async () => {
    const id = await importJob();
    const started = Date.now();
    const waiting = alice.query('select cdb_connector_wait($1) as s', [id]);
    await new Promise((r) => setTimeout(r, 300));
    await claim(id);
    await db.query(`update cdb_connectors.jobs set state = 'complete', table_name = 'orders', rows_imported = 7, finished_at = now() where id = $1`, [id]);
    const { rows } = await waiting;
    const elapsedMs = Date.now() - started;
    expect(rows[0].s).toMatchObject({ id, state: 'complete', success: true, rows_imported: 7 });
    expect(elapsedMs).toBeGreaterThanOrEqual(300);
    expect(elapsedMs).toBeLessThan(2000);
  });

  it('returns the unfinished status when the timeout passes', async () => {
    const id = await importJob();
    const started = Date.now();
    const { rows } = await alice.query("select cdb_connector_wait($1, '300 milliseconds') as s", [id]);
    const elapsedMs = Date.now() - started;
    expect(rows[0].s).toMatchObject({ id, state: 'enqueued' });
    expect(elapsedMs).toBeGreaterThanOrEqual(290);
    expect(elapsedMs).toBeLessThan(1500);
  });

  it('returns at once for a finished job', async () => {
    const id = await importJob();
    await alice.query('select cdb_connector_cancel($1)', [id]);
    const { rows } = await alice.query('select cdb_connector_wait($1) as s', [id]);
    expect(rows[0].s).toMatchObject({ state: 'cancelled', error_code: 1509, get_error_text: { title: 'Import cancelled' } });
  });

  it.each(['repeatable read', 'serializable'])('refuses to wait under %s (25000)', async (level) => {
    const id = await importJob();
    await alice.query(`begin isolation level ${level}`);
    try {
      const err = await sqlError(alice.query('select cdb_connector_wait($1)', [id]));
      expect(err).toMatchObject({ code: '25000', message: `cdb_connector_wait() needs READ COMMITTED isolation, not ${level.toUpperCase()}` });
    } finally {
      await alice.query('rollback');
    }
  });

  it('refuses to wait for a job enqueued by the same transaction (25000)', async () => {
    await alice.query('begin');
    try {
      const id = await importJob();
      const started = Date.now();
      const err = await sqlError(alice.query('select cdb_connector_wait($1)', [id]));
      expect(err).toMatchObject({ code: '25000', message: `cdb_connector_wait() cannot wait for import ${id} in the transaction that enqueued it` });
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await alice.query('rollback');
    }
  });
});
