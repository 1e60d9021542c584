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

type TdsEndpoint = { host: string; port: number; user: string; password: string; database: string; caFile?: string };

async function withTedious<T>(s: TdsEndpoint, work: (conn: tedious.Connection) => Promise<T>): Promise<T> {
  const conn = new tedious.Connection({
    server: s.host,
    authentication: { type: 'default', options: { userName: s.user, password: s.password } },
    options: { port: s.port, database: s.database, encrypt: s.caFile !== undefined, trustServerCertificate: true, requestTimeout: 300_000 },
  });
  await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
  try {
    return await work(conn);
  } finally {
    conn.close();
  }
}

/** Runs a T-SQL batch with tedious (plain T-SQL over TDS: the same path a real server would take). */
export async function runTsql(s: TdsEndpoint, tsql: string): Promise<void> {
  await withTedious(s, (conn) => new Promise<void>((resolve, reject) => conn.execSqlBatch(new tedious.Request(tsql, (err) => (err ? reject(err) : resolve())))));
}

/** Runs one T-SQL SELECT with tedious; every value as its String() text (select text, e.g. CONVERT(varchar(50), col), for exact values). */
export async function queryTsql(s: TdsEndpoint, tsql: string): Promise<Array<Array<string | null>>> {
  return withTedious(s, (conn) => new Promise((resolve, reject) => {
    const rows: Array<Array<string | null>> = [];
    const request = new tedious.Request(tsql, (err) => (err ? reject(err) : resolve(rows)));
    request.on('row', (columns: Array<{ value: unknown }>) => rows.push(columns.map((c) => (c.value === null ? null : String(c.value)))));
    conn.execSql(request);
  }));
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

/** A remote value of a test table: a number or text, written as the column's type needs it. */
export type RemoteValue = string | number | null;

/**
 * The test tables of an e2e file on a SQL Server (`server()` is read when used, after beforeAll):
 * the connector's connection, a table dropped and created again (the test server has no ALTER
 * TABLE) with columns typed as T-SQL spells them (`int`, `varchar(n)`, `decimal(p,s)`, …) or `text`
 * (varchar(max)), and its rows read back through tedious with every column as SQL Server's text.
 */
export function sqlserverTables(server: () => SqlServerUnderTest) {
  const type = (t: string) => (t === 'text' ? 'varchar(max)' : t);
  const name = (n: string) => `[${n.replace(/]/g, ']]')}]`;
  const literal = (t: string, v: RemoteValue) => (v === null ? 'NULL' : /^(tinyint|smallint|int|bigint|decimal|numeric|real|float)/.test(t) ? String(v) : `'${String(v).replace(/'/g, "''")}'`);
  return {
    provider: 'sqlserver' as const,
    connection: () => {
      const s = server();
      return { server: s.host, port: s.port, database: s.database, username: s.user, password: s.password, encrypt: s.caFile !== undefined };
    },
    /** DROP TABLE IF EXISTS, CREATE TABLE `columns` (name → type), INSERT `rows` (in this order: a scan reads them so). */
    async recreate(table: string, columns: Record<string, string>, rows: RemoteValue[][]): Promise<void> {
      const types = Object.values(columns);
      const ddl = Object.entries(columns).map(([n, t]) => `${name(n)} ${type(t)}`).join(', ');
      const inserts: string[] = [];
      // SQL Server takes at most 1,000 rows per VALUES list
      for (let at = 0; at < rows.length; at += 1000) {
        inserts.push(`INSERT INTO dbo.${table} VALUES ${rows.slice(at, at + 1000).map((r) => `(${r.map((v, i) => literal(types[i]!, v)).join(', ')})`).join(', ')};`);
      }
      await server().loadFixture(`DROP TABLE IF EXISTS dbo.${table}; CREATE TABLE dbo.${table} (${ddl}); ${inserts.join(' ')}`);
    },
    /** `SELECT <each of columns as text> FROM table WHERE where`, the rows as they came. */
    rows: (table: string, columns: string[], where = '1 = 1') =>
      queryTsql(server(), `SELECT ${columns.map((c) => `CONVERT(varchar(max), ${name(c)})`).join(', ')} FROM dbo.${table} WHERE ${where}`),
  };
}
