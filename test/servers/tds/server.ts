/**
 * A SQL Server look-alike for tests: real MS-TDS 7.4 over TCP (tedious or any TDS client connects
 * to it), backed by a real PostgreSQL database with a thin T-SQL translation. See README notes in
 * the files: packets.ts (framing), login.ts + tls.ts (PRELOGIN/LOGIN7/encryption), executor.ts
 * (batches, RPC, cursors, attention), catalog.ts (declared types, INFORMATION_SCHEMA).
 *
 *   const tds = await startTdsServer({ user: 'sa', password: 'pw', backendUrl });
 *   // tedious: { server: tds.host, options: { port: tds.port, encrypt: false } }
 *   await tds.stop();
 */
import net from 'node:net';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../postgres.js';
import { Catalog, bootstrapCatalog } from './catalog.js';
import type { ServerStats } from './executor.js';
import { Session } from './session.js';
import type { TlsCredentials } from './tls.js';

export type { ServerStats } from './executor.js';

export interface TdsServerOptions {
  user: string;
  password: string;
  /** Database name clients log in to (also accepted: `master`). Default `master`. */
  database?: string;
  /** PostgreSQL database that holds the data; without it a throwaway cluster is started (and stopped with the server). */
  backendUrl?: string;
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** Certificate and key: the server then offers TLS (PRELOGIN-wrapped, and TDS 8 strict). */
  tls?: TlsCredentials;
  /** Refuse clients that do not encrypt. */
  requireEncryption?: boolean;
  /** Largest packet size granted at login (clients ask; tedious asks 4096 by default). */
  maxPacketSize?: number;
  log?: (line: string) => void;
}

export interface TdsServer {
  host: string;
  port: number;
  database: string;
  backendUrl: string;
  /** Live counters: logins, attentions, rows sent, largest socket queue… */
  stats: ServerStats;
  /** Number of client connections open now. */
  openConnections(): number;
  stop(): Promise<void>;
}

const DEFAULT_MAX_PACKET_SIZE = 32767;
const FIRST_SPID = 51;

export async function startTdsServer(opts: TdsServerOptions): Promise<TdsServer> {
  let ownBackend: PostgresServer | undefined;
  let backendUrl = opts.backendUrl;
  if (!backendUrl) {
    ownBackend = await startPostgres();
    backendUrl = ownBackend.url;
  }
  const database = opts.database ?? 'master';
  const boot = new pg.Client(backendUrl);
  await boot.connect();
  try {
    await bootstrapCatalog(boot, database);
  } finally {
    await boot.end();
  }
  const stats: ServerStats = {
    connections: 0, logins: 0, loginFailures: 0, batches: 0, rpcs: 0, attentions: 0, rowsSent: 0, maxQueuedBytes: 0,
    readOnlyIntentLogins: 0, encryptedLogins: 0, statements: [],
  };
  const catalog = new Catalog();
  const sockets = new Set<net.Socket>();
  const sessions = new Set<Session>();
  let spid = FIRST_SPID;
  const server = net.createServer((socket) => {
    stats.connections++;
    sockets.add(socket);
    socket.setNoDelay(true);
    const session = new Session(socket, {
      user: opts.user, password: opts.password, database, backendUrl: backendUrl!, tls: opts.tls,
      requireEncryption: opts.requireEncryption ?? false, maxPacketSize: opts.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE,
      catalog, stats, log: opts.log ?? (() => undefined),
    }, spid++);
    sessions.add(session);
    socket.on('close', () => { sockets.delete(socket); sessions.delete(session); });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    host: address.address, port: address.port, database, backendUrl, stats,
    openConnections: () => sockets.size,
    async stop() {
      for (const s of sockets) s.destroy();
      await Promise.all([...sessions].map((s) => s.close()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ownBackend?.stop();
    },
  };
}
