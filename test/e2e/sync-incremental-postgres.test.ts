/**
 * Issue 18 end to end with a PostgreSQL source (a second real cluster): incremental syncs on the
 * binary COPY path (exact types), compared as a whole with the remote after every run:
 *   - merge with a timestamptz cursor: the mark is UTC and exact to the microsecond whatever the
 *     remote session's TimeZone, ties at the mark, a late commit within lookback, NULL cursors;
 *   - hard deletes, append with a bigint cursor, a sql_query source with a primary_key;
 *   - diff mode: an unchanged table reads nothing, one change reads one bucket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localRemoteFactory, remoteSql, type RemotePostgres } from '../providers/postgres/remote.js';
import { lastRun, markOf, syncAndWait, syncFixture, pgRowsAsJson } from '../helpers/incremental.js';
import { runSyncNow, type SyncRow } from '../helpers/sync.js';
import type { TargetDb } from '../helpers/target.js';
import type { TestRole } from '../sql/helpers.js';

let db: TargetDb;
let remote: RemotePostgres;
let alice: TestRole;

const sync = (connector: Record<string, unknown>): Promise<SyncRow> => syncAndWait(db, alice, {
  connector: { provider: 'postgres', connection: { server: remote.host, port: remote.port, database: 'postgres', username: 'postgres', sslmode: 'disable' }, ...connector },
  interval: 3600,
});

const rowsOf = pgRowsAsJson;

const same = async (remoteSelect: string, localSelect = remoteSelect) =>
  expect(await rowsOf(db.url, localSelect)).toEqual(await rowsOf(remote.adminUrl(), remoteSelect));

const fixture = syncFixture(() => localRemoteFactory.start(), (r) => r.stop());
beforeAll(async () => {
  ({ db, source: remote, alice } = await fixture.setUp());
});
afterAll(() => fixture.tearDown());

const ORDERS = `select id, who, amount::text, changed::text from orders`;

describe('merge with a timestamptz cursor', () => {
  let s: SyncRow;

  it('first run: the mark is the UTC microsecond, not the remote session time zone', async () => {
    await remoteSql(remote, `set timezone = 'Pacific/Chatham';
      create table orders (id bigint primary key, who text, amount numeric(30,10), changed timestamptz);
      insert into orders values (1, 'a', 1.0000000001, '2026-03-01 10:00:00.000001+00'), (2, 'b', 2, '2026-03-01 10:00:00.000002+00');`);
    s = await sync({ table: 'orders', mode: 'merge', cursor: 'changed', lookback: '1 second', deletes: 'hard' });
    expect(s.state, s.error_message ?? '').toBe('success');
    await same(ORDERS);
    expect(await markOf(db, s.id)).toEqual({ mark: '2026-03-01 10:00:00.000002', rows_at_mark: 1 });
  });

  it('ties at the mark, a late commit within lookback, updates, a NULL cursor and a delete arrive exactly', async () => {
    await remoteSql(remote, `
      insert into orders values (3, 'tie', 3, '2026-03-01 10:00:00.000002+00'), (4, 'late', 4, '2026-03-01 09:59:59.5+00'), (5, 'null', 5, null);
      update orders set amount = 1.0000000002, changed = '2026-03-01 10:00:07+00' where id = 1;
      delete from orders where id = 2;`);
    await runSyncNow(db, s.id);
    await same(ORDERS);
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_inserted: 3, rows_updated: 1, rows_deleted: 1 });
    expect(await markOf(db, s.id)).toEqual({ mark: '2026-03-01 10:00:07.000000', rows_at_mark: 1 });
    expect((await lastRun(db, s.id)).warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'null_cursor' })]));
  });
});

describe('append and sql_query', () => {
  it('append with a bigint cursor near 2^63 takes only rows past the mark', async () => {
    await remoteSql(remote, `create table log (seq bigint, msg text);
      insert into log values (9223372036854775805, 'a'), (9223372036854775806, 'b');`);
    const s = await sync({ table: 'log', mode: 'append', cursor: 'seq' });
    expect(await markOf(db, s.id)).toMatchObject({ mark: '9223372036854775806' });
    await remoteSql(remote, `insert into log values (9223372036854775807, 'c');`);
    await runSyncNow(db, s.id);
    expect(await lastRun(db, s.id)).toMatchObject({ rows_fetched: 1, rows_inserted: 1 });
    await same('select seq::text, msg from log');
  });

  it('a sql_query merges with the primary_key it names', async () => {
    await remoteSql(remote, `create table src (k int primary key, v text); insert into src values (1, 'x'), (2, 'y');`);
    const s = await sync({ sql_query: 'select k, upper(v) as v from src', import_as: 'src_upper', mode: 'merge', primary_key: 'k' });
    expect(s.state, s.error_message ?? '').toBe('success');
    await remoteSql(remote, `update src set v = 'z' where k = 2; insert into src values (3, 'w');`);
    await runSyncNow(db, s.id);
    expect(await lastRun(db, s.id)).toMatchObject({ rows_fetched: 3, rows_inserted: 1, rows_updated: 1, rows_unchanged: 1 });
    await same('select k, upper(v) as v from src', 'select k, v from src_upper');
  });
});

describe('diff mode', () => {
  it('an unchanged table reads nothing; one change reads one bucket', async () => {
    await remoteSql(remote, `create table big (id int primary key, payload text, n numeric);
      insert into big select g, md5(g::text), g / 7.0 from generate_series(1, 5000) as g;`);
    const s = await sync({ table: 'big', mode: 'merge', deletes: 'soft' });
    await runSyncNow(db, s.id); // learns the buckets
    await runSyncNow(db, s.id);
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 0 });
    await remoteSql(remote, `update big set payload = 'changed' where id = 4321; delete from big where id = 10;`);
    await runSyncNow(db, s.id);
    expect(await lastRun(db, s.id)).toMatchObject({ rows_fetched: 99 + 100, rows_updated: 1, rows_deleted: 1 });
    expect((await db.query('select count(*)::int as n from big where _deleted_at is not null')).rows[0].n).toBe(1);
    await same('select id, payload, n::text from big', 'select id, payload, n::text from big where _deleted_at is null');
  });
});
