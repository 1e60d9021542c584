/**
 * Issue 16, attacks 4 and 5 (SSRF): a connector pointed at the target database itself (loopback,
 * user postgres, trust auth — or its Unix-socket directory) or at a local MariaDB as root with
 * an empty password. Before the fix an empty `allowed_hosts` allowed anything: the import copied
 * `pg_authid` and other tenants' passwords, `CALL cdb_connector_preview` showed them at once.
 *
 * Now an empty list allows public addresses only; entries take ports, so a DBA can allow a local
 * source without allowing the target; and the target's own port needs an entry naming it.
 * The pure policy (which address is connected to, how entries parse) is tested below on real
 * name resolution (`localhost`, numeric host forms).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { LOCAL_SOURCES } from '../../src/db/embedded.js';
import { checkDestination, readTargetEndpoint, type TargetEndpoint } from '../../src/sidecar/allowed-hosts.js';
import { createApiUser, preview, type ApiUser } from '../helpers/answers.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { enqueueImport, startSidecar, waitForJob, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { setSetting } from '../reliability/helpers/jobs.js';
import { sqlError } from '../sql/helpers.js';

const servers = inject('servers');

let db: TargetDb;
let my: MysqlDb;
let sidecar: TestSidecar;
let user: ApiUser;

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  await my.exec(`create table secrets (id int primary key, v varchar(20)); insert into secrets values (1, 'root can read me');`);
  user = await createApiUser(db);
  await db.query(`grant create on schema public to ${user.name}`);
  sidecar = await startSidecar(db);
});

afterAll(async () => {
  await sidecar?.stop();
  await my?.drop();
  await db?.drop();
  await user?.drop();
});

/** The target itself, as an attacker would name it: loopback, the superuser, trust auth. */
function targetAsSource(server = '127.0.0.1') {
  return { provider: 'postgres', connection: { server, port: servers.pg.port, database: db.name, username: 'postgres', sslmode: 'disable' }, schema: 'pg_catalog', table: 'pg_authid' };
}

function mariadbAsRoot(server = '127.0.0.1') {
  return { provider: 'mysql', connection: { ...my.connection(), server }, table: 'secrets' };
}

async function importAs(connector: object) {
  return waitForJob(db, await enqueueImport(user.url, { connector }));
}

