/**
 * Read windows (provider.ts `ReadWindow`, SPEC §13) through hive-driver: cursor bounds compared
 * exactly in the column's Hive type — a TIMESTAMP mark from half a microsecond below, so every
 * nanosecond value the mark was rounded from is read again (and append on a TIMESTAMP refused),
 * the last digit of a DECIMAL(30,10), BIGINT next to 2^63, DATE —
 * where text or DOUBLE comparisons would give other rows; ties at the bound, `exclusive`, NULL
 * rows only with `includeNulls`, ascending order, `columns` (subset, order), the row limit, and
 * sql_query sources read as derived tables.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/errors.js';
import type { ReadWindow, SourceRequest } from '../../../src/providers/provider.js';
import type { SourcePlan } from '../../../src/rows/plan.js';
import type { RowSink } from '../../../src/rows/sink.js';
import { hiveRequest, querySource, tableSource, type HiveServerFactory, type HiveTestServer } from './server-factory.js';
import { withHiveSession } from './suite-values.js';

/**
 * Real-Hive HiveQL too. Columns: id, ts, amount, big, day, label; row 6 is NULL in every cursor
 * column. Inserted out of every cursor's order, so a read that forgets to sort shows it.
 */
export const WINDOW_HIVEQL = `
DROP TABLE IF EXISTS win;
CREATE TABLE win (id INT, ts TIMESTAMP, amount DECIMAL(30,10), big BIGINT, day DATE, label STRING);
INSERT INTO win VALUES
 (7, CAST('2024-03-02 00:00:00' AS TIMESTAMP), CAST('0' AS DECIMAL(30,10)), CAST('0' AS BIGINT), CAST('2024-03-02' AS DATE), 'seven'),
 (3, CAST('2024-03-01 12:00:00.0000015' AS TIMESTAMP), CAST('12345678901234567890.0123456789' AS DECIMAL(30,10)), CAST('9223372036854775806' AS BIGINT), CAST('2024-02-29' AS DATE), 'three'),
 (5, CAST('2024-03-01 12:00:00.000002' AS TIMESTAMP), CAST('99999999999999999999.9999999999' AS DECIMAL(30,10)), CAST('9223372036854775807' AS BIGINT), CAST('2024-03-01' AS DATE), 'five'),
 (1, CAST('2024-03-01 12:00:00' AS TIMESTAMP), CAST('-12345678901234567890.0123456789' AS DECIMAL(30,10)), CAST('-9223372036854775808' AS BIGINT), CAST('2024-02-28' AS DATE), 'one'),
 (6, NULL, NULL, NULL, NULL, 'six'),
 (4, CAST('2024-03-01 12:00:00.000002' AS TIMESTAMP), CAST('12345678901234567890.0123456789' AS DECIMAL(30,10)), CAST('9223372036854775806' AS BIGINT), CAST('2024-03-01' AS DATE), 'four'),
 (2, CAST('2024-03-01 12:00:00.000001' AS TIMESTAMP), CAST('12345678901234567890.0123456788' AS DECIMAL(30,10)), CAST('9223372036854775805' AS BIGINT), CAST('2024-02-29' AS DATE), 'two');
DROP TABLE IF EXISTS win_tags;
CREATE TABLE win_tags (id INT, tag STRING);
INSERT INTO win_tags VALUES (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e'), (6, 'f');
DROP TABLE IF EXISTS win_ns;
CREATE TABLE win_ns (id INT, ts TIMESTAMP);
INSERT INTO win_ns VALUES
 (5, CAST('2026-01-01 10:00:00.123457499' AS TIMESTAMP)),
 (1, CAST('2026-01-01 10:00:00.123456499' AS TIMESTAMP)),
 (7, CAST('2025-12-31 23:59:59.9999995' AS TIMESTAMP)),
 (3, CAST('2026-01-01 10:00:00.123456999' AS TIMESTAMP)),
 (6, CAST('2026-01-01 10:00:00.1234575' AS TIMESTAMP)),
 (2, CAST('2026-01-01 10:00:00.1234565' AS TIMESTAMP)),
 (8, CAST('2025-12-31 23:59:59.999999499' AS TIMESTAMP)),
 (4, CAST('2026-01-01 10:00:00.123457' AS TIMESTAMP));
`;

