/**
 * Issue 16 §5 and §6 (attacks 8 and 11), on real components: real `connector-bridge run` child
 * processes, the production logger and fastify, the test cluster's PostgreSQL and MariaDB.
 *   - Logging never crashes the sidecar: with LOG_LEVEL=trace a garbage line to the HTTP port used
 *     to kill it (pino redaction walked into fastify's clientError `rawPacket` Buffer). The
 *     sidecar stays up, keeps serving and completes an import; passwords stay redacted.
 *   - An unhandled rejection or an uncaught exception in the sidecar process is logged, not fatal.
 *   - Poison pill: a job whose sidecar is SIGKILLed while running it, twice, is failed on the next
 *     claim (INTERNAL, "crashed the sidecar twice") instead of killing a third sidecar.
 *   - The metrics server binds 127.0.0.1 unless METRICS_HOST says otherwise.
 *   - A check whose sidecar dies fails within 5 s (stale heartbeat), not at its ~47 s deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startOperationsServer } from '../../src/ops/server.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { enqueueImport, waitForJob } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { jobRecord, setSetting } from '../reliability/helpers/jobs.js';
import { REPO_ROOT, startCapturedSidecar } from '../reliability/helpers/sidecars.js';
import { createNumbers, slowRequest } from '../reliability/helpers/slow-source.js';
import { sleep, waitFor } from '../reliability/helpers/wait.js';

/** A non-loopback IPv4 address of this machine, if it has one. */
const EXTERNAL_IPV4 = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
const PASSWORD = `Robust-${crypto.randomBytes(6).toString('hex')}`;
const USER = `robust_${crypto.randomBytes(3).toString('hex')}`;

let my: MysqlDb;
const dbs: TargetDb[] = [];
const children: Child[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'robustness-'));

beforeAll(async () => {
  my = await createMysqlDb();
  await createNumbers(my);
  await my.exec("create table small (id int primary key, name varchar(20)); insert into small values (1, 'one'), (2, 'two'), (3, 'three');");
  await my.createUser(USER, PASSWORD);
});

