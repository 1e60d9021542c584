/**
 * Calling the answers-now procedures (issue 10) the way a user does: as a plain login role that
 * was granted cdb_connector_user, through node-postgres (extended protocol) or the real psql.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import pg from 'pg';
import { adminQuery, queryOnce } from './one-shot-sql.js';
import type { TargetDb } from './target.js';

/** The psql binary users have (the point is "one statement in psql returns the answer"). */
export const PSQL = '/usr/bin/psql';

export interface ApiUser {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A new login role (cluster-wide, so uniquely named) that may use the SQL API. */
export async function createApiUser(db: TargetDb): Promise<ApiUser> {
  const name = `answers_${crypto.randomBytes(4).toString('hex')}`;
  const password = crypto.randomBytes(8).toString('hex');
  await adminQuery(`create role ${name} login password '${password}' in role cdb_connector_user`);
  return {
    name,
    url: db.urlAs(name, password),
    drop: () => adminQuery(`drop role if exists ${name}`),
  };
}

export const check = async (url: string, params: unknown): Promise<any> =>
  (await queryOnce(url, 'call cdb_connector_check($1::jsonb)', [JSON.stringify(params)]))[0]!.result;

export const listTables = async (url: string, params: unknown): Promise<any> =>
  (await queryOnce(url, 'call cdb_connector_list_tables($1::jsonb)', [JSON.stringify(params)]))[0]!.result;

export const preview = async (url: string, params: unknown, rows?: number): Promise<any> =>
  (await queryOnce(url, rows === undefined ? 'call cdb_connector_preview($1::jsonb)' : 'call cdb_connector_preview($1::jsonb, $2)',
    rows === undefined ? [JSON.stringify(params)] : [JSON.stringify(params), rows]))[0]!.result;

/**
 * Runs `fn` with the setting `name` at `value` (JSON text, as a DBA writes it) in `db`, then puts
 * back the value it had, so one test's limit does not leak into the next.
 */
export async function withSetting<T>(db: TargetDb, name: string, value: string, fn: () => Promise<T>): Promise<T> {
  const { rows } = await db.query<{ value: string }>('select value::text as value from cdb_connectors.settings where name = $1', [name]);
  if (rows.length === 0) throw new Error(`no setting ${name}`);
  const set = (v: string) => db.query('update cdb_connectors.settings set value = $2::jsonb where name = $1', [name, v]);
  await set(value);
  try {
    return await fn();
  } finally {
    await set(rows[0]!.value);
  }
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function sqlError(promise: Promise<unknown>): Promise<pg.DatabaseError> {
  const outcome = await promise.then((value) => ({ value }), (err: unknown) => ({ err }));
  if (!('err' in outcome)) throw new Error(`expected an error, got ${JSON.stringify(outcome.value)}`);
  if (!(outcome.err instanceof pg.DatabaseError)) throw outcome.err;
  return outcome.err;
}

export interface PsqlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs psql with `args` (e.g. ['-c', sql] or ['-f', '-'] with `stdin`), unaligned and tuples-only. */
export function runPsql(url: string, args: string[], stdin?: string): Promise<PsqlRun> {
  return new Promise((resolve, reject) => {
    const child = execFile(PSQL, ['-X', '-At', '--set', 'ON_ERROR_STOP=1', '--dbname', url, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err);
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}
