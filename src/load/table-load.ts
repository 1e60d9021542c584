/**
 * What the runner needs from a load into the target, whatever the finishing strategy
 * (a new table for an import, an in-place refresh for a sync run).
 */
import type { Writable } from 'node:stream';
import type { CopyTextEncoder } from './copy-encoder.js';

export interface TableLoad {
  /** The RowSink handed to the provider. */
  encoder: CopyTextEncoder;
  /** The COPY stream (errors on it abort the job at once). */
  stream: Writable;
  /** Ends the COPY; resolves with the rows the server stored. */
  endCopy(): Promise<number>;
  /**
   * Makes the loaded rows visible under `baseName` (or a free variant) and runs `beforeCommit`
   * inside the same transaction (marking the job complete), then commits. Returns the final name.
   */
  commit(baseName: string, beforeCommit: (tableName: string) => Promise<void>): Promise<string>;
  /** Stops the COPY and rolls everything back; safe after errors. */
  abort(reason: Error): Promise<void>;
}
