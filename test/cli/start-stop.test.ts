/**
 * Every way a user stops `npm start` (embedded PostgreSQL, no DATABASE_URL) is clean (issue 22
 * §8: SIGTERM to npm left the sidecar and PostgreSQL running), with real processes: npm runs the
 * script through `sh -c` and on SIGTERM signals its child only, so
 *   - SIGTERM or SIGINT to the npm process,
 *   - SIGTERM, SIGINT or SIGHUP (terminal closed) to the node process (the script's command as
 *     package.json has it),
 *   - npm killed outright (SIGKILL: node is orphaned),
 * all end with the sidecar drained, the embedded PostgreSQL stopped (no postmaster.pid, its pid
 * gone, its port refusing connections), .data/start.json removed, and node exiting 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../servers/free-port.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const START_TIMEOUT_MS = 90_000;
const STOP_DEADLINE_MS = 20_000;
const { DATABASE_URL: _ignored, HTTP_HOST: _host, ...WITHOUT_URL } = process.env;
const STOPPED_LINE = /connector-bridge stopped \(.+\): the sidecar handed its jobs back, the embedded PostgreSQL is shut down\./;

/** The npm script, as package.json has it: what a user runs by `npm start`. */
function startScript(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.replace(/^exec /, '').split(' ');
}

interface Started {
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
  dataDir: string;
  port: number;
  /** The node process that runs `start` (from start.json). */
  nodePid: number;
  postmasterPid: number;
}

/** `ownGroup`: the process group of its own a terminal gives a command (Ctrl-C signals the whole group). */
async function start(via: 'npm' | 'node', opts: { dataDir?: string; ownGroup?: boolean } = {}): Promise<Started> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pgcb-stop-'));
  fs.chmodSync(dataDir, 0o755); // the embedded server may run as the postgres OS user
  const port = await freePort();
  const env = { ...WITHOUT_URL, PGPORT: String(port), LOG_LEVEL: 'warn' };
  const [cmd, ...args] = via === 'npm' ? ['npm', 'start', '--', '--data-dir', dataDir] : [...startScript(), '--data-dir', dataDir];
  const child = spawn(cmd!, args, { cwd: ROOT, env, detached: opts.ownGroup === true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within ${START_TIMEOUT_MS} ms:\n${out}`)), START_TIMEOUT_MS);
    const poll = setInterval(() => {
      if (/stop: /.test(out)) { clearInterval(poll); clearTimeout(timer); resolve(); }
    }, 100);
    void exited.then((code) => { clearInterval(poll); clearTimeout(timer); reject(new Error(`exited with ${code}:\n${out}`)); });
  });
  const running = JSON.parse(fs.readFileSync(path.join(dataDir, 'start.json'), 'utf8')) as { pid: number };
  const postmasterPid = Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  return { child, exited, output: () => out, dataDir, port, nodePid: running.pid, postmasterPid };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const connects = (port: number) => new Promise<boolean>((resolve) => {
  const socket = net.connect({ host: '127.0.0.1', port, timeout: 2000 }, () => { socket.destroy(); resolve(true); });
  socket.on('error', () => resolve(false)).on('timeout', () => { socket.destroy(); resolve(false); });
});

async function until(what: string, check: () => boolean, s: Started): Promise<void> {
  const deadline = Date.now() + STOP_DEADLINE_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${STOP_DEADLINE_MS} ms:\n${s.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Everything of that start is gone: node, its PostgreSQL, postmaster.pid, start.json; the port refuses. */
async function expectStoppedCleanly(s: Started): Promise<void> {
  await until('node exited', () => !alive(s.nodePid), s);
  await until('PostgreSQL stopped', () => !alive(s.postmasterPid), s);
  expect(fs.existsSync(path.join(s.dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  expect(fs.existsSync(path.join(s.dataDir, 'start.json'))).toBe(false);
  expect(await connects(s.port)).toBe(false);
  // printed just before process.exit(0), after the sidecar and PostgreSQL stopped
  await until('the stopped line', () => STOPPED_LINE.test(s.output()), s);
}

function cleanup(s: Started | undefined): void {
  if (!s) return;
  for (const pid of [s.nodePid, s.postmasterPid]) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  if (s.child.exitCode === null) s.child.kill('SIGKILL');
  fs.rmSync(s.dataDir, { recursive: true, force: true });
}

describe('stopping npm start', () => {
  it('uses a script npm signals directly (exec: no shell between npm and node)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
    expect(pkg.scripts.start).toMatch(/^exec node /);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} to the npm process stops the sidecar and the embedded PostgreSQL`, async () => {
      let s: Started | undefined;
      try {
        s = await start('npm');
        expect(s.nodePid).not.toBe(s.child.pid);
        s.child.kill(signal);
        await expectStoppedCleanly(s);
        await s.exited;
      } finally {
        cleanup(s);
      }
    }, 150_000);
  }

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`${signal} to the node process: clean stop, exit 0`, async () => {
      let s: Started | undefined;
      try {
        s = await start('node');
        expect(s.nodePid).toBe(s.child.pid);
        s.child.kill(signal);
        expect(await s.exited).toBe(0);
        await expectStoppedCleanly(s);
      } finally {
        cleanup(s);
      }
    }, 150_000);
  }

  it('Ctrl-C in the terminal (SIGINT to the whole process group): the sidecar still reaches PostgreSQL to hand back, then it stops', async () => {
    let s: Started | undefined;
    let again: Started | undefined;
    try {
      s = await start('npm', { ownGroup: true });
      process.kill(-s.child.pid!, 'SIGINT');
      await expectStoppedCleanly(s);
      // the stopped sidecar removed its own row: it was stopped before PostgreSQL (PostgreSQL in
      // the terminal's group too would have shut down at once, leaving the row to its lease)
      again = await start('node', { dataDir: s.dataDir });
      const status = await new Promise<string>((resolve) => {
        let out = '';
        const c = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), 'status', '--json', '--data-dir', s!.dataDir],
          { cwd: ROOT, env: WITHOUT_URL, stdio: ['ignore', 'pipe', 'inherit'] });
        c.stdout.on('data', (d) => { out += d; });
        c.on('exit', () => resolve(out));
      });
      expect((JSON.parse(status) as { workers: Array<{ pid: number }> }).workers.map((w) => w.pid)).toEqual([again.nodePid]);
    } finally {
      cleanup(again);
      cleanup(s);
    }
  }, 150_000);

  it('npm killed outright (SIGKILL): the orphaned start stops cleanly by itself', async () => {
    let s: Started | undefined;
    try {
      s = await start('npm');
      s.child.kill('SIGKILL');
      await expectStoppedCleanly(s);
    } finally {
      cleanup(s);
    }
  }, 150_000);
});
