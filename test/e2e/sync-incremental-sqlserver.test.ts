/**
 * Issue 18 end to end with a SQL Server source: incremental sync tables (SPEC §13) run by a real
 * sidecar through tedious and the TDS test server. After every run the whole local table is
 * compared with the remote one (every row, every column, as text, sorted), so a lost, duplicated
 * or stale row fails the test. The remote side is read through the real protocol too, and its
 * datetime2(7) values are rounded here (half up, 7 → 6 digits, docs/providers/sqlserver.md) to
 * the microsecond PostgreSQL keeps:
 *   - merge with a datetime2(7) cursor, lookback 1 second, deletes hard: the mark rounded to the
 *     microsecond, inserts, an update, a tie at the mark, a late row within lookback, a row that
 *     differs from the mark only in the 7th digit (below the remote mark, rounded to it), a carry
 *     into the next second, a NULL cursor (null_cursor), a delete; exact counts;
 *   - the same 7th-digit neighbours without lookback (only the 500 ns sliver saves them);
 *   - append with a bigint cursor near 2^63 (only rows past the mark); append with a datetime2(7)
 *     cursor is refused on the first run (1502, sub-microsecond);
 *   - the delete guard (1511, nothing changed), on a cursor merge and in diff mode;
 *   - diff mode: merge without a cursor on an int key of 3,000 rows; the rows read after one
 *     update and one delete are computed from the bucket geometry stored in sync_diff.
 */
import tedious from 'tedious';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tdsTestServer, type SqlServerUnderTest } from '../providers/sqlserver/server.js';
import { withSetting } from '../helpers/answers.js';
import {
  asSortedText, bucketOf, diffGeometry, lastRun, localRows, roundColumns, roundToMicroseconds, syncAndWait, syncFixture, syncState, type Cell,
} from '../helpers/incremental.js';
import { runSyncNow, type SyncRow } from '../helpers/sync.js';
import type { TargetDb } from '../helpers/target.js';
import type { TestRole } from '../sql/helpers.js';

let db: TargetDb;
let ms: SqlServerUnderTest;
let alice: TestRole;

const connection = () => ({ server: ms.host, port: ms.port, database: ms.database, username: ms.user, password: ms.password, encrypt: false });

const sync = (connector: Record<string, unknown>): Promise<SyncRow> =>
  syncAndWait(db, alice, { connector: { provider: 'sqlserver', connection: connection(), ...connector }, interval: 3600 });


/** Runs one T-SQL SELECT through tedious and returns its rows, every value as text. */
async function remoteQuery(tsql: string): Promise<Cell[][]> {
  const conn = new tedious.Connection({
    server: ms.host,
    authentication: { type: 'default', options: { userName: ms.user, password: ms.password } },
    options: { port: ms.port, database: ms.database, encrypt: false, trustServerCertificate: true, requestTimeout: 60_000 },
  });
  await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
  try {
    const rows: Cell[][] = [];
    await new Promise<void>((resolve, reject) => {
      const request = new tedious.Request(tsql, (err) => (err ? reject(err) : resolve()));
      request.on('row', (columns: Array<{ value: unknown }>) => rows.push(columns.map((c) => (c.value === null ? null : String(c.value)))));
      conn.execSql(request);
    });
    return rows;
  } finally {
    conn.close();
  }
}

/**
 * A SQL Server datetime2(7) text (`CONVERT(varchar(27), col, 121)`: 7 fractional digits) as
 * PostgreSQL stores it: rounded half up to the microsecond, the carry going into the seconds.
 */
const micro = (text: Cell): Cell => roundToMicroseconds(text, 'datetime2(7)', { min: 7, max: 7 });

/** The remote table as sorted rows of text; `timeColumns` are datetime2(7) columns (by index) to round. */
async function remoteRows(tsql: string, timeColumns: number[] = []): Promise<string[]> {
  return asSortedText(roundColumns(await remoteQuery(tsql), timeColumns, micro));
}

