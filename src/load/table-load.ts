/**
 * What the runner needs from a load into the target, whatever the finishing strategy
 * (a new table for an import, an in-place refresh for a sync run).
 */
import type { CopySession } from './copy-session.js';

export interface TableLoad extends CopySession {
  /**
   * Makes the loaded rows visible under `baseName` (or a free variant) and runs `beforeCommit`
   * inside the same transaction (marking the job complete), then commits. Returns the final name.
   */
  commit(baseName: string, beforeCommit: (tableName: string) => Promise<void>): Promise<string>;
}
