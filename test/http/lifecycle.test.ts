/**
 * The HTTP server's life with the sidecar (issue 11 §1): `connector-bridge run` serves it only
 * when HTTP_PORT is set and stops it gracefully on SIGTERM (exit 0); close() lets an in-flight
 * request finish before the pool ends.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { freePort } from '../servers/free-port.js';
import { withAlice, type RoleFactory, type TestRole } from '../sql/helpers.js';
import { api, createKey, leaks, startHttpHarness } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLI_START_TIMEOUT_MS = 20_000;

let db: TargetDb;
let roles: RoleFactory;
let alice: TestRole;
let key: string;

beforeAll(async () => {
  db = await createTargetDb();
  ({ roles, alice } = await withAlice(db));
  key = await createKey(db, alice.name);
});

afterAll(async () => {
  await roles?.cleanup();
});

describe('graceful close', () => {
  it('finishes an in-flight request, then stops accepting', async () => {
    const h = await startHttpHarness(db);
    const locker = new pg.Client(db.url);
    await locker.connect();
    let stopped = false;
    try {
      await locker.query('begin');
      await locker.query('lock table cdb_connectors.jobs in access exclusive mode');
      const body = { connector: { provider: 'mysql', connection: { server: 'h', database: 'd', username: 'u', password: 'p' }, table: 't' } };
      const inFlight = api(h.base, '/api/v1/imports', { key, body });
      await expect.poll(async () => (await db.query(
        "select count(*)::int as n from pg_stat_activity where application_name = 'cdb_connectors http' and wait_event_type = 'Lock'")).rows[0].n).toBe(1);
      const closing = h.http.close().then(() => { stopped = true; });
      await new Promise((r) => setTimeout(r, 300));
      expect(stopped).toBe(false); // waits for the request
      const refused = await api(h.base, '/api/v1/connectors', { key }).then((r) => r.status, () => 'refused');
      expect([503, 'refused']).toContain(refused);
      await locker.query('commit');
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(res.body.success).toBe(true);
      await closing;
      expect(stopped).toBe(true);
    } finally {
      await locker.end();
      await h.sidecar.stop();
    }
  });
});

describe('connector-bridge run', () => {
  it('serves the HTTP API on HTTP_PORT and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['src/cli.ts', 'run', '--allow-superuser'], {
      cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url, HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info', METRICS_PORT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + CLI_START_TIMEOUT_MS;
      while (!output.includes('HTTP API on /api/v1')) {
        if (Date.now() > deadline) throw new Error(`the sidecar did not start the HTTP API:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const res = await api(`http://127.0.0.1:${port}`, '/api/v1/connectors', { key });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['hive', 'mysql', 'postgres', 'sqlserver']);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toMatch(/"route":"\/api\/v1\/connectors","status":200/);
      expect(leaks(key, output)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
