/**
 * Installs or upgrades the SQL API with node-pg-migrate. Safe to run from several sidecars at
 * once: node-pg-migrate takes an advisory lock, and we retry with jitter when the lock races
 * (two replicas starting together), as graphile-worker does.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from 'pino';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');
const MIGRATIONS_TABLE = 'migrations';
const CONTROL_SCHEMA = 'cdb_connectors';
const MAX_ATTEMPTS = 5;
const RETRY_BASE_MS = 200;

export interface MigrateOptions {
  databaseUrl: string;
  /** Schema receiving the user-facing `cdb_connector_*` functions (SPEC §1: public by default). */
  apiSchema?: string;
  log?: Logger;
  /** Apply at most this many pending migrations (default: all). Tests build older releases with it. */
  count?: number;
}

export async function migrate(opts: MigrateOptions): Promise<string[]> {
  const apiSchema = opts.apiSchema ?? 'public';
  // Migrations read the API schema from this variable: node-pg-migrate has no parameter passing.
  process.env.CDB_CONNECTOR_API_SCHEMA = apiSchema;
  for (let attempt = 1; ; attempt++) {
    try {
      const applied = await runner({
        databaseUrl: opts.databaseUrl,
        dir: MIGRATIONS_DIR,
        migrationsTable: MIGRATIONS_TABLE,
        migrationsSchema: CONTROL_SCHEMA,
        createMigrationsSchema: true,
        direction: 'up',
        ...(opts.count === undefined ? {} : { count: opts.count }),
        checkOrder: true,
        singleTransaction: true,
        log: (msg: string) => opts.log?.debug({ migration: true }, msg),
        logger: { debug: () => undefined, info: (m: string) => opts.log?.debug(m), warn: (m: string) => opts.log?.warn(m), error: (m: string) => opts.log?.error(m) },
      });
      return applied.map((m) => m.name);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const raced = /Another migration is already running|duplicate key|already exists|could not serialize/i.test(message);
      if (!raced || attempt >= MAX_ATTEMPTS) throw err;
      const delay = RETRY_BASE_MS * 2 ** attempt * (0.5 + Math.random());
      opts.log?.warn({ attempt, delay }, 'migration raced with another instance; retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
