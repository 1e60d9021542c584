/**
 * Every statement the sidecar runs against cdb_connectors.requests (SPEC §7, issue 10): claim,
 * read the password, write the answer, hand back, clean up. Like job-store.ts, each write is
 * conditional on `worker_id`, so an answer can only land on a request this sidecar holds.
 */
import { openOptionalSecret } from '../secrets/sealed-secret.js';
import type pg from 'pg';
import type { ProviderName } from '../providers/provider.js';
import type { ConnectorParams } from './job.js';

export type RequestKind = 'check' | 'list_tables' | 'preview' | 'explain';

export interface ClaimedRequest {
  id: string;
  kind: RequestKind;
  provider: ProviderName;
  /** Normalised `connector` object (SQL API), password replaced by "***". */
  params: ConnectorParams;
  /** The role that asked: a named connection is looked up among its own. */
  owner: string;
  /** preview only: rows asked for (0–100, checked by the SQL trigger). */
  preview_rows: number | null;
}

/** What the sidecar writes back: a result, or a code and a message (never both). */
export type Answer =
  | { result: unknown; error?: undefined }
  | { result?: undefined; error: { code: number; message: string } };

/**
 * Claims up to `max` pending requests, oldest first, and stamps their deadline: the waiting
 * caller gives up shortly after it, and the sidecar answers by it (request-answer.ts).
 */
const CLAIM_SQL = `
with candidate as (
  select id from cdb_connectors.requests
   where state = 'pending'
   order by created_at
   limit $2
   for update skip locked
)
update cdb_connectors.requests r
   set state = 'running', worker_id = $1, started_at = now(), deadline_at = now() + make_interval(secs => $3)
  from candidate c
 where r.id = c.id
returning r.id, r.kind, r.provider, r.params, r.owner, r.preview_rows`;

export async function claimRequests(db: pg.Pool, workerId: string, max: number, budgetSeconds: number): Promise<ClaimedRequest[]> {
  const { rows } = await db.query<ClaimedRequest>(CLAIM_SQL, [workerId, max, budgetSeconds]);
  return rows;
}

export async function readRequestSecret(db: pg.Pool, requestId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ password: string }>('select password from cdb_connectors.request_secrets where request_id = $1', [requestId]);
  return openOptionalSecret(rows[0]?.password);
}

/**
 * Writes the answer and forgets the password in one statement. Returns false when the request
 * is gone (the caller gave up and deleted it, or the cleanup did) or no longer ours.
 */
export async function saveAnswer(db: pg.Pool, requestId: string, workerId: string, answer: Answer): Promise<boolean> {
  const { rows } = await db.query<{ answered: number }>(
    `with answered as (
       update cdb_connectors.requests
          set state = 'done', result = $3::jsonb, error_code = $4, error_message = $5, finished_at = now()
        where id = $1 and worker_id = $2 and state = 'running'
        returning id
     ), forgotten as (
       delete from cdb_connectors.request_secrets where request_id = $1
     )
     select count(*)::int as answered from answered`,
    [requestId, workerId, answer.error ? null : JSON.stringify(answer.result), answer.error?.code ?? null, answer.error?.message ?? null],
  );
  return rows[0]?.answered === 1;
}

/** Claimed requests this sidecar will not start (shutdown) go back to pending for another one. */
export async function handBackRequests(db: pg.Pool, requestIds: string[], workerId: string): Promise<void> {
  if (requestIds.length === 0) return;
  await db.query(
    `update cdb_connectors.requests set state = 'pending', worker_id = null, started_at = null, deadline_at = null
      where id = any($1::uuid[]) and worker_id = $2 and state = 'running'`,
    [requestIds, workerId],
  );
}

/** One sidecar at a time cleans up (pg-boss "one instance does maintenance"); others skip the round. */
const CLEANUP_LOCK_KEY = 0x43444233; // 'CDB3'

/**
 * Deletes requests `retentionSeconds` after they finished (or, unanswered, after their deadline
 * or creation), and at once the passwords of requests past their deadline (their sidecar died).
 * Returns the number of requests deleted, or null when another sidecar holds the round.
 */
export async function cleanupRequests(db: pg.Pool, retentionSeconds: number): Promise<number | null> {
  const client = await db.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1) as locked', [CLEANUP_LOCK_KEY]);
    if (!rows[0]?.locked) {
      await client.query('rollback');
      return null;
    }
    await client.query(
      `delete from cdb_connectors.request_secrets s using cdb_connectors.requests r
        where r.id = s.request_id and r.deadline_at < now()`);
    const { rowCount } = await client.query(
      `delete from cdb_connectors.requests
        where coalesce(finished_at, deadline_at, created_at) < now() - make_interval(secs => $1)`, [retentionSeconds]);
    await client.query('commit');
    return rowCount ?? 0;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
