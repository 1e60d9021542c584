/**
 * Issue 5 §3, measured: how long readers of a 1,000,000-row sync table are blocked while it is
 * refreshed. Three reader loops run through the whole refresh: a lock probe, a point read and a
 * full count (which must see the old or the new count, never anything else).
 * Opt-in (CDB_LONG_TESTS=1): loading a million rows twice takes most of a minute on 2 cores.
 * The numbers are printed for the README.
 */
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { createSync, runSyncNow, startSyncSidecar, waitForSyncRun } from '../helpers/sync.js';
import type { TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

const ROWS = 1_000_000;
const ADDED = 1000;
/**
 * Takes the table's ACCESS SHARE lock like any SELECT (at parse time) but reads no tuple, and
 * reports its own duration measured by the server (statement start → execution, so a lock wait is
 * included, and the client's scheduling on a busy machine is not): the time a reader is blocked. The point read (`limit
 * 1`) and the count show what readers pay in scanning: right after the commit the old million
 * tuples are dead and are skipped until autovacuum removes them.
 */
const LOCK_PROBE_SQL = `select extract(epoch from clock_timestamp() - statement_timestamp()) * 1000 as server_ms
  where exists (select 1 from million where false) or true`;
/** How long the count reader runs alone first, for its latency without a refresh. */
const BASELINE_MS = 2000;
/** The readers go on after the run ended, so they certainly read the new rows too. */
const AFTER_MS = 1000;

let db: TargetDb;
let my: MysqlDb;
let sidecar: TestSidecar;

interface ReaderStats { samples: number; maxMs: number; maxServerMs: number; counts: number[] }

/**
 * Reader loops in a worker thread: the sidecar runs in this process, and its CPU-bound encoding
 * would otherwise stall the readers' event loop and show up as (false) read latency.
 */
const READER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const pg = require('pg');
let running = true;
parentPort.on('message', () => { running = false; });
(async () => {
  const client = new pg.Client(workerData.url);
  await client.connect();
  const stats = { samples: 0, maxMs: 0, maxServerMs: 0, counts: [] };
  while (running) {
    const started = performance.now();
    const { rows } = await client.query(workerData.sql);
    stats.maxMs = Math.max(stats.maxMs, performance.now() - started);
    stats.samples++;
    if (rows[0] && rows[0].server_ms !== undefined) stats.maxServerMs = Math.max(stats.maxServerMs, Number(rows[0].server_ms));
    if (rows[0] && rows[0].n !== undefined && !stats.counts.includes(Number(rows[0].n))) stats.counts.push(Number(rows[0].n));
  }
  await client.end();
  parentPort.postMessage(stats);
})();`;

function startReader(url: string, sql: string): { stop(): Promise<ReaderStats> } {
  const worker = new Worker(READER_SOURCE, { eval: true, workerData: { url, sql } });
  const result = new Promise<ReaderStats>((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
  return { stop: async () => { worker.postMessage('stop'); const stats = await result; await worker.terminate(); return stats; } };
}

describe.skipIf(!process.env.CDB_LONG_TESTS)('1M-row sync refresh (CDB_LONG_TESTS)', () => {
  beforeAll(async () => {
    [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
    await my.exec(`create table million (id int primary key, name varchar(30), amount decimal(12,2), at datetime);
      insert into million select seq, concat('name ', seq), seq / 100, '2024-01-01' + interval seq second from seq_1_to_${ROWS};`);
    // max_rows is 1M by default: the refresh adds rows beyond it
    await db.query(`update cdb_connectors.settings set value = '2000000' where name = 'max_rows'`);
    sidecar = await startSyncSidecar(db, { concurrency: 1 });
  }, 300_000);

  afterAll(async () => {
    await sidecar?.stop();
    await Promise.all([db?.drop(), my?.drop()]);
  });

  it('readers are never blocked and see the old or the new count', async () => {
    const created = await createSync(db.url, { connector: { provider: 'mysql', connection: my.connection(), table: 'million' }, interval: 3600 });
    const firstStarted = performance.now();
    const first = await waitForSyncRun(db, created.id, undefined, 300_000);
    const firstMs = performance.now() - firstStarted;
    expect(first.state).toBe('success');

    const alone = startReader(db.url, 'select count(*) as n from million');
    await new Promise((r) => setTimeout(r, BASELINE_MS));
    const baseline = await alone.stop();
    await my.exec(`insert into million select seq, 'added', 1, '2025-01-01' from seq_${ROWS + 1}_to_${ROWS + ADDED};`);
    const probe = startReader(db.url, LOCK_PROBE_SQL);
    const point = startReader(db.url, 'select id from million limit 1');
    const count = startReader(db.url, 'select count(*) as n from million');
    const refreshStarted = performance.now();
    const second = await runSyncNow(db, created.id);
    const refreshMs = performance.now() - refreshStarted;
    await new Promise((r) => setTimeout(r, AFTER_MS));
    const [probeStats, pointStats, countStats] = await Promise.all([probe.stop(), point.stop(), count.stop()]);
    await my.exec(`update million set name = 'changed' where id = 1`);
    const aloneStarted = performance.now();
    const third = await runSyncNow(db, created.id);
    const refreshAloneMs = performance.now() - aloneStarted;
    const unchangedStarted = performance.now();
    const fourth = await runSyncNow(db, created.id);
    const unchangedMs = performance.now() - unchangedStarted;
    expect(third.modified_at!.getTime()).toBeGreaterThan(second.modified_at!.getTime());
    expect(fourth.modified_at).toEqual(third.modified_at);
    console.log(JSON.stringify({
      refresh_without_readers_ms: Math.round(refreshAloneMs), unchanged_run_ms: Math.round(unchangedMs),
      rows: ROWS, first_load_ms: Math.round(firstMs), refresh_ms: Math.round(refreshMs), count_read_alone_max_ms: +baseline.maxMs.toFixed(1),
      lock_probe: { samples: probeStats.samples, max_ms: +probeStats.maxMs.toFixed(1), max_server_ms: +probeStats.maxServerMs.toFixed(2) },
      point_read: { samples: pointStats.samples, max_ms: +pointStats.maxMs.toFixed(1) },
      count_read: { samples: countStats.samples, max_ms: +countStats.maxMs.toFixed(1), counts: countStats.counts },
    }));

    expect(second.state).toBe('success');
    expect([...countStats.counts].sort((a, b) => a - b)).toEqual([ROWS, ROWS + ADDED]);
    // a blocked reader would wait for the whole refresh (seconds); the server never made it wait
    expect(probeStats.maxServerMs).toBeLessThan(50);
  }, 600_000);
});
