/**
 * Read windows (SPEC §13 incremental syncs, provider.ts ReadWindow): cursor bounds compared
 * exactly in the remote type, ties and NULLs, ascending order, the column subset, the limit, on
 * the text and the binary path, for a table and a sql_query. Rows are loaded into the target
 * with the production encoders and read back in the order they were streamed (ctid).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../src/errors.js';
import { describeTable } from '../../../../src/providers/postgres/catalog.js';
import { openConnection } from '../../../../src/providers/postgres/connection.js';
import { postgresProvider } from '../../../../src/providers/postgres/index.js';
import { copyOut } from '../../../../src/providers/postgres/rows.js';
import { TextRowConsumer } from '../../../../src/providers/postgres/text-rows.js';
import { windowedCopySql } from '../../../../src/providers/postgres/window.js';
import type { ReadWindow, SourceSession } from '../../../../src/providers/provider.js';
import type { CopyValue, RowSink } from '../../../../src/rows/sink.js';
import { createTargetDb, type TargetDb } from '../../../helpers/target.js';
import { loadPlan, tableAsText } from '../load-helpers.js';
import { remoteRequest, remoteSql, sessionOptions, silentLog, type RemoteFactory, type RemotePostgres } from '../remote.js';

const DB = 'win';
/** Physical order deliberately not cursor order, so a missing ORDER BY shows. */
const EVENTS_SQL = `create table events (id int primary key, n int, label text);
  insert into events values (1, 3, 'three'), (2, 1, 'one'), (3, 2, 'two-a'), (4, 2, 'two-b'), (5, null, 'null-a'),
    (6, 5, 'five'), (7, 2, 'two-c'), (8, null, 'null-b');`;
/** Neighbours one step apart in each type: a bound compared as a float, a JS Date or text would take the wrong ones. */
const BOUNDS_SQL = `create domain posint as int check (value > 0);
  create table bounds (id int, ts timestamp(6), tstz timestamptz(6), amount numeric(30,10), big bigint, d date, price numeric(5,2), seq posint, small smallint);
  insert into bounds values
    (2, '2024-03-10 12:00:00.000001', '2024-03-10 12:00:00.000001+00', 12345678901234567890.0123456789, 9223372036854775807, '2024-02-29', 2, 2, 2),
    (3, '2024-03-10 12:00:00.000002', '2024-03-10 12:00:00.000002+00', 12345678901234567890.0123456790, -9223372036854775808, '2024-03-01', 3, 3, 3),
    (1, '2024-03-10 12:00:00', '2024-03-10 12:00:00+00', 12345678901234567890.0123456788, 9223372036854775806, '2024-02-28', 1, 1, 1);`;

type Source = { table: string } | { sqlQuery: string };
type Rows = Array<Array<string | null>>;

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectorError);
  return err as ConnectorError;
}

