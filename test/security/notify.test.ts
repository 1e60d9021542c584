/**
 * Issue 16, attack 6: notifications on cdb_connectors_jobs are wake-up hints only. Any role that
 * can connect may LISTEN and NOTIFY on the channel (PostgreSQL has no channel privileges), so
 * mallory — a login role with no grant at all — tries to
 *   (a) learn ids from the payloads while alice's import is queued, running and cancelled, her
 *       check request answered and her sync run now;
 *   (b) cancel alice's running import with a forged `{"op":"cancel","id":<her real job id>}`
 *       (before the fix the sidecar aborted it at once: the import ended `cancelled`);
 *   (c) — the real cdb_connector_cancel must still stop a running import within 2 s;
 *   (d) flood the channel (10 000 notifications, forged cancels with alice's id, text that is not
 *       JSON — which made pg-listen emit 'error' and the listener restart): the sidecar keeps
 *       listening, re-reads the database a bounded number of times, and alice's imports, one
 *       running through the flood and one queued after it, complete with all their rows.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HINT_MIN_INTERVAL_MS } from '../../src/sidecar/listener.js';
import type { MysqlDb } from '../helpers/mysql.js';
import { waitForJob } from '../helpers/sidecar.js';
import { createSync, waitForSyncRun } from '../helpers/sync.js';
import type { TargetDb } from '../helpers/target.js';
import { createSlowSourceDbs } from '../reliability/helpers/fixture.js';
import { jobRecord, setSetting } from '../reliability/helpers/jobs.js';
import { startCapturedSidecar, type CapturedSidecar } from '../reliability/helpers/sidecars.js';
import { slowRequest } from '../reliability/helpers/slow-source.js';
import { sleep, waitFor } from '../reliability/helpers/wait.js';
import { roleFactory, type TestRole } from '../sql/helpers.js';

const CHANNEL = 'cdb_connectors_jobs';
/** Issue 6 §4: a real cancel stops the import within 2 s. */
const CANCEL_BOUND_MS = 2000;
/** Longer than a hint's trip (gate interval + one re-read): a forged cancel would have acted by then. */
const FORGED_CANCEL_WATCH_MS = 5 * HINT_MIN_INTERVAL_MS + 500;
const FLOOD_NOTIFICATIONS = 10_000;
const FLOOD_CONNECTIONS = 4;
/** Kinds of hint the sidecar acts on, and pool checkouts per act (readSettings + claim for requests, settle + enqueue for the scheduler). */
const HINT_KINDS = 4;
const CHECKOUTS_PER_HINT = 2;
/** What a hint-only payload looks like: an op and nothing else. */
const HINT_PAYLOAD = /^\{\s*"op"\s*:\s*"(enqueued|cancel|request|sync_now)"\s*\}$/;

let db: TargetDb;
let my: MysqlDb;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;
let mallory: TestRole;
let sidecar: CapturedSidecar;

beforeAll(async () => {
  ({ db, my } = await createSlowSourceDbs());
  roles = roleFactory(db);
  alice = await roles.create('alice', 'cdb_connector_user');
  mallory = await roles.create('mallory'); // no grant at all: CONNECT through PUBLIC is enough to LISTEN and NOTIFY
  await db.query(`create schema "${alice.name}" authorization "${alice.name}"`);
  await allowSource();
  // (a) runs a sync now right after its first run; the min_sync_now_interval limit (attack 9) would refuse it
  await db.query("update cdb_connectors.settings set value = '0' where name = 'min_sync_now_interval'");
  await my.exec("create table small (id int primary key, v varchar(5)); insert into small values (1, 'a'), (2, 'b'), (3, 'c');");
  sidecar = await startCapturedSidecar(db.url, { concurrency: 3, pollIntervalMs: 500 });
});

afterAll(async () => {
  await sidecar?.stop();
  await my?.drop();
  await roles?.cleanup();
});

/** allowed_hosts names the MariaDB source; the host:port form arrives with issue 16 §2, the bare host works before it. */
async function allowSource(): Promise<void> {
  try {
    await setSetting(db, 'allowed_hosts', [`${my.host}:${my.port}`]);
  } catch {
    await setSetting(db, 'allowed_hosts', [my.host]);
  }
}

async function importAsAlice(params: unknown): Promise<string> {
  const { rows } = await alice.query<{ r: { item_queue_id: string } }>('select cdb_connector_import($1::jsonb) as r', [JSON.stringify(params)]);
  return rows[0]!.r.item_queue_id;
}

