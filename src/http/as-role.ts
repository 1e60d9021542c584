/**
 * Runs SQL API calls as the role of a request's API key (issue 11 §3): a pooled connection,
 * BEGIN, the key lookup that also does SET LOCAL ROLE / search_path (api-keys.ts), the call,
 * COMMIT. Row-level security, ownership, validation messages and limits are then exactly those
 * of the role's own psql session. SET LOCAL ends with the transaction, and a connection whose
 * transaction could not be ended cleanly is destroyed instead of returned to the pool, so no
 * later request can inherit a role.
 */
import type pg from 'pg';
import { API_KEY_PATTERN, ASSUME_KEY_ROLE_SQL, DEFAULT_SEARCH_PATH, hashApiKey, type KeyRow, type KeyUsage } from './api-keys.js';
import { PINNED_SEARCH_PATH } from '../db/pool.js';
import { unauthorized } from './errors.js';

/**
 * A request that waits longer than this on the database is cut off (57014 → 504), so a lock
 * wait cannot hold one of the few pooled connections forever. Check / list tables wait at most
 * connect_timeout (default 30 s) plus a margin for the remote round trip.
 */
const STATEMENT_TIMEOUT = '120s';

/** What a request's session knows about its role once the key is checked. */
export interface RoleSession {
  /**
   * The schema `current_schema()` names under the role's own search_path (what its psql session
   * would use as the default target schema); null when no schema of that path exists.
   */
  schema: string | null;
}

export interface RoleRunner {
  /** Runs `work` inside one transaction as the key's role; the key is checked first. */
  run<T>(apiKey: string | undefined, work: (client: pg.PoolClient, session: RoleSession) => Promise<T>): Promise<T>;
}

/**
 * After the role's search_path gave its current schema, the session goes back to the pinned path
 * for the call itself: a role's own schema on the path let `alice.to_jsonb(…)` shadow
 * pg_catalog's in `GET /api/v1/synchronizations` (issue 16, attack 3). The schema is passed to
 * the API function explicitly instead.
 */
const CURRENT_SCHEMA_SQL = 'select pg_catalog.current_schema() as schema';
const PIN_SEARCH_PATH_SQL = 'select pg_catalog.set_config($1, $2, true)';

export function roleRunner(pool: pg.Pool, usage: KeyUsage): RoleRunner {
  return {
    async run(apiKey, work) {
      if (apiKey === undefined) throw unauthorized('Missing API key: pass ?api_key=… or an Authorization: Bearer header');
      if (!API_KEY_PATTERN.test(apiKey)) throw unauthorized('Invalid API key');
      const client = await pool.connect();
      try {
        await client.query('begin');
      } catch (err) {
        client.release(err as Error);
        throw err;
      }
      try {
        const { rows } = await client.query<KeyRow>(ASSUME_KEY_ROLE_SQL, [hashApiKey(apiKey), DEFAULT_SEARCH_PATH, STATEMENT_TIMEOUT]);
        const key = rows[0];
        if (!key) throw unauthorized('Invalid API key');
        if (key.revoked) throw unauthorized('This API key has been revoked');
        const schema = (await client.query<{ schema: string | null }>(CURRENT_SCHEMA_SQL)).rows[0]!.schema;
        await client.query(PIN_SEARCH_PATH_SQL, ['search_path', PINNED_SEARCH_PATH]);
        const result = await work(client, { schema });
        await client.query('commit');
        client.release();
        usage.touch(key.id);
        return result;
      } catch (err) {
        // After a failed COMMIT the transaction is over and ROLLBACK only warns; when ROLLBACK
        // itself fails the connection's state is unknown, and release(error) destroys it.
        const rollbackError = await client.query('rollback').then(() => undefined, (e: Error) => e);
        client.release(rollbackError);
        throw err;
      }
    },
  };
}
