/**
 * API keys (SPEC §11): where a request carries its key, how it becomes a role, and the
 * "last used" bookkeeping. Keys are made in SQL (cdb_connector_create_api_key); only their
 * SHA-256 is stored, so the sidecar hashes the presented key and looks the hash up.
 */
import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { Logger } from 'pino';

/** 'cdbk_' + 64 hex digits (sql/api/api-keys-insert-trigger.sql). Anything else is not a key. */
export const API_KEY_PATTERN = /^cdbk_[0-9a-f]{64}$/;

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The key of a request: `Authorization: Bearer <key>` first, else the `api_key` query parameter
 * (CARTO's curl examples). undefined when neither is present.
 */
export function apiKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.length > 0) return BEARER.exec(header)?.[1] ?? header;
  const query = (request.query ?? {}) as Record<string, unknown>;
  return typeof query.api_key === 'string' && query.api_key.length > 0 ? query.api_key : undefined;
}

export function hashApiKey(key: string): Buffer {
  return crypto.createHash('sha256').update(key, 'utf8').digest();
}

/**
 * When a request names no search_path of its own: PostgreSQL's built-in default, which makes the
 * role's own schema (if it exists and the role may use it) the current schema, else public.
 */
export const DEFAULT_SEARCH_PATH = '"$user", public';

/**
 * One statement that finds the key and, when it is valid, turns the transaction into the key's
 * role: `set_config(…, true)` is SET LOCAL, with the role name passed as a value (never pasted
 * into SQL text), so the role ends with the transaction and a pooled connection cannot leak it.
 * The search_path is what a login of that role would get, so `current_schema()` — the default
 * target schema of cdb_connector_import — is the same as in the role's psql session: the
 * role-and-database setting, else the role's, else the database's (ALTER ROLE / ALTER DATABASE
 * … SET search_path), else $2. The CASEs make a revoked key change nothing.
 * $1 key hash, $2 default search_path, $3 statement_timeout.
 */
export const ASSUME_KEY_ROLE_SQL = `
with db as (select oid from pg_catalog.pg_database where datname = current_database())
select k.id, k.revoked_at is not null as revoked, r.rolname as role,
  case when k.revoked_at is null then pg_catalog.set_config('statement_timeout', $3, true) end,
  case when k.revoked_at is null then pg_catalog.set_config('search_path', coalesce(
    (select substr(c, 13) from pg_catalog.pg_db_role_setting as s, unnest(s.setconfig) as c, db
      where s.setrole = r.oid and s.setdatabase = db.oid and starts_with(c, 'search_path=')),
    (select substr(c, 13) from pg_catalog.pg_db_role_setting as s, unnest(s.setconfig) as c
      where s.setrole = r.oid and s.setdatabase = 0 and starts_with(c, 'search_path=')),
    (select substr(c, 13) from pg_catalog.pg_db_role_setting as s, unnest(s.setconfig) as c, db
      where s.setrole = 0 and s.setdatabase = db.oid and starts_with(c, 'search_path=')),
    $2), true) end,
  case when k.revoked_at is null then pg_catalog.set_config('role', r.rolname, true) end
from cdb_connectors.api_keys as k
join pg_catalog.pg_roles as r on r.oid = k.role_oid and not r.rolsuper
where k.key_hash = $1`;

export interface KeyRow {
  id: string;
  revoked: boolean;
  role: string;
}

/** last_used_at is a hint for people, not an audit log: one UPDATE per key a minute is plenty. */
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

/**
 * Records that keys were used, at most once a minute per key and process, outside the request's
 * transaction: 100 concurrent requests with one key must not queue on that key's row lock.
 */
export class KeyUsage {
  private readonly written = new Map<string, number>();

  constructor(private readonly pool: pg.Pool, private readonly log: Logger) {}

  touch(keyId: string): void {
    const now = Date.now();
    const last = this.written.get(keyId);
    if (last !== undefined && now - last < LAST_USED_WRITE_INTERVAL_MS) return;
    this.written.set(keyId, now);
    this.pool.query('update cdb_connectors.api_keys set last_used_at = now() where id = $1', [keyId])
      .catch((err: Error) => this.log.warn({ error: { message: err.message } }, 'could not record an API key\'s last use'));
  }
}