/** alice's slow import of `rows` numbered rows (about rows × 10 ms), running once rows arrive. */
async function runningSlowImport(rows: number, table: string): Promise<string> {
  const id = await importAsAlice(slowRequest(my, { rows, sleepSeconds: 0.01, marker: `notify_${crypto.randomBytes(4).toString('hex')}`, table }));
  await waitFor(`${table} to stream rows`, async () => {
    const job = await jobRecord(db, id);
    return job.state === 'importing' && job.rows_fetched > 0;
  }, 20_000);
  return id;
}

/** The rows of a finished import as they arrived in alice's schema: count and the highest n. */
async function arrived(tableName: string): Promise<{ count: number; max: number }> {
  const { rows } = await db.query<{ count: number; max: number }>(`select count(*)::int as count, max(n)::int as max from "${alice.name}"."${tableName}"`);
  return rows[0]!;
}

/** mallory's LISTEN: every raw payload on the channel. */
async function listenAsMallory(): Promise<{ payloads: string[]; stop(): Promise<void> }> {
  const client = new pg.Client(db.urlAs(mallory.name));
  await client.connect();
  const payloads: string[] = [];
  client.on('notification', (n) => { if (n.channel === CHANNEL) payloads.push(n.payload ?? ''); });
  await client.query(`listen ${CHANNEL}`);
  return { payloads, stop: () => client.end() };
}

async function forge(payload: string): Promise<void> {
  await mallory.query('select pg_notify($1, $2)', [CHANNEL, payload]);
}

