/**
 * A HiveServer2 test server: the real TCLIService Thrift protocol (hive-driver's generated
 * Processor, binary protocol, NOSASL or PLAIN SASL) in front of a real SQL engine (PostgreSQL)
 * with a thin HiveQL → PostgreSQL translation. Any HiveServer2 client can use it; the connector's
 * `hive` provider is tested against it, and the containers suite reruns the same tests against a
 * real Hive image.
 *
 *   const hive = await startHiveServer({ backendUrl, user: 'u', password: 'p' });
 *   // … connect to hive.host:hive.port …
 *   await hive.stop();
 */
import net from 'node:net';
import pg from 'pg';
import { Catalog } from './catalog.js';
import { HiveService, type ServerHooks, type ServerStats } from './service.js';
import { createWireServer, type AuthMode } from './wire.js';

export type { ServerHooks, ServerStats } from './service.js';
export { queryHiveQL, runHiveQL, type HiveEndpoint } from './fixtures.js';

export interface HiveServerOptions {
  /** PostgreSQL database that stores the Hive tables (the server creates its schemas there). */
  backendUrl: string;
  /** 0 (default) = any free port. */
  port?: number;
  host?: string;
  /** Both given: PLAIN SASL with this login. Neither: NOSASL. */
  user?: string;
  password?: string;
  /** Backend connections: one per open query result plus DDL. */
  maxBackendConnections?: number;
}

export interface HiveServer {
  host: string;
  port: number;
  auth: AuthMode['mode'];
  stats: ServerStats;
  hooks: ServerHooks;
  stop(): Promise<void>;
}

const DEFAULT_BACKEND_CONNECTIONS = 20;
/** A client that leaks operations must get an error, not a server stuck waiting for a backend connection. */
const BACKEND_CHECKOUT_TIMEOUT_MS = 10_000;

export async function startHiveServer(opts: HiveServerOptions): Promise<HiveServer> {
  if ((opts.user === undefined) !== (opts.password === undefined)) throw new Error('give both user and password (PLAIN SASL) or neither (NOSASL)');
  const auth: AuthMode = opts.user !== undefined ? { mode: 'PLAIN', user: opts.user, password: opts.password! } : { mode: 'NOSASL' };
  const pool = new pg.Pool({
    connectionString: opts.backendUrl,
    max: opts.maxBackendConnections ?? DEFAULT_BACKEND_CONNECTIONS,
    connectionTimeoutMillis: BACKEND_CHECKOUT_TIMEOUT_MS,
  });
  pool.on('error', () => undefined); // an idle backend connection dying is not the server's problem
  const catalog = new Catalog(pool);
  await catalog.ensure();
  const stats: ServerStats = { connections: 0, openedSessions: 0, closedSessions: 0, statements: [], cancelledOperations: 0, closedOperations: 0, fetches: 0 };
  const hooks: ServerHooks = { executeDelayMs: 0 };
  const service = new HiveService(pool, catalog, stats, hooks);
  const server = createWireServer(service, auth);
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    host, port: address.port, auth: auth.mode, stats, hooks,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.closeAll();
      await pool.end();
    },
  };
}
