/**
 * The Hive value rules in isolation: timestamp rounding (with carries), float and double text,
 * exact i64, and Hive's almost-JSON for complex values.
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/errors.js';
import { HIVE_CAST_RULES, resolveCast, type CastRule, type HiveColumnType, type ValueReader } from '../../../src/providers/hive/cast-rules.js';
import { normaliseQuery, quoteHiveIdentifier, tableSelect } from '../../../src/providers/hive/catalog.js';
import { hiveJsonToJson } from '../../../src/providers/hive/complex-json.js';
import { formatDouble, formatFloat, int64ToDecimal, roundTimestamp } from '../../../src/providers/hive/values.js';

describe('hive values', () => {
  it('rounds nanoseconds half up to microseconds, carrying into the date', () => {
    expect(roundTimestamp('2024-01-02 03:04:05.123456789')).toEqual({ value: '2024-01-02 03:04:05.123457', rounded: true });
    expect(roundTimestamp('2024-01-02 03:04:05.1234564')).toEqual({ value: '2024-01-02 03:04:05.123456', rounded: true });
    expect(roundTimestamp('2024-01-02 03:04:05.1234565')).toEqual({ value: '2024-01-02 03:04:05.123457', rounded: true });
    expect(roundTimestamp('2024-12-31 23:59:59.9999995')).toEqual({ value: '2025-01-01 00:00:00.000000', rounded: true });
    expect(roundTimestamp('2024-02-28 23:59:59.99999999')).toEqual({ value: '2024-02-29 00:00:00.000000', rounded: true });
    expect(roundTimestamp('0001-01-01 00:00:00.0000001')).toEqual({ value: '0001-01-01 00:00:00.000000', rounded: true });
    expect(roundTimestamp('2024-01-02 03:04:05.1234560')).toEqual({ value: '2024-01-02 03:04:05.123456', rounded: false });
    expect(roundTimestamp('2024-01-02 03:04:05.12')).toEqual({ value: '2024-01-02 03:04:05.12', rounded: false });
    expect(roundTimestamp('2024-01-02 03:04:05')).toEqual({ value: '2024-01-02 03:04:05', rounded: false });
  });

  it('prints floats and doubles as the shortest text that reads back identically', () => {
    expect(formatFloat(0.10000000149011612)).toBe('0.1');
    expect(formatFloat(0.1)).toBe('0.1');
    expect(formatFloat(3.4028234663852886e38)).toBe('3.4028235e+38');
    expect(formatFloat(16777217)).toBe('16777216');
    expect(formatDouble(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(formatDouble(-0)).toBe('-0');
    expect(formatDouble(NaN)).toBe('NaN');
    expect(formatDouble(-Infinity)).toBe('-Infinity');
    expect(formatFloat(Infinity)).toBe('Infinity');
  });

  it('reads i64 exactly on both sides of 2^53', () => {
    const i64 = (text: string) => {
      const buffer = Buffer.alloc(8);
      buffer.writeBigInt64BE(BigInt(text));
      return { buffer, offset: 0 };
    };
    for (const text of ['0', '-1', '9007199254740993', '-9007199254740993', '9223372036854775807', '-9223372036854775808', '4294967296', '-4294967297']) {
      expect(int64ToDecimal(i64(text))).toBe(text);
    }
  });

  it('turns Hive complex-value text into valid JSON, digits and escapes untouched', () => {
    expect(hiveJsonToJson('{1:"a",-2:"b"}')).toBe('{"1":"a","-2":"b"}');
    expect(hiveJsonToJson('{true:[1.0E10,NaN,-Infinity,Infinity]}')).toBe('{"true":[1.0E10,"NaN","-Infinity","Infinity"]}');
    expect(hiveJsonToJson('{"s":"tab\\t\\"q\\" \\u0001","d":12345678901234567890.1234567890}')).toBe('{"s":"tab\\t\\"q\\" \\u0001","d":12345678901234567890.1234567890}');
    expect(hiveJsonToJson('[{0:{"a":null}},[],{}]')).toBe('[{"0":{"a":null}},[],{}]');
    expect(hiveJsonToJson('{"b":ab\u0001c}')).toBeUndefined();
    expect(hiveJsonToJson('[1,2')).toBeUndefined();
    expect(hiveJsonToJson('"raw\ttab"')).toBeUndefined();
  });

  it('maps every importable Hive type once per rule id, first match wins', () => {
    expect(resolveCast({ id: 'DECIMAL', precision: 38, scale: 10 })?.localType).toBe('numeric(38,10)');
    expect(resolveCast({ id: 'DECIMAL' })?.localType).toBe('numeric');
    expect(resolveCast({ id: 'CHAR', length: 3 })?.localType).toBe('varchar(3)');
    for (const skipped of ['UNION', 'INTERVAL_DAY_TIME', 'INTERVAL_YEAR_MONTH', 'TIMESTAMPLOCALTZ', 'NULL', 'USER_DEFINED']) {
      expect(resolveCast({ id: skipped })).toBeUndefined();
    }
    expect(new Set(HIVE_CAST_RULES.flatMap((r) => r.types)).size).toBe(17);
  });

  // Issue 17: the table moved onto the shared matcher (rows/cast-rules.ts); every type, with and
  // without qualifiers, keeps the local type and reader it had before.
  it('keeps the local type and reader of every Hive type on the shared matcher', () => {
    const expected: Array<[HiveColumnType, string, ValueReader]> = [
      [{ id: 'BOOLEAN' }, 'boolean', 'boolean'], [{ id: 'TINYINT' }, 'smallint', 'integer'], [{ id: 'SMALLINT' }, 'smallint', 'integer'],
      [{ id: 'INT' }, 'integer', 'integer'], [{ id: 'BIGINT' }, 'bigint', 'bigint'], [{ id: 'FLOAT' }, 'real', 'float'],
      [{ id: 'DOUBLE' }, 'double precision', 'double'], [{ id: 'DECIMAL', precision: 30, scale: 10 }, 'numeric(30,10)', 'ascii'],
      [{ id: 'DECIMAL', precision: 5 }, 'numeric(5,0)', 'ascii'], [{ id: 'DECIMAL' }, 'numeric', 'ascii'], [{ id: 'STRING' }, 'text', 'text'],
      [{ id: 'VARCHAR', length: 20 }, 'varchar(20)', 'text'], [{ id: 'VARCHAR', length: 0 }, 'text', 'text'], [{ id: 'VARCHAR' }, 'text', 'text'],
      [{ id: 'CHAR', length: 5 }, 'varchar(5)', 'text'], [{ id: 'CHAR' }, 'text', 'text'], [{ id: 'DATE' }, 'date', 'ascii'],
      [{ id: 'TIMESTAMP' }, 'timestamp', 'timestamp'], [{ id: 'BINARY' }, 'bytea', 'binary'], [{ id: 'ARRAY' }, 'jsonb', 'json'],
      [{ id: 'MAP' }, 'jsonb', 'json'], [{ id: 'STRUCT' }, 'jsonb', 'json'],
    ];
    for (const [type, localType, reader] of expected) expect({ type, cast: resolveCast(type) }).toEqual({ type, cast: { localType, reader } });
    // Rules put in front of the table win (SPEC §14 user casts); `to: null` skips.
    const custom: CastRule[] = [{ types: ['TINYINT'], to: 'boolean', reader: 'boolean' }, { types: ['BINARY'], to: null, reader: 'binary' }, ...HIVE_CAST_RULES];
    expect(resolveCast({ id: 'TINYINT' }, custom)).toEqual({ localType: 'boolean', reader: 'boolean' });
    expect(resolveCast({ id: 'BINARY' }, custom)).toBeUndefined();
    expect(resolveCast({ id: 'SMALLINT' }, custom)).toEqual({ localType: 'smallint', reader: 'integer' });
  });

  it('quotes identifiers with backticks, doubling a backtick', () => {
    expect(quoteHiveIdentifier('we`ird "x"')).toBe('`we``ird "x"`');
    expect(tableSelect('default', 'select')).toBe('SELECT * FROM `default`.`select`');
  });

  it('accepts queries and refuses statements that would change the source', () => {
    expect(normaliseQuery('  -- top 10\nSELECT * FROM t;; ')).toBe('-- top 10\nSELECT * FROM t');
    expect(normaliseQuery("WITH x AS (SELECT 'insert' AS `update`) SELECT * FROM x")).toMatch(/^WITH/);
    for (const sql of ['DROP TABLE t', 'INSERT INTO t VALUES (1)', 'FROM src INSERT OVERWRITE TABLE dst SELECT *', 'WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a', 'SET x=1']) {
      expect(() => normaliseQuery(sql), sql).toThrow(ConnectorError);
    }
  });
});
