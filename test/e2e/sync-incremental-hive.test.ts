/**
 * Issue 18 end to end with a Hive source: incremental sync tables (SPEC §13) run by a real sidecar
 * through hive-driver and the HiveServer2 test server (PLAIN SASL). After every run the whole
 * local table is compared with the remote one (every row, every column, as text, sorted). The
 * remote side is read through the real protocol too (hive-driver, every column CAST AS STRING),
 * and its TIMESTAMP values (nanoseconds) are rounded here half up on the 7th digit to the
 * microsecond PostgreSQL keeps (docs/providers/hive.md, *Timestamp rounding*).
 *
 * Remote rows are changed the way a non-ACID Hive table allows: INSERT INTO … VALUES adds rows,
 * `INSERT OVERWRITE TABLE t SELECT … FROM t WHERE …` deletes or rewrites them.
 *   - merge with a TIMESTAMP cursor, primary_key, lookback 1 second, deletes hard: the mark rounded
 *     to the microsecond, inserts, an update, a tie at the mark, a late row within lookback, a row
 *     below the remote mark in the 7th–9th digit (rounded to the stored mark), a carry into the
 *     next second, a NULL cursor (null_cursor), a delete; exact counts;
 *   - the same 7th–9th-digit neighbours without lookback: only the 500 ns sliver saves them, and
 *     a row 1 ns below the sliver is (as documented) not read;
 *   - append with a BIGINT cursor near 2^63 (only rows past the mark); append with a TIMESTAMP
 *     cursor fails its first run with 1502 naming the nanosecond precision;
 *   - merge of a Hive table without primary_key: refused at creation with 22023;
 *   - diff mode: merge with primary_key and no cursor on an INT key of 3,000 rows; the rows read
 *     after one update and one delete are computed from the bucket geometry stored in sync_diff.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localHiveServerFactory, type HiveTestServer } from '../providers/hive/server-factory.js';
import { queryHiveQL } from '../servers/hive/fixtures.js';
import {
  asSortedText, bucketOf, diffGeometry, lastRun, localRows, roundColumns, roundToMicroseconds, syncAndWait, syncFixture, syncState, type Cell,
} from '../helpers/incremental.js';
import { createSync, runSyncNow, type SyncRow } from '../helpers/sync.js';
import type { TargetDb } from '../helpers/target.js';
import { sqlError, type TestRole } from '../sql/helpers.js';

let db: TargetDb;
let hive: HiveTestServer;
let alice: TestRole;

const connection = () => ({ server: hive.host, port: hive.port, database: 'default', username: hive.user, password: hive.password });

const syncParams = (connector: Record<string, unknown>) => ({ connector: { provider: 'hive', connection: connection(), ...connector }, interval: 3600 });

const sync = (connector: Record<string, unknown>): Promise<SyncRow> => syncAndWait(db, alice, syncParams(connector));


/** Runs one HiveQL SELECT through hive-driver; select every column CAST AS STRING, so the values are Hive's exact text. */
async function remoteQuery(hiveql: string): Promise<Cell[][]> {
  const rows = await queryHiveQL({ host: hive.host, port: hive.port, user: hive.user, password: hive.password }, hiveql);
  return rows.map((r) => Object.values(r).map((v) => (v === null || v === undefined ? null : String(v))));
}

/**
 * A Hive TIMESTAMP text (0–9 fractional digits, trailing zeros dropped) as PostgreSQL stores it:
 * rounded half up on the 7th fractional digit, the carry going into seconds, minutes, … the date.
 */
const micro = (text: Cell): Cell => roundToMicroseconds(text, 'Hive timestamp', { min: 0, max: 9 });

/** The remote table as sorted rows of text; `timeColumns` are TIMESTAMP columns (by index) to round. */
async function remoteRows(hiveql: string, timeColumns: number[] = []): Promise<string[]> {
  return asSortedText(roundColumns(await remoteQuery(hiveql), timeColumns, micro));
}

const fixture = syncFixture(() => localHiveServerFactory('PLAIN').start(), (server) => server.stop());
beforeAll(async () => {
  ({ db, source: hive, alice } = await fixture.setUp());
});
afterAll(() => fixture.tearDown());