const fixture = syncFixture(() => tdsTestServer.start(), (server) => server.stop());
beforeAll(async () => {
  ({ db, source: ms, alice } = await fixture.setUp());
});
afterAll(() => fixture.tearDown());

describe('merge with a datetime2(7) cursor, lookback 1 second, deletes hard', () => {
  const REMOTE = 'SELECT id, customer, CONVERT(varchar(50), amount) AS amount, CONVERT(varchar(27), updated_at, 121) AS updated_at FROM dbo.orders';
  const LOCAL = "select id, customer, amount::text, to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US') from orders";
  const same = async () => expect(await localRows(db, LOCAL)).toEqual(await remoteRows(REMOTE, [3]));
  let s: SyncRow;

  it('first run: a full read, a unique index on the key, the mark rounded to the microsecond', async () => {
    await ms.loadFixture(`
      CREATE TABLE dbo.orders (id int NOT NULL PRIMARY KEY, customer nvarchar(20), amount decimal(10,2), updated_at datetime2(7));
      INSERT INTO dbo.orders VALUES (1, N'ann', 10.00, '2026-01-01 10:00:00.0000001'), (2, N'bob', 20.00, '2026-01-01 10:00:00.0000002'),
                                    (3, N'cy', 30.00, '2026-01-01 10:00:05.1234567');`);
    s = await sync({ table: 'orders', mode: 'merge', cursor: 'updated_at', lookback: '1 second', deletes: 'hard' });
    expect(s, s.error_message ?? '').toMatchObject({ state: 'success', table_name: 'orders', error_code: null });
    await same();
    // .1234567 is stored as .123457: the mark is what the target holds
    expect(await syncState(db, s.id)).toEqual({ mode: 'merge', cursor: 'updated_at', mark: '2026-01-01 10:00:05.123457', rows_at_mark: 1 });
    const indexes = await db.query(`select indexdef from pg_indexes where schemaname = 'public' and tablename = 'orders'`);
    expect(indexes.rows.map((r) => r.indexdef)).toEqual([expect.stringMatching(/CREATE UNIQUE INDEX .* \(id\)/)]);
    const run = await lastRun(db, s.id);
    expect(run).toMatchObject({ state: 'complete', rows_fetched: 3, rows_inserted: 3, rows_updated: 0, rows_deleted: 0, rows_unchanged: 0 });
    expect(run.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'timestamp_rounded' })]));
  });

  it('inserts, an update, a tie, a late row, a 7th-digit neighbour, a carry, a NULL cursor and a delete arrive exactly', async () => {
    await ms.loadFixture(`
      INSERT INTO dbo.orders VALUES (4, N'dee', 40.00, '2026-01-01 10:00:05.1234567');
      INSERT INTO dbo.orders VALUES (5, N'eve', 50.00, '2026-01-01 10:00:05.1234565');
      INSERT INTO dbo.orders VALUES (6, N'fay', 60.00, '2026-01-01 10:00:04.6000000');
      INSERT INTO dbo.orders VALUES (7, N'gus', 70.00, NULL);
      INSERT INTO dbo.orders VALUES (8, N'hal', 80.00, '2026-01-01 10:00:08.9999995');
      UPDATE dbo.orders SET amount = 21.00, updated_at = '2026-01-01 10:00:09' WHERE id = 2;
      DELETE FROM dbo.orders WHERE id = 1;`);
    // 4 ties the remote mark; 5 is below it (.1234565 < .1234567) but rounds to the stored mark;
    // 6 is 0.52 s behind it (lookback); 8 rounds up to 10:00:09.000000, the update's value
    const run = await runSyncNow(db, s.id);
    expect(run.state, run.error_message ?? '').toBe('success');
    await same();
    // read from DATEADD(ns, -500, mark - 1 s) = 10:00:04.1234565, plus NULL: 2..8; row 1 (10:00:00) is not read
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
    // from 10:00:07.9999995: 2 and 8 (both at the mark) and 7 (NULL)
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 3, rows_inserted: 0, rows_updated: 0, rows_deleted: 0, rows_unchanged: 3 });
    expect(await xmin()).toEqual(before);
    expect(await syncState(db, s.id)).toMatchObject({ mark: '2026-01-01 10:00:09.000000', rows_at_mark: 2 });
  });

  it('a NULL-cursor row is merged every run; a row 400 ns past the mark rounds to it and ties it', async () => {
    await ms.loadFixture(`UPDATE dbo.orders SET amount = 71.00 WHERE id = 7;
      INSERT INTO dbo.orders VALUES (9, N'ivy', 90.00, '2026-01-01 10:00:09.0000004');`);
    await runSyncNow(db, s.id);
    await same();
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 4, rows_inserted: 1, rows_updated: 1, rows_deleted: 0, rows_unchanged: 2 });
    expect(await syncState(db, s.id)).toMatchObject({ mark: '2026-01-01 10:00:09.000000', rows_at_mark: 3 });
  });
});

