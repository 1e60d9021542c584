/**
 * `npm start` (embedded PostgreSQL, no DATABASE_URL) as a new user meets it (issue 22 §8), real
 * processes throughout:
 *   - the banner prints the HTTP API and metrics URLs when they are on, and they answer;
 *   - the HTTP API listens on 127.0.0.1 by default: not on the machine's other addresses;
 *   - with stdout not a terminal, the logs stay JSON lines;
 *   - a second start on the same data directory answers with one line (what runs, where, how to
 *     stop it), exit 2, and the first goes on; never a stack trace, never "remove the
 *     credentials" (which would lock the user out of the running database);
 *   - a PostgreSQL left running by a killed start, and a port taken by another program, get one
 *     line each too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../helpers/start.js';
import { freePort } from '../servers/free-port.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'src', 'cli.ts');
const START_TIMEOUT_MS = 90_000;
const { DATABASE_URL: _ignored, HTTP_HOST: _host, ...WITHOUT_URL } = process.env;

interface Run { code: number | null; stdout: string; stderr: string }

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env: { LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** An address of this machine that is not loopback, if it has one. */
function otherAddress(): string | undefined {
  return Object.values(os.networkInterfaces()).flat().find((a) => a && !a.internal && a.family === 'IPv4')?.address;
}

const connects = (host: string, port: number) => new Promise<boolean>((resolve) => {
  const socket = net.connect({ host, port, timeout: 2000 }, () => { socket.destroy(); resolve(true); });
  socket.on('error', () => resolve(false)).on('timeout', () => { socket.destroy(); resolve(false); });
});

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+\(.*:\d+:\d+\)$/m);

describe('npm start with the HTTP API and metrics on', () => {
  let dataDir: string;
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let out = '';
  let pgPort: number;
  let httpPort: number;
  let metricsPort: number;

  beforeAll(async () => {
    dataDir = tempDataDir('pgcb-banner-');
    [pgPort, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start', '--data-dir', dataDir], {
      cwd: ROOT, env: { ...WITHOUT_URL, PGPORT: String(pgPort), HTTP_PORT: String(httpPort), METRICS_PORT: String(metricsPort), LOG_LEVEL: 'info', LOG_FORMAT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => { out += d; });
    child.stderr!.on('data', (d) => { out += d; });
    exited = new Promise((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner within ${START_TIMEOUT_MS} ms:\n${out}`)), START_TIMEOUT_MS);
      const poll = setInterval(() => {
        if (/stop: /.test(out)) { clearInterval(poll); clearTimeout(timer); resolve(); }
      }, 100);
      void exited.then((code) => { clearInterval(poll); clearTimeout(timer); reject(new Error(`start exited with ${code}:\n${out}`)); });
    });
  }, START_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    // the embedded PostgreSQL outlives the SIGKILLed start: stop it before its directory goes
    const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
    if (fs.existsSync(pidFile)) {
      try { process.kill(Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGTERM'); } catch { /* already stopped */ }
      for (let i = 0; i < 100 && fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the banner prints the HTTP API and metrics URLs, and they answer', async () => {
    const http = `http://127.0.0.1:${httpPort}/api/v1`;
    const metrics = `http://127.0.0.1:${metricsPort}/metrics`;
    expect(out).toContain(`  HTTP API:  ${http}  (OpenAPI: ${http}/openapi.json)\n`);
    expect(out).toContain(`  metrics:   ${metrics}  (health: http://127.0.0.1:${metricsPort}/healthz)\n`);
    expect(out).toContain(`  data:      ${dataDir} (embedded PostgreSQL on 127.0.0.1:${pgPort}`);
    expect(out).toMatch(new RegExp(`  stop: +Ctrl-C \\(or kill ${child.pid}\\)`));
    const openapi = await fetch(`${http}/openapi.json`);
    expect(openapi.status).toBe(200);
    expect(((await openapi.json()) as { openapi: string }).openapi).toMatch(/^3\./);
    expect(await (await fetch(metrics)).text()).toContain('cdb_connectors_workers_alive');
  });

  it('the HTTP API listens on 127.0.0.1 only', async () => {
    expect(await connects('127.0.0.1', httpPort)).toBe(true);
    const other = otherAddress();
    if (other) expect(await connects(other, httpPort), `reached on ${other}`).toBe(false);
    expect(out).toMatch(new RegExp(`"host":"127\\.0\\.0\\.1","port":${httpPort},"url":"http://127\\.0\\.0\\.1:${httpPort}/api/v1"`));
  });

  it('logs are JSON lines when stdout is not a terminal', () => {
    const logLines = out.split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(3);
    for (const line of logLines) expect(JSON.parse(line)).toHaveProperty('msg');
    expect(logLines.some((l) => JSON.parse(l).msg === 'sidecar started')).toBe(true);
  });

  it('a second start on the same data directory: one line saying what runs and how to stop it, exit 2', async () => {
    const r = await cli(['start', '--data-dir', dataDir], { ...WITHOUT_URL, PGPORT: String(await freePort()) });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      `connector-bridge start is already running on ${dataDir} (pid ${child.pid}; PostgreSQL on 127.0.0.1:${pgPort}, `
      + `HTTP API http://127.0.0.1:${httpPort}/api/v1, metrics http://127.0.0.1:${metricsPort}/metrics): `
      + `use it (npx connector-bridge status), or stop it first with Ctrl-C in its terminal or kill ${child.pid}.`,
    ]);
    noStackTrace(r.stderr);
    // the first one goes on, reachable at the port it keeps in the credentials file
    const status = await cli(['status', '--json', '--data-dir', dataDir], WITHOUT_URL);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).workers).toEqual([expect.objectContaining({ alive: true })]);
  });

  it('its PostgreSQL left running by a killed start: one line with the kill that stops it', async () => {
    child.kill('SIGKILL');
    await exited;
    const pid = Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const r = await cli(['start', '--data-dir', dataDir], WITHOUT_URL);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr.trim()).toBe(`The embedded PostgreSQL of ${dataDir} is still running (pid ${pid}, port ${pgPort}) without connector-bridge start, `
      + `left over from a start that was killed: stop it with kill ${pid} (it shuts down cleanly on SIGTERM), then start again.`);
    expect(r.stderr).not.toMatch(/remove .*credentials/);
  });
});

it('the embedded PostgreSQL\'s port taken by another program: one line, exit 2, nothing initialised', async () => {
  const dataDir = tempDataDir('pgcb-taken-');
  const port = await freePort();
  const squatter = net.createServer().listen(port, '127.0.0.1');
  await new Promise((r) => squatter.once('listening', r));
  try {
    const r = await cli(['start', '--data-dir', dataDir], { ...WITHOUT_URL, PGPORT: String(port) });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr.trim()).toBe(`Port ${port} on 127.0.0.1, the embedded PostgreSQL's, is in use by another program: stop that program, `
      + `or start with PGPORT set to a free port (kept in ${path.join(dataDir, 'credentials')} for the next start), or set DATABASE_URL to use an existing PostgreSQL.`);
    noStackTrace(r.stderr);
    expect(fs.existsSync(path.join(dataDir, 'pg'))).toBe(false);
  } finally {
    squatter.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