describe('merge with a TIMESTAMP cursor, primary_key, lookback 1 second, deletes hard', () => {
  const REMOTE = 'SELECT CAST(id AS STRING), customer, CAST(amount AS STRING), CAST(updated_at AS STRING) FROM orders';
  const LOCAL = "select id::text, customer, amount::text, to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US') from orders";
  const same = async () => expect(await localRows(db, LOCAL)).toEqual(await remoteRows(REMOTE, [3]));
  let s: SyncRow;

  it('first run: a full read, a unique index on the key, the mark rounded to the microsecond', async () => {
    await hive.loadFixture(`
      CREATE TABLE orders (id INT, customer STRING, amount DECIMAL(10,2), updated_at TIMESTAMP);
      INSERT INTO orders VALUES (1, 'ann', CAST('10.00' AS DECIMAL(10,2)), CAST('2026-01-01 10:00:00.0000001' AS TIMESTAMP)),
        (2, 'bob', CAST('20.00' AS DECIMAL(10,2)), CAST('2026-01-01 10:00:00.0000002' AS TIMESTAMP)),
        (3, 'cy', CAST('30.00' AS DECIMAL(10,2)), CAST('2026-01-01 10:00:05.123456789' AS TIMESTAMP))`);
    s = await sync({ table: 'orders', mode: 'merge', primary_key: 'id', cursor: 'updated_at', lookback: '1 second', deletes: 'hard' });
    expect(s, s.error_message ?? '').toMatchObject({ state: 'success', table_name: 'orders', error_code: null });
    await same();
    // .123456789 is stored as .123457: the mark is what the target holds
    expect(await syncState(db, s.id)).toEqual({ mode: 'merge', cursor: 'updated_at', mark: '2026-01-01 10:00:05.123457', rows_at_mark: 1 });
    const indexes = await db.query(`select indexdef from pg_indexes where schemaname = 'public' and tablename = 'orders'`);
    expect(indexes.rows.map((r) => r.indexdef)).toEqual([expect.stringMatching(/CREATE UNIQUE INDEX .* \(id\)/)]);
    const run = await lastRun(db, s.id);
    expect(run).toMatchObject({ state: 'complete', rows_fetched: 3, rows_inserted: 3, rows_updated: 0, rows_deleted: 0, rows_unchanged: 0 });
    expect(run.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'timestamp_rounded' })]));
  });

  it('inserts, an update, a tie, a late row, a 7th–9th-digit neighbour, a carry, a NULL cursor and a delete arrive exactly', async () => {
    // 4 ties the remote mark (the same nanoseconds as row 3); 5 is below the remote mark in the
    // 9th digit but rounds to the stored mark; 6 is 0.52 s behind the mark (lookback); 7 has no
    // cursor; 8 rounds up into the next second, the update's value. Row 1 is deleted and row 2
    // rewritten (amount and cursor), the way a non-ACID Hive table is changed.
    await hive.loadFixture(`
      INSERT INTO orders VALUES (4, 'dee', CAST('40.00' AS DECIMAL(10,2)), CAST('2026-01-01 10:00:05.123456789' AS TIMESTAMP)),
        (5, 'eve', CAST('50.00' AS DECIMAL(10,2)), CAST('2026-01-01 10:00:05.123456501' AS TIMESTAMP)),
        (6, 'fay', CAST('60.00' AS DECIMAL(10,2)), CAST('2026-01-01 10:00:04.6' AS TIMESTAMP)),
        (7, 'gus', CAST('70.00' AS DECIMAL(10,2)), NULL),
        (8, 'hal', CAST('80.00' AS DECIMAL(10,2)), CAST('2026-01-01 10:00:08.9999995' AS TIMESTAMP));
      INSERT OVERWRITE TABLE orders SELECT * FROM orders WHERE id NOT IN (1, 2);
      INSERT INTO orders VALUES (2, 'bob', CAST('21.00' AS DECIMAL(10,2)), CAST('2026-01-01 10:00:09' AS TIMESTAMP))`);
    expect((await remoteQuery('SELECT CAST(id AS STRING) FROM orders')).map((r) => r[0]).sort()).toEqual(['2', '3', '4', '5', '6', '7', '8']);
    const run = await runSyncNow(db, s.id);
    expect(run.state, run.error_message ?? '').toBe('success');
    await same();
    // read from mark - 1 s - 500 ns = 10:00:04.1234565, plus NULL: 2..8; row 1 is gone
    const counts = await lastRun(db, s.id);
    expect(counts).toMatchObject({ state: 'complete', rows_fetched: 7, rows_inserted: 5, rows_updated: 1, rows_deleted: 1, rows_unchanged: 1 });
    expect(counts.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'null_cursor', message: expect.stringMatching(/^1 rows have a NULL cursor/) })]));
    expect(await syncState(db, s.id)).toMatchObject({ mark: '2026-01-01 10:00:09.000000', rows_at_mark: 2 });
  });

  it('an unchanged remote: only the rows within lookback and the NULL cursor are read, none rewritten', async () => {
    const xmin = async () => (await db.query('select id, xmin::text as x from orders order by id')).rows;
    const before = await xmin();
    await runSyncNow(db, s.id);
    await same();
    // from 10:00:07.9999995: 2 and 8 (both stored at the mark) and 7 (NULL)
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 3, rows_inserted: 0, rows_updated: 0, rows_deleted: 0, rows_unchanged: 3 });
    expect(await xmin()).toEqual(before);
    expect(await syncState(db, s.id)).toMatchObject({ mark: '2026-01-01 10:00:09.000000', rows_at_mark: 2 });
  });

  it('a NULL-cursor row is merged every run; a row 400 ns past the mark rounds to it and ties it', async () => {
    await hive.loadFixture(`
      INSERT OVERWRITE TABLE orders SELECT id, customer, CASE WHEN id = 7 THEN CAST('71.00' AS DECIMAL(10,2)) ELSE amount END, updated_at FROM orders;
      INSERT INTO orders VALUES (9, 'ivy', CAST('90.00' AS DECIMAL(10,2)), CAST('2026-01-01 10:00:09.0000004' AS TIMESTAMP))`);
    await runSyncNow(db, s.id);
    await same();
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 4, rows_inserted: 1, rows_updated: 1, rows_deleted: 0, rows_unchanged: 2 });
    expect(await syncState(db, s.id)).toMatchObject({ mark: '2026-01-01 10:00:09.000000', rows_at_mark: 3 });
  });
});