describe('the 7th fractional digit without lookback', () => {
  it('rows committed after the run that round to the stored mark are read; the mark stays exact', async () => {
    const REMOTE = 'SELECT id, v, CONVERT(varchar(27), at, 121) FROM dbo.fine';
    const LOCAL = "select id, v, to_char(at, 'YYYY-MM-DD HH24:MI:SS.US') from fine";
    await ms.loadFixture(`CREATE TABLE dbo.fine (id int NOT NULL PRIMARY KEY, v nvarchar(10), at datetime2(7));
      INSERT INTO dbo.fine VALUES (1, N'a', '2026-02-01 12:00:00.1234567'), (2, N'b', '2026-02-01 11:00:00');`);
    const s = await sync({ table: 'fine', mode: 'merge', cursor: 'at' });
    expect(s.state, s.error_message ?? '').toBe('success');
    expect(await syncState(db, s.id)).toMatchObject({ mark: '2026-02-01 12:00:00.123457', rows_at_mark: 1 });
    // .1234565 is the lowest remote value stored as .123457 (half up); .1234569 and .1234570 too
    await ms.loadFixture(`INSERT INTO dbo.fine VALUES (3, N'c', '2026-02-01 12:00:00.1234565'), (4, N'd', '2026-02-01 12:00:00.1234569'),
        (5, N'e', '2026-02-01 12:00:00.1234570');
      UPDATE dbo.fine SET v = N'a2' WHERE id = 1;`);
    await runSyncNow(db, s.id);
    expect(await localRows(db, LOCAL)).toEqual(await remoteRows(REMOTE, [2]));
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 4, rows_inserted: 3, rows_updated: 1, rows_unchanged: 0 });
    expect(await syncState(db, s.id)).toMatchObject({ mark: '2026-02-01 12:00:00.123457', rows_at_mark: 4 });
  });
});

