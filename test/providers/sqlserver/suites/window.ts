/**
 * SPEC §13 read windows (provider.ts ReadWindow) and unique keys against SQL Server: the cursor's
 * bound compared exactly in the column's type (ties at the bound, exclusive, the last digit of a
 * decimal(30,10), one microsecond of a datetime2(6), 100 ns of a datetime2(7), bigint at 2^63,
 * date, datetimeoffset given in UTC), sub-microsecond cursors (datetime2(7), datetimeoffset(7),
 * time(7): an inclusive mark reads from 500 ns below it, an exclusive one is refused), NULL rows
 * only with includeNulls, ascending order (decimals
 * by value, not by their converted text), the TOP limit, column subsets, sql_query sources; and
 * `plan.uniqueKey` for a primary key, a composite one in key order, a UNIQUE NOT NULL
 * constraint, and none for a view or a query.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../src/errors.js';
import type { ReadWindow, SourceObject } from '../../../../src/providers/provider.js';
import type { SourcePlan } from '../../../../src/rows/plan.js';
import type { CopyValue, RowSink } from '../../../../src/rows/sink.js';
import { sqlserverProvider } from '../../../../src/providers/sqlserver/index.js';
import { sessionOptions, sqlserverRequest, type SqlServerFactory, type SqlServerUnderTest } from '../server.js';

const BIG_MAX = '9223372036854775807';
const BIG_MAX_1 = '9223372036854775806';
const BIG_MIN = '-9223372036854775808';
const DEC_HI = '12345678901234567890.0123456789';
const DEC_LO = '12345678901234567890.0123456788';

// Cursor values by id; 5 is NULL everywhere. Ties: big 2 = 3, at6 1 = 4, dto 1 = 3 (04:30 UTC), dtm 1 = 4.
const FIXTURE = `
CREATE TABLE dbo.win (
  id int NOT NULL PRIMARY KEY, tiny tinyint, big bigint, amount decimal(30,10), at6 datetime2(6), at7 datetime2(7),
  day date, dto datetimeoffset(6), dtm datetime, label nvarchar(20)
);
INSERT INTO dbo.win VALUES
  (1, 0, ${BIG_MAX}, ${DEC_HI}, '2024-01-31 10:00:00.000001', '2024-01-31 10:00:00.1234567', '2024-02-29', '2024-01-31T10:00:00+05:30', '2024-01-31T10:00:00.003', N'one'),
  (2, 255, ${BIG_MAX_1}, ${DEC_LO}, '2024-01-31 10:00:00.000002', '2024-01-31 10:00:00.1234560', '2024-03-01', '2024-01-31T04:30:00.000001+00:00', '2024-01-31T10:00:00.007', N'two'),
  (3, 7, ${BIG_MAX_1}, 9.5, '2024-01-31 10:00:00', '2024-01-31 10:00:00.1234565', '2024-02-28', '2024-01-30T23:30:00-05:00', '2024-01-31T10:00:00', N'three'),
  (4, 8, ${BIG_MIN}, 10.25, '2024-01-31 10:00:00.000001', '2024-01-31 10:00:00.1234570', '0001-01-01', '2024-01-31T05:00:00+05:30', '2024-01-31T10:00:00.003', N'four'),
  (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, N'five'),
  (6, 9, 10, -1, '2023-12-31 23:59:59.999999', '2023-12-31 23:59:59.9999999', '9999-12-31', '2024-01-31T04:29:59.999999+00:00', '2024-01-31T09:59:59.997', N'six');
CREATE TABLE dbo.pk_composite (a int NOT NULL, b nvarchar(10) NOT NULL, v int, PRIMARY KEY (b, a));
CREATE TABLE dbo.uq_only (a int UNIQUE, b int NOT NULL, c int NOT NULL, d nvarchar(10), CONSTRAINT uq_only_cb UNIQUE (c, b));
CREATE TABLE dbo.uq_nullable (a int UNIQUE, b int);
CREATE VIEW dbo.win_view AS SELECT id, big, label FROM dbo.win;
CREATE TABLE dbo.fine (id int NOT NULL PRIMARY KEY, at7 datetime2(7), dto7 datetimeoffset(7), t7 time(7), t6 time(6));
INSERT INTO dbo.fine VALUES
  (1, '2024-01-31 10:00:00.1234564', '2024-01-31T15:30:00.1234564+05:30', '10:00:00.1234564', '10:00:00.123456'),
  (2, '2024-01-31 10:00:00.1234565', '2024-01-31T05:00:00.1234565-05:00', '10:00:00.1234565', '10:00:00.123457'),
  (3, '2024-01-31 10:00:00.1234566', '2024-01-31T10:00:00.1234566+00:00', '10:00:00.1234566', '10:00:00.123457'),
  (4, '2024-01-31 10:00:00.1234570', '2024-01-31T10:00:00.1234570+00:00', '10:00:00.1234570', '10:00:00.123457'),
  (5, '2024-01-31 10:00:00.1234575', '2024-01-31T11:00:00.1234575+01:00', '10:00:00.1234575', '10:00:00.123458'),
  (6, '0001-01-01 00:00:00', '0001-01-01T00:00:00+00:00', '00:00:00', '00:00:00'),
  (7, '9999-12-31 23:59:59.9999999', '9999-12-31T23:59:59.9999999+00:00', '23:59:59.9999996', '23:59:59.999999'),
  (8, NULL, NULL, NULL, NULL);
`;
/** The local (microsecond) value that ids 2, 3 and 4 of dbo.fine were all stored as. */
const FINE_MARK = '2024-01-31 10:00:00.123457';

