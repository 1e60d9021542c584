/**
 * Issue 6 §5: remote passwords never reach a place a user (or an operator reading logs) can see.
 * After successful and failing imports of both providers — wrong password, unreachable server,
 * bad query, a host outside allowed_hosts, a cancel — and sync tables and cdb_connector_check
 * calls carrying passwords, the passwords are searched for in:
 *   - every table and view of cdb_connectors that cdb_connector_user may SELECT (found from the
 *     catalog, so a table added later is searched too), read whole as a superuser;
 *   - cdb_connector_import_status() and cdb_connector_wait() of every job;
 *   - validation errors of requests carrying it (message, detail, hint);
 *   - the sidecar's pino output at trace level, through the production logger (src/log.ts);
 *   - the statements of the sidecar's sessions in pg_stat_activity.
 * The places they must be are cdb_connectors.job_secrets and sync_secrets, which users cannot read.
 * The process side (command line, environment) is in test/reliability/crash-recovery.test.ts.
 */
import crypto from 'node:crypto';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../servers/free-port.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { enqueueImport, waitForJob, type ImportStatus } from '../helpers/sidecar.js';
import { allowTargetAsSource, createTargetDb, type TargetDb } from '../helpers/target.js';
import { sqlError } from '../sql/helpers.js';
import { captureLogs } from '../reliability/helpers/log-capture.js';
import { setSetting } from '../reliability/helpers/jobs.js';
import { startCapturedSidecar, type CapturedSidecar } from '../reliability/helpers/sidecars.js';
import { createNumbers, slowRequest } from '../reliability/helpers/slow-source.js';
import { waitFor } from '../reliability/helpers/wait.js';

const token = () => crypto.randomBytes(6).toString('hex');
/** Quotes, backslash and a space: a password that naive escaping would mangle or split. */
const PASSWORD = `Pw-${token()}-'q"b\\ s`;
const WRONG_PASSWORD = `Wrong-${token()}`;
const PG_PASSWORD = `PgPw-${token()}`;
const SECRETS = [PASSWORD, WRONG_PASSWORD, PG_PASSWORD];
const USER = `cred_${token().slice(0, 6)}`;

let db: TargetDb;
let my: MysqlDb;
let sidecar: CapturedSidecar;
const logs = captureLogs('trace');
const outcomes = new Map<string, ImportStatus>();

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  await allowTargetAsSource(db);
  await my.createUser(USER, PASSWORD);
  await createNumbers(my);
  await my.exec("create table t (id int, v varchar(5)); insert into t values (1, 'a');");
  sidecar = await startCapturedSidecar(db.url, { concurrency: 3, pollIntervalMs: 200, logs });
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), my?.drop()]);
});

const mysqlConnection = (password = PASSWORD, extra: Record<string, unknown> = {}) => ({ ...my.connection(USER, password), ...extra });

async function run(name: string, params: unknown): Promise<ImportStatus> {
  const status = await waitForJob(db, await enqueueImport(db.url, params), 30_000);
  outcomes.set(name, status);
  return status;
}

async function containsSecret(text: string): Promise<string[]> {
  return SECRETS.filter((s) => text.includes(s));
}

