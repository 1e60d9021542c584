/**
 * Log-based change capture (SPEC §16, `"mode": "cdc"`): the contract between a provider that
 * reads its source's change log (PostgreSQL: a logical replication slot decoded from pgoutput;
 * MySQL/MariaDB: the row-based binlog) and the sidecar that applies the changes to the synced
 * table. Neutral like sink.ts: both sides import it, it imports nothing of theirs.
 *
 * Positions are the provider's own opaque text (PostgreSQL: the end LSN of a commit, `0/154AA40`;
 * MySQL: a small JSON object with the binlog file, offset and GTID). The target stores the last
 * applied one in the transaction that applies the changes (exactly-once effect); the source's
 * retention (slot, binlog files) only follows it.
 */
import type { CopyValue } from './sink.js';
import type { SourcePlan } from './plan.js';

/** A column an UPDATE did not send (PostgreSQL: an unchanged TOASTed value, 'u'): the target keeps its value. */
export const UNCHANGED: unique symbol = Symbol('unchanged');
export type ChangeValue = CopyValue | typeof UNCHANGED;

/**
 * One row change. Values are in plan column order (`plan.columns`) and in the same form as
 * streamRows gives them (PostgreSQL text input of the column's local type, not COPY-escaped).
 *   insert  `row` = the new row;
 *   update  `row` = the new row; `old` = the old row (at least its key columns) when the key
 *           changed or the source logs whole old rows (REPLICA IDENTITY FULL, binlog FULL);
 *   delete  `old` = the old row, at least its key columns (the others may be null).
 */
export type RowChange =
  | { op: 'insert'; row: ChangeValue[] }
  | { op: 'update'; row: ChangeValue[]; old?: CopyValue[] }
  | { op: 'delete'; old: CopyValue[] };

/** TRUNCATE of the followed table: every row before it is gone. */
export type Change = RowChange | { op: 'truncate' };

/**
 * Where a read writes the changes, one source transaction after the other in commit order:
 * `write` each change of the transaction, then `commit` with the position just past it. A read
 * that ends (or fails) between a transaction's first change and its commit leaves that
 * transaction out entirely: the sink applies only what a `commit` closed.
 */
export interface ChangeSink {
  /** False when the target is saturated: await `drained()` before the next write. */
  write(change: Change): boolean;
  /** The transaction whose changes were just written committed at the source; `position` is where the next read starts. */
  commit(position: string): void;
  drained(): Promise<void>;
  /** True once the sink took enough changes for this run (max_rows): stop at the next commit. */
  readonly full: boolean;
}

/** What a cdc sync calls its log retention on the source; derived from the sync's id by the sidecar. */
export interface ChangeLogNames {
  /** PostgreSQL: the replication slot (`cdb_<32 hex>`, [a-z0-9_], ≤ 63 chars). */
  slot: string;
  /** PostgreSQL: the publication; a DBA-made one (`"publication"` parameter) when `ownPublication` is false. */
  publication: string;
  /** The sync made the publication (and drops it on release); false for a DBA-made one. */
  ownPublication: boolean;
  /** MySQL: the replica server id the binlog dump uses (unique among the source's replicas). */
  serverId: number;
}

export interface ChangeReadOptions {
  /** Remote names of the merge key (plan columns): what `old` must carry. */
  key: readonly string[];
  signal: AbortSignal;
}

/**
 * A session's change-log side (SourceSession.changeCapture). Every method fails with a
 * ConnectorError; a missing prerequisite is INVALID_PARAMETERS (1502, a setting) or
 * SOURCE_AUTH_FAILED (1503, a privilege), with a message naming what the remote DBA must change.
 */
export interface ChangeCapture {
  /**
   * Checks before anything is created: the log is on and in the right format (wal_level=logical;
   * log_bin, binlog_format=ROW, binlog_row_image=FULL), the user has the privileges (REPLICATION;
   * REPLICATION SLAVE + REPLICATION CLIENT/BINLOG MONITOR), the table can be followed by `key`
   * (PostgreSQL: a replica identity covering the key, never NOTHING; a free slot).
   */
  check(plan: SourcePlan, names: ChangeLogNames, opts: ChangeReadOptions): Promise<void>;
  /**
   * First run and re-snapshots: makes the source keep its log from now on (PostgreSQL: the
   * publication if `ownPublication`, then the slot; an existing slot of that name is dropped
   * first) and puts THIS session into a consistent snapshot taken at the returned position: the
   * session's next streamRows / streamBinaryCopy read exactly the rows committed up to it, and
   * readChanges(position) later returns exactly the transactions committed after it.
   */
  snapshot(plan: SourcePlan, names: ChangeLogNames, opts: ChangeReadOptions): Promise<string>;
  /**
   * Whether the log from `position` on is still there (the slot exists and is not invalidated,
   * the binlog file is not purged). False means the changes since are lost: the sidecar
   * re-snapshots.
   */
  available(position: string, names: ChangeLogNames, opts: { signal: AbortSignal }): Promise<boolean>;
  /**
   * Streams the transactions that committed after `from`, up to the log's end as it was when
   * the call started, in commit order, each whole (write… then commit). Stops at a commit once
   * `sink.full`. Changes of other tables are skipped. A change whose columns differ from the
   * plan's (the table was altered since describe) fails with SYNC_TABLE_INCOMPATIBLE (2013)
   * naming the columns; the sidecar re-snapshots on the next run.
   */
  readChanges(plan: SourcePlan, from: string, names: ChangeLogNames, sink: ChangeSink, opts: ChangeReadOptions): Promise<void>;
  /** After the target committed up to `position`: lets the source discard the log before it (slot advance). Best effort. */
  confirm(position: string, names: ChangeLogNames): Promise<void>;
  /** How far the source's log end is ahead of `position`, in bytes (null when the source cannot tell). */
  lagBytes(position: string, names: ChangeLogNames): Promise<number | null>;
  /** The sync is gone: drop the slot and (own) publication. Absent ones are fine. */
  release(names: ChangeLogNames): Promise<void>;
}
