/**
 * How rows travel from a remote database to the target: the values a provider produces and the
 * sinks it writes them into. Both sides import this file; it imports nothing of theirs
 * (.ci/dependency-cruiser.cjs, rule rows-is-neutral).
 *
 * Values are in PostgreSQL COPY *text input* form, not yet COPY-escaped (load/copy-encoder.ts
 * escapes them). Producers: providers/<name>/. Consumers: load/copy-encoder.ts,
 * load/binary-copy-sink.ts, sidecar/preview-sink.ts.
 */

/**
 * One column value as the text PostgreSQL's input function for the column's local type accepts
 * (e.g. `2024-01-31 10:00:00.5`, `12345.6789`, `t`, `\x00ff` for bytea), not COPY-escaped.
 * Buffers hold UTF-8 bytes and are the fast path (no string decoding). `null` is SQL NULL.
 * NUL bytes inside text are removed by the encoder and counted (PostgreSQL rejects them).
 */
export type CopyValue = string | Buffer | null;

/**
 * The consumer of rows (load/copy-encoder.ts, sidecar/preview-sink.ts). Synchronous and
 * allocation-free per call, because it is on the hot path (one call per row: a Transform per row
 * measured 3.1× slower, issue 7).
 */
export interface RowSink {
  /** Accepts one row (values in plan column order). Returns false when the target is saturated: pause the source, await `drained()`, then resume. */
  write(row: CopyValue[]): boolean;
  /** Resolves when the target can take more rows. */
  drained(): Promise<void>;
  /** True once the sink has all the rows it wants (the row-limit probe row arrived): stop reading and resolve. */
  readonly full: boolean;
  /**
   * Optional field-level fast path, for providers that parse their wire rows themselves and can
   * hand over value bytes without allocating a Buffer or an array per row (MySQL, issue 7 §4).
   */
  readonly fields?: FieldSink;
}

/**
 * Writes one row field by field: `beginRow()`, then exactly one put… per plan column in plan
 * order, then `endRow()`. Same value form as CopyValue (PostgreSQL text input, not escaped).
 */
export interface FieldSink {
  /** False when the sink wants no more rows (this row is the row-limit probe and is dropped): skip the puts and the endRow. */
  beginRow(): boolean;
  /** The value is `buf[start, end)`, UTF-8 bytes in PostgreSQL text-input form. */
  putBytes(buf: Buffer, start: number, end: number, column: number): void;
  putNull(): void;
  putValue(value: CopyValue, column: number): void;
  /** Ends the row; false on backpressure, like RowSink.write. */
  endRow(): boolean;
}

/**
 * The consumer of raw COPY BINARY bytes (load/binary-copy-sink.ts): counts tuples to enforce
 * the row limit exactly and forwards the bytes to the target's `COPY … FROM STDIN (FORMAT binary)`.
 */
export interface BinaryCopySink {
  /** Accepts bytes exactly as `COPY … TO STDOUT (FORMAT binary)` produced them, in any chunking. Returns false on backpressure. */
  write(chunk: Buffer): boolean;
  drained(): Promise<void>;
  /** True once the probe tuple (limit reached) arrived: stop the remote COPY and resolve. */
  readonly full: boolean;
}
