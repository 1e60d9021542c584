/**
 * PostgreSQL COPY TEXT output → rows of CopyValues, across arbitrary chunk boundaries.
 *
 * The remote already prints every value in its output form (what the target's input function
 * reads), COPY-escaped: `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, `\v` and `\N` for NULL
 * (CopyAttributeOutText). RowSink wants the unescaped value, so the parser slices fields out of
 * the chunk without copying and unescapes only the fields that contain a backslash — rare outside
 * bytea and free text. Separators are found with Buffer#indexOf (memchr): 1M rows × 14 columns
 * parse + encode in 1.9 s where a JS byte loop took 2.6 s, and a cursor returning raw strings
 * (the other candidate of issue 4 §3) is slower still end to end (bench/pg-read.ts, docs/performance.md).
 *
 * Values are Buffer views into the chunk (UTF-8: the session's client_encoding), valid until the
 * sink returns; the sink consumes them synchronously (RowSink contract).
 */
import { ConnectorError } from '../../errors.js';
import type { CopyValue } from '../../rows/sink.js';

const TAB = 0x09;
const LF = 0x0a;
const BACKSLASH = 0x5c;
const LETTER_N = 0x4e;

/** Escape letter → byte (CopyReadAttributesText accepts these plus octal and \x hex). */
const UNESCAPED = new Int16Array(256).fill(-1);
UNESCAPED[0x62] = 0x08; // b
UNESCAPED[0x66] = 0x0c; // f
UNESCAPED[0x6e] = LF; // n
UNESCAPED[0x72] = 0x0d; // r
UNESCAPED[0x74] = TAB; // t
UNESCAPED[0x76] = 0x0b; // v

/** Called per row; return false to stop parsing (sink full or row limit reached). */
export type RowHandler = (row: CopyValue[]) => boolean;

export class CopyTextParser {
  private carry: Buffer[] = [];
  private stopped = false;

  constructor(private readonly columnCount: number, private readonly onRow: RowHandler) {}

  /** True when a partial row is pending (the COPY ended mid-row: a protocol error). */
  get hasPartialRow(): boolean {
    return this.carry.length > 0;
  }

  push(chunk: Buffer): void {
    if (this.stopped) return;
    let start = 0;
    if (this.carry.length > 0) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.carry.push(chunk);
        return;
      }
      this.carry.push(chunk.subarray(0, nl + 1));
      const line = Buffer.concat(this.carry);
      this.carry = [];
      if (!this.parseRows(line, 0, line.length)) return;
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(LF);
    if (last >= start && !this.parseRows(chunk, start, last + 1)) return;
    const tail = Math.max(last + 1, start);
    // Copied: the chunk itself is released as soon as the socket delivers the next one.
    if (tail < chunk.length) this.carry.push(Buffer.from(chunk.subarray(tail)));
  }

  /**
   * Parses complete rows in buf[start, end) (end is just after a LF). False once a handler stopped.
   * Separators are found with indexOf (memchr): a raw TAB or LF is always a separator, because
   * COPY escapes them inside values as `\t` and `\n`; the next backslash is tracked the same way.
   */
  private parseRows(buf: Buffer, start: number, end: number): boolean {
    const n = this.columnCount;
    let pos = start;
    let nextBackslash = buf.indexOf(BACKSLASH, pos);
    if (nextBackslash < 0 || nextBackslash >= end) nextBackslash = end;
    while (pos < end) {
      const lineEnd = buf.indexOf(LF, pos);
      const row: CopyValue[] = new Array<CopyValue>(n);
      let col = 0;
      let fieldStart = pos;
      for (;;) {
        let fieldEnd = buf.indexOf(TAB, fieldStart);
        const last = fieldEnd < 0 || fieldEnd > lineEnd;
        if (last) fieldEnd = lineEnd;
        if (col >= n) throw columnMismatch(n);
        if (nextBackslash < fieldEnd) {
          row[col++] = unescapeField(buf, fieldStart, fieldEnd);
          nextBackslash = buf.indexOf(BACKSLASH, fieldEnd);
          if (nextBackslash < 0 || nextBackslash >= end) nextBackslash = end;
        } else {
          row[col++] = buf.subarray(fieldStart, fieldEnd);
        }
        fieldStart = fieldEnd + 1;
        if (last) break;
      }
      if (col !== n) throw columnMismatch(n);
      pos = lineEnd + 1;
      if (!this.onRow(row)) {
        this.stopped = true;
        return false;
      }
    }
    return true;
  }
}

/** A field with a backslash: `\N` alone is NULL, else the escapes are resolved into a new Buffer. */
function unescapeField(buf: Buffer, start: number, end: number): CopyValue {
  if (end - start === 2 && buf[start + 1] === LETTER_N) return null;
  const out = Buffer.allocUnsafe(end - start);
  let o = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b !== BACKSLASH || i + 1 >= end) {
      out[o++] = b;
      continue;
    }
    const c = buf[++i]!;
    const simple = UNESCAPED[c]!;
    if (simple >= 0) {
      out[o++] = simple;
    } else if (c >= 0x30 && c <= 0x37) {
      let value = c - 0x30;
      for (let k = 0; k < 2 && i + 1 < end && buf[i + 1]! >= 0x30 && buf[i + 1]! <= 0x37; k++) value = value * 8 + buf[++i]! - 0x30;
      out[o++] = value & 0xff;
    } else if (c === 0x78 && i + 1 < end && hexValue(buf[i + 1]!) >= 0) {
      let value = hexValue(buf[++i]!);
      if (i + 1 < end && hexValue(buf[i + 1]!) >= 0) value = value * 16 + hexValue(buf[++i]!);
      out[o++] = value;
    } else {
      out[o++] = c; // `\\` and any other escaped byte stand for themselves
    }
  }
  return out.subarray(0, o);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function columnMismatch(expected: number): ConnectorError {
  return new ConnectorError('CONNECTOR_ERROR', `The PostgreSQL COPY output does not have the ${expected} planned columns per row; retry the import`);
}
