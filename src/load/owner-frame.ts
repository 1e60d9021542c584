/**
 * Runs statements that can execute user code — writes into a user's table, ALTER on it, reads
 * under its policies — inside a SECURITY DEFINER frame owned by the job's owner (issue 16,
 * docs/security.md).
 *
 * Why a frame and not SET ROLE: triggers, rules, column defaults, domain checks, index
 * expressions and policy functions all run in the sidecar's session, and `SET ROLE` is no
 * boundary against code in the same session — a BEFORE INSERT trigger that ran `RESET ROLE`
 * during a refresh became the sidecar's login role (attack 1). Under a security-definer frame
 * PostgreSQL refuses SET ROLE, RESET ROLE and SET SESSION AUTHORIZATION ("cannot set parameter
 * "role" within security-definer function"), so user code keeps exactly its owner's rights.
 *
 * The frame is a plpgsql function created in pg_temp by the owner (SET LOCAL ROLE, so its
 * owner — whose rights it carries — is the job owner), with a random name, called once and
 * dropped in the same transaction: no other session can ever see it, and user code running
 * inside cannot plant a look-alike for a later call. Its `SET search_path` clause pins the path
 * on entry; a trigger's plain `SET search_path` would outlive the frame, so the session's path
 * is pinned again after every call.
 *
 * Deferred triggers would fire at COMMIT, outside any frame. Every frame ends with
 * `SET CONSTRAINTS ALL IMMEDIATE` (pending deferred triggers fire inside it), and before a load
 * that ran a frame commits, `assertNoDeferredUserCode` refuses to commit while a deferrable
 * trigger that can run user code exists: code in the frame could have deferred its events
 * again, and nothing in SQL can tell whether it did.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { ConnectorError } from '../errors.js';
import { PINNED_SEARCH_PATH, quoteLiteral } from '../db/pool.js';
import { qi } from './ddl.js';

/** Marks a connection on which user code ran: it is closed after the job, never pooled again. */
const RAN_OWNER_CODE = Symbol('ranOwnerCode');
/** Tables written inside this transaction's frames (see assertNoDeferredUserCode). */
const WRITTEN_IN_FRAMES = Symbol('writtenInFrames');

type FramedClient = pg.ClientBase & { [RAN_OWNER_CODE]?: boolean; [WRITTEN_IN_FRAMES]?: Set<string> };

/**
 * Row writes per table so far in this transaction. Only the difference across a frame is used:
 * in PostgreSQL 15 the view also shows counts of earlier transactions of the backend that were
 * not flushed yet, which would blame tables this transaction never touched.
 */
async function writesPerTable(client: pg.ClientBase): Promise<Map<string, string>> {
  const { rows } = await client.query<{ relid: string; n: string }>(
    `select x.relid::pg_catalog.text as relid, (x.n_tup_ins operator(pg_catalog.+) x.n_tup_upd operator(pg_catalog.+) x.n_tup_del)::pg_catalog.text as n
       from pg_catalog.pg_stat_xact_all_tables x
      where x.n_tup_ins operator(pg_catalog.+) x.n_tup_upd operator(pg_catalog.+) x.n_tup_del operator(pg_catalog.>) 0`);
  return new Map(rows.map((r) => [r.relid, r.n]));
}

/**
 * Runs `statements` (SQL text built by the sidecar, identifiers quoted) in order, as `owner`,
 * inside one security-definer frame, in the load transaction of `client`. Leaves the session's
 * role set to the owner, as the loads expect. Resolves with each statement's ROW_COUNT (rows
 * written, or returned by a SELECT), which is how counts come out of a frame: a frame runs
 * user code, so nothing but these numbers is taken back from it.
 */
