/**
 * What the two row encoders (copy-encoder.ts for text COPY, binary-copy-encoder.ts for binary)
 * share: COPY bytes written into large Buffers handed to the COPY stream when full (big enough to
 * amortise stream overhead, small enough for flat memory), and the row limit — `maxRows` rows are
 * taken, the next one (the probe) only marks the import truncated (SPEC §4.3).
 */
import type { Writable } from 'node:stream';
import { drained } from './drained.js';

/** Flush threshold of a chunk. */
export const CHUNK_BYTES = 256 * 1024;
/** A row ends with a flush once less than this is left in the chunk. */
const ROW_SLACK_BYTES = 1024;

export abstract class ChunkedCopy {
  protected chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  protected pos = 0;
  private rowCount = 0;
  private bytesOut = 0;
  private probeSeen = false;

  constructor(protected readonly out: Writable, private readonly maxRows: number) {}

  /** True once the probe row arrived: the source has more than maxRows rows. */
  get full(): boolean { return this.probeSeen; }
  get truncated(): boolean { return this.probeSeen; }
  get rows(): number { return this.rowCount; }
  /** COPY bytes handed to the target so far (metrics, the benchmark). */
  get bytes(): number { return this.bytesOut + this.pos; }

  drained(): Promise<void> {
    return drained(this.out);
  }

  /** Writes what is buffered; returns the stream's backpressure answer. */
  flush(): boolean {
    if (this.pos === 0) return !this.out.writableNeedDrain;
    const data = this.chunk.subarray(0, this.pos);
    this.bytesOut += this.pos;
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.pos = 0;
    return this.out.write(data);
  }

  /** False for the probe row past maxRows, which only marks the import truncated. */
  protected admitRow(): boolean {
    if (this.rowCount < this.maxRows) return true;
    this.probeSeen = true;
    return false;
  }

  /** Counts the row just written; false on backpressure. */
  protected rowDone(): boolean {
    this.rowCount++;
    return this.pos >= CHUNK_BYTES - ROW_SLACK_BYTES ? this.flush() : true;
  }

  /** Room for `bytes` more in the chunk (a larger chunk for one huge value). */
  protected ensure(bytes: number): void {
    if (this.pos + bytes <= this.chunk.length) return;
    this.flush();
    if (bytes > this.chunk.length) this.chunk = Buffer.allocUnsafe(bytes);
  }
}
