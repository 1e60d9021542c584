/**
 * What the Hive provider tests need from a HiveServer2: an address, a login, and a way to load
 * HiveQL fixtures. The local factory starts the test server (test/servers/hive) on a fresh
 * backend database of the run's PostgreSQL cluster; the containers suite passes a factory for a
 * real Hive 4 image and reruns the same suites. Server-side observations (`stats`) and fault
 * hooks exist only on the local server; assertions that need them are skipped elsewhere.
 */
import crypto from 'node:crypto';
import pino from 'pino';
import { inject } from 'vitest';
import type { SessionOptions, SourceObject, SourceRequest } from '../../../src/providers/provider.js';
import { adminQuery } from '../../helpers/one-shot-sql.js';
import { queryHiveQL, runHiveQL } from '../../servers/hive/fixtures.js';
import { startHiveServer, type ServerHooks, type ServerStats } from '../../servers/hive/index.js';

export interface HiveTestServer {
  host: string;
  port: number;
  /** Set when the server wants PLAIN SASL; absent for NOSASL. */
  user?: string;
  password?: string;
  /** Runs a `;`-separated HiveQL script. */
  loadFixture(hiveql: string): Promise<void>;
  stats?: ServerStats;
  hooks?: ServerHooks;
  stop(): Promise<void>;
}

export interface HiveServerFactory {
  /** Shown in test names: `local NOSASL`, `local PLAIN`, `hive:4.0.1`. */
  name: string;
  start(): Promise<HiveTestServer>;
}

export function localHiveServerFactory(auth: 'NOSASL' | 'PLAIN'): HiveServerFactory {
  return {
    name: `local ${auth}`,
    async start() {
      const database = `hive_${crypto.randomBytes(5).toString('hex')}`;
      await adminQuery(`create database ${database}`);
      const { host, port } = inject('servers').pg;
      const login = auth === 'PLAIN' ? { user: 'hive_user', password: `pw-${crypto.randomBytes(6).toString('hex')}` } : {};
      const server = await startHiveServer({ backendUrl: `postgres://postgres@${host}:${port}/${database}`, ...login });
      return {
        host: server.host, port: server.port, ...login, stats: server.stats, hooks: server.hooks,
        loadFixture: (hiveql) => runHiveQL({ host: server.host, port: server.port, ...login }, hiveql),
        async stop() {
          await server.stop();
          await adminQuery(`drop database if exists ${database} with (force)`);
        },
      };
    },
  };
}

export const silentLog = pino({ level: 'silent' });

export function sessionOptions(overrides: Partial<SessionOptions> = {}): SessionOptions {
  return { connectTimeoutMs: 5_000, statementTimeoutMs: 60_000, fetchRows: 1_000, log: silentLog, ...overrides };
}

/** A `hive` request for the server; `database` is the session database, `schema` the table's. */
export function hiveRequest(server: HiveTestServer, extra: Partial<SourceRequest> = {}): SourceRequest {
  return {
    provider: 'hive',
    connection: {
      server: server.host, port: server.port, database: 'default',
      ...(server.user !== undefined ? { username: server.user, password: server.password } : {}),
    },
    ...extra,
  };
}

/** `source` of a request that reads a table (of the request's `schema`). */
export function tableSource(table: string): { source: SourceObject } {
  return { source: { kind: 'table', table } };
}

/** `source` of a request that runs a HiveQL query. */
export function querySource(sql: string): { source: SourceObject } {
  return { source: { kind: 'query', sql } };
}

/** A remote value of a test table: a number or text, written as the column's type needs it. */
export type RemoteValue = string | number | null;

/**
 * The test tables of an e2e file on a HiveServer2 (`server()` is read when used, after beforeAll):
 * the connector's connection, a table dropped and created again with columns typed as Hive spells
 * them in lower case (`int`, `bigint`, `varchar(n)`, `decimal(p,s)`, …) or `text` (STRING), every
 * value but an INT or a string written as a CAST of its exact text, and its rows read back with
 * every column CAST AS STRING (Hive's text).
 */
export function hiveTables(server: () => HiveTestServer) {
  const type = (t: string) => (t === 'text' ? 'STRING' : t.toUpperCase());
  const name = (n: string) => `\`${n.replace(/`/g, '``')}\``;
  const literal = (t: string, v: RemoteValue) => {
    if (v === null) return 'NULL';
    if (t === 'int') return String(v);
    if (!/^(varchar|char|text)/.test(t)) return `CAST('${v}' AS ${type(t)})`;
    return `'${String(v).replace(/[\\']/g, (c) => `\\${c}`)}'`;
  };
  const endpoint = () => { const s = server(); return { host: s.host, port: s.port, user: s.user, password: s.password }; };
  return {
    provider: 'hive' as const,
    connection: () => {
      const s = server();
      return { server: s.host, port: s.port, database: 'default', ...(s.user !== undefined ? { username: s.user, password: s.password } : {}) };
    },
    /** DROP TABLE IF EXISTS, CREATE TABLE `columns` (name → type), INSERT `rows` (in this order: a scan reads them so). */
    async recreate(table: string, columns: Record<string, string>, rows: RemoteValue[][]): Promise<void> {
      const types = Object.values(columns);
      const ddl = Object.entries(columns).map(([n, t]) => `${name(n)} ${type(t)}`).join(', ');
      const values = rows.map((r) => `(${r.map((v, i) => literal(types[i]!, v)).join(', ')})`).join(', ');
      await server().loadFixture(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (${ddl});${rows.length ? ` INSERT INTO ${table} VALUES ${values};` : ''}`);
    },
    /** `SELECT <each of columns AS STRING> FROM table WHERE where`, the rows as they came. */
    async rows(table: string, columns: string[], where = '1 = 1'): Promise<Array<Array<string | null>>> {
      const rows = await queryHiveQL(endpoint(), `SELECT ${columns.map((c) => `CAST(${name(c)} AS STRING)`).join(', ')} FROM ${table} WHERE ${where}`);
      return rows.map((r) => Object.values(r).map((v) => (v === null || v === undefined ? null : String(v))));
    },
  };
}
