/**
 * A fresh target database per test file, cloned from the migrated template (graphile-worker's
 * trick: cloning takes ~50 ms where migrating takes seconds).
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { LOCAL_SOURCES } from '../../src/db/embedded.js';
import { adminQuery } from './one-shot-sql.js';

export interface TargetDb {
  name: string;
  url: string;
  /** URL of this database for another role (login roles created by tests). */
  urlAs(user: string, password?: string): string;
  /** A pool of superuser connections for assertions. */
  pool: pg.Pool;
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  drop(): Promise<void>;
}

function urlFor(database: string, user = 'postgres', password?: string): string {
  const { host, port } = inject('servers').pg;
  return `postgres://${encodeURIComponent(user)}${password ? ':' + encodeURIComponent(password) : ''}@${host}:${port}/${encodeURIComponent(database)}`;
}

/**
 * Lets `db`'s connectors read from the test cluster itself (a postgres source in another
 * database of the same server): the network policy refuses the target's own port unless an
 * allowed_hosts entry names it.
 */
export async function allowTargetAsSource(db: TargetDb): Promise<void> {
  const { port } = inject('servers').pg;
  await db.query(`update cdb_connectors.settings set value = $1 where name = 'allowed_hosts'`,
    [JSON.stringify([...LOCAL_SOURCES, `127.0.0.1:${port}`, `[::1]:${port}`, `localhost:${port}`])]);
}

export async function createTargetDb(opts: { postgis?: boolean } = {}): Promise<TargetDb> {
  const servers = inject('servers');
  const template = opts.postgis ? servers.pg.templatePostgisDb : servers.pg.templateDb;
  if (!template) throw new Error('PostGIS is not installed in the test cluster: apt-get install -y postgresql-15-postgis-3');
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name} template ${template}`);
  const url = urlFor(name);
  const pool = new pg.Pool({ connectionString: url, max: 5 });
  // pool.end() resolves before its clients' sockets close; `drop database … with (force)` in
  // drop() can then terminate one of them, and pg-pool re-emits that on the pool: without a
  // listener it is an uncaught exception that fails the whole file (seen in test/http under load).
  pool.on('error', () => undefined);
  return {
    name, url, pool,
    urlAs: (user, password) => urlFor(name, user, password),
    query: (text, values) => pool.query(text, values as any[]),
    async drop() {
      await pool.end();
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}