interface WindowRead {
  plan: SourcePlan;
  rows: Array<Array<string | null>>;
  warnings: Record<string, number>;
}

async function readWindow(request: SourceRequest, window: ReadWindow, limit = Number.MAX_SAFE_INTEGER): Promise<WindowRead> {
  return withHiveSession(request, async (session) => {
    const plan = await session.describe();
    const rows: Array<Array<string | null>> = [];
    const warnings: Record<string, number> = {};
    const sink: RowSink = {
      get full() { return rows.length >= limit; },
      write(row) {
        rows.push(row.map((v) => (v === null ? null : Buffer.isBuffer(v) ? v.toString('utf8') : v)));
        return rows.length % 2 !== 0; // backpressure every other row
      },
      drained: () => new Promise<void>((resolve) => setImmediate(resolve)),
    };
    const counter = { count(code: string, column: string, n = 1) { warnings[`${code}:${column}`] = (warnings[`${code}:${column}`] ?? 0) + n; } };
    await session.streamRows(plan, sink, { limit, warnings: counter, signal: new AbortController().signal, window });
    return { plan, rows, warnings };
  });
}

/** Ids grouped by equal cursor value, in order: Hive orders ties any way it likes. */
function groups(rows: Array<Array<string | null>>, idAt: number, cursorAt: number): string[][] {
  const out: Array<{ cursor: string | null; ids: string[] }> = [];
  for (const row of rows) {
    const last = out[out.length - 1];
    if (last && last.cursor === row[cursorAt]) last.ids.push(row[idAt]!);
    else out.push({ cursor: row[cursorAt]!, ids: [row[idAt]!] });
  }
  return out.map((g) => g.ids.sort());
}

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectorError);
  return err as ConnectorError;
}

