/**
 * Issue 6 §8: 200 queued imports of two roles, two sidecars with concurrency 4 each. All
 * complete, none runs twice (attempt = 1, one claim event per job), and the per-role limit
 * (max_concurrent_jobs_per_role = 3) holds at every sample of the jobs table, taken every few
 * milliseconds from a separate connection while the queue drains.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { roleFactory, type TestRole } from '../sql/helpers.js';
import { setSetting } from './helpers/jobs.js';
import { startCapturedSidecar, type CapturedSidecar } from './helpers/sidecars.js';
import { sleep, waitFor } from './helpers/wait.js';

const JOBS_PER_ROLE = 100;
const PER_ROLE_LIMIT = 3;
const CONCURRENCY = 4;
const SAMPLE_INTERVAL_MS = 5;
const DRAIN_TIMEOUT_MS = 90_000;

let db: TargetDb;
let my: MysqlDb;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;
let bob: TestRole;
const sidecars: CapturedSidecar[] = [];

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  roles = roleFactory(db);
  alice = await roles.create('alice', 'cdb_connector_user');
  bob = await roles.create('bob', 'cdb_connector_user');
  await db.query(`grant create on schema public to "${alice.name}", "${bob.name}"`);
  await my.exec("create table small (id int, v varchar(10)); insert into small values (1, 'a'), (2, 'b'), (3, 'c');");
  await setSetting(db, 'max_concurrent_jobs_per_role', PER_ROLE_LIMIT);
});

afterAll(async () => {
  await Promise.all(sidecars.map((s) => s.stop()));
  await my?.drop();
  await roles?.cleanup();
});

async function enqueueAll(role: TestRole, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < JOBS_PER_ROLE; i++) {
    const params = { connector: { provider: 'mysql', connection: my.connection(), table: 'small', import_as: `${prefix}_${i}` } };
    const { rows } = await role.query<{ r: { item_queue_id: string } }>('select cdb_connector_import($1::jsonb) as r', [JSON.stringify(params)]);
    ids.push(rows[0]!.r.item_queue_id);
  }
  return ids;
}

/** Samples running jobs per owner until stopped; returns the highest count seen per owner and in total. */
function sampleRunning(url: string) {
  const client = new pg.Client(url);
  const maxByOwner = new Map<string, number>();
  let maxTotal = 0;
  let samples = 0;
  let stopping = false;
  const loop = (async () => {
    await client.connect();
    while (!stopping) {
      const { rows } = await client.query<{ owner: string; n: number }>(
        "select owner, count(*)::int as n from cdb_connectors.jobs where state = 'importing' group by owner");
      samples++;
      let total = 0;
      for (const r of rows) {
        maxByOwner.set(r.owner, Math.max(maxByOwner.get(r.owner) ?? 0, r.n));
        total += r.n;
      }
      maxTotal = Math.max(maxTotal, total);
      await sleep(SAMPLE_INTERVAL_MS);
    }
    await client.end();
  })();
  return { async stop() { stopping = true; await loop; return { maxByOwner, maxTotal, samples }; } };
}

it(`${2 * JOBS_PER_ROLE} queued imports, 2 sidecars × ${CONCURRENCY}: all complete once, per-role limit ${PER_ROLE_LIMIT} never exceeded`, async () => {
  const ids = [...await enqueueAll(alice, 'a'), ...await enqueueAll(bob, 'b')];
  const claims = new Map<string, string[]>();
  const sampler = sampleRunning(db.url);
  const t0 = Date.now();
  for (let i = 0; i < 2; i++) {
    const s = await startCapturedSidecar(db.url, { concurrency: CONCURRENCY, pollIntervalMs: 1000 });
    s.sidecar.on('claimed', (job) => claims.set(job.id, [...(claims.get(job.id) ?? []), s.sidecar.workerId]));
    sidecars.push(s);
  }
  await waitFor('the queue to drain', async () => {
    const { rows } = await db.query<{ n: number }>("select count(*)::int as n from cdb_connectors.jobs where state in ('enqueued', 'importing')");
    return rows[0]!.n === 0;
  }, DRAIN_TIMEOUT_MS, 100);
  const wallMs = Date.now() - t0;
  const { maxByOwner, maxTotal, samples } = await sampler.stop();
  console.info(`load: ${ids.length} imports drained in ${wallMs} ms (${(ids.length / (wallMs / 1000)).toFixed(1)} jobs/s) by 2 sidecars × ${CONCURRENCY}; `
    + `${samples} samples, max running per role ${JSON.stringify(Object.fromEntries(maxByOwner))}, max running total ${maxTotal}`);

  const { rows } = await db.query<{ state: string; attempt: number; n: number }>(
    'select state, attempt, count(*)::int as n from cdb_connectors.jobs group by state, attempt');
  expect(rows).toEqual([{ state: 'complete', attempt: 1, n: ids.length }]);
  // Claims made before a listener was attached would be missing here; attempt = 1 above covers them.
  expect([...claims.values()].every((w) => w.length === 1)).toBe(true);
  expect(claims.size).toBeGreaterThan(ids.length * 0.9);
  expect(new Set([...claims.values()].flat()).size).toBe(2);

  expect(samples).toBeGreaterThan(20);
  expect(Math.max(...maxByOwner.values())).toBeLessThanOrEqual(PER_ROLE_LIMIT);
  expect(maxByOwner.get(alice.name)).toBe(PER_ROLE_LIMIT); // the limit was reached, so it was exercised
  expect(maxByOwner.get(bob.name)).toBe(PER_ROLE_LIMIT);

  const tables = await db.query<{ owner: string; n: number }>(
    `select pg_get_userbyid(c.relowner) as owner, count(*)::int as n from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' group by 1 order by 1`);
  expect(tables.rows).toEqual([{ owner: alice.name, n: JOBS_PER_ROLE }, { owner: bob.name, n: JOBS_PER_ROLE }].sort((a, b) => a.owner.localeCompare(b.owner)));
  const sum = await db.query<{ n: number }>("select sum(rows_imported)::int as n from cdb_connectors.jobs");
  expect(sum.rows[0]!.n).toBe(3 * ids.length);
});
