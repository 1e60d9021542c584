/**
 * Issue 3 §8: two sidecars on one database never run the same job twice (50 jobs).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { enqueueImport, startSidecar, waitForJob, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
let my: MysqlDb;
let sidecars: TestSidecar[] = [];
const JOBS = 50;

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  await my.exec("create table small (id int, v varchar(10)); insert into small values (1, 'a'), (2, 'b'), (3, 'c');");
  await db.query("update cdb_connectors.settings set value = '100' where name = 'max_concurrent_jobs_per_role'");
});

afterAll(async () => {
  await Promise.all(sidecars.map((s) => s.stop()));
  await Promise.all([db?.drop(), my?.drop()]);
});

it('50 jobs on two sidecars: each claimed exactly once, all complete', async () => {
  const ids = await Promise.all(Array.from({ length: JOBS }, (_, i) =>
    enqueueImport(db.url, { connector: { provider: 'mysql', connection: my.connection(), table: 'small', import_as: `small_${i}` } })));
  const claims = new Map<string, string[]>();
  sidecars = await Promise.all([startSidecar(db, { concurrency: 3 }), startSidecar(db, { concurrency: 3 })]);
  for (const s of sidecars) s.sidecar.on('claimed', (job) => claims.set(job.id, [...(claims.get(job.id) ?? []), s.sidecar.workerId]));
  const statuses = await Promise.all(ids.map((id) => waitForJob(db, id, 60_000)));
  expect(statuses.every((s) => s.state === 'complete')).toBe(true);
  expect(new Set(statuses.map((s) => s.table_name)).size).toBe(JOBS);
  // claims recorded before the listeners were attached are counted through attempt = 1
  const { rows } = await db.query<{ attempt: number }>('select attempt from cdb_connectors.jobs');
  expect(rows.every((r) => r.attempt === 1)).toBe(true);
  expect([...claims.values()].every((w) => w.length === 1)).toBe(true);
  const used = new Set([...claims.values()].flat());
  expect(used.size).toBe(2);
});