export function windowSuite(factory: HiveServerFactory): void {
  describe(`hive provider: read windows (${factory.name})`, () => {
    let server: HiveTestServer;
    const win = () => hiveRequest(server, tableSource('win'));
    /** Column positions in the plan of `win`. */
    const [ID, TS, AMOUNT, BIG, DAY] = [0, 1, 2, 3, 4];
    const cursorIds = async (column: string, at: number, from: string | undefined, extra: Partial<NonNullable<ReadWindow['cursor']>> = {}) =>
      groups((await readWindow(win(), { cursor: { column, from, ...extra } })).rows, ID, at);

    beforeAll(async () => {
      server = await factory.start();
      await server.loadFixture(WINDOW_HIVEQL);
    });
    afterAll(async () => { await server?.stop(); });

    it('reads a TIMESTAMP mark from half a microsecond below, ties included, in ascending order', async () => {
      // Row 3 (12:00:00.0000015) is stored as .000002, so a mark of .000002 must read it again.
      expect(await cursorIds('ts', TS, '2024-03-01 12:00:00.000002')).toEqual([['3', '4', '5'], ['7']]);
      if (server.stats) expect(server.stats.statements.at(-1)).toContain("WHERE (`ts` >= CAST('2024-03-01 12:00:00.0000015' AS timestamp)) ORDER BY `ts` ASC");
      const read = await readWindow(win(), { cursor: { column: 'ts', from: '2024-03-01 12:00:00.000001' } });
      expect(read.rows.map((r) => [r[ID], r[TS]])).toEqual([
        ['2', '2024-03-01 12:00:00.000001'], ['3', '2024-03-01 12:00:00.000002'], expect.anything(), expect.anything(), ['7', '2024-03-02 00:00:00'],
      ]);
      expect(read.warnings).toEqual({ 'timestamp_rounded:ts': 1 });
      expect(await cursorIds('ts', TS, '2024-03-01')).toEqual([['1'], ['2'], ['3', '4', '5'], ['7']]);
    });

    it('reads every late row a microsecond mark was rounded from, and none below (regression: .1234566 missed by >= .123457)', async () => {
      const ns = (from: string) => readWindow(hiveRequest(server, tableSource('win_ns')), { cursor: { column: 'ts', from } });
      const read = await ns('2026-01-01 10:00:00.123457');
      expect(read.rows).toEqual([
        ['2', '2026-01-01 10:00:00.123457'], ['3', '2026-01-01 10:00:00.123457'], ['4', '2026-01-01 10:00:00.123457'],
        ['5', '2026-01-01 10:00:00.123457'], ['6', '2026-01-01 10:00:00.123458'],
      ]);
      // A midnight mark borrows from the date: 2025-12-31 23:59:59.9999995 is stored as 2026-01-01 00:00:00.
      expect((await ns('2026-01-01')).rows.map((r) => r[0])).toEqual(['7', '1', '2', '3', '4', '5', '6']);
      expect((await ns('2026-01-01 00:00:00')).rows.map((r) => r[0])).toEqual(['7', '1', '2', '3', '4', '5', '6']);
      if (server.stats) expect(server.stats.statements.at(-1)).toContain("CAST('2025-12-31 23:59:59.9999995' AS timestamp)");
    });

    it('compares DECIMAL(30,10) bounds to the last digit, with a bound of more decimals than the column', async () => {
      expect(await cursorIds('amount', AMOUNT, '12345678901234567890.0123456789')).toEqual([['3', '4'], ['5']]);
      expect(await cursorIds('amount', AMOUNT, '12345678901234567890.0123456789', { exclusive: true })).toEqual([['5']]);
      expect(await cursorIds('amount', AMOUNT, '12345678901234567890.0123456788')).toEqual([['2'], ['3', '4'], ['5']]);
      expect(await cursorIds('amount', AMOUNT, '12345678901234567890.01234567885', { exclusive: true })).toEqual([['3', '4'], ['5']]);
      expect(await cursorIds('amount', AMOUNT, '-12345678901234567890.0123456790')).toEqual([['1'], ['7'], ['2'], ['3', '4'], ['5']]);
      if (server.stats) expect(server.stats.statements.at(-1)).toContain("CAST('-12345678901234567890.0123456790' AS decimal(30,10))");
      const values = (await readWindow(win(), { cursor: { column: 'amount', from: '12345678901234567890.0123456788', exclusive: true } })).rows.map((r) => r[AMOUNT]);
      expect(values).toEqual(['12345678901234567890.0123456789', '12345678901234567890.0123456789', '99999999999999999999.9999999999']);
    });

    it('compares BIGINT bounds next to 2^63 exactly, and a bound below the BIGINT range', async () => {
      expect(await cursorIds('big', BIG, '9223372036854775806', { exclusive: true })).toEqual([['5']]);
      expect(await cursorIds('big', BIG, '9223372036854775806')).toEqual([['3', '4'], ['5']]);
      expect(await cursorIds('big', BIG, '9223372036854775807')).toEqual([['5']]);
      expect(await cursorIds('big', BIG, '9223372036854775807', { exclusive: true })).toEqual([]);
      expect(await cursorIds('big', BIG, '-9223372036854775809')).toEqual([['1'], ['7'], ['2'], ['3', '4'], ['5']]);
    });

    it('compares DATE bounds', async () => {
      expect(await cursorIds('day', DAY, '2024-02-29', { exclusive: true })).toEqual([['4', '5'], ['7']]);
      expect(await cursorIds('day', DAY, '2024-02-29')).toEqual([['2', '3'], ['4', '5'], ['7']]);
    });

    it('adds the NULL rows only with includeNulls (Hive sorts them first), and reads in order without a bound', async () => {
      expect(await cursorIds('big', BIG, '9223372036854775806', { includeNulls: true })).toEqual([['6'], ['3', '4'], ['5']]);
      expect(await cursorIds('day', DAY, '2024-03-02', { includeNulls: true, exclusive: true })).toEqual([['6']]);
      expect(await cursorIds('day', DAY, undefined)).toEqual([['6'], ['1'], ['2', '3'], ['4', '5'], ['7']]);
    });

    it('stops at the limit in cursor order, and sends the limit to Hive', async () => {
      const limited = await readWindow(win(), { cursor: { column: 'ts', from: '2024-03-01 12:00:00.000001' } }, 3);
      expect(limited.rows.map((r) => r[ID])).toEqual(['2', '3', expect.stringMatching(/^[45]$/)]);
      if (server.stats) expect(server.stats.statements.at(-1)).toMatch(/ ORDER BY `ts` ASC LIMIT 3$/);
      const withNulls = await readWindow(win(), { cursor: { column: 'ts', from: '2024-03-01 12:00:00.000001', includeNulls: true } }, 2);
      expect(withNulls.rows.map((r) => r[ID])).toEqual(['6', '2']);
    });

    it('emits only the window columns, in their order, with or without a cursor', async () => {
      const read = await readWindow(win(), { columns: ['label', 'id'], cursor: { column: 'day', from: '2024-02-29', exclusive: true } });
      expect(read.plan.columns.map((c) => c.remoteName)).toEqual(['id', 'ts', 'amount', 'big', 'day', 'label']);
      expect(read.rows).toHaveLength(3);
      expect(read.rows.slice(0, 2).sort()).toEqual([['five', '5'], ['four', '4']]);
      expect(read.rows[2]).toEqual(['seven', '7']);
      const keys = await readWindow(win(), { columns: ['big', 'id'] });
      expect(keys.rows.sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([
        ['-9223372036854775808', '1'], ['9223372036854775805', '2'], ['9223372036854775806', '3'], ['9223372036854775806', '4'],
        ['9223372036854775807', '5'], [null, '6'], ['0', '7'],
      ]);
      if (server.stats) expect(server.stats.statements.at(-1)).toBe('SELECT `big`, `id` FROM `default`.`win`');
    });

    it('reads a sql_query as a derived table: qualified names, unaliased expressions, a trailing comment', async () => {
      const join = await readWindow(hiveRequest(server, querySource('SELECT w.id, w.big, t.tag FROM win w JOIN win_tags t ON w.id = t.id')),
        { columns: ['t.tag', 'w.id'], cursor: { column: 'w.big', from: '9223372036854775805', exclusive: true } });
      expect(join.plan.columns.map((c) => c.remoteName)).toEqual(['w.id', 'w.big', 't.tag']);
      expect(join.rows.slice(0, 2).sort()).toEqual([['c', '3'], ['d', '4']]);
      expect(join.rows[2]).toEqual(['e', '5']);
      const expression = await readWindow(hiveRequest(server, querySource('SELECT id, upper(label) FROM win')),
        { columns: ['_c1'], cursor: { column: 'id', from: '6' } });
      expect(expression.rows).toEqual([['SIX'], ['SEVEN']]);
      const commented = await readWindow(hiveRequest(server, querySource('SELECT id, day FROM win WHERE id <> 5 -- not five;')),
        { cursor: { column: 'day', from: '2024-03-01', includeNulls: true } });
      expect(commented.rows).toEqual([['6', null], ['4', '2024-03-01'], ['7', '2024-03-02']]);
    });

    it('refuses what it cannot compare exactly before sending anything (1502)', async () => {
      const statementsBefore = server.stats?.statements.length ?? 0;
      const refusals: Array<[SourceRequest, ReadWindow, RegExp]> = [
        [win(), { cursor: { column: 'label', from: '1' } }, /"label" \(Hive string\) cannot be a cursor/],
        [win(), { cursor: { column: 'ts', from: '2024-03-01 12:00:00.000002', exclusive: true } }, /"ts" \(Hive timestamp\) cannot be an append cursor: the cursor has nanosecond precision.*use mode merge/],
        [win(), { cursor: { column: 'ts', exclusive: true } }, /cannot be an append cursor/],
        [win(), { cursor: { column: 'ts', from: '2024-02-30 00:00:00' } }, /not a valid date and time/],
        [win(), { cursor: { column: 'ts', from: "2024-03-01' OR ''='" } }, /Cursor bound .* may hold only digits/],
        [win(), { cursor: { column: 'big', from: '12.5.1' } }, /a number in plain digits/],
        [win(), { cursor: { column: 'no_such' } }, /"no_such" is not a column/],
        [win(), { columns: ['id', 'nope'] }, /"nope" is not a column/],
        [hiveRequest(server, querySource('SELECT w.id, t.id FROM win w JOIN win_tags t ON w.id = t.id')), { cursor: { column: 'w.id', from: '1' } },
          /"w\.id", "t\.id" of the sql_query are all named "id"/],
      ];
      for (const [request, window, message] of refusals) {
        const err = await failure(readWindow(request, window));
        expect({ window, name: err.errorName, message: err.message }).toEqual({ window, name: 'INVALID_PARAMETERS', message: expect.stringMatching(message) });
      }
      // Each refused read only ran its describe().
      if (server.stats) expect(server.stats.statements.length).toBe(statementsBefore + refusals.length);
      if (server.stats) expect(server.stats.closedSessions).toBe(server.stats.openedSessions);
    });
  });
}
