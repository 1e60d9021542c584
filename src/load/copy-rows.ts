/**
 * Where rows begin and end in COPY data, for the reject batches (reject-batches.ts): they cut the
 * stream at row boundaries, split a refused batch into rows and read the failing field of one.
 * One framing per COPY format: text here, binary in binary-copy-rows.ts.
 *
 * COPY text format (what copy-encoder.ts writes): one row per line, fields separated by TAB,
 * NULL as `\N`; a raw LF only ever ends a row, because LF, CR, TAB and `\` inside values are
 * escaped (`\n`, `\r`, `\t`, `\\`).
 */
import { remoteValueText } from './reject-log.js';

export interface FedChunk {
  /** The part of the chunk that is row data: [start, end) (the binary header and trailer are not). */
  start: number;
  end: number;
  /** Offset just past the last row that ends inside the chunk (within [start, end]); -1 if none does. */
  lastRowEnd: number;
  /** Data bytes held back from the previous chunk that go in front of this one's (binary: a split field count). */
  carry?: Buffer;
}

export interface RowFraming {
  /** Walks the next chunk of the stream, in order. */
  feed(chunk: Buffer): FedChunk;
  /** Bytes each COPY of this format starts with (binary: the header, known once fed), and ends with. */
  prologue(): Buffer | undefined;
  epilogue(): Buffer | undefined;
  /** Start offsets of the rows in `data` (whole rows only), plus its length at the end. */
  rowOffsets(data: Buffer): number[];
  /** Field `column` (0-based) of one row's bytes as the value's own bytes; null for NULL. */
  field(row: Buffer, column: number): Buffer | null;
  /** A field's bytes as remote_value (reject-log.ts remoteValueText), knowing the column's local type. */
  valueText(bytes: Buffer, type: string): string;
}

const LF = 0x0a;
const TAB = 0x09;
const BACKSLASH = 0x5c;
/** COPY text escapes the encoder writes, by letter. */
const UNESCAPED: Record<number, number> = { 0x6e: LF, 0x72: 0x0d, 0x74: TAB, [BACKSLASH]: BACKSLASH };

export const textRowFraming: RowFraming = {
  feed(chunk) {
    const lf = chunk.lastIndexOf(LF);
    return { start: 0, end: chunk.length, lastRowEnd: lf < 0 ? -1 : lf + 1 };
  },
  prologue: () => undefined,
  epilogue: () => undefined,
  rowOffsets(data) {
    const offsets = [0];
    for (let i = data.indexOf(LF); i >= 0; i = data.indexOf(LF, i + 1)) offsets.push(i + 1);
    if (offsets[offsets.length - 1] !== data.length) throw new Error('reject batch does not end at a row boundary');
    return offsets;
  },
  valueText: (bytes) => remoteValueText(bytes),
  field(row, column) {
    let start = 0;
    for (let c = 0; c < column; c++) {
      const tab = row.indexOf(TAB, start);
      if (tab < 0) return null;
      start = tab + 1;
    }
    let end = row.indexOf(TAB, start);
    if (end < 0) end = row[row.length - 1] === LF ? row.length - 1 : row.length;
    const raw = row.subarray(start, end);
    if (raw.length === 2 && raw[0] === BACKSLASH && raw[1] === 0x4e) return null; // \N
    return unescape(raw);
  },
};

/** COPY text field → the value's bytes (the encoder's escapes undone). */
function unescape(raw: Buffer): Buffer {
  if (!raw.includes(BACKSLASH)) return raw;
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte === BACKSLASH && i + 1 < raw.length) out[n++] = UNESCAPED[raw[++i]!] ?? raw[i]!;
    else out[n++] = byte;
  }
  return out.subarray(0, n);
}