describe('the 7th–9th fractional digits without lookback', () => {
  it('rows committed after the run that round to the stored mark are read; one that rounds below it is not', async () => {
    const REMOTE = 'SELECT CAST(id AS STRING), v, CAST(at AS STRING) FROM fine';
    const LOCAL = "select id::text, v, to_char(at, 'YYYY-MM-DD HH24:MI:SS.US') from fine";
    await hive.loadFixture(`CREATE TABLE fine (id BIGINT, v STRING, at TIMESTAMP);
      INSERT INTO fine VALUES (1, 'a', CAST('2026-02-01 12:00:00.123456789' AS TIMESTAMP)), (2, 'b', CAST('2026-02-01 11:00:00' AS TIMESTAMP))`);
    const s = await sync({ table: 'fine', mode: 'merge', primary_key: 'id', cursor: 'at' });
    expect(s.state, s.error_message ?? '').toBe('success');
    expect(await localRows(db, LOCAL)).toEqual(await remoteRows(REMOTE, [2]));
    expect(await syncState(db, s.id)).toMatchObject({ mark: '2026-02-01 12:00:00.123457', rows_at_mark: 1 });
    // .1234565 is the lowest remote value stored as .123457 (half up); .123456501 and .123456999
    // round to it too, .123457001 is past it; .123456499 rounds to .123456, below the mark, and
    // (with no lookback) is a commit behind the mark that the run cannot see
    await hive.loadFixture(`INSERT INTO fine VALUES (3, 'c', CAST('2026-02-01 12:00:00.1234565' AS TIMESTAMP)),
        (4, 'd', CAST('2026-02-01 12:00:00.123456501' AS TIMESTAMP)), (5, 'e', CAST('2026-02-01 12:00:00.123456999' AS TIMESTAMP)),
        (6, 'f', CAST('2026-02-01 12:00:00.123457001' AS TIMESTAMP)), (7, 'g', CAST('2026-02-01 12:00:00.123456499' AS TIMESTAMP));
      INSERT OVERWRITE TABLE fine SELECT id, CASE WHEN id = 1 THEN 'a2' ELSE v END, at FROM fine`);
    await runSyncNow(db, s.id);
    expect(await localRows(db, LOCAL)).toEqual(await remoteRows(`${REMOTE} WHERE id <> 7`, [2]));
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 5, rows_inserted: 4, rows_updated: 1, rows_unchanged: 0, rows_deleted: 0 });
    expect(await syncState(db, s.id)).toMatchObject({ mark: '2026-02-01 12:00:00.123457', rows_at_mark: 5 });
  });
});

