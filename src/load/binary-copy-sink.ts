/**
 * Forwards `COPY … TO STDOUT (FORMAT binary)` bytes from a remote PostgreSQL unchanged into the
 * target's `COPY … FROM STDIN (FORMAT binary)`: the PG→PG fast path (issue 4 §3). No row is
 * decoded; binary-copy-framing.ts walks the tuple framing to count rows.
 *
 * Row limit (SPEC §4.3): bytes are forwarded up to and including the `maxRows`-th tuple. The next
 * tuple, if any, is the probe: it marks the load `truncated`/`full` and is never forwarded; the
 * forwarder writes the trailer itself so the target's COPY ends cleanly.
 *
 * Usage (the load): `new BinaryCopyForwarder(copyFromStream, { maxRows })` is the provider's
 * BinaryCopySink; after `streamBinaryCopy` resolves call `finish()` (throws if the data was
 * incomplete), then end the target stream.
 */
import type { Writable } from 'node:stream';
import type { BinaryCopySink } from '../rows/sink.js';
import { BinaryCopyFraming } from './binary-copy-framing.js';
import { drained } from './drained.js';

export interface BinaryCopyForwarderOptions {
  /** Tuples to forward at most; one more marks the load truncated. */
  maxRows: number;
}

const TRAILER = Buffer.from([0xff, 0xff]);

export class BinaryCopyForwarder implements BinaryCopySink {
  private readonly framing: BinaryCopyFraming;
  private bytesOut = 0;

  constructor(private readonly out: Writable, opts: BinaryCopyForwarderOptions) {
    this.framing = new BinaryCopyFraming(opts.maxRows);
  }

  /** True once the probe tuple arrived: stop the remote COPY. */
  get full(): boolean {
    return this.framing.truncated;
  }

  /** The source had more than maxRows tuples. */
  get truncated(): boolean {
    return this.framing.truncated;
  }

  /** Tuples forwarded so far (progress: rows_fetched). */
  get rows(): number {
    return this.framing.rows;
  }

  /** Bytes written to the target so far. */
  get bytes(): number {
    return this.bytesOut;
  }

  /** True once the target has a complete COPY stream (the source's trailer, or ours). */
  get complete(): boolean {
    return this.framing.done;
  }

  /**
   * Chunks are forwarded as they come (zero-copy slices). Gathering them into 256 kB writes was
   * measured and cost more CPU (a copy) than the fewer, larger target writes saved (bench/pg-read.ts).
   */
  write(chunk: Buffer): boolean {
    const { forward, appendTrailer } = this.framing.walk(chunk);
    let ok = forward > 0 ? this.forward(forward === chunk.length ? chunk : chunk.subarray(0, forward)) : !this.out.writableNeedDrain;
    if (appendTrailer) ok = this.forward(TRAILER);
    return ok;
  }

  drained(): Promise<void> {
    return drained(this.out);
  }

  /**
   * Call when the source COPY ended: throws unless the target got a complete stream (the source's
   * trailer, or ours after the probe). Then end the target stream.
   */
  finish(): void {
    if (!this.framing.done) {
      throw new Error(`the binary COPY data ended early (after ${this.framing.rows} tuples, without the trailer)`);
    }
  }

  private forward(data: Buffer): boolean {
    this.bytesOut += data.length;
    return this.out.write(data);
  }
}
