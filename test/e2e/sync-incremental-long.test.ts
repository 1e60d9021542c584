/**
 * Issue 18 at scale, opt-in (CDB_LONG_TESTS=1; several minutes on 2 cores):
 *   - a 3M-row MariaDB table backfilled in exactly 3 merge runs with max_rows 1M (cursor order,
 *     the mark moving a million rows per run), then a run that fetches only the rows at the mark;
 *   - diff mode on 1M rows: an unchanged table's run fetches 0 rows, 100 scattered changes fetch
 *     at most 1 % of the rows, and the table equals the remote (count and checksum).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastRun, syncAndWait, syncFixture } from '../helpers/incremental.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { waitForSyncRun, type SyncRow } from '../helpers/sync.js';
import type { TargetDb } from '../helpers/target.js';
import type { TestRole } from '../sql/helpers.js';

/** A run of a million rows on 2 cores takes minutes, not the 30 s waitForSyncRun allows by default. */
const RUN_TIMEOUT_MS = 600_000;

describe.skipIf(!process.env.CDB_LONG_TESTS)('incremental syncs at scale (CDB_LONG_TESTS)', () => {
  let db: TargetDb;
  let my: MysqlDb;
  let alice: TestRole;

  const sync = (connector: Record<string, unknown>): Promise<SyncRow> =>
    syncAndWait(db, alice, { connector: { provider: 'mysql', connection: my.connection(), ...connector }, interval: 3600 }, RUN_TIMEOUT_MS);
  const run = (s: SyncRow) => runSyncNowLong(db, s.id);
  /** count and an order-independent sum of crc32/hashtext over the same text on both sides. */
  const localSummary = async (table: string) => (await db.query(`select count(*)::int as n, sum(id)::text as ids, sum(length(v))::text as len from ${table}`)).rows[0];
  const remoteSummary = async (table: string) => {
    const [rows] = await my.exec(`select count(*) as n, cast(sum(id) as char) as ids, cast(sum(length(v)) as char) as len from ${table}`) as [Array<Record<string, unknown>>];
    return { n: Number(rows[0]!.n), ids: String(rows[0]!.ids), len: String(rows[0]!.len) };
  };

  const fixture = syncFixture(createMysqlDb, (m) => m.drop());
  beforeAll(async () => {
    ({ db, source: my, alice } = await fixture.setUp());
  }, 120_000);
  afterAll(() => fixture.tearDown());

  it('backfills 3M rows in 3 runs with max_rows 1M', async () => {
    await my.exec(`create table backfill (id int primary key, at bigint not null, v varchar(12), key (at));
      insert into backfill select seq, seq, concat('v', seq) from seq_1_to_3000000;`);
    const s = await sync({ table: 'backfill', mode: 'merge', cursor: 'at' });
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 1_000_000, rows_inserted: 1_000_000 });
    await run(s);
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_inserted: 1_000_000 });
    await run(s);
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_inserted: 1_000_000 });
    expect(await localSummary('backfill')).toEqual(await remoteSummary('backfill'));
    await run(s);
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 1, rows_inserted: 0, rows_unchanged: 1 });
  }, 900_000);

  it('diff mode on 1M rows: 0 rows for no change, at most 1 % for 100 scattered changes', async () => {
    await my.exec(`create table million (id int primary key, v varchar(40), n int);
      insert into million select seq, md5(seq), seq % 1000 from seq_1_to_1000000;`);
    const s = await sync({ table: 'million', mode: 'merge', deletes: 'hard' });
    await run(s); // learns the buckets
    await run(s);
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 0 });
    await my.exec(`update million set v = 'changed' where id % 10000 = 77`);
    await run(s);
    const changed = await lastRun(db, s.id);
    expect(changed).toMatchObject({ state: 'complete', rows_updated: 100 });
    expect(changed.rows_fetched).toBeLessThanOrEqual(10_000);
    expect(await localSummary('million')).toEqual(await remoteSummary('million'));
  }, 900_000);
});

async function runSyncNowLong(db: TargetDb, id: string): Promise<SyncRow> {
  const before = (await db.query('select last_import_id from cdb_connectors.syncs where id = $1', [id])).rows[0].last_import_id;
  await db.query('update cdb_connectors.syncs set run_at = now() where id = $1', [id]);
  return waitForSyncRun(db, id, before, RUN_TIMEOUT_MS);
}