describe('imports that succeed and fail, with passwords', () => {
  it('succeeds with the right password (mysql)', async () => {
    const s = await run('mysql ok', { connector: { provider: 'mysql', connection: mysqlConnection(), table: 't' } });
    expect(s.state, s.error_message ?? '').toBe('complete');
  });

  it('succeeds with a password the server does not ask for (postgres, trust)', async () => {
    const { host, port } = inject('servers').pg;
    const s = await run('postgres ok', { connector: { provider: 'postgres', connection: { server: host, port, database: db.name, username: 'postgres', password: PG_PASSWORD, sslmode: 'disable' },
      sql_query: 'select 1 as one', table: 'pg_one' } });
    expect(s.state, s.error_message ?? '').toBe('complete');
  });

  it('fails on a wrong password (1503)', async () => {
    const s = await run('wrong password', { connector: { provider: 'mysql', connection: mysqlConnection(WRONG_PASSWORD), table: 't' } });
    expect(s.error_code).toBe(1503);
  });

  it('fails on an unreachable server (1504)', async () => {
    const s = await run('unreachable', { connector: { provider: 'mysql', connection: mysqlConnection(PASSWORD, { port: await freePort() }), table: 't' } });
    expect(s.error_code).toBe(1504);
  });

  it('fails on a bad query (1506)', async () => {
    const s = await run('bad query', { connector: { provider: 'mysql', connection: mysqlConnection(), table: 'q', sql_query: `selec '${token()}'` } });
    expect(s.error_code).toBe(1506);
  });

  it('fails on a host outside allowed_hosts (1502)', async () => {
    await setSetting(db, 'allowed_hosts', ['192.0.2.0/24']);
    try {
      const s = await run('denied host', { connector: { provider: 'mysql', connection: mysqlConnection(), table: 't', import_as: 'denied' } });
      expect(s.error_code).toBe(1502);
    } finally {
      await allowTargetAsSource(db);
    }
  });

  it('is cancelled while streaming (1509)', async () => {
    const id = await enqueueImport(db.url, slowRequest(my, { rows: 1000, sleepSeconds: 0.01, marker: 'cred', table: 'cred_cancel', connection: mysqlConnection() }));
    await waitFor('rows to stream', async () => (await db.query('select rows_fetched from cdb_connectors.jobs where id = $1', [id])).rows[0].rows_fetched > 0, 20_000);
    await db.query('select cdb_connector_cancel($1)', [id]);
    const s = await waitForJob(db, id);
    outcomes.set('cancelled', s);
    expect(s.error_code).toBe(1509);
  });

  it('a sync table, and a sync table with a wrong password: their runs succeed and fail (1503)', async () => {
    for (const [name, password, state] of [['sync ok', PASSWORD, 'complete'], ['sync wrong password', WRONG_PASSWORD, 'failure']] as const) {
      const params = { connector: { provider: 'mysql', connection: mysqlConnection(password), table: 't', import_as: name.replace(/ /g, '_') }, interval: 900 };
      const { rows } = await db.query<{ id: string }>("select cdb_connector_sync($1::jsonb) ->> 'id' as id", [JSON.stringify(params)]);
      const syncId = rows[0]!.id;
      const run = await waitFor(`the first run of ${name}`, async () => {
        const r = await db.query<{ id: string }>("select id from cdb_connectors.jobs where sync_id = $1 and state in ('complete', 'failure', 'cancelled')", [syncId]);
        return r.rows[0]?.id;
      }, 30_000);
      const status = await waitForJob(db, run);
      outcomes.set(name, status);
      expect(status.state, status.error_message ?? '').toBe(state);
    }
  });

  it('cdb_connector_check answers with the right and a wrong password never echo it', async () => {
    const client = await db.pool.connect();
    try {
      for (const [password, connected] of [[PASSWORD, true], [WRONG_PASSWORD, false]] as const) {
        const { rows } = await client.query<{ result: { connected: boolean } }>('call cdb_connector_check($1::jsonb)',
          [JSON.stringify({ connector: { provider: 'mysql', connection: mysqlConnection(password) } })]);
        expect(rows[0]!.result.connected).toBe(connected);
        expect(await containsSecret(JSON.stringify(rows[0]))).toEqual([]);
      }
      const kept = await client.query<{ n: number }>('select count(*)::int as n from cdb_connectors.request_secrets');
      expect(kept.rows[0]!.n).toBe(0); // deleted once answered
    } finally {
      client.release();
    }
  });

  it('a rejected request does not echo its password (duplicate keys, bad port)', async () => {
    const bad = { connector: { provider: 'mysql', connection: { ...mysqlConnection(), Password: WRONG_PASSWORD, port: 'x' }, table: 't' } };
    const err = await sqlError(db.query('select cdb_connector_import($1::jsonb)', [JSON.stringify(bad)]));
    expect(err.code).toBe('22023');
    expect(err.message).toContain('Duplicate connection parameters');
    expect(await containsSecret(`${err.message} ${err.detail ?? ''}`)).toEqual([]);
  });
});

