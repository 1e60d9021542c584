/**
 * The remote PostgreSQL for provider tests, behind a small factory interface so the same suites
 * run against the local binaries (here) and, in the containers suite, against PostgreSQL 12/17
 * images: a factory only has to start a server with or without TLS and say how to reach it.
 */
import type pg from 'pg';
import pino from 'pino';
import type { SessionOptions, SourceRequest, SslMode } from '../../../src/providers/provider.js';
import { queryOnce } from '../../helpers/one-shot-sql.js';
import { startPostgres, type PostgresServer } from '../../servers/postgres.js';
import { createTlsFiles, type TlsFiles } from '../../servers/tls.js';

export interface RemotePostgres {
  host: string;
  port: number;
  /** Superuser URL (trust over TCP) for fixtures and assertions. */
  adminUrl(database?: string): string;
  /** Present when the server has TLS: the CA that signed its certificate and the names in it. */
  tls?: { caFile: string; hosts: string[] };
  /** The PostGIS extension can be created. */
  hasPostgis: boolean;
  /** Stops the server abruptly (immediate shutdown), keeping its data. */
  halt(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RemoteOptions {
  tls?: boolean;
  /** scram-sha-256 for password tests; the superuser `postgres` always gets trust. */
  hostAuth?: 'trust' | 'scram-sha-256';
}

export interface RemoteFactory {
  readonly name: string;
  start(opts?: RemoteOptions): Promise<RemotePostgres>;
}

const OS_USER = 'postgres';

export const localRemoteFactory: RemoteFactory = {
  name: 'local binaries',
  async start(opts: RemoteOptions = {}): Promise<RemotePostgres> {
    let files: TlsFiles | undefined;
    if (opts.tls) files = await createTlsFiles({ hosts: ['localhost'], owner: OS_USER });
    let server: PostgresServer;
    try {
      server = await startPostgres({ hostAuth: opts.hostAuth, ...(files ? { tls: { certFile: files.certFile, keyFile: files.keyFile } } : {}) });
    } catch (err) {
      files?.remove();
      throw err;
    }
    return {
      host: server.host, port: server.port, hasPostgis: server.hasPostgis,
      adminUrl: (database = 'postgres') => server.urlFor(database),
      ...(files ? { tls: { caFile: files.caFile, hosts: files.hosts } } : {}),
      halt: () => server.halt(),
      start: () => server.start(),
      async stop() {
        await server.stop();
        files?.remove();
      },
    };
  },
};

export const silentLog = pino({ level: 'silent' });

export function sessionOptions(overrides: Partial<SessionOptions> = {}): SessionOptions {
  return { connectTimeoutMs: 5_000, statementTimeoutMs: 60_000, fetchRows: 10_000, log: silentLog, ...overrides };
}

export interface RequestOverrides {
  server?: string;
  port?: number;
  database?: string;
  username?: string;
  password?: string;
  sslmode?: SslMode;
  schema?: string;
  /** The request's source, as sidecar/job.ts parses it: `sqlQuery` wins over `table`. */
  table?: string;
  sqlQuery?: string;
}

export function remoteRequest(remote: RemotePostgres, o: RequestOverrides): SourceRequest {
  return {
    provider: 'postgres',
    connection: {
      server: o.server ?? remote.host, port: o.port ?? remote.port, database: o.database ?? 'postgres',
      username: o.username ?? 'postgres', ...(o.password !== undefined ? { password: o.password } : {}), sslmode: o.sslmode ?? 'disable',
    },
    ...(o.schema !== undefined ? { schema: o.schema } : {}),
    ...(o.sqlQuery !== undefined ? { source: { kind: 'query', sql: o.sqlQuery } }
      : o.table !== undefined ? { source: { kind: 'table', table: o.table } } : {}),
  };
}

/** The `connector` params of an import from the remote's `postgres` database as its superuser. */
export function remoteConnector(remote: RemotePostgres, extra: Record<string, unknown>): { connector: Record<string, unknown> } {
  return { connector: { provider: 'postgres', connection: { server: remote.host, port: remote.port, database: 'postgres', username: 'postgres', sslmode: 'disable' }, ...extra } };
}

/** Runs SQL as the remote superuser (fixtures); returns the rows. */
export async function remoteSql<R extends pg.QueryResultRow = Record<string, unknown>>(remote: RemotePostgres, text: string, values: unknown[] = [], database = 'postgres'): Promise<R[]> {
  return queryOnce<R>(remote.adminUrl(database), text, values);
}
