/**
 * The small server-factory interface the MySQL provider suites are written against.
 *
 * The suites (test/providers/mysql/suites/*.ts) take a `MysqlTestServer`; the *.test.ts files
 * here pass the run's MariaDB, and a containers suite can pass MySQL 5.7/8 images started with
 * testcontainers and rerun every case unchanged. Everything a case needs from the server goes
 * through this interface: a fresh database, root SQL, users with passwords, request parameters.
 */
import crypto from 'node:crypto';
import mysql from 'mysql2/promise';
import pino from 'pino';
import { inject } from 'vitest';
import type { SessionOptions, SourceRequest } from '../../../src/providers/provider.js';
import { startMariaDb } from '../../servers/mariadb.js';
import { createTlsFiles } from '../../servers/tls.js';

export interface MysqlTestServer {
  /** What the suites may expect: MariaDB stores JSON as LONGTEXT, MySQL has a JSON type. */
  flavour: 'mariadb' | 'mysql';
  host: string;
  port: number;
  rootUser: string;
  rootPassword?: string;
}

export interface MysqlTestDb {
  name: string;
  server: MysqlTestServer;
  /** Runs SQL as root in this database (multi-statement, `?` values escaped by mysql2). */
  exec(sql: string, values?: unknown[]): Promise<any>;
  /** A login with a password and SELECT on this database only. */
  createUser(user: string, password: string): Promise<void>;
  /** A provider request for this database (root unless a user is given). */
  request(extra?: Partial<SourceRequest>, user?: { username: string; password?: string }): SourceRequest;
  drop(): Promise<void>;
}

/** The MariaDB started by test/global-setup.ts for this run. */
export function runMariaDb(): MysqlTestServer {
  const { host, port, rootUser } = inject('servers').mariadb;
  return { flavour: 'mariadb', host, port, rootUser };
}

export interface TlsMysqlTestServer extends MysqlTestServer {
  /** The CA that signed the server's certificate and the names in it (`localhost` only). */
  tls: { caFile: string; hosts: string[] };
  stop(): Promise<void>;
}

/**
 * A MariaDB of its own serving TLS (the run's one has none), for the files that test sslmode:
 * ≈ 2 s to start, so only they pay for it. The certificate names `localhost` only, so
 * `127.0.0.1` fails verify-full.
 */
export async function startTlsMariaDb(): Promise<TlsMysqlTestServer> {
  const files = await createTlsFiles({ hosts: ['localhost'] });
  try {
    const server = await startMariaDb({ tls: files });
    return {
      flavour: 'mariadb', host: server.host, port: server.port, rootUser: server.rootUser,
      tls: { caFile: files.caFile, hosts: files.hosts },
      async stop() {
        await server.stop();
        files.remove();
      },
    };
  } catch (err) {
    files.remove();
    throw err;
  }
}

export function rootConnection(server: MysqlTestServer, database?: string): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: server.host, port: server.port, user: server.rootUser, password: server.rootPassword, database,
    multipleStatements: true, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true, charset: 'UTF8MB4_GENERAL_CI',
  });
}

export async function createTestDb(server: MysqlTestServer): Promise<MysqlTestDb> {
  const name = `my_${crypto.randomBytes(5).toString('hex')}`;
  const root = await rootConnection(server);
  // A connection the server drops between queries reports it on the next query; unlistened it would crash the run.
  root.on('error', () => {});
  await root.query(`create database \`${name}\` character set utf8mb4`);
  await root.query(`use \`${name}\``);
  const users: string[] = [];
  return {
    name, server,
    exec: async (sql, values) => (await root.query(sql, values as any[]))[0],
    async createUser(user, password) {
      users.push(user);
      await root.query('create user if not exists ?@? identified by ?', [user, '%', password]);
      await root.query(`grant select on \`${name}\`.* to ?@?`, [user, '%']);
    },
    request(extra = {}, user) {
      return {
        provider: 'mysql',
        connection: {
          server: server.host, port: server.port, database: name,
          username: user?.username ?? server.rootUser,
          ...(user ? (user.password !== undefined ? { password: user.password } : {}) : server.rootPassword ? { password: server.rootPassword } : {}),
        },
        ...extra,
      };
    },
    async drop() {
      for (const user of users) await root.query('drop user if exists ?@?', [user, '%']);
      await root.query(`drop database if exists \`${name}\``);
      await root.end();
    },
  };
}

export function sessionOptions(overrides: Partial<SessionOptions> = {}): SessionOptions {
  return { connectTimeoutMs: 5_000, statementTimeoutMs: 60_000, fetchRows: 10_000, log: pino({ level: 'silent' }), ...overrides };
}
