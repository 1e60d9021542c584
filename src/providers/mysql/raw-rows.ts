/**
 * The MySQL raw-row fast path: reads each text-protocol row packet straight into a FieldSink,
 * field by field, without the Buffer-per-value and array-per-row that mysql2's generated row
 * parser allocates. Those allocations and their garbage collection were the largest cost left in
 * the 1M-row benchmark (about 1.6 s of 4.2 s of CPU), on a 2-core machine where the sidecar's
 * CPU time sets the wall time next to MariaDB's and PostgreSQL's.
 *
 * mysql2 has no public hook for a row parser, so `useRowParser` puts ours on the Query through an
 * accessor for its `_rowParser` field (mysql2 3.x assigns it once the column definitions are in);
 * mysql2's own parser is kept for the rows this path does not handle (a projection).
 */
import type { FieldSink } from '../../rows/sink.js';
import type { ValueConverter } from './charsets.js';

/** Text-protocol length-encoded integer prefixes (MySQL client/server protocol). */
const NULL_VALUE = 0xfb;
const TWO_BYTE_LENGTH = 0xfc;
const THREE_BYTE_LENGTH = 0xfd;
const EIGHT_BYTE_LENGTH = 0xfe;

interface TextRowPacket {
  buffer: Buffer;
  offset: number;
}

interface RowParser {
  next(packet: TextRowPacket, fields: unknown, options: unknown): unknown;
}

/** The row parser of one query: `ours` decides per row; mysql2's parser stays reachable as `fallback`. */
export function useRowParser(query: object, ours: (packet: TextRowPacket, mysql2Parser: () => unknown) => unknown): void {
  let fallback: RowParser | undefined;
  const parser: RowParser = { next: (packet, fields, options) => ours(packet, () => fallback!.next(packet, fields, options)) };
  Object.defineProperty(query, '_rowParser', {
    configurable: true,
    get: () => parser,
    set: (value: RowParser) => { fallback = value; },
  });
}

/**
 * Writes one row packet into the sink. `converters[i]` is null for the raw-bytes columns.
 * Returns the sink's backpressure answer, or undefined when the sink refused the row (the
 * row-limit probe).
 */
export function writeRawRow(packet: TextRowPacket, sink: FieldSink, converters: ReadonlyArray<ValueConverter | null>, rowNo: number): boolean | undefined {
  if (!sink.beginRow()) return undefined;
  const buf = packet.buffer;
  let off = packet.offset;
  const n = converters.length;
  for (let i = 0; i < n; i++) {
    let len = buf[off++]!;
    if (len === NULL_VALUE) {
      sink.putNull();
      continue;
    }
    if (len === TWO_BYTE_LENGTH) { len = buf.readUInt16LE(off); off += 2; }
    else if (len === THREE_BYTE_LENGTH) { len = buf.readUIntLE(off, 3); off += 3; }
    else if (len === EIGHT_BYTE_LENGTH) { len = Number(buf.readBigUInt64LE(off)); off += 8; }
    const convert = converters[i];
    if (convert) sink.putValue(convert(buf.subarray(off, off + len), rowNo), i);
    else sink.putBytes(buf, off, off + len, i);
    off += len;
  }
  return sink.endRow();
}
