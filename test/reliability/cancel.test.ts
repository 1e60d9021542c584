/**
 * Issue 6 §4: real cancellation through the sidecar.
 *   - a running import: `cdb_connector_cancel` → `cancelled` (1509) within 2 s, the MariaDB query
 *     is gone from the processlist (KILL QUERY on a second connection), no table;
 *   - a queued import while no sidecar runs: it is cancelled at once and never starts, not even
 *     when a sidecar comes up afterwards.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MysqlDb } from '../helpers/mysql.js';
import { enqueueImport, waitForJob } from '../helpers/sidecar.js';
import type { TargetDb } from '../helpers/target.js';
import { createSlowSourceDbs } from './helpers/fixture.js';
import { jobRecord, setSetting, visibleTables } from './helpers/jobs.js';
import { startCapturedSidecar, type CapturedSidecar } from './helpers/sidecars.js';
import { slowRequest } from './helpers/slow-source.js';
import { sleep, waitFor } from './helpers/wait.js';

/** Issue 6 §4: the remote query and the COPY stop within 2 s of the cancel. */
const CANCEL_BOUND_MS = 2000;
/** Several poll intervals of the sidecar started after the cancel. */
const NEVER_STARTS_WATCH_MS = 1500;

let db: TargetDb;
let my: MysqlDb;
let sidecar: CapturedSidecar | undefined;

beforeAll(async () => {
  ({ db, my } = await createSlowSourceDbs());
});

/** A server that accepts TCP connections and never says a word: a MySQL handshake waits forever. */
async function silentServer(): Promise<{ port: number; accepted: () => number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((s) => { accepted++; sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    close: () => { for (const s of sockets) s.destroy(); return new Promise((resolve) => server.close(() => resolve())); },
  };
}

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), my?.drop()]);
});

/** Statements of other connections whose text carries `marker` (the processlist row of our own query has it too). */
async function remoteQueries(marker: string): Promise<Array<{ id: number; command: string; info: string }>> {
  const [rows] = await my.exec(
    'select id, command, info from information_schema.processlist where id <> connection_id() and info like ?', [`%${marker}%`]) as [Array<{ id: number; command: string; info: string }>];
  return rows;
}

describe('cancel', () => {
  it('a running import stops within 2 s: cancelled 1509, remote query killed, no table', async () => {
    sidecar = await startCapturedSidecar(db.url, { concurrency: 2 });
    const marker = `cancel_${crypto.randomBytes(4).toString('hex')}`;
    const id = await enqueueImport(db.url, slowRequest(my, { rows: 2000, sleepSeconds: 0.01, marker, table: 'to_cancel' }));
    await waitFor('the remote query to run and rows to arrive', async () =>
      (await jobRecord(db, id)).rows_fetched > 0 && (await remoteQueries(marker)).length === 1, 20_000);

    const t0 = Date.now();
    const { rows } = await db.query<{ ok: boolean }>('select cdb_connector_cancel($1) as ok', [id]);
    expect(rows[0]!.ok).toBe(true);
    const status = await waitForJob(db, id, CANCEL_BOUND_MS * 5);
    const cancelMs = Date.now() - t0;
    await waitFor('the remote query to disappear', async () => (await remoteQueries(marker)).length === 0, CANCEL_BOUND_MS);
    const goneMs = Date.now() - t0;
    console.info(`cancel: state cancelled after ${cancelMs} ms, remote query gone after ${goneMs} ms`);

    expect(status.state).toBe('cancelled');
    expect(status.error_code).toBe(1509);
    expect(status.rows_imported).toBeNull();
    expect(cancelMs).toBeLessThan(CANCEL_BOUND_MS);
    expect(goneMs).toBeLessThan(CANCEL_BOUND_MS);
    expect(await visibleTables(db)).toEqual([]);
    const load = await db.query("select count(*)::int as n from pg_stat_activity where application_name = 'cdb_connectors job ' || $1", [id]);
    expect(load.rows[0].n).toBe(0);
    expect(sidecar.sidecar.runningJobs).toBe(0);
  });

  it('an import stuck connecting to a silent server is cancelled within 2 s, not after connect_timeout', async () => {
    const silent = await silentServer();
    try {
      const id = await enqueueImport(db.url, { connector: { provider: 'mysql', connection: { ...my.connection(), port: silent.port }, table: 'orders' } });
      await waitFor('the sidecar to be connecting', async () => silent.accepted() > 0 && (await jobRecord(db, id)).state === 'importing', 10_000);
      const t0 = Date.now();
      await db.query('select cdb_connector_cancel($1)', [id]);
      const status = await waitForJob(db, id, CANCEL_BOUND_MS * 5);
      expect(status.state).toBe('cancelled');
      expect(status.error_code).toBe(1509);
      expect(Date.now() - t0).toBeLessThan(CANCEL_BOUND_MS);
    } finally {
      await silent.close();
    }
  });

  it('connect_timeout bounds a silent server: 1504 naming the setting', async () => {
    const silent = await silentServer();
    await setSetting(db, 'connect_timeout', 1);
    try {
      const t0 = Date.now();
      const id = await enqueueImport(db.url, { connector: { provider: 'mysql', connection: { ...my.connection(), port: silent.port }, table: 'orders' } });
      const status = await waitForJob(db, id, 10_000);
      const ms = Date.now() - t0;
      expect(status.state).toBe('failure');
      expect(status.error_code).toBe(1504);
      expect(status.error_message).toMatch(/connect_timeout/);
      expect(ms).toBeGreaterThanOrEqual(1000);
      expect(ms).toBeLessThan(CANCEL_BOUND_MS + 1000);
    } finally {
      await setSetting(db, 'connect_timeout', 30);
      await silent.close();
    }
  });

  it('a queued import cancelled while no sidecar runs never starts', async () => {
    await sidecar?.stop();
    sidecar = undefined;
    const marker = `queued_${crypto.randomBytes(4).toString('hex')}`;
    const id = await enqueueImport(db.url, slowRequest(my, { rows: 10, sleepSeconds: 0, marker, table: 'never' }));
    const { rows } = await db.query<{ ok: boolean }>('select cdb_connector_cancel($1) as ok', [id]);
    expect(rows[0]!.ok).toBe(true);
    expect(await jobRecord(db, id)).toMatchObject({ state: 'cancelled', error_code: 1509, attempt: 0, worker_id: null, started_at: null });

    sidecar = await startCapturedSidecar(db.url, { concurrency: 2, pollIntervalMs: 200 });
    const claims: string[] = [];
    sidecar.sidecar.on('claimed', (job) => claims.push(job.id));
    await sleep(NEVER_STARTS_WATCH_MS);
    expect(claims).toEqual([]);
    expect(await jobRecord(db, id)).toMatchObject({ state: 'cancelled', attempt: 0, worker_id: null, started_at: null });
    expect(await remoteQueries(marker)).toEqual([]);
    expect(await visibleTables(db)).toEqual([]);
  });
});
