/**
 * Incremental reads (SPEC §13): the read window of streamRows (cursor bound, order, NULLs,
 * column subset, limit) compared exactly in the column's MySQL type, on table and sql_query
 * sources, on both sink paths; and the uniqueKey describe reports.
 *
 * The bounds are chosen so that a comparison as DOUBLE or as text gives another answer:
 * 18446744073709551614 and …615 are one double, so are two DECIMAL(30,10) values differing in
 * the tenth decimal; a DATETIME(6) bound differs in the last microsecond.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlProvider } from '../../../../src/providers/mysql/index.js';
import type { ReadWindow } from '../../../../src/providers/provider.js';
import type { SourceRequest, SourceSession } from '../../../../src/providers/provider.js';
import type { SourcePlan } from '../../../../src/rows/plan.js';
import type { CopyValue, FieldSink, RowSink } from '../../../../src/rows/sink.js';
import { createTestDb, sessionOptions, type MysqlTestDb, type MysqlTestServer } from '../server.js';

type Row = Array<string | null>;

/**
 * Streams one window like the load does: the FieldSink (raw-bytes) path unless `fieldApi` is
 * false, backpressure every other row, at most `limit` rows.
 */
async function readWindow(session: SourceSession, plan: SourcePlan, window: ReadWindow | undefined, opts: { limit?: number; fieldApi?: boolean } = {}): Promise<Row[]> {
  const limit = opts.limit ?? Number.MAX_SAFE_INTEGER;
  const rows: Row[] = [];
  const text = (v: CopyValue) => (v === null ? null : Buffer.isBuffer(v) ? v.toString('utf8') : v);
  const accept = (row: Row) => { rows.push(row); return rows.length % 2 === 1; };
  let current: Row = [];
  const fields: FieldSink = {
    beginRow() { current = []; return rows.length < limit; },
    putBytes(buf, start, end) { current.push(buf.toString('utf8', start, end)); },
    putNull() { current.push(null); },
    putValue(value) { current.push(text(value)); },
    endRow() { return accept(current); },
  };
  const sink: RowSink = {
    get full() { return rows.length >= limit; },
    write: (row: CopyValue[]) => accept(row.map(text)),
    drained: () => new Promise<void>((resolve) => setImmediate(resolve)),
    ...(opts.fieldApi === false ? {} : { fields }),
  };
  await session.streamRows(plan, sink, { limit, warnings: { count() {} }, signal: new AbortController().signal, ...(window ? { window } : {}) });
  return rows;
}

const table = (name: string): Partial<SourceRequest> => ({ source: { kind: 'table', table: name } });
const query = (sql: string): Partial<SourceRequest> => ({ source: { kind: 'query', sql } });

interface BoundCase {
  column: string;
  from: string;
  exclusive?: boolean;
  includeNulls?: boolean;
  /** In ascending cursor order (rows that tie may come in either order; NULLs first, as MySQL sorts). */
  ids: number[];
}

const BOUND_CASES: BoundCase[] = [
  // DATETIME(6): ties at the bound, the last microsecond
  { column: 'ts', from: '2024-01-01 00:00:00.000001', ids: [2, 3, 4] },
  { column: 'ts', from: '2024-01-01 00:00:00.000001', exclusive: true, ids: [4] },
  { column: 'ts', from: '2024-01-01 00:00:00.000002', ids: [4] },
  { column: 'ts', from: '2024-01-01 00:00:00.000003', ids: [] },
  { column: 'ts', from: '2023-12-31 23:59:59.999999', exclusive: true, ids: [2, 3, 4] },
  { column: 'ts', from: '2024-01-01 00:00:00.000001', includeNulls: true, ids: [5, 2, 3, 4] },
  { column: 'ts', from: '2024-01-01', ids: [2, 3, 4] },
  // DECIMAL(30,10): the last digit, and a bound with more decimals than the column (a lookback)
  { column: 'amount', from: '12345678901234567890.0123456789', ids: [3, 4] },
  { column: 'amount', from: '12345678901234567890.0123456789', exclusive: true, ids: [4] },
  { column: 'amount', from: '12345678901234567890.0123456788', exclusive: true, ids: [3, 4] },
  { column: 'amount', from: '12345678901234567890.01234567884', ids: [3, 4] },
  { column: 'amount', from: '-1', includeNulls: true, ids: [5, 1, 2, 3, 4] },
  // BIGINT UNSIGNED above 2^63, and a bound below its 0 (must not wrap around)
  { column: 'big', from: '18446744073709551614', ids: [2, 3, 4] },
  { column: 'big', from: '18446744073709551614', exclusive: true, ids: [3, 4] },
  { column: 'big', from: '18446744073709551615', ids: [3, 4] },
  { column: 'big', from: '18446744073709551615', exclusive: true, ids: [] },
  { column: 'big', from: '-5', ids: [1, 2, 3, 4] },
  // TIMESTAMP(3) in UTC wall time, DATE (also with a timestamp bound), YEAR, INT
  { column: 'stamp', from: '2024-06-01 12:00:00.123', ids: [2, 3, 4] },
  { column: 'stamp', from: '2024-06-01 12:00:00.123', exclusive: true, ids: [4] },
  { column: 'd', from: '2024-01-02', ids: [2, 3, 4] },
  { column: 'd', from: '2024-01-02', exclusive: true, ids: [4] },
  { column: 'd', from: '2024-01-01 12:00:00', ids: [2, 3, 4] },
  { column: 'y', from: '2024', exclusive: true, ids: [4] },
  { column: 'id', from: '3', ids: [3, 4, 5] },
];

