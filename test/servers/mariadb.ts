/**
 * Throwaway MariaDB/MySQL servers for tests and the benchmark, from local binaries.
 *
 * `mariadb-install-db` first (≈ 1 s) so grants and passwords are real: a wrong password must give
 * a real access-denied error (code 1503). As root `mariadbd` needs --user=root (shared/notes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './free-port.js';
import { isRoot, run } from './process.js';

export interface MariaDbServer {
  host: string;
  port: number;
  /** Root has no password over TCP from 127.0.0.1. */
  rootUser: string;
  socket: string;
  dataDir: string;
  /** Runs SQL as root through the `mariadb` client (multi-statement scripts, fixtures). */
  sql(script: string, database?: string): Promise<string>;
  /** SIGKILLs the server (fault injection); start() brings it back on the same port. */
  kill(): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

function which(names: string[], dirs = ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin']): string | undefined {
  for (const name of names) for (const dir of dirs) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

export function findMariaDbBinaries(): { server: string; installDb: string; client: string } {
  const server = which(['mariadbd', 'mysqld']);
  const installDb = which(['mariadb-install-db', 'mysql_install_db']);
  const client = which(['mariadb', 'mysql']);
  if (!server || !installDb || !client) {
    throw new Error('No MariaDB/MySQL server binaries found. Install them with: apt-get install -y mariadb-server mariadb-client');
  }
  return { server, installDb, client };
}

export interface MariaDbOptions {
  /** Serve TLS with this certificate (test/servers/tls.ts); without it the server offers no TLS (MariaDB < 11.4). */
  tls?: { certFile: string; keyFile: string; caFile: string };
  /** Write a row-based binlog (FULL images) for change-capture tests; off by default (sync_binlog/2PC cost). */
  binlog?: boolean;
}

export async function startMariaDb(opts: MariaDbOptions = {}): Promise<MariaDbServer> {
  const bins = findMariaDbBinaries();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgcb-maria-'));
  const datadir = path.join(dataDir, 'data');
  const socket = path.join(dataDir, 'mysqld.sock');
  const userArgs = isRoot ? ['--user=root'] : [];
  const binlogArgs = opts.binlog
    ? [`--log-bin=${path.join(datadir, 'binlog')}`, '--server-id=1', '--binlog-format=ROW', '--binlog-row-image=FULL']
    : ['--skip-log-bin'];
  const tlsArgs = opts.tls ? [`--ssl-cert=${opts.tls.certFile}`, `--ssl-key=${opts.tls.keyFile}`, `--ssl-ca=${opts.tls.caFile}`] : [];
  // its own tmpdir: installs running side by side in one /tmp collided on '#sql-temptable-…' (ERROR 1051)
  const tmpdir = path.join(dataDir, 'tmp');
  fs.mkdirSync(tmpdir);
  await run(bins.installDb, ['--no-defaults', ...userArgs, `--datadir=${datadir}`, `--tmpdir=${tmpdir}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve']);
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';
  const start = async () => {
    log = '';
    child = spawn(bins.server, [
      '--no-defaults', ...userArgs, `--datadir=${datadir}`, `--socket=${socket}`, `--port=${port}`,
      '--bind-address=127.0.0.1', `--tmpdir=${tmpdir}`, ...binlogArgs, '--skip-name-resolve', `--pid-file=${path.join(dataDir, 'mysqld.pid')}`,
      '--innodb-flush-log-at-trx-commit=0', '--innodb-buffer-pool-size=256M', '--innodb-doublewrite=0',
      '--max-connections=500', '--character-set-server=utf8mb4', '--collation-server=utf8mb4_general_ci',
      '--sql-mode=NO_ENGINE_SUBSTITUTION', '--log-error=' + path.join(dataDir, 'error.log'), ...tlsArgs,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d) => { log += d; });
    child.stderr?.on('data', (d) => { log += d; });
    const exited = new Promise<never>((_, reject) => child!.once('exit', (code) => {
      const errorLog = fs.existsSync(path.join(dataDir, 'error.log')) ? fs.readFileSync(path.join(dataDir, 'error.log'), 'utf8') : '';
      reject(new Error(`MariaDB exited with ${code} while starting:\n${log}\n${errorLog}`));
    }));
    await Promise.race([waitForPort(port, START_TIMEOUT_MS), exited]);
    child.removeAllListeners('exit');
  };
  await start();
  const server: MariaDbServer = {
    host: '127.0.0.1', port, rootUser: 'root', socket, dataDir,
    async sql(script, database) {
      return new Promise((resolve, reject) => {
        const args = ['--no-defaults', '-uroot', `--socket=${socket}`, '--batch', '--raw', '--skip-column-names', ...(database ? [database] : [])];
        const proc = spawn(bins.client, args, { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        proc.stdout.on('data', (d) => { out += d; });
        proc.stderr.on('data', (d) => { err += d; });
        proc.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`mariadb client failed (${code}): ${err}`))));
        proc.stdin.end(script);
      });
    },
    kill() { child?.kill('SIGKILL'); },
    start,
    async stop() {
      // After kill() the child has exited by signal: exitCode stays null, signalCode is set.
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child!.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
