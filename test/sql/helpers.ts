/**
 * Helpers for the SQL API tests: throwaway login roles (roles are cluster-wide and test files run
 * in parallel against one cluster, so every name gets a random suffix) and error capture.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { adminQuery } from '../helpers/one-shot-sql.js';
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
      await adminQuery(`create role "${name}" login ${memberOf.length ? `in role ${memberOf.map((r) => `"${r}"`).join(', ')}` : ''}`);
      const client = new pg.Client(db.urlAs(name));
      await client.connect();
      const role: TestRole = { name, client, query: (text, values) => client.query(text, values as any[]) };
      roles.push(role);
      return role;
    },
    async cleanup(): Promise<void> {
      await Promise.all(roles.map((r) => r.client.end().catch(() => undefined)));
      await db.drop();
      for (const r of roles) await adminQuery(`drop role if exists "${r.name}"`);
    },
  };
}

export type RoleFactory = ReturnType<typeof roleFactory>;

/**
 * The cast most API test files start from: the role factory of `db` and alice, a member of
 * cdb_connector_user who may create tables in public (`createInPublic: false`: who may not).
 */
export async function withAlice(db: TargetDb, opts: { createInPublic?: boolean } = {}): Promise<{ roles: RoleFactory; alice: TestRole }> {
  const roles = roleFactory(db);
  const alice = await roles.create('alice', 'cdb_connector_user');
  if (opts.createInPublic ?? true) await db.query(`grant create on schema public to "${alice.name}"`);
  return { roles, alice };
}

/** Checks of what the SQL API NOTIFYs: the payloads a sidecar would receive, parsed. */
export interface JobsListener {
  payloads: any[];
  /** Waits until `count` payloads arrived, for 1 s at most (NOTIFY is delivered within milliseconds). */
  received(count: number): Promise<void>;
  stop(): Promise<void>;
}

const NOTIFY_WAIT_STEPS = 50;
const NOTIFY_WAIT_STEP_MS = 20;

/** A superuser connection to `db` LISTENing on cdb_connectors_jobs, the sidecars' channel. */
export async function listenForJobs(db: TargetDb): Promise<JobsListener> {
  const client = new pg.Client(db.url);
  await client.connect();
  const payloads: any[] = [];
  client.on('notification', (n) => { if (n.channel === 'cdb_connectors_jobs') payloads.push(JSON.parse(n.payload ?? 'null')); });
  try {
    await client.query('listen cdb_connectors_jobs');
  } catch (err) {
    await client.end();
    throw err;
  }
  return {
    payloads,
    async received(count) {
      for (let i = 0; i < NOTIFY_WAIT_STEPS && payloads.length < count; i++) await new Promise((r) => setTimeout(r, NOTIFY_WAIT_STEP_MS));
    },
    stop: () => client.end(),
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
