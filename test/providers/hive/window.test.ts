/**
 * The HiveQL of read windows in isolation (src/providers/hive/window.ts): the statement's shape for
 * table and sql_query sources, the CAST of each bound (the column's type when it holds the bound,
 * else the narrowest exact DECIMAL), a TIMESTAMP mark lowered by exactly half a microsecond, key
 * ranges, Hive string-literal quoting, and the LIMIT Hive can parse.
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/errors.js';
import type { ColumnPlan, SourcePlan } from '../../../src/rows/plan.js';
import { exactBound, hiveStringLiteral, lowerByHalfMicrosecond, windowStatement } from '../../../src/providers/hive/window.js';

const column = (remoteName: string, remoteType: string): ColumnPlan => ({ remoteName, remoteType, localType: 'x' });
const plan: SourcePlan = {
  columns: [column('id', 'int'), column('ts', 'timestamp'), column('amount', 'decimal(30,10)'), column('big', 'bigint'), column('day', 'date'), column('we`ird', 'string')],
  skipped: [column('u', 'uniontype')],
};
const table = { kind: 'table' as const, table: 'or`ders' };
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

describe('hive read windows', () => {
  it('selects the window columns, appends an unselected cursor, and binds by position', () => {
    const read = windowStatement(plan, table, 'sa`les', { columns: ['we`ird', 'id', 'we`ird'], cursor: { column: 'big', from: '5', exclusive: true, includeNulls: true } }, 1000);
    expect(read.statement).toBe("SELECT `we``ird`, `id`, `big` FROM `sa``les`.`or``ders` WHERE (`big` > CAST('5' AS bigint) OR `big` IS NULL) ORDER BY `big` ASC LIMIT 1000");
    expect(read.columns.map((c) => c.remoteName)).toEqual(['we`ird', 'id', 'we`ird']);
    expect(read.positions).toEqual([0, 1, 0]);
    expect(windowStatement(plan, table, 'd', { cursor: { column: 'day' } }, 2 ** 31).statement)
      .toBe('SELECT `id`, `ts`, `amount`, `big`, `day`, `we``ird` FROM `d`.`or``ders` ORDER BY `day` ASC');
    expect(windowStatement(plan, table, 'd', { columns: ['id'] }, 2 ** 31 - 1).statement).toBe('SELECT `id` FROM `d`.`or``ders` LIMIT 2147483647');
  });

  it('reads a sql_query as a derived table, by its unqualified column names', () => {
    const joined: SourcePlan = { columns: [column('o.id', 'int'), column('c.name', 'string'), column('_c2', 'bigint')], skipped: [] };
    const read = windowStatement(joined, { kind: 'query', sql: 'SELECT o.id, c.name, count(*) FROM o JOIN c ON o.cid = c.id GROUP BY o.id, c.name -- note;' }, 'ignored',
      { columns: ['c.name'], cursor: { column: '_c2', from: '10' } }, NO_LIMIT);
    expect(read.statement).toBe("SELECT `name`, `_c2` FROM (\nSELECT o.id, c.name, count(*) FROM o JOIN c ON o.cid = c.id GROUP BY o.id, c.name -- note\n) `cdb_window` WHERE (`_c2` >= CAST('10' AS bigint)) ORDER BY `_c2` ASC");
    expect(read.positions).toEqual([0]);
    const clash: SourcePlan = { columns: [column('a.id', 'int'), column('x', 'int')], skipped: [column('b.id', 'uniontype')] };
    expect(() => windowStatement(clash, { kind: 'query', sql: 'SELECT a.id, x, b.id FROM a JOIN b' }, 'd', { columns: ['x'], cursor: { column: 'a.id' } }, 1))
      .toThrow(/"a\.id", "b\.id" of the sql_query are all named "id"/);
    expect(() => windowStatement(plan, { kind: 'query', sql: 'DROP TABLE t' }, 'd', { columns: ['id'] }, 1)).toThrow(/must be a HiveQL query/);
  });

  it('casts a bound to the column type when it holds it exactly, else to the narrowest DECIMAL', () => {
    const bound = (type: string, from: string) => exactBound(column('c', type), from);
    expect(bound('decimal(30,10)', '12345678901234567890.0123456789')).toBe("CAST('12345678901234567890.0123456789' AS decimal(30,10))");
    expect(bound('decimal(30,10)', '-0.5')).toBe("CAST('-0.5' AS decimal(30,10))");
    expect(bound('decimal(30,10)', '1.01234567891')).toBe("CAST('1.01234567891' AS decimal(12,11))");
    expect(bound('decimal(5,2)', '-1009.99')).toBe("CAST('-1009.99' AS decimal(6,2))");
    expect(bound('decimal(5,2)', '999.990')).toBe("CAST('999.990' AS decimal(5,2))");
    expect(bound('decimal', '7')).toBe("CAST('7' AS decimal(1,0))");
    expect(bound('bigint', '9223372036854775807')).toBe("CAST('9223372036854775807' AS bigint)");
    expect(bound('bigint', '9223372036854775808')).toBe("CAST('9223372036854775808' AS decimal(19,0))");
    expect(bound('bigint', '-9223372036854775808')).toBe("CAST('-9223372036854775808' AS bigint)");
    expect(bound('tinyint', '-129')).toBe("CAST('-129' AS decimal(3,0))");
    expect(bound('int', '9.5')).toBe("CAST('9.5' AS decimal(2,1))");
    expect(bound('smallint', '0.0')).toBe("CAST('0.0' AS decimal(1,0))");
    expect(bound('smallint', '-32768')).toBe("CAST('-32768' AS smallint)");
    expect(bound('date', '2024-02-29')).toBe("CAST('2024-02-29' AS date)");
    expect(bound('timestamp', '2024-02-29 23:59:59.999999')).toBe("CAST('2024-02-29 23:59:59.999999' AS timestamp)");
    expect(bound('timestamp', '2024-02-29')).toBe("CAST('2024-02-29' AS timestamp)");
  });

  it('refuses bounds and columns it cannot compare exactly', () => {
    const refused = (type: string, from: string, message: RegExp) => {
      const err = (() => { try { exactBound(column('c', type), from); } catch (e) { return e; } return undefined; })();
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as ConnectorError).errorName).toBe('INVALID_PARAMETERS');
      expect((err as ConnectorError).message).toMatch(message);
    };
    refused('bigint', "1' OR '1'='1", /may hold only digits/);
    refused('timestamp', '2024-01-01\\', /may hold only digits/);
    refused('decimal(30,10)', '1e5', /may hold only digits/);
    refused('decimal(38,0)', '1'.repeat(39), /at most 38 digits/);
    refused('date', '2024-01-01 00:00:00', /a date YYYY-MM-DD/);
    refused('timestamp', '24-01-01', /a timestamp/);
    refused('int', '--1', /a number in plain digits/);
    for (const type of ['string', 'varchar(10)', 'double', 'float', 'boolean', 'binary']) refused(type, '1', /cannot be a cursor/);
    expect(() => windowStatement(plan, table, 'd', { cursor: { column: 'u' } }, 1)).toThrow(/type that is not imported, so it cannot be the cursor/);
    expect(() => windowStatement(plan, table, 'd', { columns: [] }, 1)).toThrow(/at least one column/);
  });

  it('lowers an inclusive TIMESTAMP bound by exactly 500 ns, borrowing from seconds, days, months and years; refuses exclusive ones', () => {
    const lowered = (from: string) => lowerByHalfMicrosecond(column('ts', 'timestamp'), from);
    expect(lowered('2026-01-01 10:00:00.123457')).toBe('2026-01-01 10:00:00.1234565');
    expect(lowered('2026-01-01 10:00:00.123')).toBe('2026-01-01 10:00:00.1229995');
    expect(lowered('2026-01-01 10:00:00.123456789')).toBe('2026-01-01 10:00:00.123456289');
    expect(lowered('2026-01-01 10:00:00.0000005')).toBe('2026-01-01 10:00:00');
    expect(lowered('2026-01-01 10:00:00')).toBe('2026-01-01 09:59:59.9999995');
    expect(lowered('2024-03-01')).toBe('2024-02-29 23:59:59.9999995');
    expect(lowered('2023-03-01 00:00:00')).toBe('2023-02-28 23:59:59.9999995');
    expect(lowered('2026-01-01 00:00:00.000000')).toBe('2025-12-31 23:59:59.9999995');
    expect(lowered('0050-01-01')).toBe('0049-12-31 23:59:59.9999995');
    expect(lowered('0000-01-01 00:00:00')).toBe('0000-01-01 00:00:00');
    expect(() => lowered('2023-02-29 00:00:00')).toThrow(/not a valid date and time/);
    expect(() => lowered('2023-01-01 24:00:00')).toThrow(/not a valid date and time/);
    expect(() => lowered("2023-01-01' OR ''='")).toThrow(/may hold only digits/);
    expect(windowStatement(plan, table, 'd', { columns: ['id'], cursor: { column: 'ts', from: '2024-03-01', includeNulls: true } }, NO_LIMIT).statement)
      .toBe("SELECT `id`, `ts` FROM `d`.`or``ders` WHERE (`ts` >= CAST('2024-02-29 23:59:59.9999995' AS timestamp) OR `ts` IS NULL) ORDER BY `ts` ASC");
    for (const from of ['2024-03-01', undefined]) {
      expect(() => windowStatement(plan, table, 'd', { cursor: { column: 'ts', from, exclusive: true } }, 1))
        .toThrow(/"ts" \(Hive timestamp\) cannot be an append cursor: the cursor has nanosecond precision .* Append needs an integer, decimal or date cursor; with this cursor use mode merge/);
    }
    // Other cursor types keep the mark itself.
    expect(windowStatement(plan, table, 'd', { columns: ['id'], cursor: { column: 'day', from: '2024-03-01', exclusive: true } }, NO_LIMIT).statement)
      .toBe("SELECT `id`, `day` FROM `d`.`or``ders` WHERE (`day` > CAST('2024-03-01' AS date)) ORDER BY `day` ASC");
  });

  it('reads key ranges compared in the key\'s own type, from included and to excluded, with a column subset', () => {
    const read = windowStatement(plan, table, 'd', {
      columns: ['we`ird', 'big'],
      keyRanges: { column: 'big', ranges: [{ from: '-9223372036854775808', to: '-9223372036854775798' }, { from: '9223372036854775800', to: '9223372036854775810' }] },
    }, NO_LIMIT);
    expect(read.statement).toBe('SELECT `we``ird`, `big` FROM `d`.`or``ders` WHERE ((`big` >= CAST(\'-9223372036854775808\' AS bigint) AND `big` < CAST(\'-9223372036854775798\' AS bigint))'
      + " OR (`big` >= CAST('9223372036854775800' AS bigint) AND `big` < CAST('9223372036854775810' AS decimal(19,0))))");
    expect(windowStatement(plan, table, 'd', { keyRanges: { column: 'amount', ranges: [{ from: '-2', to: '-1' }] } }, 10).statement)
      .toBe("SELECT `id`, `ts`, `amount`, `big`, `day`, `we``ird` FROM `d`.`or``ders` WHERE ((`amount` >= CAST('-2' AS decimal(30,10)) AND `amount` < CAST('-1' AS decimal(30,10)))) LIMIT 10");
    expect(windowStatement(plan, table, 'd', { columns: ['id'], keyRanges: { column: 'id', ranges: [] } }, NO_LIMIT).statement).toBe('SELECT `id` FROM `d`.`or``ders` WHERE FALSE');
    const joined: SourcePlan = { columns: [column('o.id', 'bigint'), column('c.name', 'string')], skipped: [] };
    expect(windowStatement(joined, { kind: 'query', sql: 'SELECT o.id, c.name FROM o JOIN c' }, 'd', { keyRanges: { column: 'o.id', ranges: [{ from: '1', to: '5' }] } }, NO_LIMIT).statement)
      .toBe("SELECT `id`, `name` FROM (\nSELECT o.id, c.name FROM o JOIN c\n) `cdb_window` WHERE ((`id` >= CAST('1' AS bigint) AND `id` < CAST('5' AS bigint)))");
    expect(() => windowStatement(plan, table, 'd', { keyRanges: { column: 'ts', ranges: [] } }, 1)).toThrow(/"ts" \(Hive timestamp\) cannot be the key of a merge without a cursor/);
    expect(() => windowStatement(plan, table, 'd', { keyRanges: { column: 'u', ranges: [] } }, 1)).toThrow(/not imported, so it cannot be the key of a merge/);
    expect(() => windowStatement(plan, table, 'd', { keyRanges: { column: 'id', ranges: [{ from: '1 OR 1=1', to: '2' }] } }, 1)).toThrow(/must be an integer/);
  });

  it('quotes HiveQL string literals for Hive\'s backslash escapes', () => {
    expect(hiveStringLiteral('2024-01-01 00:00:00')).toBe("'2024-01-01 00:00:00'");
    expect(hiveStringLiteral("a'b\\c")).toBe("'a\\'b\\\\c'");
  });
});