const table = (name: string): SourceObject => ({ kind: 'table', table: name });
const query = (sql: string): SourceObject => ({ kind: 'query', sql });
const noWarnings = { count: () => undefined };
const text = (v: CopyValue) => (v === null ? null : Buffer.isBuffer(v) ? v.toString('utf8') : v);

type Row = Array<string | null>;

/** Ids in read order with each run of equal cursor values sorted by id (the order among ties is the server's). */
function idsByCursor(rows: Row[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rows.length;) {
    let j = i;
    while (j < rows.length && rows[j]![1] === rows[i]![1]) j++;
    out.push(...rows.slice(i, j).map((r) => r[0]!).sort((a, b) => Number(a) - Number(b)));
    i = j;
  }
  return out;
}

export function windowSuite(factory: SqlServerFactory): void {
  describe(`sqlserver provider: read windows and unique keys (${factory.name})`, () => {
    let server: SqlServerUnderTest;

    beforeAll(async () => {
      server = await factory.start();
      await server.loadFixture(FIXTURE);
    });
    afterAll(async () => { await server?.stop(); });

    async function describeSource(source: SourceObject): Promise<SourcePlan> {
      const session = await sqlserverProvider.connect(sqlserverRequest(server, { source }), sessionOptions());
      try {
        return await session.describe();
      } finally {
        await session.close();
      }
    }

    async function read(source: SourceObject, window: ReadWindow, limit = 1000): Promise<Row[]> {
      const session = await sqlserverProvider.connect(sqlserverRequest(server, { source }), sessionOptions());
      try {
        const plan = await session.describe();
        const rows: Row[] = [];
        const sink: RowSink = { full: false, write: (row) => { rows.push(row.map(text)); return true; }, drained: () => Promise.resolve() };
        await session.streamRows(plan, sink, { limit, warnings: noWarnings, signal: new AbortController().signal, window });
        return rows;
      } finally {
        await session.close();
      }
    }

    /** Ids a cursor read of dbo.win (or another table) returns, in order (ties sorted by id). */
    async function cursorIds(column: string, cursor: Omit<NonNullable<ReadWindow['cursor']>, 'column'>, limit?: number, name = 'win'): Promise<string[]> {
      return idsByCursor(await read(table(name), { columns: ['id', column], cursor: { column, ...cursor } }, limit));
    }
    const fineIds = (column: string, cursor: Omit<NonNullable<ReadWindow['cursor']>, 'column'>) => cursorIds(column, cursor, undefined, 'fine');

    async function failure(p: Promise<unknown>): Promise<ConnectorError> {
      const err = await p.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      return err as ConnectorError;
    }

    it('bigint near 2^63: ties at the bound, exclusive, NULL rows only with includeNulls', async () => {
      expect(await cursorIds('big', { from: BIG_MAX_1 })).toEqual(['2', '3', '1']);
      expect(await cursorIds('big', { from: BIG_MAX_1, exclusive: true })).toEqual(['1']);
      expect(await cursorIds('big', { from: BIG_MAX })).toEqual(['1']);
      expect(await cursorIds('big', { from: BIG_MAX, exclusive: true })).toEqual([]);
      // SQL Server sorts NULL first.
      expect(await cursorIds('big', { from: BIG_MAX_1, includeNulls: true })).toEqual(['5', '2', '3', '1']);
      expect(await cursorIds('big', { from: BIG_MAX, exclusive: true, includeNulls: true })).toEqual(['5']);
    });

    it('reads in ascending cursor order and stops at the limit (TOP)', async () => {
      expect(await cursorIds('big', {})).toEqual(['5', '4', '6', '2', '3', '1']);
      expect(await cursorIds('big', {}, 3)).toEqual(['5', '4', '6']);
      const [first, second] = await cursorIds('big', { from: '0' }, 2);
      expect([first, ['2', '3'].includes(second!)]).toEqual(['6', true]);
      // decimals are read as CONVERT(varchar, …) AS [amount]: the ORDER BY must still sort by value
      expect(await cursorIds('amount', {})).toEqual(['5', '6', '3', '4', '2', '1']);
      expect(await cursorIds('amount', { from: '-1' }, 2)).toEqual(['6', '3']);
      if (server.stats) {
        const sent = server.stats.statements.filter((s) => s.includes('[dbo].[win]'));
        expect(sent.some((s) => /^SELECT TOP \(2\) /.test(s) && s.includes('ORDER BY'))).toBe(true);
      }
    });

    it('decimal(30,10): exact to the last digit, and a bound finer than the scale is not rounded', async () => {
      expect(await cursorIds('amount', { from: DEC_HI })).toEqual(['1']);
      expect(await cursorIds('amount', { from: DEC_HI, exclusive: true })).toEqual([]);
      expect(await cursorIds('amount', { from: DEC_LO })).toEqual(['2', '1']);
      expect(await cursorIds('amount', { from: DEC_LO, exclusive: true })).toEqual(['1']);
      // 9.49999999996 would round to 9.5 and drop the 9.5 row; 9.50000000004 would keep it
      expect(await cursorIds('amount', { from: '9.49999999996', exclusive: true })).toEqual(['3', '4', '2', '1']);
      expect(await cursorIds('amount', { from: '9.50000000004' })).toEqual(['4', '2', '1']);
    });

    it('integer bounds outside the type (a lookback below 0 or below -2^63) neither overflow nor lose rows', async () => {
      expect(await cursorIds('tiny', { from: '-10' })).toEqual(['1', '3', '4', '6', '2']);
      expect(await cursorIds('tiny', { from: '254.5' })).toEqual(['2']);
      expect(await cursorIds('tiny', { from: '255', exclusive: true, includeNulls: true })).toEqual(['5']);
      expect(await cursorIds('big', { from: '-9223372036854775809' })).toEqual(['4', '6', '2', '3', '1']);
      expect(await cursorIds('big', { from: '9.5' })).toEqual(['6', '2', '3', '1']);
    });

    it('datetime2(6) by one microsecond, datetime2(7) by 100 ns', async () => {
      expect(await cursorIds('at6', { from: '2024-01-31 10:00:00.000001' })).toEqual(['1', '4', '2']);
      expect(await cursorIds('at6', { from: '2024-01-31 10:00:00.000001', exclusive: true })).toEqual(['2']);
      expect(await cursorIds('at6', {})).toEqual(['5', '6', '3', '1', '4', '2']);
      // 3, 1 and 4 all read as .123457 (rounded to µs), but SQL Server orders and compares their 100 ns
      const at7 = async (cursor: Omit<NonNullable<ReadWindow['cursor']>, 'column'>) =>
        (await read(table('win'), { columns: ['id'], cursor: { column: 'at7', ...cursor } })).map((r) => r[0]);
      expect(await at7({ from: '2024-01-31 10:00:00.123456' })).toEqual(['2', '3', '1', '4']);
      // A mark of .123457 is what .1234565 … .1234574 were stored as: 3 (.1234565), 1 (.1234567) and 4
      // (.1234570) are all read; compared as datetime2(7) against .1234570 itself, 3 and 1 were lost.
      expect(await at7({ from: '2024-01-31 10:00:00.123457' })).toEqual(['3', '1', '4']);
      expect(await at7({})).toEqual(['5', '6', '2', '3', '1', '4']);
    });

    it('sub-microsecond cursors: an inclusive mark reads every remote value that was stored as the mark (mark - 500 ns)', async () => {
      // .1234565 and .1234566 were stored as .123457, the mark; .1234564 as .123456, below it
      expect(await fineIds('at7', { from: FINE_MARK })).toEqual(['2', '3', '4', '5', '7']);
      expect(await fineIds('dto7', { from: FINE_MARK })).toEqual(['2', '3', '4', '5', '7']);
      expect(await fineIds('t7', { from: '10:00:00.123457' })).toEqual(['2', '3', '4', '5', '7']);
      expect(await fineIds('at7', { from: FINE_MARK, includeNulls: true })).toEqual(['8', '2', '3', '4', '5', '7']);
      // a 6-digit column compares at the mark itself
      expect(await fineIds('t6', { from: '10:00:00.123457' })).toEqual(['2', '3', '4', '5', '7']);
      expect(await fineIds('t6', { from: '10:00:00.123457', exclusive: true })).toEqual(['5', '7']);
      if (server.stats) {
        const sent = server.stats.statements.filter((s) => s.includes('[dbo].[fine]'));
        expect(sent.some((s) => s.includes('>= DATEADD(ns, -500, CAST(@cdb_from AS datetime2(7)))'))).toBe(true);
        expect(sent.some((s) => s.includes('>= DATEADD(ns, -500, CAST(@cdb_from AS datetimeoffset(7)))'))).toBe(true);
      }
    });

    it('sub-microsecond cursors at the ends of the types: no DATEADD overflow at 0001-01-01, no wrap at midnight, 24:00:00', async () => {
      expect(await fineIds('at7', { from: '0001-01-01 00:00:00' })).toEqual(['6', '1', '2', '3', '4', '5', '7']);
      expect(await fineIds('dto7', { from: '0001-01-01 00:00:00' })).toEqual(['6', '1', '2', '3', '4', '5', '7']);
      expect(await fineIds('at7', { from: '0001-01-01' })).toEqual(['6', '1', '2', '3', '4', '5', '7']);
      expect(await fineIds('at7', { from: '9999-12-31 23:59:59.999999' })).toEqual(['7']);
      // DATEADD on a time wraps: 500 ns below 00:00:00 would be 23:59:59.9999995 and keep only id 7
      expect(await fineIds('t7', { from: '00:00:00' })).toEqual(['6', '1', '2', '3', '4', '5', '7']);
      // a local 24:00:00 is the carry of 23:59:59.9999995 … .9999999 (SQL Server cannot parse 24:00:00)
      expect(await fineIds('t7', { from: '24:00:00' })).toEqual(['7']);
      expect(await fineIds('t6', { from: '24:00:00' })).toEqual([]);
      expect(await fineIds('t6', { from: '24:00:00', includeNulls: true })).toEqual(['8']);
    });

    it('sub-microsecond cursors: an exclusive (append) bound is refused, with or without a mark, before reading', async () => {
      for (const [column, from] of [['at7', FINE_MARK], ['dto7', FINE_MARK], ['t7', '10:00:00.123457'], ['at7', undefined]] as const) {
        const err = await failure(read(table('fine'), { cursor: { column, exclusive: true, ...(from ? { from } : {}) } }));
        expect([err.errorName, err.message]).toEqual(['INVALID_PARAMETERS', expect.stringMatching(/sub-microsecond precision.*at most 6 fractional digits.*mode merge/)]);
        expect(err.message).toContain(`"${column}"`);
      }
    });

    it('date, and datetime at its 1/300 s ticks', async () => {
      expect(await cursorIds('day', { from: '2024-02-29' })).toEqual(['1', '2', '6']);
      expect(await cursorIds('day', { from: '2024-02-29', exclusive: true })).toEqual(['2', '6']);
      expect(await cursorIds('day', { from: '0001-01-01' })).toEqual(['4', '3', '1', '2', '6']);
      expect(await cursorIds('dtm', { from: '2024-01-31 10:00:00.003' })).toEqual(['1', '4', '2']);
      expect(await cursorIds('dtm', { from: '2024-01-31 10:00:00.003', exclusive: true })).toEqual(['2']);
    });

    it('datetimeoffset: the bound is UTC, rows compare by instant whatever their offset', async () => {
      expect(await cursorIds('dto', { from: '2024-01-31 04:30:00' })).toEqual(['1', '3', '2']);
      expect(await cursorIds('dto', { from: '2024-01-31 04:30:00', exclusive: true })).toEqual(['2']);
      expect(await cursorIds('dto', {})).toEqual(['5', '4', '6', '1', '3', '2']);
      const rows = await read(table('win'), { columns: ['dto'], cursor: { column: 'dto', from: '2024-01-31 04:30:00', exclusive: true } });
      expect(rows).toEqual([['2024-01-31 04:30:00.000001+00']]);
    });

    it('emits only the window columns, in the window order', async () => {
      const rows = await read(table('win'), { columns: ['label', 'amount', 'id'], cursor: { column: 'id', from: '4' } });
      expect(rows).toEqual([['four', '10.2500000000', '4'], ['five', null, '5'], ['six', '-1.0000000000', '6']]);
      const keys = await read(table('win'), { columns: ['id'] });
      expect(keys.map((r) => r[0]).sort()).toEqual(['1', '2', '3', '4', '5', '6']);
      expect(keys.every((r) => r.length === 1)).toBe(true);
    });

    it('binds the bound as a parameter, never in the statement text', async (ctx) => {
      if (!server.stats) return ctx.skip();
      await cursorIds('big', { from: BIG_MAX_1 });
      const last = server.stats.statements.filter((s) => s.includes('[dbo].[win]')).at(-1)!;
      expect(last).toContain('CAST(@cdb_from AS bigint)');
      expect(last).not.toContain(BIG_MAX_1);
    });

    it('windows a sql_query source (run as a derived table)', async () => {
      const q = query('SELECT w.id AS id, w.big AS big, w.label AS label FROM dbo.win AS w WHERE w.id <> 4');
      expect(idsByCursor(await read(q, { columns: ['id', 'big'], cursor: { column: 'big', from: '10' } }))).toEqual(['6', '2', '3', '1']);
      expect(idsByCursor(await read(q, { columns: ['id', 'big'], cursor: { column: 'big', from: '10', exclusive: true, includeNulls: true } }))).toEqual(['5', '2', '3', '1']);
      const withDecimal = query('SELECT id, amount, dto FROM dbo.win');
      expect(await read(withDecimal, { columns: ['amount', 'id'], cursor: { column: 'amount', from: '9.5', exclusive: true } }, 2)).toEqual([['10.2500000000', '4'], [DEC_LO, '2']]);
      expect(idsByCursor(await read(withDecimal, { columns: ['id', 'dto'], cursor: { column: 'dto', from: '2024-01-31 04:30:00' } }))).toEqual(['1', '3', '2']);
    });

    it('refuses cursors it cannot compare exactly, and unknown columns, before reading', async () => {
      const text = await failure(read(table('win'), { cursor: { column: 'label', from: '1' } }));
      expect([text.errorName, text.message]).toEqual(['INVALID_PARAMETERS', expect.stringContaining('cannot be a cursor')]);
      const unknown = await failure(read(table('win'), { cursor: { column: 'nope', from: '1' } }));
      expect([unknown.errorName, unknown.message]).toEqual(['INVALID_PARAMETERS', expect.stringContaining('"nope"')]);
      const column = await failure(read(table('win'), { columns: ['id', 'nope'] }));
      expect(column.errorName).toBe('INVALID_PARAMETERS');
      const bound = await failure(read(table('win'), { cursor: { column: 'big', from: "1' OR 1=1 --" } }));
      expect([bound.errorName, bound.message]).toEqual(['INVALID_PARAMETERS', expect.stringContaining('only digits')]);
    });

    it('uniqueKey: the primary key, a composite one in key order, a UNIQUE NOT NULL constraint; none for views and queries', async () => {
      const win = await describeSource(table('win'));
      expect([win.uniqueKey, win.primaryKey]).toEqual([['id'], 'id']);
      const composite = await describeSource(table('pk_composite'));
      expect([composite.uniqueKey, composite.primaryKey]).toEqual([['b', 'a'], undefined]);
      const unique = await describeSource(table('uq_only'));
      expect([unique.uniqueKey, unique.primaryKey]).toEqual([['c', 'b'], undefined]);
      expect((await describeSource(table('uq_nullable'))).uniqueKey).toBeUndefined();
      expect((await describeSource(table('win_view'))).uniqueKey).toBeUndefined();
      expect((await describeSource(query('SELECT id, label FROM dbo.win'))).uniqueKey).toBeUndefined();
    });

    it('a request without a table or query cannot be described (1502)', async () => {
      const session = await sqlserverProvider.connect(sqlserverRequest(server), sessionOptions());
      try {
        const err = await failure(session.describe());
        expect([err.errorName, err.code]).toEqual(['INVALID_PARAMETERS', 1502]);
      } finally {
        await session.close();
      }
    });
  });
}
