/**
 * The server factory the SQL Server provider tests are written against. `tdsTestServer` starts
 * the TDS test server (test/servers/tds) on a fresh backing database in the run's PostgreSQL; the
 * containers suite can pass a factory that starts a real SQL Server image instead and rerun every
 * assertion (cases that read `stats` skip themselves when it is absent).
 */
import crypto from 'node:crypto';
import pino from 'pino';
import tedious from 'tedious';
import { inject } from 'vitest';
import type { SessionOptions, SourceRequest } from '../../../src/providers/provider.js';
import { queryOnce } from '../../helpers/one-shot-sql.js';
import { makeSelfSignedCert } from '../../servers/tds/cert.js';
import { startTdsServer, type ServerStats } from '../../servers/tds/server.js';

export interface SqlServerUnderTest {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** PEM file of the CA that signed the server certificate, when the server offers TLS. */
  caFile?: string;
  /** Runs T-SQL (a batch, `;`-separated statements) as the admin login. */
  loadFixture(tsql: string): Promise<void>;
  /** Counters of the TDS test server (attentions, rows sent, socket queue…); absent for a real server. */
  stats?: ServerStats;
  stop(): Promise<void>;
}

export interface SqlServerFactory {
  name: string;
  /** `postgis`: geometry/geography columns (the TDS test server stores them with PostGIS). */
  start(opts?: { tls?: boolean; postgis?: boolean }): Promise<SqlServerUnderTest>;
}

async function adminSql(text: string, url = inject('servers').pg.url): Promise<void> {
  await queryOnce(url, text);
}

/** Runs a T-SQL batch with tedious (plain T-SQL over TDS: the same path a real server would take). */
export async function runTsql(s: { host: string; port: number; user: string; password: string; database: string; caFile?: string }, tsql: string): Promise<void> {
  const conn = new tedious.Connection({
    server: s.host,
    authentication: { type: 'default', options: { userName: s.user, password: s.password } },
    options: { port: s.port, database: s.database, encrypt: s.caFile !== undefined, trustServerCertificate: true, requestTimeout: 300_000 },
  });
  await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
  try {
    await new Promise<void>((resolve, reject) => conn.execSqlBatch(new tedious.Request(tsql, (err) => (err ? reject(err) : resolve()))));
  } finally {
    conn.close();
  }
}

export const tdsTestServer: SqlServerFactory = {
  name: 'TDS test server',
  async start(opts = {}) {
    const backend = `tds_${crypto.randomBytes(5).toString('hex')}`;
    await adminSql(`create database ${backend}`);
    const { host, port } = inject('servers').pg;
    // In dbo, the server's search_path: T-SQL names no schema for functions and types.
    if (opts.postgis) await adminSql('create schema dbo; create extension postgis schema dbo', `postgres://postgres@${host}:${port}/${backend}`);
    const cert = opts.tls ? await makeSelfSignedCert() : undefined;
    const user = 'cdb_reader';
    const password = `pw'; ]${crypto.randomBytes(4).toString('hex')}`;
    const tds = await startTdsServer({ user, password, database: 'cdb_test', backendUrl: `postgres://postgres@${host}:${port}/${backend}`, tls: cert });
    const server: SqlServerUnderTest = {
      host: tds.host, port: tds.port, user, password, database: tds.database, caFile: cert?.certFile, stats: tds.stats,
      loadFixture: (tsql) => runTsql(server, tsql),
      async stop() {
        await tds.stop();
        cert?.remove();
        await adminSql(`drop database if exists ${backend} with (force)`);
      },
    };
    return server;
  },
};

export function sqlserverRequest(s: SqlServerUnderTest, extra: Partial<SourceRequest> = {}, connection: Partial<SourceRequest['connection']> = {}): SourceRequest {
  return {
    provider: 'sqlserver',
    connection: { server: s.host, port: s.port, database: s.database, username: s.user, password: s.password, encrypt: s.caFile !== undefined, ...connection },
    ...extra,
  };
}

export function sessionOptions(overrides: Partial<SessionOptions> = {}): SessionOptions {
  return { connectTimeoutMs: 5_000, statementTimeoutMs: 60_000, fetchRows: 10_000, log: pino({ level: 'silent' }), ...overrides };
}