describe('where the passwords must not be', () => {
  it('no table or view users can read holds one (read whole, all roles)', async () => {
    expect(outcomes.size).toBe(9);
    const { rows: relations } = await db.query<{ rel: string }>(
      `select format('%I.%I', n.nspname, c.relname) as rel from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'cdb_connectors' and c.relkind in ('r', 'v', 'm', 'p')
          and has_any_column_privilege('cdb_connector_user', c.oid, 'SELECT') order by 1`);
    const names = relations.map((r) => r.rel);
    expect(names).toEqual(expect.arrayContaining(['cdb_connectors.imports', 'cdb_connectors.import_log', 'cdb_connectors.jobs',
      'cdb_connectors.workers', 'cdb_connectors.settings', 'cdb_connectors.error_codes', 'cdb_connectors.synchronizations']));
    expect(names).not.toContain('cdb_connectors.job_secrets');
    expect(names).not.toContain('cdb_connectors.sync_secrets');
    expect(names).not.toContain('cdb_connectors.request_secrets');
    console.info(`credentials: searched ${names.join(', ')}`);
    for (const rel of names) {
      const { rows } = await db.query<{ dump: string | null }>(`select json_agg(t)::text as dump from ${rel} t`);
      expect(await containsSecret(rows[0]!.dump ?? ''), rel).toEqual([]);
    }
    const imports = await db.query<{ n: number }>('select count(*)::int as n from cdb_connectors.imports');
    expect(imports.rows[0]!.n).toBe(outcomes.size);
    const logLines = await db.query<{ n: number }>('select count(*)::int as n from cdb_connectors.import_log');
    expect(logLines.rows[0]!.n).toBeGreaterThan(outcomes.size); // the search covered real log lines
    // The syncs' passwords are stored — for the sidecar only — so the searches above could have
    // found them; finished jobs keep none (issue 16 §4).
    const secrets = await db.query<{ password: string }>('select password from cdb_connectors.sync_secrets');
    expect(secrets.rows.length).toBeGreaterThan(0);
    for (const row of secrets.rows) expect(SECRETS).toContain(row.password);
    const left = await db.query(`select j.id from cdb_connectors.job_secrets s join cdb_connectors.jobs j on j.id = s.job_id
      where j.state in ('complete', 'failure', 'cancelled')`);
    expect(left.rows).toEqual([]);
    const syncs = await db.query<{ n: number }>("select count(*)::int as n from cdb_connectors.synchronizations where service_item_id like '%***%'");
    expect(syncs.rows[0]!.n).toBe(2); // the redacted form is there, so the search ran over real sync rows
  });

  it('status and wait answers of every job never hold one', async () => {
    for (const [name, status] of outcomes) {
      const { rows } = await db.query<{ s: string; w: string }>(
        "select cdb_connector_import_status($1)::text as s, cdb_connector_wait($1, '1 second')::text as w", [status.id]);
      expect(await containsSecret(rows[0]!.s + rows[0]!.w), name).toEqual([]);
      expect(JSON.parse(rows[0]!.s).params.connection.password, name).toBe('***');
    }
  });

  it('the sidecar logs (trace level) never hold one', async () => {
    const text = logs.text();
    expect(logs.lines.length).toBeGreaterThan(5);
    expect(text).toContain('import complete');
    expect(text).toContain('import failure');
    expect(text).toContain('import cancelled');
    expect(await containsSecret(text)).toEqual([]);
  });

  it("the sidecar's sessions show no password in pg_stat_activity", async () => {
    const { rows } = await db.query<{ q: string }>(
      "select coalesce(string_agg(query, ' '), '') as q from pg_stat_activity where application_name like 'cdb_connectors%'");
    expect(await containsSecret(rows[0]!.q)).toEqual([]);
  });
});
