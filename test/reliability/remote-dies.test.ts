/**
 * Issue 6 §3: the remote server dies while rows stream (a dedicated MariaDB, SIGKILLed). The job
 * fails with 1504 and a message naming the server, leaves no table, and the sidecar keeps
 * serving: an import from a live server completes right after, and so does one from the dead
 * server once it is started again.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { enqueueImport, importAndWait, waitForJob } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { startMariaDb, type MariaDbServer } from '../servers/mariadb.js';
import { jobRecord, visibleTables } from './helpers/jobs.js';
import { startCapturedSidecar, type CapturedSidecar } from './helpers/sidecars.js';
import { createNumbers, slowQuery } from './helpers/slow-source.js';
import { waitFor } from './helpers/wait.js';

/** A dead socket is noticed at once (RST); this bounds a regression to a hang. */
const FAILURE_BOUND_MS = 5000;

let db: TargetDb;
let live: MysqlDb;
let dying: MariaDbServer;
let sidecar: CapturedSidecar | undefined;

beforeAll(async () => {
  [db, live, dying] = await Promise.all([createTargetDb(), createMysqlDb(), startMariaDb()]);
  await dying.sql('create database src');
  await createNumbers({ exec: (sql) => dying.sql(sql, 'src') });
  await live.exec("create table t (id int, v varchar(5)); insert into t values (1, 'a'), (2, 'b');");
  sidecar = await startCapturedSidecar(db.url, { concurrency: 2 });
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), live?.drop(), dying?.stop()]);
});

const dyingConnection = () => ({ server: dying.host, port: dying.port, database: 'src', username: 'root', password: '' });

it('remote killed mid-stream: failure 1504, no table, and the sidecar keeps serving', async () => {
  const id = await enqueueImport(db.url, {
    connector: { provider: 'mysql', connection: dyingConnection(), table: 'doomed', sql_query: slowQuery({ rows: 2000, sleepSeconds: 0.01, marker: 'doomed' }) },
  });
  await waitFor('rows streaming from the doomed server', async () => (await jobRecord(db, id)).rows_fetched > 0, 20_000);
  dying.kill();
  const killedAt = Date.now();

  const failed = await waitForJob(db, id, 20_000);
  const failMs = Date.now() - killedAt;
  expect(failed.state).toBe('failure');
  expect(failed.error_code).toBe(1504);
  expect(failed.error_message).toContain(`${dying.host}:${dying.port}`);
  expect(failMs).toBeLessThan(FAILURE_BOUND_MS);
  expect(await visibleTables(db)).toEqual([]);
  const { rows } = await db.query("select count(*)::int as n from pg_stat_activity where application_name = 'cdb_connectors job ' || $1", [id]);
  expect(rows[0].n).toBe(0); // the load connection was rolled back and released, not left idle in transaction
  console.info(`remote killed: job failed with 1504 after ${failMs} ms`);

  expect(sidecar!.sidecar.runningJobs).toBe(0);
  expect(sidecar!.sidecar.listening).toBe(true);
  const next = await importAndWait(db, { connector: { provider: 'mysql', connection: live.connection(), table: 't' } });
  expect(next.state, next.error_message ?? '').toBe('complete');
  expect((await db.query('select id, v from t order by id')).rows).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);

  await dying.start();
  const again = await importAndWait(db, { connector: { provider: 'mysql', connection: dyingConnection(), table: 'numbers' } });
  expect(again.state, again.error_message ?? '').toBe('complete');
  expect(again.rows_imported).toBe(2000);
  expect(await visibleTables(db)).toEqual(['numbers', 't']);
});