afterAll(async () => {
  await Promise.all(children.map((c) => c.kill()));
  await Promise.all(dbs.map((d) => d.drop()));
  await my?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function targetDb(): Promise<TargetDb> {
  const db = await createTargetDb();
  dbs.push(db);
  return db;
}

const smallImport = (table: string) => ({ connector: { provider: 'mysql', connection: my.connection(USER, PASSWORD), table: 'small', import_as: table } });

// --- a real sidecar process with the environment a test chooses ------------------------------

interface Child {
  process: ChildProcess;
  workerId: string;
  output(): string;
  entries(): Array<Record<string, unknown>>;
  alive(): boolean;
  /** The first log entry whose msg contains `msg`, waiting for it. */
  line(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  kill(): Promise<void>;
}

async function spawnChild(databaseUrl: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<Child> {
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/cli.ts', 'run', '--allow-superuser'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DATABASE_URL: databaseUrl, CONNECTOR_CONCURRENCY: '2', CONNECTOR_POLL_INTERVAL_MS: '250', LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  const entries = () => out.split('\n').filter((l) => l.startsWith('{')).flatMap((l) => {
    try { return [JSON.parse(l) as Record<string, unknown>]; } catch { return []; }
  });
  const line = (msg: string, timeoutMs = 20_000) => waitFor(`log line "${msg}"`, () => {
    if (!alive()) throw new Error(`child exited:\n${out.slice(-4000)}`);
    return entries().find((e) => String(e.msg).includes(msg));
  }, timeoutMs).catch((err: Error) => { throw new Error(`${err.message}\n${out.slice(-4000)}`); });
  const started = await line('sidecar started');
  const child: Child = {
    process: proc, workerId: String(started.worker_id), output: () => out, entries, alive, line,
    async kill() {
      if (alive()) proc.kill('SIGKILL');
      await exited;
    },
  };
  children.push(child);
  return child;
}

/** Writes raw bytes to host:port and returns everything the server sent before closing. */
function rawExchange(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let got = '';
    socket.on('data', (d) => { got += d.toString('latin1'); });
    socket.on('error', (err) => (got ? resolve(got) : reject(err)));
    socket.on('close', () => resolve(got));
    socket.setTimeout(5000, () => socket.destroy());
  });
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function connectError(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once('connect', () => { socket.destroy(); resolve(undefined); });
    socket.once('timeout', () => { socket.destroy(); resolve('ETIMEDOUT'); });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

const GARBAGE = ['GARBAGE \x00\x01\x02 not http at all\r\n\r\n', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`];

// --- logging ----------------------------------------------------------------------------------

describe('logging never crashes the process', () => {
  it('the production logger survives what fastify logs for garbage (rawPacket Buffer), at trace, and still redacts passwords', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'trace', destination: { write: (l: string) => { lines.push(l); } } });
    // fastify's default clientErrorHandler, unchanged: it logs { err } (rawPacket included) at trace.
    const app = Fastify({ loggerInstance: log as unknown as FastifyBaseLogger });
    app.get('/ok', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const port = (app.server.address() as net.AddressInfo).port;
      for (const g of GARBAGE) expect(await rawExchange(port, g)).toMatch(/^HTTP\/1\.1 4\d\d /);
      expect(lines.some((l) => l.includes('"msg":"client error"'))).toBe(true);
      expect(lines.join('')).not.toContain('GARBAGE');
      expect((await get(`http://127.0.0.1:${port}/ok`)).status).toBe(200);
    } finally {
      await app.close();
    }

    const err = Object.assign(new Error('Parse Error: Invalid method encountered'), { code: 'HPE_INVALID_METHOD', rawPacket: Buffer.from('GARBAGE\r\n'), detail: 'x' });
    const child = log.child({ job_id: 'j1', connection: { server: 'h', password: PASSWORD } });
    child.error({ err, bytes: new Uint8Array(1 << 20), params: { connection: { password: PASSWORD } }, a: { b: { c: { d: { e: { password: PASSWORD } } } } } }, 'boom');
    child.info({ databaseUrl: `postgres://u:${PASSWORD}@h/db`, connectionString: `postgres://u:${PASSWORD}@h/db` }, 'urls');
    const text = lines.join('');
    expect(text).not.toContain(PASSWORD);
    const boom = JSON.parse(lines.find((l) => l.includes('"msg":"boom"'))!) as Record<string, any>;
    expect(boom.err).toEqual({ type: 'Error', message: 'Parse Error: Invalid method encountered', code: 'HPE_INVALID_METHOD' });
    expect(boom.connection.password).toBe('***');
    expect(boom.params.connection.password).toBe('***');
    expect(boom.a.b.c.d.e.password).toBe('***');
    expect(boom.bytes).toBe('[Uint8Array 1048576 bytes]');
  });

  describe('a sidecar process at LOG_LEVEL=trace with the HTTP API and metrics on', () => {
    let db: TargetDb;
    let child: Child;
    let httpPort: number;

    beforeAll(async () => {
      db = await targetDb();
      const fault = path.join(tmp, 'fault.mjs');
      // SIGUSR2 makes the child produce an unhandled rejection and an uncaught exception.
      fs.writeFileSync(fault, `process.on('SIGUSR2', () => {
        Promise.reject(new Error('robustness: a rejection nobody handles'));
        setTimeout(() => { throw new Error('robustness: an exception nobody catches'); }, 20);
      });\n`);
      child = await spawnChild(db.url, { LOG_LEVEL: 'trace', HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', METRICS_PORT: '0' }, ['--import', `file://${fault}`]);
      httpPort = Number((await child.line('HTTP API on')).port);
    });

    it('garbage on the HTTP port: answered 4xx, the sidecar stays up, serves HTTP and completes an import', async () => {
      for (const g of GARBAGE) expect(await rawExchange(httpPort, g)).toMatch(/^HTTP\/1\.1 4\d\d /);
      await sleep(300);
      expect(child.alive(), child.output().slice(-4000)).toBe(true);
      expect((await get(`http://127.0.0.1:${httpPort}/api/v1/openapi.json`)).status).toBe(200);
      const done = await waitForJob(db, await enqueueImport(db.url, smallImport('after_garbage')), 30_000);
      expect(done.state, done.error_message ?? '').toBe('complete');
      expect((await jobRecord(db, done.id)).worker_id).toBe(child.workerId);
      expect(child.output()).toContain('http client error');
      expect(child.output()).not.toContain('GARBAGE');
      expect(child.output()).not.toContain(PASSWORD);
    });

    it('an unhandled rejection and an uncaught exception are logged; the sidecar keeps running jobs', async () => {
      child.process.kill('SIGUSR2');
      const rejection = await child.line('unhandled promise rejection');
      const uncaught = await child.line('uncaught exception');
      expect(rejection).toMatchObject({ level: 50, err: { type: 'Error', message: 'robustness: a rejection nobody handles' } });
      expect(uncaught).toMatchObject({ level: 50, err: { type: 'Error', message: 'robustness: an exception nobody catches' } });
      await sleep(300);
      expect(child.alive(), child.output().slice(-4000)).toBe(true);
      const done = await waitForJob(db, await enqueueImport(db.url, smallImport('after_errors')), 30_000);
      expect(done.state, done.error_message ?? '').toBe('complete');
    });

    it('the metrics server listens on 127.0.0.1 by default (attack 11)', async () => {
      const ready = await child.line('metrics and health');
      expect(ready.host).toBe('127.0.0.1');
      const port = Number(ready.port);
      expect((await get(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      if (EXTERNAL_IPV4) expect(await connectError(EXTERNAL_IPV4, port)).toBe('ECONNREFUSED');
      else console.info('robustness: no non-loopback IPv4 interface here; checked the bound address only');
      // Garbage on the metrics port is answered and harmless too.
      expect(await rawExchange(port, GARBAGE[0]!)).toMatch(/^HTTP\/1\.1 400 /);
      expect(child.alive()).toBe(true);
    });
  });

  it('METRICS_HOST: default 127.0.0.1, and it opens the server to the interface it names', async () => {
    expect(loadConfig({}, {}).metricsHost).toBe('127.0.0.1');
    expect(loadConfig({}, { METRICS_HOST: '0.0.0.0' }).metricsHost).toBe('0.0.0.0');
    const db = await targetDb();
    const captured = await startCapturedSidecar(db.url);
    try {
      const loopback = await startOperationsServer({ port: 0, sidecar: captured.sidecar, log: captured.logs.logger });
      const wide = await startOperationsServer({ port: 0, host: '0.0.0.0', sidecar: captured.sidecar, log: captured.logs.logger });
      try {
        expect(loopback.host).toBe('127.0.0.1');
        expect((await get(`http://127.0.0.1:${loopback.port}/metrics`)).status).toBe(200);
        if (EXTERNAL_IPV4) {
          // The probe can tell the two apart: the wide server answers on the external address.
          expect(await connectError(EXTERNAL_IPV4, wide.port)).toBeUndefined();
          expect(await connectError(EXTERNAL_IPV4, loopback.port)).toBe('ECONNREFUSED');
        }
      } finally {
        await loopback.close();
        await wide.close();
      }
    } finally {
      await captured.stop();
    }
  });
});

// --- poison pill ------------------------------------------------------------------------------

describe('poison-pill guard', () => {
  it('a job whose sidecar died twice while running it is failed on the next claim; the third sidecar stays up', async () => {
    const db = await targetDb();
    await setSetting(db, 'lease_seconds', 5); // the smallest the settings trigger accepts
    // ~20 s of remote SLEEP per attempt: each sidecar is killed well before it could finish.
    const id = await enqueueImport(db.url, slowRequest(my, { rows: 2000, sleepSeconds: 0.01, marker: 'poison', table: 'poison', connection: my.connection(USER, PASSWORD) }));

    for (const attempt of [1, 2]) {
      const victim = await spawnChild(db.url, {});
      await waitFor(`attempt ${attempt} streaming in its sidecar`, async () => {
        const j = await jobRecord(db, id);
        return j.state === 'importing' && j.worker_id === victim.workerId && j.attempt === attempt && j.rows_fetched > 0;
      }, 30_000);
      await victim.kill(); // SIGKILL: the lease is left to expire, as when a sidecar crashes
      const { rows } = await db.query<{ crashes: number }>('select crashes from cdb_connectors.jobs where id = $1', [id]);
      expect(rows[0]!.crashes).toBe(attempt - 1);
    }

    const survivor = await spawnChild(db.url, {});
    const done = await waitForJob(db, id, 30_000);
    expect(done.state).toBe('failure');
    expect(done.error_code).toBe(99999);
    expect(done.error_message).toMatch(/^The job crashed the sidecar twice \(.*\); it was not retried\. /);
    const job = await jobRecord(db, id);
    expect(job.attempt).toBe(2); // never claimed a third time
    expect(job.lease_expires_at).toBeNull();
    const { rows } = await db.query<{ crashes: number; secrets: number; logged: number; tables: number }>(
      `select j.crashes,
              (select count(*)::int from cdb_connectors.job_secrets s where s.job_id = j.id) as secrets,
              (select count(*)::int from cdb_connectors.import_log l where l.job_id = j.id and l.message like 'The job crashed the sidecar twice%') as logged,
              (select count(*)::int from pg_catalog.pg_class where relname = 'poison') as tables
         from cdb_connectors.jobs j where j.id = $1`, [id]);
    expect(rows[0]).toEqual({ crashes: 2, secrets: 0, logged: 1, tables: 0 });

    // The third sidecar is alive and still works.
    const next = await waitForJob(db, await enqueueImport(db.url, smallImport('after_poison')), 30_000);
    expect(next.state, next.error_message ?? '').toBe('complete');
    expect((await jobRecord(db, next.id)).worker_id).toBe(survivor.workerId);
    expect(survivor.alive()).toBe(true);
  }, 150_000);

  it('a job handed back on purpose (graceful stop) is not counted as a crash', async () => {
    const db = await targetDb();
    const id = await enqueueImport(db.url, slowRequest(my, { rows: 2000, sleepSeconds: 0.01, marker: 'handback', table: 'handback' }));
    for (const attempt of [1, 2, 3]) {
      const s = await startCapturedSidecar(db.url, { shutdownGraceMs: 100 });
      await waitFor(`attempt ${attempt} streaming`, async () => {
        const j = await jobRecord(db, id);
        return j.state === 'importing' && j.attempt === attempt && j.rows_fetched > 0;
      }, 30_000);
      await s.stop();
    }
    const { rows } = await db.query<{ state: string; crashes: number }>('select state, crashes from cdb_connectors.jobs where id = $1', [id]);
    expect(rows[0]).toEqual({ state: 'enqueued', crashes: 0 });
  }, 90_000);
});

// --- a request whose sidecar dies -------------------------------------------------------------

describe('check / list / preview requests', () => {
  it('a check whose sidecar dies mid-way fails within 5 s with a clear error', async () => {
    const db = await targetDb();
    // A "MySQL server" that accepts connections and never says a word: the check waits on it.
    const held: net.Socket[] = [];
    const blackhole = net.createServer((s) => { held.push(s); s.on('error', () => undefined); });
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    const port = (blackhole.address() as net.AddressInfo).port;
    try {
      const child = await spawnChild(db.url, {});
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const params = { connector: { provider: 'mysql', connection: { server: '127.0.0.1', port, database: 'd', username: 'u', password: PASSWORD } } };
        const answer = client.query('call cdb_connector_check($1::jsonb)', [JSON.stringify(params)]).then(() => undefined, (err: pg.DatabaseError) => err);
        await waitFor('the check to reach the sidecar', () => held.length > 0, 10_000);
        await waitFor('the request to be running', async () => (await db.query("select 1 from cdb_connectors.requests where state = 'running'")).rowCount === 1, 5000);
        const killedAt = Date.now();
        await child.kill();
        const err = await answer;
        const waitedMs = Date.now() - killedAt;
        expect(err, 'the check should fail').toBeInstanceOf(Error);
        expect(err!.code).toBe('57014');
        expect(err!.message).toMatch(/^The sidecar that took request .* stopped while working on it$/);
        expect(err!.detail).toMatch(/^error_code 1504; sidecar /);
        expect(waitedMs).toBeLessThan(5000);
        console.info(`robustness: check failed ${waitedMs} ms after its sidecar was killed`);
      } finally {
        await client.end();
      }
    } finally {
      for (const s of held) s.destroy();
      blackhole.close();
    }
  }, 60_000);
});