export function windowSuite(factory: RemoteFactory): void {
  describe(`postgres provider: read windows (${factory.name})`, () => {
    let remote: RemotePostgres;
    let target: TargetDb;
    const open: SourceSession[] = [];
    let loads = 0;
    const session = async (source: Source): Promise<SourceSession> => {
      const s = await postgresProvider.connect(remoteRequest(remote, { database: DB, ...source }), sessionOptions());
      open.push(s);
      return s;
    };
    /** The rows of one windowed read, in the order they were streamed. */
    const read = async (source: Source, path: 'text' | 'binary', window: ReadWindow, maxRows?: number): Promise<Rows> => {
      const s = await session(source);
      const plan = await s.describe();
      expect(plan.binaryCopy).toBe(true);
      const table = `w${++loads}_${path}`;
      await loadPlan(target.url, table, s, plan, path, { window, ...(maxRows !== undefined ? { maxRows } : {}) });
      return tableAsText(target.url, table, window.columns ?? plan.columns.map((c) => c.remoteName), 'load');
    };
    const events = { table: 'events' };
    const bounds = { table: 'bounds' };
    const sorted = (rows: Rows) => rows.map((r) => r.join('|')).sort();

    beforeAll(async () => {
      [remote, target] = await Promise.all([factory.start(), createTargetDb()]);
      await remoteSql(remote, `create database ${DB}`);
      await remoteSql(remote, `${EVENTS_SQL} ${BOUNDS_SQL}`, [], DB);
    });
    afterAll(async () => {
      await Promise.all(open.map((s) => s.close()));
      await Promise.all([remote?.stop(), target?.drop()]);
    });

    for (const path of ['text', 'binary'] as const) {
      it(`ties at the bound: >= takes every row equal to from, exclusive none; ascending cursor order (${path})`, async () => {
        const inclusive = await read(events, path, { columns: ['n', 'id'], cursor: { column: 'n', from: '2' } });
        expect(inclusive.map((r) => r[0])).toEqual(['2', '2', '2', '3', '5']);
        expect(sorted(inclusive)).toEqual(['2|3', '2|4', '2|7', '3|1', '5|6']);
        expect(await read(events, path, { columns: ['n', 'id'], cursor: { column: 'n', from: '2', exclusive: true } })).toEqual([['3', '1'], ['5', '6']]);
      });

      it(`NULL cursor values only with includeNulls (${path})`, async () => {
        const withNulls = await read(events, path, { columns: ['n', 'label'], cursor: { column: 'n', from: '2', exclusive: true, includeNulls: true } });
        expect(withNulls.slice(0, 2)).toEqual([['3', 'three'], ['5', 'five']]);
        expect(sorted(withNulls.slice(2))).toEqual(['|null-a', '|null-b']);
        const inclusive = await read(events, path, { columns: ['n'], cursor: { column: 'n', from: '2', includeNulls: true } });
        expect(inclusive.map((r) => r[0])).toEqual(['2', '2', '2', '3', '5', null, null]);
      });

      it(`no from: every row in cursor order; the limit cuts the ordered read (${path})`, async () => {
        const all = await read(events, path, { columns: ['n'], cursor: { column: 'n' } });
        expect(all.map((r) => r[0])).toEqual(['1', '2', '2', '2', '3', '5', null, null]);
        expect(await read(events, path, { columns: ['n'], cursor: { column: 'n' } }, 4)).toEqual([['1'], ['2'], ['2'], ['2']]);
        expect(await read(events, path, { columns: ['n', 'label'], cursor: { column: 'n', from: '3' } }, 1)).toEqual([['3', 'three']]);
      });

      it(`columns: only the named plan columns, in the window's order, with or without the cursor among them (${path})`, async () => {
        expect(sorted(await read(events, path, { columns: ['label', 'id'] }))).toEqual(
          ['five|6', 'null-a|5', 'null-b|8', 'one|2', 'three|1', 'two-a|3', 'two-b|4', 'two-c|7']);
        expect(await read(events, path, { columns: ['label'], cursor: { column: 'n', from: '2', exclusive: true } })).toEqual([['three'], ['five']]);
      });

      it(`exact bounds in the remote type: a microsecond, the last of 30 digits, 2^63 - 1, a date (${path})`, async () => {
        const ids = async (column: string, from: string, exclusive = false) =>
          (await read(bounds, path, { columns: ['id'], cursor: { column, from, exclusive } })).map((r) => r[0]);
        const cases: Array<[string, string]> = [
          ['ts', '2024-03-10 12:00:00.000001'], ['tstz', '2024-03-10 12:00:00.000001'],
          ['amount', '12345678901234567890.0123456789'], ['d', '2024-02-29'],
        ];
        for (const [column, from] of cases) {
          expect(await ids(column, from), column).toEqual(['2', '3']);
          expect(await ids(column, from, true), column).toEqual(['3']);
        }
        expect(await ids('big', '9223372036854775807')).toEqual(['2']);
        expect(await ids('big', '9223372036854775807', true)).toEqual([]);
        expect(await ids('big', '9223372036854775806')).toEqual(['1', '2']);
        expect(await ids('big', '-9223372036854775808')).toEqual(['3', '1', '2']);
      });

      it(`a bound outside the column's typmod, domain or integer range (mark minus lookback) still compares (${path})`, async () => {
        const ids = async (column: string, from: string, exclusive = false) =>
          (await read(bounds, path, { columns: ['id'], cursor: { column, from, exclusive } })).map((r) => r[0]);
        expect(await ids('price', '-1000')).toEqual(['1', '2', '3']);
        expect(await ids('seq', '0')).toEqual(['1', '2', '3']);
        // Cast to numeric(5,2) the bound would round to 2.00 and lose the row at 2.00.
        expect(await ids('price', '1.995', true)).toEqual(['2', '3']);
        // Beyond smallint's range, or not an integer: compared as numeric instead of failing the cast.
        expect(await ids('small', '-99995')).toEqual(['1', '2', '3']);
        expect(await ids('small', '40000')).toEqual([]);
        expect(await ids('small', '1.5')).toEqual(['2', '3']);
        expect(await ids('small', '2', true)).toEqual(['3']);
      });

      it(`a sql_query source: the cursor on a result column, in its result type (${path})`, async () => {
        const query = { sqlQuery: 'select b.id as key, b.amount * 1 as amt, b.tstz as at from bounds b order by b.id desc' };
        expect(await read(query, path, { columns: ['key'], cursor: { column: 'amt', from: '12345678901234567890.0123456789' } })).toEqual([['2'], ['3']]);
        expect(await read(query, path, { columns: ['at', 'key'], cursor: { column: 'at', from: '2024-03-10 12:00:00.000001', exclusive: true } }))
          .toEqual([['2024-03-10 12:00:00.000002+00', '3']]);
        expect(await read(query, path, { columns: ['key'], cursor: { column: 'amt' } }, 2)).toEqual([['1'], ['2']]);
      });
    }

    it('a timestamptz bound is UTC whatever the remote session TimeZone (a pooler can lose the session SET)', async () => {
      const conn = await openConnection(remoteRequest(remote, { database: DB }), sessionOptions());
      try {
        await conn.query("select set_config('TimeZone', 'Pacific/Chatham', false)");
        // The environment really differs: a bare literal would be read as Chatham time (+13:45).
        const naive = await conn.query<{ same: boolean }>("select '2024-03-10 12:00:00'::timestamptz = '2024-03-10 12:00:00+00'::timestamptz as same");
        expect(naive.rows[0]!.same).toBe(false);
        const described = await describeTable(conn, 'public', 'bounds', undefined);
        for (const [column, exclusive, expected] of [['tstz', false, ['2', '3']], ['tstz', true, ['3']], ['ts', false, ['2', '3']]] as const) {
          const window: ReadWindow = { columns: ['id'], cursor: { column, from: '2024-03-10 12:00:00.000001', exclusive } };
          const { sql, columnCount } = windowedCopySql(described.plan, described, 10, window, 'text');
          const ids: string[] = [];
          const sink: RowSink = { write: (row: CopyValue[]) => ids.push(String(row[0])) > 0, drained: async () => undefined, full: false };
          await copyOut(conn, sql, new TextRowConsumer(columnCount, sink, 10), { signal: new AbortController().signal, log: silentLog, limitPushed: true });
          expect(ids, `${column} exclusive=${exclusive}`).toEqual(expected);
        }
      } finally {
        await conn.close();
      }
    });

    it('refused windows → INVALID_PARAMETERS naming the column; nothing is pasted', async () => {
      const s = await session(events);
      const plan = await s.describe();
      const sink: RowSink = { write: () => true, drained: async () => undefined, full: false };
      const attempt = (window: ReadWindow) => failure(s.streamRows(plan, sink, { limit: 10, warnings: { count: () => undefined }, signal: new AbortController().signal, window }));
      const cases: Array<[ReadWindow, RegExp]> = [
        [{ columns: ['id', 'nope'] }, /window column "nope"/],
        [{ cursor: { column: 'nope' } }, /cursor column "nope"/],
        [{ cursor: { column: 'label', from: '1' } }, /cursor column "label" has type text/],
        [{ cursor: { column: 'n', from: "1' or ''='" } }, /cursor mark .* of "n"/],
        [{ cursor: { column: 'n', from: '' } }, /cursor mark/],
        [{ columns: [] }, /no column/],
      ];
      for (const [window, message] of cases) {
        const err = await attempt(window);
        expect(err.errorName).toBe('INVALID_PARAMETERS');
        expect(err.message).toMatch(message);
      }
      const twice = await session({ sqlQuery: 'select id, id from events' });
      const err = await failure(twice.streamRows(await twice.describe(), sink, { limit: 10, warnings: { count: () => undefined }, signal: new AbortController().signal, window: { cursor: { column: 'id' } } }));
      expect(err.message).toMatch(/"id" names 2 columns/);
    });
  });
}
