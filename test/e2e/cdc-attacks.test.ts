/**
 * Issue 23's attack tests (docs/security.md, "Treat every API user as hostile") for "mode": "cdc"
 * with a PostgreSQL source:
 *   - a "publication" parameter written as SQL is only ever a quoted name: nothing runs remotely;
 *   - source columns named like the change table's own columns are ordinary columns;
 *   - the release after unsync goes through the network policy like any connection: a host the
 *     policy now refuses is not contacted (last_error says why) until it is allowed again;
 *   - another role cannot reset, unsync or read the position of alice's cdc sync;
 *   - continuous mode: a remote commit shows up without sync_now, pausing ends the job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localRemoteFactory, remoteSql, type RemotePostgres } from '../providers/postgres/remote.js';
import { syncAndWait, syncFixture } from '../helpers/incremental.js';
import { runSyncNow } from '../helpers/sync.js';
import { queryOnce } from '../helpers/one-shot-sql.js';
import type { TargetDb } from '../helpers/target.js';
import type { RoleFactory, TestRole } from '../sql/helpers.js';
import { waitFor } from '../reliability/helpers/wait.js';

let db: TargetDb;
let remote: RemotePostgres;
let alice: TestRole;
let roles: RoleFactory;

const connection = () => ({ server: remote.host, port: remote.port, database: 'postgres', username: 'postgres', sslmode: 'disable' });
const sync = (connector: Record<string, unknown>, as = alice) => syncAndWait(db, as, {
  connector: { provider: 'postgres', connection: connection(), mode: 'cdc', ...connector }, interval: 3600,
});
const slotExists = async (syncId: string) => (await remoteSql(remote, 'select 1 from pg_replication_slots where slot_name = $1', [`cdb_${syncId.replace(/-/g, '')}`])).length === 1;

const fixture = syncFixture(() => localRemoteFactory.start(), (r) => r.stop());
beforeAll(async () => {
  ({ db, source: remote, alice, roles } = await fixture.setUp());
  await remoteSql(remote, 'alter system set synchronous_commit = on');
  await remoteSql(remote, 'select pg_reload_conf()');
  await remoteSql(remote, `create table t (id int primary key, v text); insert into t values (1, 'a');`);
});
afterAll(() => fixture.tearDown());

describe('cdc attacks', () => {
  it('a publication parameter written as SQL is a quoted name that does not exist: 1502, nothing dropped', async () => {
    const s = await sync({ table: 't', publication: 'p"; drop table t; --', import_as: 't_pub' });
    expect(s).toMatchObject({ state: 'failure', error_code: 1502, error_message: expect.stringMatching(/publication/) });
    expect(await remoteSql(remote, 'select count(*)::int as n from t')).toEqual([{ n: 1 }]);
    expect(await slotExists(s.id)).toBe(false);
  });

  it('source columns named like the change table\'s own (cdb$op, cdb$seq) are plain columns: changes still apply by key', async () => {
    await remoteSql(remote, `create table clash (id int primary key, "cdb$op" text, "cdb$seq" int); insert into clash values (1, 'D', 9);`);
    const s = await sync({ table: 'clash' });
    expect(s.state, s.error_message ?? '').toBe('success');
    await remoteSql(remote, `insert into clash values (2, 'T', -1); update clash set "cdb$op" = 'I' where id = 1`);
    await runSyncNow(db, s.id);
    const local = (await db.pool.query({ text: 'select * from public.clash order by 1', rowMode: 'array' })).rows;
    expect(local).toEqual([[1, 'I', 9], [2, 'T', -1]]);
  });

  it('the release after unsync obeys the network policy of the moment', async () => {
    const s = await sync({ table: 't' });
    expect(s.state, s.error_message ?? '').toBe('success');
    const { rows: [policy] } = await db.query(`select value from cdb_connectors.settings where name = 'allowed_hosts'`);
    await db.query(`update cdb_connectors.settings set value = '["db.example.com"]' where name = 'allowed_hosts'`);
    try {
      await queryOnce(db.urlAs(alice.name), 'select cdb_connector_unsync($1)', [s.id]);
      const row = await waitFor('a failed release attempt', async () => {
        const { rows } = await db.query('select last_error from cdb_connectors.cdc_releases where sync_id = $1', [s.id]);
        return rows[0]?.last_error ? rows[0] : false;
      }, 20_000);
      expect(row.last_error).toMatch(/allowed_hosts/);
      expect(await slotExists(s.id)).toBe(true);
    } finally {
      await db.query(`update cdb_connectors.settings set value = $1 where name = 'allowed_hosts'`, [JSON.stringify(policy.value)]);
    }
    await db.query('update cdb_connectors.cdc_releases set next_attempt_at = now() where sync_id = $1', [s.id]);
    await waitFor('the slot released', async () => !(await slotExists(s.id)), 20_000);
  });

  it('another role cannot reset, unsync or see alice\'s cdc sync', async () => {
    const s = await sync({ table: 't', import_as: 't_owned' });
    const mallory = await roles.create('mallory', 'cdb_connector_user');
    await expect(queryOnce(db.urlAs(mallory.name), 'select cdb_connector_sync_reset($1)', [s.id])).rejects.toMatchObject({ code: 'P0002' });
    await expect(queryOnce(db.urlAs(mallory.name), 'select cdb_connector_unsync($1)', [s.id])).rejects.toMatchObject({ code: 'P0002' });
    expect(await queryOnce(db.urlAs(mallory.name), 'select position from cdb_connectors.sync_state')).toEqual([]);
    expect(await slotExists(s.id)).toBe(true);
    await queryOnce(db.urlAs(alice.name), 'select cdb_connector_unsync($1)', [s.id]);
  });
});

describe('continuous', () => {
  it('follows remote commits without sync_now within 2 s (median of 5), and a pause ends the job', async () => {
    await remoteSql(remote, 'create table live (id int primary key, v int)');
    const s = await sync({ table: 'live', continuous: true });
    expect(s.state, s.error_message ?? '').toBe('success');
    const latencies: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const t0 = Date.now();
      await remoteSql(remote, `insert into live values (${i}, ${i})`);
      await waitFor(`row ${i}`, async () => (await db.query('select 1 from public.live where id = $1', [i])).rows.length === 1, 20_000, 20);
      latencies.push(Date.now() - t0);
    }
    expect([...latencies].sort((a, b) => a - b)[2]).toBeLessThan(2000);
    const running = await waitFor('the continuous job', async () => {
      const { rows } = await db.query("select id from cdb_connectors.jobs where sync_id = $1 and state = 'importing'", [s.id]);
      return rows[0]?.id as string | undefined;
    });
    await queryOnce(db.urlAs(alice.name), 'update cdb_connectors.synchronizations set paused = true where id = $1', [s.id]);
    await waitFor('the job ended by the pause', async () => {
      const { rows } = await db.query('select state from cdb_connectors.jobs where id = $1', [running]);
      return rows[0]?.state === 'complete';
    }, 20_000);
    await queryOnce(db.urlAs(alice.name), 'select cdb_connector_unsync($1)', [s.id]);
  });
});