describe('append', () => {
  it('a BIGINT cursor near 2^63 takes only the rows past the mark', async () => {
    const REMOTE = 'SELECT CAST(seq AS STRING), msg FROM log';
    const LOCAL = 'select seq::text, msg from log';
    await hive.loadFixture(`CREATE TABLE log (seq BIGINT, msg STRING);
      INSERT INTO log VALUES (9223372036854775805, 'a'), (9223372036854775806, 'b')`);
    const s = await sync({ table: 'log', mode: 'append', cursor: 'seq' });
    expect(s.state, s.error_message ?? '').toBe('success');
    expect(await localRows(db, LOCAL)).toEqual(await remoteRows(REMOTE));
    expect(await syncState(db, s.id)).toEqual({ mode: 'append', cursor: 'seq', mark: '9223372036854775806', rows_at_mark: 1 });
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 2, rows_inserted: 2 });

    await hive.loadFixture(`INSERT INTO log VALUES (9223372036854775807, 'c')`);
    await runSyncNow(db, s.id);
    expect(await localRows(db, LOCAL)).toEqual(await remoteRows(REMOTE));
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 1, rows_inserted: 1 });
    expect(await syncState(db, s.id)).toMatchObject({ mark: '9223372036854775807', rows_at_mark: 1 });

    // a row at the mark and one below it are not past it: append never reads them
    await hive.loadFixture(`INSERT INTO log VALUES (9223372036854775807, 'tie'), (9223372036854775000, 'old')`);
    await runSyncNow(db, s.id);
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 0, rows_inserted: 0 });
    expect(await localRows(db, LOCAL)).toEqual(await remoteRows(`${REMOTE} WHERE msg NOT IN ('tie', 'old')`));
  });

  it('a TIMESTAMP cursor fails the first run with 1502 naming the nanosecond precision, and creates nothing', async () => {
    await hive.loadFixture(`CREATE TABLE events9 (id INT, at TIMESTAMP);
      INSERT INTO events9 VALUES (1, CAST('2026-03-01 10:00:00.123456789' AS TIMESTAMP))`);
    const s = await sync({ table: 'events9', mode: 'append', cursor: 'at' });
    expect(s).toMatchObject({ state: 'failure', error_code: 1502, error_message: expect.stringMatching(/"at" \(Hive timestamp\) cannot be an append cursor: .*nanosecond precision in Hive/) });
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'failure', error_code: 1502, rows_fetched: 0 });
    expect((await db.query(`select to_regclass('public.events9') as t`)).rows[0].t).toBeNull();
  });
});

describe('validation', () => {
  it('a merge of a Hive table without primary_key is refused at creation with 22023', async () => {
    await hive.loadFixture(`CREATE TABLE nokey (id INT, v STRING); INSERT INTO nokey VALUES (1, 'a')`);
    const count = async () => (await db.query('select count(*)::int as n from cdb_connectors.syncs')).rows[0].n;
    const before = await count();
    const refused = await sqlError(createSync(db.urlAs(alice.name), syncParams({ table: 'nokey', mode: 'merge' })));
    expect(refused).toMatchObject({ code: '22023', message: expect.stringMatching(/A merge of a Hive table needs a primary_key parameter: the remote declares no key for it/) });
    const withCursor = await sqlError(createSync(db.urlAs(alice.name), syncParams({ table: 'nokey', mode: 'merge', cursor: 'id', deletes: 'hard' })));
    expect(withCursor).toMatchObject({ code: '22023', message: expect.stringMatching(/A merge of a Hive table needs a primary_key parameter/) });
    expect(await count()).toBe(before);
    expect((await db.query(`select to_regclass('public.nokey') as t`)).rows[0].t).toBeNull();
  });
});

