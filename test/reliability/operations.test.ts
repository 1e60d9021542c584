/**
 * Issue 6 §9: /metrics and /healthz over HTTP against a running sidecar (the same server
 * `connector-bridge run` starts on METRICS_PORT). Counters are checked against exactly what the
 * jobs did; the database gauges against job rows arranged as a dead sidecar leaves them.
 * /healthz when the target is down: test/reliability/target-restart.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { importAndWait, waitForJob } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { httpGet } from './helpers/http.js';
import { setSetting } from './helpers/jobs.js';
import { parsePrometheus, sampleKey, type Samples } from './helpers/prometheus.js';
import { startCapturedSidecar, type CapturedSidecar } from './helpers/sidecars.js';

let db: TargetDb;
let my: MysqlDb;
let sidecar: CapturedSidecar;

const MYSQL = { provider: 'mysql' };
/** COPY text of the fixture: "1\ta\n2\tbb\n3\tccc\n". */
const FIXTURE_COPY_BYTES = 15;

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  await my.exec("create table t (id int, v varchar(5)); insert into t values (1, 'a'), (2, 'bb'), (3, 'ccc');");
  sidecar = await startCapturedSidecar(db.url, { concurrency: 2, pollIntervalMs: 200, metrics: true });
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), my?.drop()]);
});

async function scrape(): Promise<Samples> {
  const res = await httpGet(`${sidecar.baseUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.contentType).toContain('text/plain');
  return parsePrometheus(res.body);
}

const request = (extra: Record<string, unknown>) => ({ connector: { provider: 'mysql', connection: my.connection(), ...extra } });

/** Enqueues a job already `importing` under a sidecar that died (lease expired), in one transaction. */
async function strandedJob(opts: { leaseExpired: boolean; table: string }): Promise<string> {
  const client = await db.pool.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query<{ r: { item_queue_id: string } }>('select cdb_connector_import($1::jsonb) as r', [JSON.stringify(request({ table: 't', import_as: opts.table }))]);
    const id = rows[0]!.r.item_queue_id;
    await client.query(`update cdb_connectors.jobs set state = 'importing', worker_id = 'dead-sidecar', attempt = 1, started_at = now(),
      lease_expires_at = now() + make_interval(secs => $2) where id = $1`, [id, opts.leaseExpired ? -1 : 600]);
    await client.query('commit');
    return id;
  } finally {
    client.release();
  }
}

describe('operations endpoints', () => {
  it('/healthz: 200 with the database reachable and LISTEN alive', async () => {
    const res = await httpGet(`${sidecar.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok', database: true, listening: true, running_jobs: 0, worker_id: sidecar.sidecar.workerId });
    expect((await httpGet(`${sidecar.baseUrl}/nope`)).status).toBe(404);
  });

  it('/metrics counts rows, bytes, errors by code, durations and lease expiries, and reads jobs by state from the database', async () => {
    const ok = await importAndWait(db, request({ table: 't' }));
    expect(ok.state, ok.error_message ?? '').toBe('complete');
    const missing = await importAndWait(db, request({ table: 'no_such_table' }));
    expect(missing.error_code).toBe(1505);
    const recovered = await waitForJob(db, await strandedJob({ leaseExpired: true, table: 'recovered' }));
    expect(recovered).toMatchObject({ state: 'complete', attempt: 2, rows_imported: 3 });

    const m = await scrape();
    expect(m.get(sampleKey('cdb_connectors_jobs', { state: 'complete' }))).toBe(2);
    expect(m.get(sampleKey('cdb_connectors_jobs', { state: 'failure' }))).toBe(1);
    expect(m.get(sampleKey('cdb_connectors_jobs', { state: 'enqueued' }))).toBe(0);
    expect(m.get(sampleKey('cdb_connectors_jobs', { state: 'importing' }))).toBe(0);
    expect(m.get(sampleKey('cdb_connectors_jobs_claimed_total', MYSQL))).toBe(3);
    expect(m.get(sampleKey('cdb_connectors_jobs_finished_total', { ...MYSQL, state: 'complete' }))).toBe(2);
    expect(m.get(sampleKey('cdb_connectors_jobs_finished_total', { ...MYSQL, state: 'failure' }))).toBe(1);
    expect(m.get(sampleKey('cdb_connectors_job_errors_total', { ...MYSQL, error_code: '1505' }))).toBe(1);
    expect(m.get(sampleKey('cdb_connectors_rows_imported_total', MYSQL))).toBe(6);
    expect(m.get(sampleKey('cdb_connectors_bytes_imported_total', MYSQL))).toBe(2 * FIXTURE_COPY_BYTES);
    expect(m.get(sampleKey('cdb_connectors_lease_expiries_total', MYSQL))).toBe(1);
    expect(m.get(sampleKey('cdb_connectors_job_duration_seconds_count', { ...MYSQL, state: 'complete' }))).toBe(2);
    expect(m.get(sampleKey('cdb_connectors_job_duration_seconds_sum', { ...MYSQL, state: 'complete' }))).toBeGreaterThan(0);
    expect(m.get('cdb_connectors_jobs_running')).toBe(0);
    expect(m.get('cdb_connectors_listener_up')).toBe(1);
    expect(m.get('cdb_connectors_database_up')).toBe(1);
    expect(m.get('cdb_connectors_workers_alive')).toBe(1);
    expect(m.get('cdb_connectors_jobs_lease_expired')).toBe(0);
    expect(m.get('cdb_connectors_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('database gauges: expired leases and queue age as a dead sidecar and a saturated role leave them', async () => {
    // One live-leased job of the role at max_concurrent_jobs_per_role = 1 keeps the others from being claimed.
    await setSetting(db, 'max_concurrent_jobs_per_role', 1);
    const holding = await strandedJob({ leaseExpired: false, table: 'holding' });
    const expired = await strandedJob({ leaseExpired: true, table: 'expired' });
    const queued = (await db.query<{ r: { item_queue_id: string } }>('select cdb_connector_import($1::jsonb) as r', [JSON.stringify(request({ table: 't', import_as: 'queued' }))])).rows[0]!.r.item_queue_id;
    await db.query("update cdb_connectors.jobs set created_at = now() - interval '90 seconds' where id = $1", [queued]);

    const m = await scrape();
    expect(m.get(sampleKey('cdb_connectors_jobs', { state: 'importing' }))).toBe(2);
    expect(m.get(sampleKey('cdb_connectors_jobs', { state: 'enqueued' }))).toBe(1);
    expect(m.get('cdb_connectors_jobs_lease_expired')).toBe(1);
    expect(m.get('cdb_connectors_oldest_enqueued_seconds')).toBeGreaterThanOrEqual(90);
    expect(m.get('cdb_connectors_oldest_enqueued_seconds')).toBeLessThan(120);

    // Releasing the held slot lets the sidecar drain both: the gauges follow the database.
    await db.query("update cdb_connectors.jobs set state = 'failure', error_code = 99999, lease_expires_at = null where id = $1", [holding]);
    await setSetting(db, 'max_concurrent_jobs_per_role', 3);
    for (const id of [expired, queued]) expect((await waitForJob(db, id)).state).toBe('complete');
    const after = await scrape();
    expect(after.get('cdb_connectors_jobs_lease_expired')).toBe(0);
    expect(after.get('cdb_connectors_oldest_enqueued_seconds')).toBe(0);
    expect(after.get(sampleKey('cdb_connectors_jobs', { state: 'complete' }))).toBe(4);
    expect(after.get(sampleKey('cdb_connectors_lease_expiries_total', MYSQL))).toBe(2);
  });
});