describe('an empty allowed_hosts (the default): public addresses only', () => {
  beforeEach(async () => { await setSetting(db, 'allowed_hosts', []); });
  afterAll(async () => { await setSetting(db, 'allowed_hosts', LOCAL_SOURCES); });

  it('attack 4: the target itself over loopback is refused (1502), nothing imported', async () => {
    for (const server of ['127.0.0.1', 'localhost', '::1', '2130706433', '127.1']) {
      const job = await importAs(targetAsSource(server));
      expect(job, server).toMatchObject({ state: 'failure', error_code: 1502 });
      expect(job.error_message).toMatch(/this database's own server|non-public address/);
    }
    expect((await db.query(`select count(*)::int as n from pg_tables where tableowner = $1`, [user.name])).rows).toEqual([{ n: 0 }]);
  });

  it('attack 4: cdb_connector_preview of the target answers with 1502 and no rows', async () => {
    const err = await sqlError(preview(user.url, { connector: targetAsSource() }));
    expect(err.message).toMatch(/^127\.0\.0\.1:\d+ is this database's own server; connectors may not connect to it\./);
    expect(JSON.stringify(err)).not.toMatch(/rolpassword|SCRAM-SHA-256/);
  });

  it('attack 4: a Unix-socket directory as the server is refused', async () => {
    for (const server of ['/var/run/postgresql', '/tmp']) {
      const job = await importAs(targetAsSource(server));
      expect(job, server).toMatchObject({ state: 'failure', error_code: 1502 });
      expect(job.error_message).toMatch(/Unix-socket path/);
    }
  });

  it('attack 5: a local MariaDB as root with an empty password is refused', async () => {
    const job = await importAs(mariadbAsRoot());
    expect(job).toMatchObject({ state: 'failure', error_code: 1502 });
    expect(job.error_message).toContain(`To allow it, an administrator adds "127.0.0.1:${my.port}" to the allowed_hosts setting.`);
  });
});

describe('entries with ports', () => {
  afterAll(async () => { await setSetting(db, 'allowed_hosts', LOCAL_SOURCES); });

  it('"127.0.0.1:<mariadb port>" allows that source and not the target', async () => {
    await setSetting(db, 'allowed_hosts', [`127.0.0.1:${my.port}`]);
    const ok = await importAs({ ...mariadbAsRoot(), import_as: 'from_local_mariadb' });
    expect(ok, ok.error_message ?? '').toMatchObject({ state: 'complete', rows_imported: 1 });
    expect((await db.query('select id, v from public.from_local_mariadb')).rows).toEqual([{ id: 1, v: 'root can read me' }]);
    const target = await importAs(targetAsSource());
    expect(target).toMatchObject({ state: 'failure', error_code: 1502 });
    expect(target.error_message).toMatch(/is not in the allowed_hosts setting/);
  });

  it('a port-less CIDR that covers loopback still refuses the target port', async () => {
    await setSetting(db, 'allowed_hosts', ['127.0.0.0/8', '::1']);
    const job = await importAs(targetAsSource());
    expect(job).toMatchObject({ state: 'failure', error_code: 1502 });
    expect(job.error_message).toMatch(/own server, which an allowed_hosts entry without a port does not allow/);
  });

  it('an entry naming the target port is the DBA allowing it explicitly', async () => {
    await setSetting(db, 'allowed_hosts', [`127.0.0.1:${servers.pg.port}`]);
    await db.query('create table public.visible_to_all (v text)');
    await db.query('insert into public.visible_to_all values ($1)', ['explicitly allowed']);
    const job = await importAs({ ...targetAsSource(), schema: 'public', table: 'visible_to_all', import_as: 'loopback_copy' });
    expect(job, job.error_message ?? '').toMatchObject({ state: 'complete', rows_imported: 1 });
  });

  it('the setting accepts ports in every form and refuses bad ones', async () => {
    await setSetting(db, 'allowed_hosts', ['127.0.0.1:33306', 'db.example.com:3306', '10.0.0.0/8:5432', '[::1]:5432', '[2001:db8::/32]', '::1']);
    for (const bad of ['db.example.com:0', '10.0.0.0/8:70000', '[db.example.com]:5432', '[10.0.0.1]:5432', 'db.example.com:', '127.0.0.1:54a']) {
      const err = await sqlError(setSetting(db, 'allowed_hosts', [bad]));
      expect(err.message, bad).toContain(`"${bad}" is none of these`);
    }
  });
});

describe('the policy itself', () => {
  let target: TargetEndpoint;
  beforeAll(async () => { target = await readTargetEndpoint(db.pool); });

  it('knows the target: the port and loopback this test connected over', () => {
    expect(target.port).toBe(servers.pg.port);
    expect(target.addresses.has('127.0.0.1')).toBe(true);
    expect(target.local).toBe(true);
  });

  it('returns the checked address to connect to, for names and odd numeric forms alike', async () => {
    const allowed = ['127.0.0.0/8:3306', '::1'];
    expect(await checkDestination('127.0.0.1', 3306, allowed, target)).toBe('127.0.0.1');
    expect(await checkDestination('2130706433', 3306, allowed, target)).toBe('127.0.0.1');
    expect(await checkDestination('::ffff:127.0.0.1', 3306, allowed, target)).toBe('127.0.0.1');
    expect(['127.0.0.1', '::1']).toContain(await checkDestination('localhost', 3306, allowed, target));
    await expect(checkDestination('127.0.0.1', 3307, allowed, target)).rejects.toThrow(/not in the allowed_hosts/);
  });

  it('refuses every non-public range with an empty list', async () => {
    for (const address of ['10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', 'fe80::1', 'fd00::1', 'ff02::1', '::']) {
      await expect(checkDestination(address, 3306, [], target), address).rejects.toThrow(/non-public address/);
    }
    expect(await checkDestination('8.8.8.8', 3306, [], target)).toBe('8.8.8.8');
  });

  it('a name that does not resolve is unreachable, not allowed', async () => {
    await expect(checkDestination('no-such-host.invalid', 3306, [], target)).rejects.toMatchObject({ errorName: 'SOURCE_UNREACHABLE' });
  });
});
