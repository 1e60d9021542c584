/**
 * The cast table and the value converters on their own (no server): the boundaries the edge-value
 * suite cannot reach on one server version.
 */
import { describe, expect, it } from 'vitest';
import { castColumn, MYSQL_CAST_RULES, resolveCast, type RemoteColumn } from '../../../src/providers/mysql/cast-rules.js';
import { valueConverterFor } from '../../../src/providers/mysql/values.js';
import type { CopyValue } from '../../../src/rows/sink.js';

const col = (dataType: string, extra: Partial<RemoteColumn> = {}): RemoteColumn => ({ name: 'c', dataType, columnType: dataType, unsigned: false, ...extra });

describe('resolveCast', () => {
  const cases: Array<[RemoteColumn, string | null]> = [
    [col('varchar', { length: 20 }), 'varchar(20)'],
    [col('char', { length: 255 }), 'varchar(255)'],
    [col('varchar', { length: 0 }), 'text'],
    [col('longtext'), 'text'],
    [col('enum'), 'text'],
    [col('set'), 'text'],
    [col('json'), 'jsonb'],
    [col('decimal', { precision: 65, scale: 30 }), 'numeric(65,30)'],
    [col('decimal', { precision: 12, scale: 2, unsigned: true }), 'numeric(12,2)'],
    [col('decimal'), 'numeric'],
    [col('float'), 'real'],
    [col('float', { unsigned: true }), 'real'],
    [col('double'), 'double precision'],
    [col('tinyint'), 'smallint'],
    [col('tinyint', { unsigned: true }), 'smallint'],
    [col('smallint'), 'smallint'],
    [col('smallint', { unsigned: true }), 'integer'],
    [col('mediumint', { unsigned: true }), 'integer'],
    [col('int'), 'integer'],
    [col('int', { unsigned: true }), 'bigint'],
    [col('bigint'), 'bigint'],
    [col('bigint', { unsigned: true }), 'numeric(20,0)'],
    [col('year'), 'smallint'],
    [col('date'), 'date'],
    [col('time', { fsp: 6 }), 'time(6)'],
    [col('datetime'), 'timestamp(0)'],
    [col('datetime', { fsp: 3 }), 'timestamp(3)'],
    [col('timestamp', { fsp: 6 }), 'timestamptz(6)'],
    [col('bit', { length: 1 }), 'boolean'],
    [col('bit', { length: 64 }), 'bit(64)'],
    [col('varbinary', { length: 16 }), 'bytea'],
    [col('longblob'), 'bytea'],
    [col('uuid'), 'uuid'],
    [col('inet6'), 'inet'],
    [col('point'), null],
    [col('geometry'), null],
    [col('vector'), null],
    [col('type 242'), null],
  ];
  it.each(cases)('%o → %s', (column, expected) => {
    expect(resolveCast(column)).toBe(expected);
  });

  it('first matching rule wins, so a caller can prepend overrides', () => {
    expect(resolveCast(col('tinyint', { length: 1 }), [{ types: ['tinyint'], to: 'boolean' }, ...MYSQL_CAST_RULES])).toBe('boolean');
  });

  it('takes the decoder from the rule, not from the local type (a tinyint → boolean override is not decoded as BIT)', () => {
    expect(castColumn(col('tinyint'), undefined, [{ types: ['tinyint'], to: 'boolean' }, ...MYSQL_CAST_RULES])).toEqual({ localType: 'boolean' });
    expect(castColumn(col('bit', { length: 1 }))).toEqual({ localType: 'boolean', decoder: 'bit-boolean' });
    expect(castColumn(col('point'), { targetPostgis: true })).toEqual({ localType: 'geometry', decoder: 'geometry' });
  });
});

describe('value converters', () => {
  const counts: string[] = [];
  const ctx = { column: 'c', warnings: { count: (code: string) => { counts.push(code); } } };
  /** The column's cast, then the converter its decoder names: the path rows.ts takes. */
  const converter = (column: RemoteColumn) => {
    const cast = castColumn(column)!;
    return valueConverterFor(cast.decoder, cast.localType, ctx);
  };
  const run = (column: RemoteColumn, text: string | number[]): CopyValue => {
    const fn = converter(column);
    const bytes = typeof text === 'string' ? Buffer.from(text) : Buffer.from(text);
    const out = fn ? fn(bytes, 1) : bytes;
    return Buffer.isBuffer(out) ? out.toString() : out;
  };

  it('keeps times PostgreSQL accepts and nulls the rest', () => {
    counts.length = 0;
    expect(['00:00:00', '23:59:59.999999', '24:00:00', '24:00:00.000000'].map((t) => run(col('time', { fsp: 6 }), t))).toEqual(['00:00:00', '23:59:59.999999', '24:00:00', '24:00:00.000000']);
    expect(['24:00:00.000001', '24:00:01', '-00:00:01', '100:00:00', '838:59:59'].map((t) => run(col('time', { fsp: 6 }), t))).toEqual([null, null, null, null, null]);
    expect(counts).toEqual(Array(5).fill('time_out_of_range'));
  });

  it('checks dates: leap years, zero parts, impossible days', () => {
    counts.length = 0;
    expect(['2024-02-29', '2000-02-29', '1000-01-01', '9999-12-31'].map((d) => run(col('date'), d))).toEqual(['2024-02-29', '2000-02-29', '1000-01-01', '9999-12-31']);
    expect(['0000-00-00', '0000-01-01', '2024-00-01', '2024-01-00', '2023-02-29', '1900-02-29', '2024-04-31'].map((d) => run(col('date'), d))).toEqual(Array(7).fill(null));
    expect(counts).toEqual(['zero_dates', 'zero_dates', 'zero_dates', 'zero_dates', 'invalid_values', 'invalid_values', 'invalid_values']);
  });

  it('adds +00 to TIMESTAMP values and leaves DATETIME alone', () => {
    expect(run(col('timestamp', { fsp: 3 }), '2024-01-02 03:04:05.678')).toBe('2024-01-02 03:04:05.678+00');
    expect(run(col('datetime'), '2024-01-02 03:04:05')).toBe('2024-01-02 03:04:05');
    expect(run(col('datetime'), '0000-00-00 00:00:00')).toBeNull();
  });

  it('prints BIT values as booleans and fixed-width bit strings', () => {
    expect([run(col('bit', { length: 1 }), [0]), run(col('bit', { length: 1 }), [1])]).toEqual(['f', 't']);
    expect(run(col('bit', { length: 10 }), [0x02, 0xaa])).toBe('1010101010');
    expect(run(col('bit', { length: 3 }), [0x05])).toBe('101');
    expect(run(col('bit', { length: 64 }), [0x80, 0, 0, 0, 0, 0, 0, 1])).toBe('1' + '0'.repeat(62) + '1');
  });

  it('writes bytea as \\x hex', () => {
    expect(run(col('varbinary', { length: 16 }), [0, 0xff, 0x5c])).toBe('\\x00ff5c');
    expect(run(col('longblob'), [])).toBe('\\x');
  });

  it('needs no converter for types MySQL already prints the PostgreSQL way', () => {
    const columns = [col('bigint'), col('bigint', { unsigned: true }), col('double'), col('float'), col('longtext'), col('varchar', { length: 5 }), col('json'), col('smallint'), col('uuid')];
    expect(columns.map((c) => resolveCast(c))).toEqual(['bigint', 'numeric(20,0)', 'double precision', 'real', 'text', 'varchar(5)', 'jsonb', 'smallint', 'uuid']);
    for (const c of columns) expect(converter(c)).toBeNull();
  });
});
