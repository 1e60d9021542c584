/**
 * SQL Server date/time values → PostgreSQL text, exactly. tedious hands temporal values over as a
 * `Date` (whole milliseconds, UTC fields because useUTC is on) plus `nanosecondsDelta`, the
 * sub-millisecond part in seconds (a multiple of 100 ns), so datetime2(7)/time(7)/datetimeoffset(7)
 * arrive with all 7 fractional digits and no time zone applied.
 *
 * Rounding rule (PostgreSQL keeps 6 digits): the 7th digit rounds half up (5–9 → up), and the
 * carry propagates through seconds, minutes, hours and the date: 2024-12-31 23:59:59.9999995 →
 * 2025-01-01 00:00:00; time 23:59:59.9999995 → 24:00:00 (a valid PostgreSQL time). Values whose
 * 7th digit is not 0 are counted (warning `timestamp_rounded`).
 */

export type TediousTemporal = Date & { nanosecondsDelta?: number };

/** Hundred-nanosecond units per second. */
const HNS_PER_SECOND = 10_000_000;
const HNS_PER_MS = 10_000;
const HNS_PER_US = 10;
const US_PER_MS = 1000;

export interface Rounded {
  text: string;
  /** True when a non-zero 7th fractional digit was rounded away. */
  rounded: boolean;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Milliseconds since epoch and microseconds within that millisecond, after rounding the 100 ns digit. */
function roundToMicros(d: TediousTemporal): { ms: number; micros: number; rounded: boolean } {
  const hns = Math.round((d.nanosecondsDelta ?? 0) * HNS_PER_SECOND) % HNS_PER_MS;
  let micros = Math.floor(hns / HNS_PER_US);
  const digit7 = hns % HNS_PER_US;
  let ms = d.getTime();
  if (digit7 >= 5) micros += 1;
  if (micros === US_PER_MS) { micros = 0; ms += 1; }
  return { ms, micros, rounded: digit7 !== 0 };
}

function fraction(ms: number, micros: number): string {
  const us = (((ms % 1000) + 1000) % 1000) * US_PER_MS + micros;
  return us === 0 ? '' : `.${pad(us, 6).replace(/0+$/, '')}`;
}

function ymd(t: Date): string {
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1, 2)}-${pad(t.getUTCDate(), 2)}`;
}

function hms(t: Date): string {
  return `${pad(t.getUTCHours(), 2)}:${pad(t.getUTCMinutes(), 2)}:${pad(t.getUTCSeconds(), 2)}`;
}

/** date → `YYYY-MM-DD` (years 1–999 zero-padded, which PostgreSQL reads as AD years). */
export function formatDate(d: Date): string {
  return ymd(d);
}

/** datetime2 / datetime / smalldatetime → `timestamp` text. */
export function formatTimestamp(d: TediousTemporal): Rounded {
  const { ms, micros, rounded } = roundToMicros(d);
  const t = new Date(ms);
  return { text: `${ymd(t)} ${hms(t)}${fraction(ms, micros)}`, rounded };
}

/** datetimeoffset → `timestamptz` text in UTC (the instant is exact; PostgreSQL does not keep the offset). */
export function formatTimestamptz(d: TediousTemporal): Rounded {
  const r = formatTimestamp(d);
  return { text: `${r.text}+00`, rounded: r.rounded };
}

/** time → `time` text; a carry past midnight gives `24:00:00`. */
export function formatTime(d: TediousTemporal): Rounded {
  const { ms, micros, rounded } = roundToMicros(d);
  const t = new Date(ms);
  if (t.getUTCDate() !== d.getUTCDate()) return { text: '24:00:00', rounded };
  return { text: `${hms(t)}${fraction(ms, micros)}`, rounded };
}