export async function runAsOwner(client: pg.ClientBase, owner: string, statements: readonly string[]): Promise<number[]> {
  if (statements.length === 0) return [];
  const name = `pg_temp.${qi(`cdb_frame_${crypto.randomBytes(8).toString('hex')}`)}`;
  const tag = `$cdb_${crypto.randomBytes(6).toString('hex')}$`;
  const body = [
    ...statements.map((s) => `execute ${quoteLiteral(s)};\n  get diagnostics n = row_count;\n  counts := pg_catalog.array_append(counts, n);`),
    'set constraints all immediate;',
    'return counts;',
  ].join('\n  ');
  const framed = client as FramedClient;
  framed[RAN_OWNER_CODE] = true;
  await client.query(`set local role ${qi(owner)}`);
  const before = await writesPerTable(client);
  await client.query(`create function ${name}() returns pg_catalog.int8[] language plpgsql security definer
    set search_path = ${PINNED_SEARCH_PATH} as ${tag}
declare
  n pg_catalog.int8;
  counts pg_catalog.int8[] := '{}';
begin
  ${body}
end
${tag}`);
  const { rows } = await client.query<{ counts: string[] }>(`select ${name}() as counts`);
  await client.query(`drop function ${name}()`);
  const written = (framed[WRITTEN_IN_FRAMES] ??= new Set());
  for (const [relid, n] of await writesPerTable(client)) if (before.get(relid) !== n) written.add(relid);
  // `E'…'` literals above parse the same whatever standard_conforming_strings a trigger left.
  await client.query('select pg_catalog.set_config($1, $2, false)', ['search_path', PINNED_SEARCH_PATH]);
  await client.query(`set local role ${qi(owner)}`);
  return rows[0]!.counts.map(Number);
}

/** True when `runAsOwner` ran on this connection: its session state may carry user settings. */
export function ranOwnerCode(client: pg.ClientBase): boolean {
  return (client as FramedClient)[RAN_OWNER_CODE] === true;
}

/**
 * Deferrable triggers whose function could be user code, on tables written inside this
 * transaction's frames (only those can have deferred events pending: constraint triggers are
 * AFTER ROW triggers on writes; with track_counts off, a superuser setting, every table counts). Left out: the built-in foreign key checks (they run as the table owner under
 * PostgreSQL's own security-restricted context) and deferrable unique / exclusion rechecks on
 * plain columns (an expression there could call a user function at COMMIT). Scoped to written
 * tables so that one tenant's deferrable trigger cannot block another tenant's refreshes.
 */
const DEFERRABLE_USER_TRIGGERS_SQL = `
select t.tgname::text as trigger, t.tgrelid::pg_catalog.regclass::text as "table"
  from pg_catalog.pg_trigger t
  join pg_catalog.pg_proc p on p.oid = t.tgfoid
 where t.tgdeferrable
   and (t.tgrelid operator(pg_catalog.=) any ($1::pg_catalog.oid[])
        or pg_catalog.current_setting('track_counts') operator(pg_catalog.=) 'off')
   and not (p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace and pg_catalog.starts_with(p.proname::text, 'RI_FKey_'))
   and not (p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace and p.proname operator(pg_catalog.=) 'unique_key_recheck'
            and not exists (select from pg_catalog.pg_constraint c join pg_catalog.pg_index i on i.indexrelid = c.conindid
                             where c.oid = t.tgconstraint and (i.indexprs is not null or i.indpred is not null)))
 limit 3`;

/** Called before the commit of a load that ran owner code (see the header). */
export async function assertNoDeferredUserCode(client: pg.ClientBase): Promise<void> {
  const written = [...((client as FramedClient)[WRITTEN_IN_FRAMES] ?? [])];
  const { rows } = await client.query<{ trigger: string; table: string }>(DEFERRABLE_USER_TRIGGERS_SQL, [written]);
  if (rows.length === 0) return;
  const found = rows.map((r) => `${r.trigger} on ${r.table}`).join(', ');
  throw new ConnectorError('INVALID_PARAMETERS',
    `Refusing to commit the refresh: deferrable trigger(s) ${found} could run at COMMIT, outside the owner's rights. `
    + 'Make them NOT DEFERRABLE (ALTER TRIGGER is not enough: recreate them with CREATE CONSTRAINT TRIGGER … NOT DEFERRABLE, or as plain triggers).');
}
