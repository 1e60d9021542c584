/**
 * Issue 16 §1, defence in depth: `connector-bridge run` refuses a superuser login unless
 * --allow-superuser is given, and a sidecar logged in as a plain member of cdb_connector_worker
 * (the role migrate creates) runs imports and sync refreshes for the tenants granted to it —
 * with a tenant's RESET ROLE trigger still contained.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { adminQuery } from '../helpers/one-shot-sql.js';
import { enqueueImport, waitForJob } from '../helpers/sidecar.js';
import { createSync, runSyncNow, waitForSyncRun } from '../helpers/sync.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { REPO_ROOT, spawnSidecar, type ChildSidecar } from '../reliability/helpers/sidecars.js';
import { roleFactory, type TestRole } from '../sql/helpers.js';

const run = promisify(execFile);

let db: TargetDb;
let my: MysqlDb;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;
let child: ChildSidecar | undefined;
const login = `bridge_${crypto.randomBytes(4).toString('hex')}`;
const password = crypto.randomBytes(12).toString('hex');

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  roles = roleFactory(db);
  alice = await roles.create('alice', 'cdb_connector_user');
  await db.query(`grant create on schema public to "${alice.name}"`);
  await adminQuery(`create role "${login}" login bypassrls password '${password}' in role cdb_connector_worker`);
  await adminQuery(`grant "${alice.name}" to cdb_connector_worker`);
});

afterAll(async () => {
  await child?.kill();
  await my?.drop();
  await roles?.cleanup();
  await adminQuery(`drop role if exists "${login}"`);
});

async function cli(args: string[], databaseUrl: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: REPO_ROOT, timeout: 20_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DATABASE_URL: databaseUrl },
    });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('the sidecar login', () => {
  it('run on a superuser login exits 2 and says how to run least-privileged', async () => {
    const { code, out } = await cli(['run'], db.url);
    expect(code).toBe(2);
    expect(out).toMatch(/is a superuser/);
    expect(out).toMatch(/in role cdb_connector_worker/);
    expect(out).toMatch(/--allow-superuser/);
  });

  it('run on a login that is not in cdb_connector_worker exits 2 naming the grant', async () => {
    const { code, out } = await cli(['run'], db.urlAs(alice.name));
    expect(code).toBe(2);
    expect(out).toMatch(/not a member of cdb_connector_worker/);
  });

  it('a cdb_connector_worker login imports and refreshes a tenant\'s sync; the tenant\'s RESET ROLE trigger stays the tenant', async () => {
    child = await spawnSidecar(db.urlAs(login, password), { allowSuperuser: false });
    await my.exec(`create table w (id int primary key, v varchar(10)); insert into w values (1, 'a'), (2, 'b');`);
    const id = await enqueueImport(db.urlAs(alice.name), { connector: { provider: 'mysql', connection: my.connection(), table: 'w', import_as: 'w_import' } });
    const job = await waitForJob(db, id);
    expect(job, job.error_message ?? '').toMatchObject({ state: 'complete', rows_imported: 2, table_name: 'w_import' });
    expect((await db.query(`select tableowner from pg_tables where tablename = 'w_import'`)).rows).toEqual([{ tableowner: alice.name }]);

    const sync = await createSync(db.urlAs(alice.name), { connector: { provider: 'mysql', connection: my.connection(), table: 'w' }, interval: 3600 });
    expect(await waitForSyncRun(db, sync.id)).toMatchObject({ state: 'success', table_name: 'w' });
    await alice.query(`create table public.w_log (who text, note text);
      create function public.w_probe() returns trigger language plpgsql as $$
      declare note text := 'reset role allowed';
      begin
        begin reset role; exception when others then note := sqlerrm; end;
        insert into public.w_log values (current_user, note);
        return new;
      end $$;
      create trigger t before insert on public.w for each row execute function public.w_probe();`);
    await my.exec(`insert into w values (3, 'c')`);
    expect(await runSyncNow(db, sync.id)).toMatchObject({ state: 'success' });
    expect((await db.query('select id, v from public.w order by id')).rows).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }]);
    const log = (await db.query('select who, note from public.w_log')).rows;
    expect(log).toHaveLength(3);
    for (const row of log) expect(row).toEqual({ who: alice.name, note: 'cannot set parameter "role" within security-definer function' });
  });
});