describe('append', () => {
  it('a bigint cursor near 2^63 takes only the rows past the mark', async () => {
    const REMOTE = 'SELECT CONVERT(varchar(30), seq), msg FROM dbo.log';
    const LOCAL = 'select seq::text, msg from log';
    await ms.loadFixture(`CREATE TABLE dbo.log (seq bigint, msg nvarchar(10));
      INSERT INTO dbo.log VALUES (9223372036854775805, N'a'), (9223372036854775806, N'b');`);
    const s = await sync({ table: 'log', mode: 'append', cursor: 'seq' });
    expect(s.state, s.error_message ?? '').toBe('success');
    expect(await localRows(db, LOCAL)).toEqual(await remoteRows(REMOTE));
    expect(await syncState(db, s.id)).toEqual({ mode: 'append', cursor: 'seq', mark: '9223372036854775806', rows_at_mark: 1 });

    await ms.loadFixture(`INSERT INTO dbo.log VALUES (9223372036854775807, N'c');`);
    await runSyncNow(db, s.id);
    expect(await localRows(db, LOCAL)).toEqual(await remoteRows(REMOTE));
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 1, rows_inserted: 1 });
    expect(await syncState(db, s.id)).toMatchObject({ mark: '9223372036854775807', rows_at_mark: 1 });

    // a row at the mark and one below it are not past it: append never reads them
    await ms.loadFixture(`INSERT INTO dbo.log VALUES (9223372036854775807, N'tie'), (9223372036854775000, N'old');`);
    await runSyncNow(db, s.id);
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 0, rows_inserted: 0 });
    expect(await localRows(db, LOCAL)).toEqual(await remoteRows(`${REMOTE} WHERE msg NOT IN (N'tie', N'old')`));
  });

  it('a datetime2(7) cursor fails the first run with 1502 naming the sub-microsecond precision', async () => {
    await ms.loadFixture(`CREATE TABLE dbo.events7 (id int NOT NULL PRIMARY KEY, at datetime2(7));
      INSERT INTO dbo.events7 VALUES (1, '2026-03-01 10:00:00.1234567');`);
    // An append's first read already asks for `exclusive` (src/sidecar/incremental.ts), so the
    // provider refuses the cursor before any row, not on the second run.
    const s = await sync({ table: 'events7', mode: 'append', cursor: 'at' });
    expect(s).toMatchObject({ state: 'failure', error_code: 1502, error_message: expect.stringMatching(/"at" .*datetime2.*sub-microsecond precision/) });
    expect((await db.query(`select to_regclass('public.events7') as t`)).rows[0].t).toBeNull();
  });
});

describe('the delete guard', () => {
  const REMOTE = 'SELECT id, name, CONVERT(varchar(27), changed, 121) FROM dbo.items';
  const LOCAL = "select id, name, to_char(changed, 'YYYY-MM-DD HH24:MI:SS.US') from items";

  it('a cursor merge whose remote was mostly emptied fails with 1511 and changes nothing', async () => {
    await ms.loadFixture(`CREATE TABLE dbo.items (id int NOT NULL PRIMARY KEY, name nvarchar(10), changed datetime2(7));
      INSERT INTO dbo.items SELECT value, CONCAT(N'n', value), DATEADD(second, value, CAST('2026-04-01 00:00:00.0000001' AS datetime2(7))) FROM GENERATE_SERIES(1, 10);`);
    const s = await sync({ table: 'items', mode: 'merge', cursor: 'changed', deletes: 'hard' });
    expect(s.state, s.error_message ?? '').toBe('success');
    const before = await localRows(db, LOCAL);
    expect(before).toEqual(await remoteRows(REMOTE, [2]));
    expect(before).toHaveLength(10);
    const mark = await syncState(db, s.id);

    await ms.loadFixture('DELETE FROM dbo.items WHERE id > 2');
    const guarded = await runSyncNow(db, s.id);
    expect(guarded).toMatchObject({ state: 'failure', error_code: 1511 });
    expect(guarded.error_message).toMatch(/would delete 8 of the 10 rows .*max_delete_ratio 0\.5/);
    expect(await localRows(db, LOCAL)).toEqual(before);
    expect(await syncState(db, s.id)).toEqual(mark);

    // the deletes are real: one run with the guard off
    const allowed = await withSetting(db, 'max_delete_ratio', '1', () => runSyncNow(db, s.id));
    expect(allowed.state, allowed.error_message ?? '').toBe('success');
    expect(await localRows(db, LOCAL)).toEqual(await remoteRows(REMOTE, [2]));
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_deleted: 8, rows_inserted: 0, rows_updated: 0 });
  });

  it('in diff mode too: the re-read bucket would lose 8 of 10 rows → 1511, nothing changed', async () => {
    const TREMOTE = 'SELECT id, name FROM dbo.tiny';
    const TLOCAL = 'select id, name from tiny';
    await ms.loadFixture(`CREATE TABLE dbo.tiny (id int NOT NULL PRIMARY KEY, name nvarchar(10));
      INSERT INTO dbo.tiny SELECT value, CONCAT(N't', value) FROM GENERATE_SERIES(1, 10);`);
    const s = await sync({ table: 'tiny', mode: 'merge', deletes: 'hard' });
    expect(s.state, s.error_message ?? '').toBe('success');
    await runSyncNow(db, s.id);
    await runSyncNow(db, s.id);
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 0 });
    const before = await localRows(db, TLOCAL);
    expect(before).toEqual(await remoteRows(TREMOTE));

    await ms.loadFixture('DELETE FROM dbo.tiny WHERE id > 2');
    const guarded = await runSyncNow(db, s.id);
    expect(guarded).toMatchObject({ state: 'failure', error_code: 1511 });
    expect(guarded.error_message).toMatch(/would delete 8 of the 10 rows/);
    expect(await localRows(db, TLOCAL)).toEqual(before);

    const allowed = await withSetting(db, 'max_delete_ratio', '1', () => runSyncNow(db, s.id));
    expect(allowed.state, allowed.error_message ?? '').toBe('success');
    expect(await localRows(db, TLOCAL)).toEqual(await remoteRows(TREMOTE));
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 2, rows_deleted: 8, rows_unchanged: 2 });
  });
});