describe('diff mode (merge with primary_key, no cursor)', () => {
  const REMOTE = 'SELECT CAST(id AS STRING), name, CAST(price AS STRING), CAST(seen AS STRING) FROM catalog';
  const LOCAL = "select id::text, name, price::text, to_char(seen, 'YYYY-MM-DD HH24:MI:SS.US') from catalog";
  const same = async () => expect(await localRows(db, LOCAL)).toEqual(await remoteRows(REMOTE, [3]));

  it('reads everything twice, then nothing for an unchanged remote, then only the changed buckets', async () => {
    // keys 3, 6, …, 9000: 3,000 rows over a range three times as wide; nanosecond timestamps, every tenth NULL
    const tuples = Array.from({ length: 3000 }, (_, i) => {
      const v = i + 1;
      const seen = v % 10 === 0 ? 'NULL' : `CAST('2026-05-01 00:00:${String(Math.floor(v / 100)).padStart(2, '0')}.${String((v % 100) * 1_000_000 + v).padStart(9, '0')}' AS TIMESTAMP)`;
      return `(${v * 3}, 'item ${v}', CAST('${(v / 4).toFixed(2)}' AS DECIMAL(10,2)), ${seen})`;
    });
    await hive.loadFixture(`CREATE TABLE catalog (id INT, name STRING, price DECIMAL(10,2), seen TIMESTAMP);
      INSERT INTO catalog VALUES ${tuples.join(', ')}`);
    const s = await sync({ table: 'catalog', mode: 'merge', primary_key: 'id', deletes: 'hard' });
    expect(s.state, s.error_message ?? '').toBe('success');
    await same();
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 3000, rows_inserted: 3000 });
    const geometry = await diffGeometry(db, s.id);
    // origin = min key; width = ceil((max - min + 1) / ceil(rows / 100)) = ceil(8998 / 30)
    expect(geometry).toEqual({ key_column: 'id', origin: '3', width: '300', unlearned: true });

    await runSyncNow(db, s.id);
    await same();
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 3000, rows_unchanged: 3000, rows_inserted: 0, rows_updated: 0, rows_deleted: 0 });

    const xmin = async () => (await db.query('select count(*)::int as n, max(xmin::text::bigint)::text as x from catalog')).rows[0];
    const before = await xmin();
    await runSyncNow(db, s.id);
    await same();
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 0, rows_inserted: 0, rows_updated: 0, rows_deleted: 0 });
    expect(await xmin()).toEqual(before);

    // the last key of one bucket renamed, the first key of another deleted; the whole table is
    // rewritten by INSERT OVERWRITE, every other row with the same text
    await hive.loadFixture(`INSERT OVERWRITE TABLE catalog
      SELECT id, CASE WHEN id = 4500 THEN 'renamed' ELSE name END, price, seen FROM catalog WHERE id <> 6003`);
    const bucket = (key: bigint) => bucketOf(geometry, key);
    const changed = new Set([bucket(4500n), bucket(6003n)]);
    expect(changed.size).toBe(2);
    const remoteKeys = (await remoteQuery('SELECT CAST(id AS STRING) FROM catalog')).map((r) => BigInt(r[0]!));
    expect(remoteKeys).toHaveLength(2999);
    const expectedFetched = remoteKeys.filter((k) => changed.has(bucket(k))).length;
    expect(expectedFetched).toBe(100 + 99);
    await runSyncNow(db, s.id);
    await same();
    expect(await lastRun(db, s.id)).toMatchObject({
      state: 'complete', rows_fetched: expectedFetched, rows_inserted: 0, rows_updated: 1, rows_deleted: 1, rows_unchanged: expectedFetched - 1,
    });

    // and unchanged again: nothing read
    await runSyncNow(db, s.id);
    await same();
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 0 });
  });
});
