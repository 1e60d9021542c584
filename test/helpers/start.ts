/**
 * `connector-bridge start` (what `npm start` runs) as a real process on a throwaway data
 * directory: no DATABASE_URL, a free PGPORT, resolved once the banner is printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../servers/free-port.js';
import { CLI, ROOT } from './cli.js';

const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;
const { DATABASE_URL: _url, HTTP_HOST: _host, CONNECTOR_PG_BIN: _bin, ...WITHOUT_URL } = process.env;
/** The environment of a new user's shell: no DATABASE_URL, no CONNECTOR_PG_BIN. */
export const START_ENV: NodeJS.ProcessEnv = WITHOUT_URL;

export function tempDataDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755); // the embedded server may run as the postgres OS user
  return dir;
}

export interface RunningStart {
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
  /** The psql URL of the banner. */
  url: string;
  port: number;
  /** SIGTERM, then the exit code (SIGKILL after STOP_TIMEOUT_MS). */
  stop(): Promise<number | null>;
}

export async function startInBackground(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<RunningStart> {
  const port = await freePort();
  const { child, exited, stdout, stderr } = spawnStart(dataDir, { PGPORT: String(port), ...env });
  const output = () => stdout() + stderr();
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try { return await exited; } finally { clearTimeout(timer); }
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner within ${START_TIMEOUT_MS} ms:\n${output()}`)), START_TIMEOUT_MS);
      const poll = setInterval(() => {
        const m = /psql "(postgres:\/\/[^"]+)"[\s\S]*stop: /.exec(stdout());
        if (m) { clearInterval(poll); clearTimeout(timer); resolve(m[1]!); }
      }, 100);
      void exited.then((code) => { clearInterval(poll); clearTimeout(timer); reject(new Error(`start exited with ${code}:\n${output()}`)); });
    });
    return { child, exited, output, url, port, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Runs `fn` beside a start on a new data directory; stopped (exit 0 expected) and removed afterwards. */
export async function withStart(prefix: string, env: NodeJS.ProcessEnv, fn: (started: RunningStart, dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = tempDataDir(prefix);
  let started: RunningStart | undefined;
  try {
    started = await startInBackground(dataDir, env);
    await fn(started, dataDir);
    const code = await started.stop();
    if (code !== 0) throw new Error(`start exited with ${code} on SIGTERM:\n${started.output()}`);
  } finally {
    await started?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A start expected not to start: its exit code and outputs. */
export async function runStart(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { exited, stdout, stderr } = spawnStart(dataDir, { PGPORT: String(await freePort()), ...env });
  const code = await exited;
  return { code, stdout: stdout(), stderr: stderr() };
}

function spawnStart(dataDir: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start', '--data-dir', dataDir], {
    cwd: ROOT, env: { ...START_ENV, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}
