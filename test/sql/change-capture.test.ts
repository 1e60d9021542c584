/**
 * Issue 23, the SQL side of "mode": "cdc" (no sidecar): which requests are accepted, the view
 * columns, and unsync leaving the release of the source's slot to the sidecar — with the sealed
 * password, in a table no tenant can read, write or forge rows in.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { mysqlRequest, withAlice, type RoleFactory, type TestRole } from './helpers.js';

let db: TargetDb;
let roles: RoleFactory;
let alice: TestRole;

const cdc = (overrides: Record<string, unknown> = {}, provider = 'mysql') => {
  const r = mysqlRequest({ mode: 'cdc', ...overrides });
  (r.connector as Record<string, unknown>).provider = provider;
  return JSON.stringify({ ...r, interval: 3600 });
};
const syncAs = async (role: TestRole, body: string) => (await role.query('select cdb_connector_sync($1::jsonb) as s', [body])).rows[0].s;

beforeAll(async () => {
  db = await createTargetDb();
  ({ roles, alice } = await withAlice(db));
});
afterAll(() => roles.cleanup());
afterEach(async () => {
  await db.query('delete from cdb_connectors.jobs; delete from cdb_connectors.syncs; delete from cdb_connectors.cdc_releases');
});

describe('"mode": "cdc"', () => {
  it('is accepted for mysql and postgres tables, with continuous and (postgres) publication', async () => {
    const my = await syncAs(alice, cdc({ continuous: true }));
    expect(JSON.parse(my.service_item_id)).toMatchObject({ mode: 'cdc', continuous: true });
    const pg = await syncAs(alice, cdc({ publication: 'dba_pub', import_as: 'o2' }, 'postgres'));
    expect(JSON.parse(pg.service_item_id)).toMatchObject({ mode: 'cdc', publication: 'dba_pub' });
    const { rows } = await db.query('select mode, deletes, position, lag_bytes from cdb_connectors.sync_state order by mode, deletes');
    expect(rows).toEqual([{ mode: 'cdc', deletes: 'hard', position: null, lag_bytes: null }, { mode: 'cdc', deletes: 'hard', position: null, lag_bytes: null }]);
  });

  it('is refused (22023) for other providers, a sql_query, a cursor, and with keys it does not take', async () => {
    const refused = (body: string) => expect(alice.query('select cdb_connector_sync($1::jsonb)', [body])).rejects.toMatchObject({ code: '22023' });
    await refused(cdc({}, 'sqlserver'));
    await refused(cdc({}, 'hive'));
    await refused(cdc({ cursor: 'updated_at' }));
    await refused(cdc({ lookback: '1 minute' }));
    await refused(cdc({ table: undefined, sql_query: 'select 1' }));
    await refused(cdc({ continuous: 1 }));
    await refused(cdc({ publication: 'p' }));
    await refused(cdc({ publication: 'x'.repeat(64) }, 'postgres'));
    await expect(alice.query('select cdb_connector_sync($1::jsonb)', [cdc({}, 'hive')])).rejects.toThrow(/available for postgres and mysql sources, not hive/);
  });

  it('unsync queues the release with the sealed password; tenants cannot read or forge releases', async () => {
    const s = await syncAs(alice, cdc());
    await alice.query('select cdb_connector_unsync($1)', [s.id]);
    const { rows } = await db.query('select sync_id, owner, provider, params, secret from cdb_connectors.cdc_releases');
    expect(rows).toEqual([{ sync_id: s.id, owner: alice.name, provider: 'mysql', params: expect.objectContaining({ mode: 'cdc' }), secret: expect.any(String) }]);
    expect(JSON.stringify(rows[0].params)).not.toContain('secret');
    await expect(alice.query('select * from cdb_connectors.cdc_releases')).rejects.toMatchObject({ code: '42501' });
    await expect(alice.query(`insert into cdb_connectors.cdc_releases (sync_id, owner, provider, params) values (gen_random_uuid(), 'postgres', 'mysql', '{}')`))
      .rejects.toMatchObject({ code: '42501' });
    await expect(alice.query('select cdb_connectors.syncs_before_delete_cdc()')).rejects.toMatchObject({ code: '42501' });
  });

  it('a merge sync leaves no release behind', async () => {
    const s = await syncAs(alice, JSON.stringify({ ...mysqlRequest({ mode: 'merge', cursor: 'updated_at' }), interval: 3600 }));
    await alice.query('select cdb_connector_unsync($1)', [s.id]);
    expect((await db.query('select count(*)::int as n from cdb_connectors.cdc_releases')).rows[0].n).toBe(0);
  });

  it('the setting cdc_max_lag_bytes takes a positive whole number; synchronizations warns past it', async () => {
    await expect(db.query(`update cdb_connectors.settings set value = '0' where name = 'cdc_max_lag_bytes'`)).rejects.toThrow(/cdc_max_lag_bytes/);
    const s = await syncAs(alice, cdc());
    await db.query(`update cdb_connectors.syncs set cdc_lag_bytes = 2000000000 where id = $1`, [s.id]);
    const { rows } = await alice.query('select cdc_warning from cdb_connectors.synchronizations where id = $1', [s.id]);
    expect(rows[0].cdc_warning).toMatch(/^cdc_lag: the source keeps 2000000000 bytes/);
    await db.query(`update cdb_connectors.syncs set cdc_lag_bytes = 10 where id = $1`, [s.id]);
    expect((await alice.query('select cdc_warning from cdb_connectors.synchronizations where id = $1', [s.id])).rows[0].cdc_warning).toBeNull();
  });
});
