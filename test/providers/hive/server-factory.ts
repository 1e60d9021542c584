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
import { runHiveQL } from '../../servers/hive/fixtures.js';
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
