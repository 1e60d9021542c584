/**
 * Helpers for the SQL API tests: throwaway login roles (roles are cluster-wide and test files run
 * in parallel against one cluster, so every name gets a random suffix) and error capture.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { TargetDb } from '../helpers/target.js';

export interface SqlError {
  code: string | undefined;
  message: string;
  detail: string | undefined;
}

/** Runs a query that must fail and returns its SQLSTATE, message and DETAIL. */
export async function sqlError(run: Promise<unknown>): Promise<SqlError> {
  try {
    await run;
  } catch (err) {
    const e = err as pg.DatabaseError;
    return { code: e.code, message: e.message, detail: e.detail };
  }
  throw new Error('expected the statement to fail, it succeeded');
}

async function clusterQuery(text: string): Promise<void> {
  const client = new pg.Client(inject('servers').pg.url);
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export interface TestRole {
  name: string;
  client: pg.Client;
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * Roles for one test file. `create('alice', 'cdb_connector_user')` makes a login role
 * alice_<random> member of the given roles, connected to db. `cleanup()` closes the
 * connections, drops the database, then the roles (a role cannot be dropped while a database
 * holds privileges granted to it).
 */
export function roleFactory(db: TargetDb) {
  const suffix = crypto.randomBytes(4).toString('hex');
  const roles: TestRole[] = [];
  return {
    async create(prefix: string, ...memberOf: string[]): Promise<TestRole> {
      const name = `${prefix}_${suffix}`;
      await clusterQuery(`create role "${name}" login ${memberOf.length ? `in role ${memberOf.map((r) => `"${r}"`).join(', ')}` : ''}`);
      const client = new pg.Client(db.urlAs(name));
      await client.connect();
      const role: TestRole = { name, client, query: (text, values) => client.query(text, values as any[]) };
      roles.push(role);
      return role;
    },
    async cleanup(): Promise<void> {
      await Promise.all(roles.map((r) => r.client.end().catch(() => undefined)));
      await db.drop();
      for (const r of roles) await clusterQuery(`drop role if exists "${r.name}"`);
    },
  };
}

/** The valid MySQL request most corpus cases start from. */
export function mysqlRequest(overrides: Record<string, unknown> = {}, connection: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    connector: {
      provider: 'mysql',
      connection: { server: 'db.example.com', database: 'shop', username: 'reader', password: 'secret', ...connection },
      table: 'orders',
      ...overrides,
    },
  };
}