export function windowSuite(server: () => MysqlTestServer): void {
  describe('MySQL read windows and unique keys', () => {
    let db: MysqlTestDb;
    /** Full-read rows of `w` by id, as the provider emits them without a window. */
    const full = new Map<string, Row>();
    let columnNames: string[] = [];

    beforeAll(async () => {
      db = await createTestDb(server());
      await db.exec(`
        set time_zone = '+00:00';
        create table w (id int primary key, ts datetime(6) null, amount decimal(30,10) null, big bigint unsigned null,
          stamp timestamp(3) null default null, d date null, y year null, f float null, note varchar(20) null);
        insert into w values
          (1, '2023-12-31 23:59:59.999999', 1, 1, '2024-06-01 11:59:59.999', '2024-01-01', 2023, 0.1, 'a'),
          (2, '2024-01-01 00:00:00.000001', 12345678901234567890.0123456788, 18446744073709551614, '2024-06-01 12:00:00.123', '2024-01-02', 2024, 1/3, 'b'),
          (3, '2024-01-01 00:00:00.000001', 12345678901234567890.0123456789, 18446744073709551615, '2024-06-01 12:00:00.123', '2024-01-02', 2024, 2.5, 'c'),
          (4, '2024-01-01 00:00:00.000002', 12345678901234567890.0123456790, 18446744073709551615, '2024-06-01 12:00:00.124', '2024-01-03', 2025, null, 'd'),
          (5, null, null, null, null, null, null, null, 'e');
        create table ck (a int, b int, c varchar(10), primary key (b, a));
        create table uq (a int null, b int not null, c int not null, d int not null,
          unique key z_key (d), unique key a_key (c, b), unique key aa_nullable (a));
        create table nu (a int null, b int not null, unique key only_key (b, a));
        create view wv as select * from w;`);
      await withSession(table('w'), async (session, plan) => {
        columnNames = plan.columns.map((c) => c.remoteName);
        for (const row of await readWindow(session, plan, undefined)) full.set(row[0]!, row);
      });
    });
    afterAll(async () => { await db?.drop(); });

    async function withSession<T>(extra: Partial<SourceRequest>, fn: (session: SourceSession, plan: SourcePlan) => Promise<T>): Promise<T> {
      const session = await mysqlProvider.connect(db.request(extra), sessionOptions());
      try {
        return await fn(session, await session.describe());
      } finally {
        await session.close();
      }
    }

    const value = (id: number, column: string) => full.get(String(id))![columnNames.indexOf(column)]!;

    it('reads the fixture in full without a window', () => {
      expect([...full.keys()].sort()).toEqual(['1', '2', '3', '4', '5']);
      expect(value(3, 'big')).toBe('18446744073709551615');
      expect(value(2, 'stamp')).toBe('2024-06-01 12:00:00.123+00');
    });

    for (const c of BOUND_CASES) {
      const flags = [c.exclusive ? '>' : '>=', c.includeNulls ? 'or null' : ''].join(' ').trim();
      it(`cursor ${c.column} ${flags} ${c.from} → ids [${c.ids.join(', ')}] in ascending order`, async () => {
        await withSession(table('w'), async (session, plan) => {
          const { column, from, exclusive, includeNulls } = c;
          const rows = await readWindow(session, plan, { columns: [column, 'id'], cursor: { column, from, exclusive, includeNulls } });
          expect(rows.map((r) => Number(r[1])).sort()).toEqual([...c.ids].sort());
          // ties may come in either order, but the cursor values must ascend exactly as expected
          expect(rows.map((r) => r[0])).toEqual(c.ids.map((id) => value(id, column)));
        });
      });
    }

    for (const fieldApi of [true, false]) {
      it(`emits only the window's columns, in its order, with the texts of a full read (${fieldApi ? 'field' : 'row'} sink)`, async () => {
        await withSession(table('w'), async (session, plan) => {
          const columns = ['note', 'f', 'stamp', 'id'];
          const rows = await readWindow(session, plan, { columns }, { fieldApi });
          const expected = [...full.values()].map((r) => columns.map((c) => r[columnNames.indexOf(c)]!));
          expect(rows.sort(byLast)).toEqual(expected.sort(byLast));
          expect(rows.find((r) => r[3] === '2')![1]).toBe('0.3333333432674408');
        });
      });

      it(`a cursor read over every column emits exactly the values of a full read (${fieldApi ? 'field' : 'row'} sink)`, async () => {
        await withSession(table('w'), async (session, plan) => {
          const rows = await readWindow(session, plan, { cursor: { column: 'amount', from: '0', includeNulls: true } }, { fieldApi });
          expect(rows.map((r) => r[0])).toEqual(['5', '1', '2', '3', '4']);
          expect(rows).toEqual(rows.map((r) => full.get(r[0]!)));
        });
      });
    }

    it('a read cut at limit ends at the lowest cursor values', async () => {
      await withSession(table('w'), async (session, plan) => {
        const rows = await readWindow(session, plan, { columns: ['ts'], cursor: { column: 'ts', from: '2000-01-01 00:00:00' } }, { limit: 2 });
        expect(rows).toEqual([['2023-12-31 23:59:59.999999'], ['2024-01-01 00:00:00.000001']]);
        const withoutBound = await readWindow(session, plan, { columns: ['big', 'id'], cursor: { column: 'big' } }, { limit: 3 });
        expect(withoutBound).toEqual([[null, '5'], ['1', '1'], ['18446744073709551614', '2']]);
      });
    });

    it('a sql_query read through a window: derived table, exact bound, column order, limit, trailing comment', async () => {
      await withSession(query('select id, amount, big, note from w where id <> 4 -- no row 4'), async (session, plan) => {
        expect(plan.uniqueKey).toBeUndefined();
        const window: ReadWindow = { columns: ['note', 'amount'], cursor: { column: 'amount', from: '12345678901234567890.0123456789', includeNulls: true } };
        expect(await readWindow(session, plan, window)).toEqual([['e', null], ['c', '12345678901234567890.0123456789']]);
        const big = await readWindow(session, plan, { columns: ['big'], cursor: { column: 'big', from: '18446744073709551614', exclusive: true } });
        expect(big).toEqual([['18446744073709551615']]);
        const limited = await readWindow(session, plan, { columns: ['id'], cursor: { column: 'id', from: '2' } }, { limit: 1 });
        expect(limited).toEqual([['2']]);
        // without a window the query still runs exactly as given, in its own column order
        expect((await readWindow(session, plan, undefined)).map((r) => r[0]).sort()).toEqual(['1', '2', '3', '5']);
      });
    });

    it('a sql_query with a TIMESTAMP cursor keeps its +00 text and compares in UTC', async () => {
      await withSession(query('select stamp, id from w'), async (session, plan) => {
        const rows = await readWindow(session, plan, { cursor: { column: 'stamp', from: '2024-06-01 12:00:00.124' } });
        expect(rows).toEqual([['2024-06-01 12:00:00.124+00', '4']]);
      });
    });

    it('a sql_query with two result columns of one name cannot be windowed → SOURCE_QUERY_FAILED', async () => {
      await withSession(query('select a.id, b.id from w a join w b on a.id = b.id'), async (session, plan) => {
        await expect(readWindow(session, plan, { columns: ['id'] })).rejects.toMatchObject({ errorName: 'SOURCE_QUERY_FAILED', message: expect.stringContaining('Duplicate column') });
      });
    });

    it.each([
      ['an unknown cursor column', { cursor: { column: 'nope', from: '1' } }, '"nope"'],
      ['an unknown window column', { columns: ['id', 'nope'] }, '"nope"'],
      ['a VARCHAR cursor', { cursor: { column: 'note', from: '1' } }, 'cannot be a cursor'],
      ['a FLOAT cursor', { cursor: { column: 'f', from: '1' } }, 'cannot be a cursor'],
      ['a bound outside the contract alphabet', { cursor: { column: 'id', from: "1' or '1'='1" } }, 'only digits'],
      ['a date bound on a DECIMAL', { cursor: { column: 'amount', from: '2024-01-01' } }, 'plain digits'],
      ['a number bound on a DATETIME', { cursor: { column: 'ts', from: '12' } }, 'YYYY-MM-DD'],
    ] as Array<[string, ReadWindow, string]>)('%s → INVALID_PARAMETERS (1502) before any query', async (_what, window, message) => {
      await withSession(table('w'), async (session, plan) => {
        await expect(readWindow(session, plan, window)).rejects.toMatchObject({ errorName: 'INVALID_PARAMETERS', code: 1502, message: expect.stringContaining(message) });
      });
    });

    it.each([
      ['a one-column primary key', 'w', ['id']],
      ['a composite primary key, in key order', 'ck', ['b', 'a']],
      ['no primary key: the first unique key by name over NOT NULL columns', 'uq', ['c', 'b']],
      ['only a unique key with a nullable column: none', 'nu', undefined],
      ['a view: none', 'wv', undefined],
    ] as Array<[string, string, string[] | undefined]>)('uniqueKey of %s', async (_what, name, key) => {
      await withSession(table(name), async (_session, plan) => {
        expect(plan.uniqueKey).toEqual(key);
      });
    });

    it('keeps primaryKey for a single integer primary key only', async () => {
      expect(await withSession(table('w'), async (_s, plan) => plan.primaryKey)).toBe('id');
      expect(await withSession(table('ck'), async (_s, plan) => plan.primaryKey)).toBeUndefined();
    });
  });
}

function byLast(a: Row, b: Row): number {
  return Number(a[a.length - 1]) - Number(b[b.length - 1]);
}
