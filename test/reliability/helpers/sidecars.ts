/**
 * Sidecars for fault-injection tests: in-process ones with captured logs, and real child
 * processes (`node --import tsx src/cli.ts run`, configured through the environment as in
 * production) that a test can SIGSTOP, SIGCONT and SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOperationsServer, type OperationsServer } from '../../../src/ops/server.js';
import { Sidecar } from '../../../src/sidecar/worker.js';
import { captureLogs, type CapturedLog } from './log-capture.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface CapturedSidecar {
  sidecar: Sidecar;
  logs: CapturedLog;
  /** Present when started with `metrics: true`: /metrics and /healthz on a free port. */
  ops?: OperationsServer;
  baseUrl?: string;
  stop(): Promise<void>;
}

export interface InProcessOptions {
  concurrency?: number;
  pollIntervalMs?: number;
  workerId?: string;
  metrics?: boolean;
  logs?: CapturedLog;
  shutdownGraceMs?: number;
}

export async function startCapturedSidecar(databaseUrl: string, opts: InProcessOptions = {}): Promise<CapturedSidecar> {
  const logs = opts.logs ?? captureLogs();
  const sidecar = new Sidecar({
    databaseUrl, concurrency: opts.concurrency ?? 2, pollIntervalMs: opts.pollIntervalMs ?? 500,
    shutdownGraceMs: opts.shutdownGraceMs ?? 5000, log: logs.logger, workerId: opts.workerId,
  });
  await sidecar.start();
  const ops = opts.metrics ? await startOperationsServer({ port: 0, sidecar, log: logs.logger }) : undefined;
  let stopped = false;
  return {
    sidecar, logs, ops, baseUrl: ops ? `http://127.0.0.1:${ops.port}` : undefined,
    async stop() {
      if (stopped) return;
      stopped = true;
      await ops?.close();
      await sidecar.stop();
    },
  };
}

export interface ChildSidecar {
  process: ChildProcess;
  pid: number;
  workerId: string;
  /** stdout + stderr so far (pino JSON lines). */
  output(): string;
  signal(sig: NodeJS.Signals): void;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the child if it is still running and waits for it to exit. */
  kill(): Promise<void>;
}

const CHILD_START_TIMEOUT_MS = 20_000;

/**
 * Starts `connector-bridge run` as a child process. Only DATABASE_URL, CONNECTOR_* and PATH are
 * passed on: the test asserts that nothing else (no remote password) reaches the process.
 */
export async function spawnSidecar(databaseUrl: string, opts: { concurrency?: number; pollIntervalMs?: number; shutdownGraceMs?: number; allowSuperuser?: boolean } = {}): Promise<ChildSidecar> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'run', ...(opts.allowSuperuser === false ? [] : ['--allow-superuser'])], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      DATABASE_URL: databaseUrl,
      CONNECTOR_CONCURRENCY: String(opts.concurrency ?? 2),
      CONNECTOR_POLL_INTERVAL_MS: String(opts.pollIntervalMs ?? 500),
      ...(opts.shutdownGraceMs !== undefined ? { CONNECTOR_SHUTDOWN_GRACE_MS: String(opts.shutdownGraceMs) } : {}),
      LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const workerId = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child sidecar did not start within ${CHILD_START_TIMEOUT_MS} ms:\n${out}`)), CHILD_START_TIMEOUT_MS);
    const onData = () => {
      const line = out.split('\n').find((l) => l.includes('"sidecar started"'));
      if (!line) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve((JSON.parse(line) as { worker_id: string }).worker_id);
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`child sidecar exited (${code ?? signal}) before starting:\n${out}`));
    });
  });
  return {
    process: child, pid: child.pid!, workerId, exited,
    output: () => out,
    signal: (sig) => { if (child.exitCode === null && child.signalCode === null) child.kill(sig); },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
      await exited;
    },
  };
}
