/**
 * The answers-now scenario every provider passes (issue 10 §1): CALL cdb_connector_check /
 * _list_tables / _preview as a plain API user → sidecar → the provider → its test server, and
 * the answer comes back in the same statement. Each answers-<provider>.test.ts gives its server,
 * its fixture's expected answers, and the tests only that provider has (issue 17: one copy of
 * the scenario instead of four).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, createApiUser, listTables, preview, sqlError, type ApiUser } from '../../helpers/answers.js';
import { startSidecar, type TestSidecar } from '../../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../../helpers/target.js';

/** The default of setting max_listed_tables (sql/schema/settings.sql). */
export const DEFAULT_MAX_LISTED_TABLES = 500;
/** More tables than max_listed_tables lets through, so the listing is cut. */
export const MANY_TABLES = 600;
/** The names of the fixture's many tables, t000 … t599: sorted as text, they keep this order. */
export const MANY_TABLE_NAMES = Array.from({ length: MANY_TABLES }, (_, i) => `t${String(i).padStart(3, '0')}`);
/** Given instead of the login's password; it must never come back in an answer. */
const WRONG_PASSWORD = 'not-the-password';

export type Params = Record<string, unknown>;
export type Value = string | null;

export interface ListedTable {
  schema: string;
  name: string;
  kind: 'table' | 'view';
}

export interface PreviewColumn {
  name: string;
  local_name: string | null;
  remote_type: string;
  local_type: string;
}

/** What a provider's own tests use; its fields are set once beforeAll has run. */
export interface AnswersContext<R> {
  readonly db: TargetDb;
  readonly user: ApiUser;
  readonly remote: R;
  /** `{ connector: { provider, connection, ...extra } }` with the fixture's login; `password` replaces its password. */
  connector(extra?: Params, password?: string): { connector: Params };
}

/** What the fixture holds, as each answer must report it. */
export interface AnswersExpected {
  /** list_tables of the fixture's schema: the request fields and the whole, sorted answer. */
  listed: { request: Params; tables: ListedTable[] };
  /** The request fields that reach the MANY_TABLES tables, and the schema they are listed in. */
  many: { request: Params; schema: string };
  preview: {
    request: Params;
    /** The row count argument; without it, the function's default. */
    limit?: number;
    columns: PreviewColumn[];
    rows: Value[][];
    /** The remote returns rows in no fixed order (Hive): compared sorted by the first column, a number. */
    unordered?: boolean;
    /** The warning codes, in order. */
    warnings: string[];
  };
  /** The request fields that name a table the remote does not have: its name is `table`. */
  missingTable: Params & { table: string };
}

export interface AnswersProvider<R> {
  /** As in "answers now: MySQL". */
  title: string;
  provider: string;
  /** Starts the remote server and loads its fixture: a login, one schema of tables and a view, MANY_TABLES tables. */
  start(): Promise<R>;
  stop(remote: R): Promise<void>;
  /** The request's connection for the fixture's login, with `password` instead of its own when given. */
  connection(remote: R, password?: string): Params;
  /** What the remote says to a wrong password (the answer's only error), when there is text to match. */
  wrongPasswordText?: RegExp;
  /** The name of the preview test: what this provider's preview shows. */
  previewTitle: string;
  expected(remote: R): AnswersExpected;
}

/**
 * Declares `describe('answers now: <title>')` with the shared tests, then `specific(ctx)`: the
 * provider's own tests, in the same describe and against the same servers.
 */
export function describeAnswers<R>(spec: AnswersProvider<R>, specific?: (ctx: AnswersContext<R>) => void): void {
  let db: TargetDb | undefined;
  let user: ApiUser | undefined;
  let sidecar: TestSidecar | undefined;
  let remote: R | undefined;
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('answers suite: used before beforeAll ran');
    return value;
  };
  const ctx: AnswersContext<R> = {
    get db() { return ready(db); },
    get user() { return ready(user); },
    get remote() { return ready(remote); },
    connector: (extra = {}, password) => ({
      connector: { provider: spec.provider, connection: spec.connection(ready(remote), password), ...extra },
    }),
  };
  const expected = () => spec.expected(ctx.remote);

  describe(`answers now: ${spec.title}`, () => {
    beforeAll(async () => {
      [db, remote] = await Promise.all([createTargetDb(), spec.start()]);
      [user, sidecar] = await Promise.all([createApiUser(db), startSidecar(db)]);
    });

    afterAll(async () => {
      await sidecar?.stop();
      await user?.drop();
      await Promise.all([db?.drop(), remote === undefined ? undefined : spec.stop(remote)]);
    });

    it('check: connected', async () => {
      expect(await check(ctx.user.url, ctx.connector())).toEqual({ connected: true });
    });

    it('check with a wrong password: connected false and 1503', async () => {
      const answer = await check(ctx.user.url, ctx.connector({}, WRONG_PASSWORD));
      expect(answer).toMatchObject({ connected: false, error_code: 1503 });
      expect(answer.errors).toHaveLength(1);
      if (spec.wrongPasswordText) expect(answer.errors[0]).toMatch(spec.wrongPasswordText);
      expect(JSON.stringify(answer)).not.toContain(WRONG_PASSWORD);
    });

    it('list_tables of one schema', async () => {
      const { request, tables } = expected().listed;
      expect(await listTables(ctx.user.url, ctx.connector(request))).toEqual({ tables, truncated: false });
    });

    it('list_tables of 600 tables: the first 500 and truncated', async () => {
      const { request, schema } = expected().many;
      const { tables, truncated } = await listTables(ctx.user.url, ctx.connector(request));
      expect(truncated).toBe(true);
      expect(tables).toEqual(MANY_TABLE_NAMES.slice(0, DEFAULT_MAX_LISTED_TABLES).map((name) => ({ schema, name, kind: 'table' })));
    });

    it(spec.previewTitle, async () => {
      const { request, limit, columns, rows, unordered, warnings } = expected().preview;
      const answer = await preview(ctx.user.url, ctx.connector(request), limit);
      expect(answer.columns).toEqual(columns);
      expect(unordered ? [...answer.rows].sort((a: Value[], b: Value[]) => Number(a[0]) - Number(b[0])) : answer.rows).toEqual(rows);
      expect(answer.warnings.map((w: { code: string }) => w.code)).toEqual(warnings);
    });

    it('preview of a missing table raises 58000 with error_code 1505', async () => {
      const request = expected().missingTable;
      const err = await sqlError(preview(ctx.user.url, ctx.connector(request)));
      expect([err.code, err.detail]).toEqual(['58000', 'error_code 1505']);
      expect(err.message).toContain(request.table);
    });

    specific?.(ctx);
  });
}