describe('a stranger on the channel', () => {
  it('(a) sees no id in any payload while another tenant imports, cancels, checks and syncs', async () => {
    const ear = await listenAsMallory();
    try {
      const running = await runningSlowImport(2000, 'seen_running');
      expect((await alice.query('select cdb_connector_cancel($1) as ok', [running])).rows[0].ok).toBe(true);
      expect(await waitForJob(db, running, 10_000)).toMatchObject({ state: 'cancelled', error_code: 1509 });
      const queued = await importAsAlice({ connector: { provider: 'mysql', connection: my.connection(), table: 'small', import_as: 'seen_queued' } });
      expect(await waitForJob(db, queued)).toMatchObject({ state: 'complete', rows_imported: 3 });
      // the two-step form of cdb_connector_check, so the test knows the request's id
      const { rows: [request] } = await alice.query<{ id: string }>("select cdb_connector_request('check', $1::jsonb) as id",
        [JSON.stringify({ connector: { provider: 'mysql', connection: my.connection() } })]);
      const { rows: [checked] } = await alice.query("select cdb_connector_request_result($1, '10 seconds') as r", [request!.id]);
      expect(checked.r).toMatchObject({ connected: true });
      const sync = await createSync(db.urlAs(alice.name), { connector: { provider: 'mysql', connection: my.connection(), table: 'small', import_as: 'seen_sync' }, interval: 3600 });
      const first = await waitForSyncRun(db, sync.id);
      expect(first.state).toBe('success');
      await alice.query('select cdb_connector_sync_now($1)', [sync.id]);
      const second = await waitForSyncRun(db, sync.id, first.last_import_id);
      expect(second.state).toBe('success');
      await sleep(200); // the last NOTIFYs reach mallory

      const { payloads } = ear;
      const ops = new Set(payloads.map((p) => JSON.parse(p).op));
      expect([...ops].sort()).toEqual(['cancel', 'enqueued', 'request', 'sync_now']);
      for (const p of payloads) expect(p).toMatch(HINT_PAYLOAD);
      const secrets = [running, queued, sync.id, first.last_import_id, second.last_import_id, request!.id, alice.name];
      for (const p of payloads) for (const s of secrets) expect(p).not.toContain(s);
    } finally {
      await ear.stop();
    }
  });

  it('(b) a forged cancel with the victim\'s real job id does not cancel her running import: it completes with all rows', async () => {
    const id = await runningSlowImport(300, 'forged_cancel');
    await forge(JSON.stringify({ op: 'cancel', id })); // the payload the SQL API sent before the fix
    await forge(JSON.stringify({ op: 'cancel', id, nonce: 'x' }));
    await forge(JSON.stringify({ op: 'cancel' })); // today's hint, from a stranger
    await sleep(FORGED_CANCEL_WATCH_MS);
    expect(await jobRecord(db, id)).toMatchObject({ state: 'importing', cancel_requested: false, error_code: null });

    const done = await waitForJob(db, id, 30_000);
    expect(done, done.error_message ?? '').toMatchObject({ state: 'complete', rows_imported: 300, error_code: null });
    expect(await arrived(done.table_name!)).toEqual({ count: 300, max: 300 });
  });

  it('(c) the owner\'s cdb_connector_cancel still stops a running import within 2 s', async () => {
    const id = await runningSlowImport(2000, 'real_cancel');
    const t0 = Date.now();
    expect((await alice.query('select cdb_connector_cancel($1) as ok', [id])).rows[0].ok).toBe(true);
    const status = await waitForJob(db, id, CANCEL_BOUND_MS * 5);
    const cancelMs = Date.now() - t0;
    console.info(`real cancel: cancelled after ${cancelMs} ms`);
    expect(status).toMatchObject({ state: 'cancelled', error_code: 1509, rows_imported: null });
    expect(cancelMs).toBeLessThan(CANCEL_BOUND_MS);
    const { rows } = await db.query('select 1 from pg_tables where schemaname = $1 and tablename = $2', [alice.name, 'real_cancel']);
    expect(rows).toEqual([]);
  });

  it('(d) a flood of notifications neither stalls nor crashes the sidecar, costs a bounded number of re-reads, and later jobs complete', async () => {
    const during = await runningSlowImport(300, 'through_flood');
    let checkouts = 0;
    const count = () => { checkouts++; };
    sidecar.sidecar.pool.on('acquire', count);

    // Background checkouts (heartbeat, progress tick, polls, scheduler tick) per millisecond, without a flood.
    const baseStart = Date.now();
    await sleep(1000);
    const baselinePerMs = checkouts / (Date.now() - baseStart);

    // each a distinct payload (a counter n), so PostgreSQL merges none of them
    const forgeries: Array<(n: number) => string> = [
      (n) => JSON.stringify({ op: 'cancel', id: during, n }), (n) => JSON.stringify({ op: 'cancel', n }),
      (n) => JSON.stringify({ op: 'enqueued', id: during, n }), (n) => JSON.stringify({ op: 'request', n }),
      (n) => JSON.stringify({ op: 'sync_now', n }), (n) => JSON.stringify({ op: `made_up_${n}` }),
      (n) => JSON.stringify({ op: 'cancel', n, pad: 'x'.repeat(4000) }), (n) => `not json at all ${n}`, (n) => `{"op": ${n}`,
    ];
    const flooders = await Promise.all(Array.from({ length: FLOOD_CONNECTIONS }, async () => {
      const client = new pg.Client(db.urlAs(mallory.name));
      await client.connect();
      return client;
    }));
    checkouts = 0;
    const floodStart = Date.now();
    try {
      await Promise.all(flooders.map(async (client, c) => {
        for (let i = 0; i < FLOOD_NOTIFICATIONS / FLOOD_CONNECTIONS; i++) {
          const n = c * FLOOD_NOTIFICATIONS + i;
          await client.query('select pg_notify($1, $2)', [CHANNEL, forgeries[i % forgeries.length]!(n)]);
        }
      }));
    } finally {
      await Promise.all(flooders.map((client) => client.end()));
    }
    await sleep(3 * HINT_MIN_INTERVAL_MS); // the trailing hint of each kind and its re-read
    const floodMs = Date.now() - floodStart;
    sidecar.sidecar.pool.off('acquire', count);
    const bound = HINT_KINDS * CHECKOUTS_PER_HINT * (floodMs / HINT_MIN_INTERVAL_MS + 2) + 2 * baselinePerMs * floodMs + 20;
    console.info(`flood: ${FLOOD_NOTIFICATIONS} notifications in ${floodMs} ms → ${checkouts} pool checkouts (bound ${Math.round(bound)}, background ${Math.round(baselinePerMs * 1000)}/s)`);
    expect(checkouts).toBeLessThan(bound);

    // the listener never restarted (pg-listen's JSON.parse used to emit 'error' on 'not json at all')
    expect(sidecar.sidecar.listening).toBe(true);
    const troubles = sidecar.logs.entries().map((e) => String(e.msg)).filter((msg) => /listener (connection error|reconnect|could not)|handling a notification failed/.test(msg));
    expect(troubles.slice(0, 3)).toEqual([]);

    const done = await waitForJob(db, during, 30_000);
    expect(done, done.error_message ?? '').toMatchObject({ state: 'complete', rows_imported: 300 });
    expect(await arrived(done.table_name!)).toEqual({ count: 300, max: 300 });

    const t0 = Date.now();
    const after = await importAsAlice({ connector: { provider: 'mysql', connection: my.connection(), table: 'small', import_as: 'after_flood' } });
    const status = await waitForJob(db, after, 10_000);
    console.info(`job queued after the flood: complete after ${Date.now() - t0} ms`);
    expect(status).toMatchObject({ state: 'complete', rows_imported: 3 });
    expect((await db.query(`select id, v from "${alice.name}".after_flood order by id`)).rows).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }]);
  });
});
