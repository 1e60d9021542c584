/**
 * The RowFraming (copy-rows.ts) of binary COPY data, for reject batches on the PG→PG fast path:
 * each batch is a COPY of its own, so the source's header is kept and written in front of every
 * batch, the source's trailer (or the forwarder's, after the row limit) after it.
 *
 * Framing (PostgreSQL docs, "COPY", "Binary Format"; binary-copy-framing.ts walks the same for
 * the row limit): header = 11-byte signature, int32 flags, int32 extension length, extension;
 * tuple = int16 field count, then per field int32 length (-1 = NULL) and that many bytes;
 * trailer = int16 -1. The walk below keeps its place across chunks of any size.
 */
import type { FedChunk, RowFraming } from './copy-rows.js';
import { hexValueText, remoteValueText } from './reject-log.js';

/** Local types whose binary form is their text (jsonb's after a version byte). */
const TEXT_LIKE_TYPE = /^(text|character varying|varchar|character|char|bpchar|json|name)\b/i;

/** Signature + flags + extension length. */
const FIXED_HEADER_BYTES = 19;
const EXTENSION_LENGTH_AT = 15;
const NULL_LENGTH = -1;
const TRAILER = Buffer.from([0xff, 0xff]);
const EMPTY = Buffer.alloc(0);

const enum Step { Header, TupleStart, FieldLength, FieldData, Done }

export class BinaryRowFraming implements RowFraming {
  private step = Step.Header;
  private header: Buffer | undefined;
  /** Header bytes, or the bytes of an int16/int32 that straddles chunks, gathered so far. */
  private gathered: Buffer = EMPTY;
  private skip = 0;
  private fieldsLeft = 0;

  feed(chunk: Buffer): FedChunk {
    if (this.step === Step.Done) return { start: chunk.length, end: chunk.length, lastRowEnd: -1 };
    // a tuple's field count that began in the last chunk was held back (it could be the trailer)
    const held = this.step === Step.TupleStart && this.gathered.length > 0 ? this.gathered : undefined;
    let pos = 0;
    let start = 0;
    let end = chunk.length;
    let lastRowEnd = -1;
    let carry: Buffer | undefined;
    while (pos < chunk.length && this.step !== Step.Done) {
      switch (this.step) {
        case Step.Header:
          pos = this.gather(chunk, pos, this.headerLength());
          if (this.headerComplete()) {
            this.header = this.gathered;
            this.gathered = EMPTY;
            this.step = Step.TupleStart;
            start = lastRowEnd = pos;
          }
          break;
        case Step.TupleStart: {
          const tupleAt = pos;
          pos = this.gather(chunk, pos, 2);
          if (this.gathered.length < 2) {
            end = tupleAt; // hold the byte back until the next chunk tells tuple from trailer
            break;
          }
          const count = this.gathered.readInt16BE(0);
          if (count === -1) {
            this.step = Step.Done;
            end = Math.max(start, tupleAt);
          } else {
            if (held && tupleAt === 0) carry = held;
            if (count === 0) lastRowEnd = pos;
            else {
              this.fieldsLeft = count;
              this.step = Step.FieldLength;
            }
          }
          this.gathered = EMPTY;
          break;
        }
        case Step.FieldLength: {
          pos = this.gather(chunk, pos, 4);
          if (this.gathered.length < 4) break;
          const length = this.gathered.readInt32BE(0);
          this.gathered = EMPTY;
          if (length < NULL_LENGTH) throw new Error(`invalid binary COPY data: field length ${length}`);
          if (length > 0) {
            this.skip = length;
            this.step = Step.FieldData;
          } else if (this.fieldDone()) lastRowEnd = pos;
          break;
        }
        case Step.FieldData: {
          const n = Math.min(this.skip, chunk.length - pos);
          this.skip -= n;
          pos += n;
          if (this.skip === 0 && this.fieldDone()) lastRowEnd = pos;
          break;
        }
      }
    }
    if (this.step === Step.Header) start = end = chunk.length;
    return { start, end, lastRowEnd: lastRowEnd > end ? -1 : lastRowEnd, ...(carry ? { carry } : {}) };
  }

  prologue(): Buffer | undefined {
    return this.header;
  }

  epilogue(): Buffer {
    return TRAILER;
  }

  rowOffsets(data: Buffer): number[] {
    const offsets = [0];
    let pos = 0;
    while (pos < data.length) {
      const count = data.readInt16BE(pos);
      pos += 2;
      for (let f = 0; f < count; f++) {
        const length = data.readInt32BE(pos);
        pos += 4 + (length > 0 ? length : 0);
      }
      offsets.push(pos);
    }
    if (pos !== data.length) throw new Error('reject batch does not end at a tuple boundary');
    return offsets;
  }

  field(row: Buffer, column: number): Buffer | null {
    let pos = 2;
    for (let f = 0; f < column; f++) {
      const length = row.readInt32BE(pos);
      pos += 4 + (length > 0 ? length : 0);
    }
    const length = row.readInt32BE(pos);
    return length < 0 ? null : row.subarray(pos + 4, pos + 4 + length);
  }

  /** Text-like types show as text, every other type's binary form as `\\x` hex. */
  valueText(bytes: Buffer, type: string): string {
    return TEXT_LIKE_TYPE.test(type) ? remoteValueText(bytes) : hexValueText(bytes);
  }

  /** The header's length: the fixed part, then its extension once the extension length is known. */
  private headerLength(): number {
    return this.gathered.length >= FIXED_HEADER_BYTES ? FIXED_HEADER_BYTES + this.gathered.readUInt32BE(EXTENSION_LENGTH_AT) : FIXED_HEADER_BYTES;
  }

  private headerComplete(): boolean {
    return this.gathered.length >= FIXED_HEADER_BYTES && this.gathered.length === this.headerLength();
  }

  /** Appends up to `need - gathered` bytes of the chunk to `gathered`; returns the new position. */
  private gather(chunk: Buffer, pos: number, need: number): number {
    const n = Math.min(need - this.gathered.length, chunk.length - pos);
    if (n <= 0) return pos;
    this.gathered = Buffer.concat([this.gathered, chunk.subarray(pos, pos + n)]);
    return pos + n;
  }

  /** One field of the tuple is done; true when it was the last (the tuple ends here). */
  private fieldDone(): boolean {
    if (--this.fieldsLeft > 0) {
      this.step = Step.FieldLength;
      return false;
    }
    this.step = Step.TupleStart;
    return true;
  }
}
