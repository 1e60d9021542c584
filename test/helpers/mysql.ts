/**
 * A MariaDB database per test file on the run's MariaDB, with root access for fixtures and the
 * connection parameters a connector request needs.
 */
import crypto from 'node:crypto';
import mysql from 'mysql2/promise';
import { inject } from 'vitest';

export interface MysqlDb {
  name: string;
  host: string;
  port: number;
  /** Runs a multi-statement script as root in this database. */
  exec(sql: string, values?: unknown[]): Promise<unknown>;
  /** A login with a password and SELECT on this database only. */
  createUser(user: string, password: string): Promise<void>;
  connection(user?: string, password?: string): { server: string; port: number; database: string; username: string; password?: string };
  drop(): Promise<void>;
}

export async function createMysqlDb(): Promise<MysqlDb> {
  const { host, port, rootUser } = inject('servers').mariadb;
  const name = `m_${crypto.randomBytes(5).toString('hex')}`;
  const root = await mysql.createConnection({ host, port, user: rootUser, multipleStatements: true, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
  await root.query(`create database \`${name}\` character set utf8mb4`);
  await root.query(`use \`${name}\``);
  return {
    name, host, port,
    exec: (sql, values) => root.query(sql, values as any[]),
    async createUser(user, password) {
      await root.query('create user if not exists ?@? identified by ?', [user, '%', password]);
      await root.query(`grant select on \`${name}\`.* to ?@?`, [user, '%']);
    },
    connection: (user = rootUser, password) => ({ server: host, port, database: name, username: user, password: password ?? '' }),
    async drop() {
      await root.query(`drop database if exists \`${name}\``);
      await root.end();
    },
  };
}