describe('diff mode (merge without a cursor)', () => {
  const REMOTE = 'SELECT id, name, CONVERT(varchar(50), price), CONVERT(varchar(27), seen, 121) FROM dbo.catalog';
  const LOCAL = "select id, name, price::text, to_char(seen, 'YYYY-MM-DD HH24:MI:SS.US') from catalog";
  const same = async () => expect(await localRows(db, LOCAL)).toEqual(await remoteRows(REMOTE, [3]));

  it('reads everything twice, then nothing for an unchanged remote, then only the changed buckets', async () => {
    // keys 3, 6, …, 9000: 3,000 rows over a range three times as wide
    await ms.loadFixture(`CREATE TABLE dbo.catalog (id int NOT NULL PRIMARY KEY, name nvarchar(30), price decimal(10,2), seen datetime2(7));
      INSERT INTO dbo.catalog SELECT value * 3, CONCAT(N'item ', value), CAST(value AS decimal(10,2)) / 4,
        CASE WHEN value % 10 = 0 THEN NULL ELSE DATEADD(ns, value * 100, CAST('2026-05-01 00:00:00' AS datetime2(7))) END
      FROM GENERATE_SERIES(1, 3000);`);
    const s = await sync({ table: 'catalog', mode: 'merge', deletes: 'hard' });
    expect(s.state, s.error_message ?? '').toBe('success');
    await same();
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 3000, rows_inserted: 3000 });
    const geometry = await diffGeometry(db, s.id);
    // origin = min key; width = ceil((max - min + 1) / ceil(rows / 100)) = ceil(8998 / 30)
    expect(geometry).toEqual({ key_column: 'id', origin: '3', width: '300', unlearned: true });

    await runSyncNow(db, s.id);
    await same();
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 3000, rows_unchanged: 3000, rows_inserted: 0, rows_updated: 0, rows_deleted: 0 });

    await runSyncNow(db, s.id);
    await same();
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 0, rows_inserted: 0, rows_updated: 0, rows_deleted: 0 });

    // the last key of one bucket updated, the first key of another deleted
    await ms.loadFixture(`UPDATE dbo.catalog SET name = N'renamed' WHERE id = 4500; DELETE FROM dbo.catalog WHERE id = 6003;`);
    const bucket = (key: bigint) => bucketOf(geometry, key);
    const changed = new Set([bucket(4500n), bucket(6003n)]);
    expect(changed.size).toBe(2);
    const remoteKeys = (await remoteQuery('SELECT id FROM dbo.catalog')).map((r) => BigInt(r[0]!));
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
