/**
 * `npm start` without DATABASE_URL (SPEC §10): an embedded PostgreSQL under the data directory,
 * migrated, with the sidecar attached; prints a psql URL; SIGTERM stops both and exits 0.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { freePort } from '../servers/free-port.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const START_TIMEOUT_MS = 90_000;

it('starts an embedded PostgreSQL, migrates it, runs the sidecar and stops cleanly', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgcb-start-'));
  fs.chmodSync(dataDir, 0o755); // the embedded server may run as the postgres OS user
  const port = await freePort();
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const env = { ...inherited, PGPORT: String(port), LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), 'start', '--data-dir', dataDir], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no psql URL within ${START_TIMEOUT_MS} ms:\n${out}`)), START_TIMEOUT_MS);
      const poll = setInterval(() => {
        const m = /psql "(postgres:\/\/[^"]+)"/.exec(out);
        if (m) { clearInterval(poll); clearTimeout(timer); resolve(m[1]!); }
      }, 100);
      void exited.then((code) => { clearInterval(poll); clearTimeout(timer); reject(new Error(`exited with ${code}:\n${out}`)); });
    });
    expect(url).toContain(`:${port}/`);
    const client = new pg.Client(url);
    await client.connect();
    try {
      const { rows } = await client.query("select (select count(*) from cdb_connectors.workers where alive)::int as alive, to_regproc('cdb_connector_import') is not null as api");
      expect(rows[0]).toEqual({ alive: 1, api: true });
    } finally {
      await client.end();
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // the embedded server is stopped too: nothing listens on its port any more
    const stillUp = await new pg.Client(url).connect().then(() => true, () => false);
    expect(stillUp).toBe(false);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
