/**
 * The 7 → 6 fractional digit rule (src/providers/sqlserver/temporal.ts): round half up, carry
 * through the date; and the float32 formatting of REAL. Pure functions, fed the way tedious
 * hands values over (Date in UTC + nanosecondsDelta in seconds).
 */
import { describe, expect, it } from 'vitest';
import { formatReal } from '../../../src/providers/sqlserver/cast-rules.js';
import { formatTime, formatTimestamp, formatTimestamptz, type TediousTemporal } from '../../../src/providers/sqlserver/temporal.js';

/** `iso` to the millisecond plus the 4 digits below it (100 ns units), like tedious builds it. */
function tedious(iso: string, below: number): TediousTemporal {
  const d = new Date(iso) as TediousTemporal;
  Object.defineProperty(d, 'nanosecondsDelta', { value: below / 1e7 });
  return d;
}

describe('sqlserver temporal rounding', () => {
  it.each([
    ['2024-01-31T10:00:00.123Z', 4567, '2024-01-31 10:00:00.123457', true],
    ['2024-01-31T10:00:00.123Z', 4564, '2024-01-31 10:00:00.123456', true],
    ['2024-01-31T10:00:00.123Z', 4560, '2024-01-31 10:00:00.123456', false],
    ['2024-12-31T23:59:59.999Z', 9995, '2025-01-01 00:00:00', true],
    ['2024-12-31T23:59:59.999Z', 9994, '2024-12-31 23:59:59.999999', true],
    ['2024-02-28T23:59:59.999Z', 9999, '2024-02-29 00:00:00', true],
    ['2024-01-01T00:00:00.000Z', 0, '2024-01-01 00:00:00', false],
  ])('%s + %i × 100 ns → %s', (iso, below, text, rounded) => {
    expect(formatTimestamp(tedious(iso, below))).toEqual({ text, rounded });
  });

  it('year 1 keeps four digits', () => {
    const d = new Date(0) as TediousTemporal;
    d.setUTCFullYear(1, 0, 1);
    expect(formatTimestamp(d).text).toBe('0001-01-01 00:00:00');
  });

  it('time carries to 24:00:00, timestamptz is UTC', () => {
    expect(formatTime(tedious('1970-01-01T23:59:59.999Z', 9995))).toEqual({ text: '24:00:00', rounded: true });
    expect(formatTime(tedious('1970-01-01T08:05:03.100Z', 0))).toEqual({ text: '08:05:03.1', rounded: false });
    expect(formatTimestamptz(tedious('2024-01-31T04:30:00.123Z', 4567)).text).toBe('2024-01-31 04:30:00.123457+00');
  });

  it('REAL prints the shortest text that reads back as the same float32', () => {
    expect(formatReal(Math.fround(0.1))).toBe('0.1');
    expect(formatReal(Math.fround(3.4028235e38))).toBe('3.4028235e+38');
    expect(formatReal(Math.fround(1 / 3))).toBe('0.33333334');
    expect(formatReal(-0)).toBe('0');
  });
});
