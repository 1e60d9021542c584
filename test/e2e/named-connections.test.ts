/**
 * Named connections (issue 22 §6): the password given once, by name afterwards. Real sidecar,
 * the run's MariaDB with a login of its own (so a rotated password really is a different one),
 * the real CLI for the stdin path, and the target cluster's own server log: what a failing
 * statement leaves there is what the feature exists for.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApiUser, sqlError, type ApiUser } from '../helpers/answers.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { queryOnce } from '../helpers/one-shot-sql.js';
import { importAndWait, startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createSync, runSyncNow, waitForSyncRun } from '../helpers/sync.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

const suffix = crypto.randomBytes(4).toString('hex');
const MYSQL_USER = `nc_${suffix}`;
const FIRST_PASSWORD = `first-${suffix}-Pw`;
const SECOND_PASSWORD = `second-${suffix}-Pw`;

let db: TargetDb;
let mysql: MysqlDb;
let alice: ApiUser;
let bob: ApiUser;
let sidecar: TestSidecar;

beforeAll(async () => {
  [db, mysql] = await Promise.all([createTargetDb(), createMysqlDb()]);
  await mysql.exec(`create table cities (id int primary key, name varchar(20), pop int);
    insert into cities values (1, 'Oslo', 709037), (2, 'Lima', 10092000), (3, 'Bern', 134794)`);
  await mysql.createUser(MYSQL_USER, FIRST_PASSWORD);
  [alice, bob] = await Promise.all([createApiUser(db), createApiUser(db)]);
  await db.query(`grant create on schema public to ${alice.name}, ${bob.name}`);
  sidecar = await startSidecar(db);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), mysql?.drop()]);
  await Promise.all([alice?.drop(), bob?.drop()]);
});

const warehouse = (password = FIRST_PASSWORD) => ({ provider: 'mysql', ...mysql.connection(MYSQL_USER, password) });
const byName = (name: string, extra: Record<string, unknown> = {}) => ({ connector: { provider: 'mysql', connection: name, table: 'cities', ...extra } });

async function createConnection(url: string, name: string, connection: unknown): Promise<any> {
  return (await queryOnce<{ r: any }>(url, 'select cdb_connector_create_connection($1, $2::jsonb) as r', [name, JSON.stringify(connection)]))[0]!.r;
}

const cli = (args: string[], stdin: string, url: string): Promise<CliRun> => runCli(args, { DATABASE_URL: url }, stdin);

/** What the cluster's server log gained while `fn` ran. */
async function serverLogDuring(fn: () => Promise<unknown>): Promise<string> {
  const file = inject('servers').pg.logFile;
  const before = fs.statSync(file).size;
  await fn();
  await new Promise((r) => setTimeout(r, 300)); // the logging collector writes asynchronously
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.statSync(file).size;
    const buffer = Buffer.alloc(size - before);
    fs.readSync(fd, buffer, 0, buffer.length, before);
    return buffer.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

describe('create, use, list', () => {
  it('an import by name reads the remote with the stored password; nothing of it is in the job', async () => {
    const created = await createConnection(alice.url, 'warehouse', warehouse());
    expect(created).toMatchObject({ name: 'warehouse', provider: 'mysql', connection: { server: mysql.host, port: mysql.port, database: mysql.name, username: MYSQL_USER, password: '***' } });
    const status = await importAndWait(db, byName('warehouse'), { url: alice.url });
    expect(status.state, status.error_message ?? '').toBe('complete');
    const { rows } = await db.query(`select id, name, pop from public.${status.table_name} order by id`);
    expect(rows).toEqual([{ id: 1, name: 'Oslo', pop: 709037 }, { id: 2, name: 'Lima', pop: 10092000 }, { id: 3, name: 'Bern', pop: 134794 }]);
    const job = await db.query(`select j.params, (select count(*) from cdb_connectors.job_secrets s where s.job_id = j.id)::int as secrets
      from cdb_connectors.jobs j where j.id = $1`, [status.id]);
    expect(job.rows[0]).toEqual({ params: expect.objectContaining({ connection: { name: 'warehouse' }, schema: mysql.name }), secrets: 0 });
    const stored = await db.query(`select c.params::text as params, s.password from cdb_connectors.connections c
      join cdb_connectors.connection_secrets s on s.connection_id = c.id where c.name = 'warehouse'`);
    expect(stored.rows[0].params).not.toContain(FIRST_PASSWORD);
    expect(stored.rows).toHaveLength(1);
  });

  it('users see their own connections only, never a password, and cannot read the secrets', async () => {
    await createConnection(bob.url, 'warehouse', warehouse());
    const mine = await queryOnce<{ name: string; owner: string; params: unknown }>(alice.url, 'select name, owner, params from cdb_connectors.connections');
    expect(mine.map((r) => r.owner)).toEqual([alice.name]);
    expect(JSON.stringify(mine)).not.toContain(FIRST_PASSWORD);
    const err = await sqlError(queryOnce(alice.url, 'select * from cdb_connectors.connection_secrets'));
    expect(err.code).toBe('42501');
    const forged = await sqlError(queryOnce(alice.url, `insert into cdb_connectors.connection_secrets values ((select id from cdb_connectors.connections limit 1), 'x')`));
    expect(forged.code).toBe('42501');
  });

  it('a name is looked up among the caller\'s own: another role\'s, a wrong provider or a typo is 22023 naming it', async () => {
    await createConnection(bob.url, 'bobs_only', warehouse());
    const other = await sqlError(queryOnce(alice.url, 'select cdb_connector_import($1::jsonb)', [JSON.stringify(byName('bobs_only'))]));
    expect(other.code).toBe('22023');
    expect(other.message).toBe('No connection named "bobs_only": create it with cdb_connector_create_connection(name, connection), or list yours in cdb_connectors.connections');
    const wrong = await sqlError(queryOnce(alice.url, 'select cdb_connector_import($1::jsonb)',
      [JSON.stringify({ connector: { provider: 'postgres', connection: 'warehouse', table: 'cities' } })]));
    expect(wrong.message).toBe('The connection "warehouse" is a mysql connection, not postgres');
  });

  it('bad connections are refused with every problem at once, a taken name with 42710', async () => {
    const bad = await sqlError(queryOnce(alice.url, 'select cdb_connector_create_connection($1, $2::jsonb)', ['bad', JSON.stringify({ provider: 'mysql', port: 0 })]));
    expect(bad.code).toBe('22023');
    expect(bad.message.split('\n')).toEqual(expect.arrayContaining([expect.stringMatching(/server|database/), 'The port connection parameter must be an integer between 1 and 65535']));
    const taken = await sqlError(queryOnce(alice.url, 'select cdb_connector_create_connection($1, $2::jsonb)', ['warehouse', JSON.stringify(warehouse())]));
    expect(taken.code).toBe('42710');
    const nameless = await sqlError(queryOnce(alice.url, 'select cdb_connector_create_connection($1, $2::jsonb)', ['', JSON.stringify(warehouse())]));
    expect(nameless.message).toBe('The connection name must not be empty');
  });
});

describe('rotation and dropping', () => {
  it('a sync by name uses the rotated password from its next run on; the old one fails that run with 1503', async () => {
    await createConnection(alice.url, 'rotating', warehouse());
    const sync = await createSync(alice.url, { ...byName('rotating', { import_as: 'cities_sync' }), interval: 900 });
    const first = await waitForSyncRun(db, sync.id);
    expect(first.state, first.error_message ?? '').toBe('success');

    await mysql.exec(`alter user '${MYSQL_USER}'@'%' identified by '${SECOND_PASSWORD}'`);
    await mysql.exec(`update cities set pop = pop + 1 where id = 1`);
    const stale = await runSyncNow(db, sync.id);
    expect(stale.state).toBe('failure');
    expect(stale.error_code).toBe(1503);
    expect(stale.error_message).not.toContain(FIRST_PASSWORD);

    await queryOnce(alice.url, 'select cdb_connector_alter_connection($1, $2::jsonb)', ['rotating', JSON.stringify({ password: SECOND_PASSWORD })]);
    const rotated = await runSyncNow(db, sync.id);
    expect(rotated.state, rotated.error_message ?? '').toBe('success');
    const { rows } = await db.query('select pop from public.cities_sync where id = 1');
    expect(rows[0].pop).toBe(709038);
    await mysql.exec(`alter user '${MYSQL_USER}'@'%' identified by '${FIRST_PASSWORD}'`);

    const dropErr = await sqlError(queryOnce(alice.url, 'select cdb_connector_drop_connection($1)', ['rotating']));
    expect(dropErr.code).toBe('2BP01');
    expect(dropErr.message).toBe(`The connection rotating is used by the synchronizations ${sync.id}`);
  });

  it('alter keeps the stored password when none is given; a job whose connection was dropped fails with 1502 naming it', async () => {
    await createConnection(alice.url, 'moving', { ...warehouse(), port: 1 });
    const changed = (await queryOnce<{ r: any }>(alice.url, 'select cdb_connector_alter_connection($1, $2::jsonb) as r', ['moving', JSON.stringify({ port: mysql.port })]))[0]!.r;
    expect(changed.connection).toMatchObject({ port: mysql.port, password: '***' });
    const ok = await importAndWait(db, byName('moving', { import_as: 'moved' }), { url: alice.url });
    expect(ok.state, ok.error_message ?? '').toBe('complete');

    await sidecar.stop();
    try {
      const id = (await queryOnce<{ r: any }>(alice.url, 'select cdb_connector_import($1::jsonb) as r', [JSON.stringify(byName('moving', { import_as: 'gone' }))]))[0]!.r.item_queue_id;
      expect((await queryOnce<{ r: boolean }>(alice.url, 'select cdb_connector_drop_connection($1) as r', ['moving']))[0]!.r).toBe(true);
      sidecar = await startSidecar(db);
      const { waitForJob } = await import('../helpers/sidecar.js');
      const failed = await waitForJob(db, id);
      expect(failed.state).toBe('failure');
      expect(failed.error_code).toBe(1502);
      expect(failed.error_message).toMatch(/^The connection "moving" no longer exists/);
    } finally {
      if (!sidecar) sidecar = await startSidecar(db);
    }
  });
});

describe('the password and the server log', () => {
  it('a failing import that names a connection leaves its statement in the log, but no password is in it', async () => {
    const log = await serverLogDuring(() => sqlError(queryOnce(alice.url,
      `select cdb_connector_import('{"connector": {"provider": "mysql", "connection": "warehouse", "table": "cities", "bogus": 1}}')`)));
    expect(log).toContain('STATEMENT:');
    expect(log).toContain('"connection": "warehouse"');
    expect(log).not.toContain(FIRST_PASSWORD);
  });

  it('the same failing import with the password inline puts it in the log (why named connections exist)', async () => {
    const inline = JSON.stringify({ connector: { provider: 'mysql', connection: mysql.connection(MYSQL_USER, FIRST_PASSWORD), table: 'cities', bogus: 1 } });
    const log = await serverLogDuring(() => sqlError(queryOnce(alice.url, `select cdb_connector_import('${inline}')`)));
    expect(log).toContain(FIRST_PASSWORD);
  });

  it('the CLI sends the connection as a bind parameter: even a failing create leaves no password in the log', async () => {
    let run: Awaited<ReturnType<typeof cli>> | undefined;
    const log = await serverLogDuring(async () => {
      run = await cli(['connection', 'create', 'cli_made'], JSON.stringify({ ...warehouse(), port: 0 }), alice.url);
    });
    expect(run!.code).toBe(1);
    expect(run!.stderr).toContain('The port connection parameter must be an integer between 1 and 65535');
    expect(log).toContain('ERROR:');
    expect(log).not.toContain(FIRST_PASSWORD);

    const ok = await cli(['connection', 'create', 'cli_made'], JSON.stringify(warehouse()), alice.url);
    expect(ok.code, ok.stderr).toBe(0);
    const listed = await cli(['connection', 'list', '--json'], '', alice.url);
    const connections = JSON.parse(listed.stdout) as Array<{ name: string; connection: Record<string, unknown> }>;
    expect(connections.find((c) => c.name === 'cli_made')?.connection).toMatchObject({ username: MYSQL_USER, password: '***' });
    expect(listed.stdout).not.toContain(FIRST_PASSWORD);
  });

  it('a create whose JSON is malformed is refused before it is sent: the password is in neither the output nor the log', async () => {
    let run: Awaited<ReturnType<typeof cli>> | undefined;
    const log = await serverLogDuring(async () => {
      run = await cli(['connection', 'create', 'cli_broken'], `{"provider": "mysql", "password": ${FIRST_PASSWORD}}`, alice.url);
    });
    expect(run!.code).toBe(1);
    expect(run!.stderr).toMatch(/^ERROR: The request is not valid JSON( \(at character \d+\))?: give one object, \{"provider"/);
    expect(run!.stderr + run!.stdout + log).not.toContain(FIRST_PASSWORD);
  });
});
