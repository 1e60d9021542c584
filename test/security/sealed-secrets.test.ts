/**
 * Issue 16 §4: stored passwords are sealed with a key the database never holds. A dump of the
 * database or a superuser's SELECT shows no remote password; the sidecar holding the key file
 * opens them (the MariaDB login below needs the real password, so a wrong opening fails the
 * import); a rotation seals everything again with a new key, and running sidecars pick the new
 * key up from the file.
 *
 * `connector-bridge rotate-secrets-key` runs as a real child process, pg_dump is the cluster's.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KEY_FILE_ENV, openSecret, readKeyring } from '../../src/secrets/sealed-secret.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { enqueueImport, startSidecar, waitForJob, type TestSidecar } from '../helpers/sidecar.js';
import { createSync, runSyncNow, waitForSyncRun } from '../helpers/sync.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { REPO_ROOT } from '../reliability/helpers/sidecars.js';
import { roleFactory, type TestRole } from '../sql/helpers.js';

const run = promisify(execFile);
const servers = inject('servers');

let db: TargetDb;
let my: MysqlDb;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;
let dir: string;
let keyFile: string;
let sidecar: TestSidecar | undefined;
const PASSWORD = 'Sealed-Pw-7d1e';
const savedKeyEnv = process.env[KEY_FILE_ENV];

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  roles = roleFactory(db);
  alice = await roles.create('alice', 'cdb_connector_user');
  await db.query(`grant create on schema public to "${alice.name}"`);
  await db.query(`update cdb_connectors.settings set value = '0' where name = 'min_sync_now_interval'`);
  await my.createUser('sealed_reader', PASSWORD);
  await my.exec('create table s (id int primary key, v varchar(10)); insert into s values (1, \'one\');');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdb-keys-'));
  keyFile = path.join(dir, 'secrets-key.asc');
});

afterAll(async () => {
  await sidecar?.stop();
  if (savedKeyEnv === undefined) delete process.env[KEY_FILE_ENV];
  else process.env[KEY_FILE_ENV] = savedKeyEnv;
  fs.rmSync(dir, { recursive: true, force: true });
  await my?.drop();
  await roles?.cleanup();
});

async function rotate(): Promise<{ fingerprint: string; out: string }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'rotate-secrets-key', keyFile], {
    cwd: REPO_ROOT, timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DATABASE_URL: db.url },
  });
  const fingerprint = /New key ([0-9a-f]{40,64}) is active/.exec(stdout)?.[1];
  expect(fingerprint, stdout).toBeDefined();
  return { fingerprint: fingerprint!, out: stdout };
}

/** Every stored password, as a superuser reads them. */
async function stored(): Promise<string[]> {
  const { rows } = await db.query<{ password: string }>(`select password from cdb_connectors.job_secrets
    union all select password from cdb_connectors.sync_secrets union all select password from cdb_connectors.request_secrets`);
  return rows.map((r) => r.password);
}

async function dump(): Promise<string> {
  const { stdout } = await run(path.join(servers.pg.binDir, 'pg_dump'), ['--data-only', '--schema', 'cdb_connectors', db.url], { maxBuffer: 64 << 20 });
  return stdout;
}

const request = (extra: object = {}) => ({ connector: { provider: 'mysql', connection: my.connection('sealed_reader', PASSWORD), table: 's', ...extra } });

describe('sealed passwords', () => {
  let first: string;
  let syncId: string;

  it('without a key they are stored as before (and the dump shows them: the test can fail)', async () => {
    syncId = (await createSync(db.urlAs(alice.name), { ...request(), interval: 3600 })).id;
    expect(await stored()).toEqual([PASSWORD, PASSWORD]); // the first run's job and the sync
    expect(await dump()).toContain(PASSWORD);
  });

  it('rotate-secrets-key makes a key file only its owner reads and seals every stored password', async () => {
    const { fingerprint, out } = await rotate();
    first = fingerprint;
    expect(out).toMatch(/2 stored password\(s\) sealed with it/);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect((await db.query('select fingerprint from cdb_connectors.secret_keys where retired_at is null')).rows).toEqual([{ fingerprint }]);
    const values = await stored();
    expect(values).toHaveLength(2);
    for (const v of values) expect(v.startsWith(`pgp:${fingerprint}:`)).toBe(true);
    const text = await dump();
    expect(text).not.toContain(PASSWORD);
    expect(text).toContain(`pgp:${fingerprint}:`);
    expect(fs.readFileSync(keyFile, 'utf8')).toContain('BEGIN PGP PRIVATE KEY BLOCK');
    expect(text).not.toContain('PRIVATE KEY');
  });

  it('a new import is sealed by the insert trigger itself: the password is never stored in clear', async () => {
    const id = await enqueueImport(db.urlAs(alice.name), request({ import_as: 'sealed_import' }));
    const [row] = (await db.query<{ password: string }>('select password from cdb_connectors.job_secrets where job_id = $1', [id])).rows;
    expect(row!.password.startsWith(`pgp:${first}:`)).toBe(true);
    expect(row!.password).not.toContain(PASSWORD);
  });

  it('a sidecar holding the key file opens them: the imports and the sync run log in to MariaDB', async () => {
    process.env[KEY_FILE_ENV] = keyFile;
    sidecar = await startSidecar(db);
    const sync = await waitForSyncRun(db, syncId);
    expect(sync, String(sync.error_message)).toMatchObject({ state: 'success', table_name: 's' });
    const imported = (await db.query<{ id: string }>("select id from cdb_connectors.jobs where requested_name = 'sealed_import'")).rows[0]!.id;
    expect(await waitForJob(db, imported)).toMatchObject({ state: 'complete', rows_imported: 1 });
    expect((await db.query('select id, v from public.sealed_import')).rows).toEqual([{ id: 1, v: 'one' }]);
    expect(await stored()).toHaveLength(1); // finished jobs keep none; the sync keeps its own
  });

  it('a rotation reseals with a new key; the running sidecar picks it up from the file', async () => {
    const { fingerprint } = await rotate();
    expect(fingerprint).not.toBe(first);
    expect([...(await readKeyring(keyFile)).keys()].sort()).toEqual([first, fingerprint].sort());
    for (const v of await stored()) expect(v.startsWith(`pgp:${fingerprint}:`)).toBe(true);
    await my.exec("insert into s values (2, 'two')");
    expect(await runSyncNow(db, syncId)).toMatchObject({ state: 'success' });
    expect((await db.query('select id, v from public.s order by id')).rows).toEqual([{ id: 1, v: 'one' }, { id: 2, v: 'two' }]);
  });

  it('a sidecar without the key says which key it lacks and where to set it', async () => {
    const [value] = await stored();
    await expect(openSecret(value!, new Map())).rejects.toThrow(/sealed with key [0-9a-f]{40}, which this sidecar does not hold: set CONNECTOR_SECRETS_KEY_FILE/);
  });
});

describe('the stored forms without a key', () => {
  it('a password that looks like a sealed form is stored escaped and opens as itself', async () => {
    const other = await createTargetDb();
    try {
      for (const password of ['pgp:0123456789abcdef0123456789abcdef01234567:AAAA', 'plain:x', 'plain', 'ordinary']) {
        const { rows } = await other.query<{ s: string }>('select cdb_connectors.seal_secret($1) as s', [password]);
        expect(await openSecret(rows[0]!.s, new Map())).toBe(password);
      }
    } finally {
      await other.drop();
    }
  });
});
