/**
 * Issue 16, attack 7: passwords stayed in cdb_connectors.job_secrets after their job ended (30 of
 * 30 rows belonged to finished jobs). Now the transaction that finishes a job deletes its
 * password, whoever finishes it: the sidecar (complete, failure), a cancel of a queued job, the
 * reapers. Rows are counted as the superuser sees them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { enqueueImport, startSidecar, waitForJob, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { roleFactory, type TestRole } from '../sql/helpers.js';

let db: TargetDb;
let my: MysqlDb;
let roles: ReturnType<typeof roleFactory>;
let alice: TestRole;
const PASSWORD = 'attack-7-secret';

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  roles = roleFactory(db);
  alice = await roles.create('alice', 'cdb_connector_user');
  await db.query(`grant create on schema public to "${alice.name}"`);
  await my.createUser('reader7', PASSWORD);
  await my.exec('create table t7 (id int primary key); insert into t7 values (1), (2);');
});

afterAll(async () => {
  await my?.drop();
  await roles?.cleanup();
});

async function secretOf(id: string): Promise<string[]> {
  return (await db.query<{ password: string }>('select password from cdb_connectors.job_secrets where job_id = $1', [id])).rows.map((r) => r.password);
}

function request(extra: object = {}) {
  return { connector: { provider: 'mysql', connection: my.connection('reader7', PASSWORD), table: 't7', ...extra } };
}

describe('a finished job keeps no password', () => {
  it('queued: the password is stored (the sidecar needs it); cancelled while queued: gone', async () => {
    const id = await enqueueImport(db.urlAs(alice.name), request({ import_as: 'never' }));
    expect(await secretOf(id)).toEqual([PASSWORD]);
    await alice.query('select cdb_connector_cancel($1)', [id]);
    expect((await db.query('select state from cdb_connectors.jobs where id = $1', [id])).rows).toEqual([{ state: 'cancelled' }]);
    expect(await secretOf(id)).toEqual([]);
  });

  describe('with a sidecar', () => {
    let sidecar: TestSidecar;
    beforeAll(async () => { sidecar = await startSidecar(db); });
    afterAll(async () => { await sidecar?.stop(); });

    it('complete: the rows arrived and the password is gone', async () => {
      const id = await enqueueImport(db.urlAs(alice.name), request({ import_as: 'done7' }));
      expect(await waitForJob(db, id)).toMatchObject({ state: 'complete', rows_imported: 2 });
      expect((await db.query('select id from public.done7 order by id')).rows).toEqual([{ id: 1 }, { id: 2 }]);
      expect(await secretOf(id)).toEqual([]);
    });

    it('failure: the password is gone too', async () => {
      const id = await enqueueImport(db.urlAs(alice.name), request({ table: 'no_such_table' }));
      expect(await waitForJob(db, id)).toMatchObject({ state: 'failure', error_code: 1505 });
      expect(await secretOf(id)).toEqual([]);
    });

    it('no finished job anywhere has a password left', async () => {
      const { rows } = await db.query(`select j.state from cdb_connectors.job_secrets s join cdb_connectors.jobs j on j.id = s.job_id
        where j.state in ('complete', 'failure', 'cancelled')`);
      expect(rows).toEqual([]);
    });
  });
});
