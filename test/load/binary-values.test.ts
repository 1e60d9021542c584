/**
 * The binary writers (load/binary-values.ts) against PostgreSQL itself: for each value, the bytes
 * we produce equal the target's own `<type>_send(<text>::<type>)`, so the COPY holds what the
 * text input would have stored. Non-canonical text is refused, never guessed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinaryValueError, isFloatText, numericWire, parseClock, parseDate, parseDouble, parseInteger, parseTimestamp, writeInt64 } from '../../src/load/binary-values.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
beforeAll(async () => { db = await createTargetDb(); });
afterAll(async () => { await db?.drop(); });

const bytes = (s: string) => Buffer.from(s, 'latin1');
async function send(expr: string, value: string): Promise<string> {
  const { rows } = await db.query(`select encode(${expr}, 'hex') as h`, [value]);
  return rows[0].h as string;
}

describe('binary writers equal PostgreSQL\'s send functions', () => {
  it.each(['0', '-0', '1', '-1', '0.00', '-0.00', '123.45', '-99999.99', '0.00001', '10000', '10000.0001', '1234567890.12',
    '18446744073709551615', '0.000000000000000000000000000001', '-12345678901234567890123456789012345.123456789012345678901234567890', '9999', '99990000'])(
    'numeric %s', async (text) => {
      expect(numericWire(bytes(text), 0, text.length).toString('hex')).toBe(await send('numeric_send($1::numeric)', text));
    });

  it.each(['1000-01-01', '9999-12-31', '2000-01-01', '1999-12-31', '2000-02-29', '1970-01-01', '0001-01-01', '1582-10-10'])('date %s', async (text) => {
    const days = parseDate(bytes(text), 0, text.length);
    const out = Buffer.alloc(4); out.writeInt32BE(days);
    expect(out.toString('hex')).toBe(await send('date_send($1::date)', text));
  });

  it.each(['2000-01-01 00:00:00', '1000-01-01 00:00:00', '9999-12-31 23:59:59.999999', '2000-01-01 00:00:00.5', '1900-03-01 12:00:00.000001', '1969-12-31 23:59:59.9'])(
    'timestamp %s', async (text) => {
      const out = Buffer.alloc(8); writeInt64(out, parseTimestamp(bytes(text), 0, text.length), 0);
      expect(out.toString('hex')).toBe(await send('timestamp_send($1::timestamp)', text));
    });

  it.each(['00:00:00', '23:59:59.999', '12:34:56.789', '00:00:00.000001', '24:00:00'])('time %s', async (text) => {
    const out = Buffer.alloc(8); out.writeBigInt64BE(BigInt(parseClock('time', bytes(text), 0, 0, text.length)));
    expect(out.toString('hex')).toBe(await send('time_send($1::time)', text));
  });

  it('integers: numbers up to 15 digits, bigints beyond', () => {
    expect(parseInteger('int8', bytes('-9223372036854775808'), 0, 20)).toBe(-9223372036854775808n);
    expect(parseInteger('int4', bytes('-2147483648'), 0, 11)).toBe(-2147483648);
    expect(parseInteger('int8', bytes('123456789012345'), 0, 15)).toBe(123456789012345);
  });

  it.each([['int4', ' 1'], ['int4', '1e3'], ['int4', ''], ['int4', '-'], ['date', '2024-1-01'], ['timestamp', '2024-01-01T00:00:00'], ['time', '1:00:00'], ['time', '00:00:00.1234567']] as const)(
    'refuses the non-canonical %s text "%s"', (kind, text) => {
      const run = () => kind === 'int4' ? parseInteger(kind, bytes(text), 0, text.length)
        : kind === 'date' ? parseDate(bytes(text), 0, text.length)
          : kind === 'timestamp' ? parseTimestamp(bytes(text), 0, text.length) : parseClock(kind, bytes(text), 0, 0, text.length);
      expect(run).toThrow(BinaryValueError);
    });

  it.each(['1.', '.5', '1.2.3', '1e5', '', '-'])('refuses the non-canonical numeric text "%s"', (text) => {
    expect(() => numericWire(bytes(text), 0, text.length)).toThrow(BinaryValueError);
  });
});

describe('isFloatText', () => {
  it.each(['0', '-0', '1.5', '1e-7', '1.7976931348623157e308', '5E-324', '123456789012345680000', '2.'])('takes "%s"', (t) => {
    expect(isFloatText(bytes(t), 0, t.length)).toBe(true);
  });
  it.each(['', '-', 'NaN', 'inf', ' 1', '1 ', '0x10', '1e', '1e+', '.5'])('refuses "%s"', (t) => {
    expect(isFloatText(bytes(t), 0, t.length)).toBe(false);
  });
});

describe('writeInt64', () => {
  it.each([0, 1, -1, 2 ** 52, -(2 ** 52), 4294967296, -4294967297, 9007199254740991])('%d as two words equals the bigint form', (n) => {
    const a = Buffer.alloc(8); const b = Buffer.alloc(8);
    writeInt64(a, n, 0); b.writeBigInt64BE(BigInt(n));
    expect(a.toString('hex')).toBe(b.toString('hex'));
  });
});

describe('parseDouble', () => {
  it.each(['0', '-0', '0.1', '-89.82', '142857.14285714287', '1e-7', '1.7976931348623157e308', '5e-324', '0.3333333333333333', '123456789012345', '9007199254740993', '0.000000000000000000000001', '2.2250738585072014e-308'])(
    '"%s" is the double Number() and float8in read', async (t) => {
      const ours = Buffer.alloc(8); ours.writeDoubleBE(parseDouble(bytes(t), 0, t.length));
      const js = Buffer.alloc(8); js.writeDoubleBE(Number(t));
      expect(ours.toString('hex')).toBe(js.toString('hex'));
      expect(ours.toString('hex')).toBe(await send('float8send($1::float8)', t));
    });
});

describe('parseDouble refuses what is not a float text', () => {
  it.each(['', '-', 'NaN', 'inf', ' 1', '1 ', '0x10', '1e', '.5', '1.2.3'])('"%s"', (t) => {
    expect(() => parseDouble(bytes(t), 0, t.length)).toThrow(BinaryValueError);
  });
});
