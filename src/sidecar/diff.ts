/**
 * Diff mode (SPEC §13): a merge without a cursor reads only the key ranges whose rows changed.
 *
 * The key (single column, integer or decimal) is cut into buckets `floor((key - origin) / width)`,
 * about ROWS_PER_BUCKET rows each. Every run first asks the remote for each bucket's row count
 * and hash (SourceSession.hashBuckets: one statement, buckets only), compares the answer with
 * the one the previous run got, and reads only the buckets that differ — none for an unchanged
 * table. The hashes are the remote's own function, so they are only ever compared with the same
 * remote's earlier answer, never with the local rows: the local table changes only through these
 * merges. The answer is taken BEFORE the read and stored with the run: a remote change that lands
 * after it makes the next answer differ, so it is read next run, never lost.
 *
 * The first run is a full read that creates the table and measures origin and width from its
 * rows; the second takes the first answer and reads everything once more; from the third run on
 * only changed buckets are read. cdb_connector_sync_reset forgets the answer (the next run reads
 * everything again). The geometry is measured once; a table that grows tenfold has buckets of
 * about a thousand rows (recreate the sync to measure again).
 */
import type pg from 'pg';
import type { BucketHash, ReadWindow, SourceSession } from '../providers/provider.js';
import type { SourcePlan } from '../rows/plan.js';
import { cursorKindOf } from '../load/cursor-mark.js';
import type { LocalColumn } from '../load/ddl.js';
import type { DiffScope } from '../load/strategies/incremental-table.js';
import type { IncrementalRead } from './incremental.js';
import { readDiffState, type DiffState, type SyncTable } from './sync-store.js';

/** About this many rows per bucket: 100 scattered changes in 1M rows read about 1 % of them. */
export const ROWS_PER_BUCKET = 100;
/** More changed buckets than this share: one full read is cheaper than hundreds of ranges. */
const MAX_CHANGED_SHARE = 0.25;
/** A WHERE of more ranges than this is split no further: the read takes everything instead. */
const MAX_RANGES = 500;

export interface DiffPlan {
  /** Absent: read everything (no answer to compare with yet, or too much changed). */
  window?: ReadWindow;
  /** What the merge may delete: the rows of the ranges read, or (full read) all rows. */
  scope: DiffScope;
  /** The answer taken before the read, stored with the run; absent when there is no geometry yet. */
  next?: DiffState;
  /** No geometry yet: the run measures one from its staged rows (load/strategies/merge.ts). */
  measure: boolean;
}

/** A full read that measures the bucket geometry from its staged rows. */
const MEASURING: DiffPlan = { scope: { kind: 'all' }, measure: true };

/**
 * A merge without a cursor: a diff-mode read when the key is one integer or decimal column and
 * the remote can hash buckets, else undefined (the whole table is read and merged). A first run,
 * or one without a stored bucket geometry (origin, width), reads everything and measures one;
 * with a geometry but no stored answer (or after a reset) the read is full and the answer is
 * stored; after that only the buckets whose answer changed are read.
 */
export async function planDiffRead(
  db: pg.Pool, session: SourceSession, plan: SourcePlan, syncId: string, read: IncrementalRead,
  columns: readonly LocalColumn[], sync: SyncTable, signal: AbortSignal,
): Promise<DiffPlan | undefined> {
  if (read.key.length !== 1 || !session.hashBuckets) return undefined;
  const local = columns.find((c) => c.name === read.key[0])!;
  const kind = cursorKindOf(local.type);
  if (kind !== 'integer' && kind !== 'numeric') return undefined;
  if (sync.tableOid === null) return MEASURING;
  const stored = await readDiffState(db, syncId);
  if (!stored || stored.keyColumn !== local.name) return MEASURING;
  const remote = read.remoteKey[0]!;
  const answer = await session.hashBuckets(plan, { column: remote, origin: stored.origin, width: stored.width }, { signal });
  const next: DiffState = { ...stored, hashes: toMap(answer), resetSeen: sync.resetRequestedAt };
  const full: DiffPlan = { scope: { kind: 'all' }, next, measure: false };
  if (stored.hashes === null || stored.resetSeen !== sync.resetRequestedAt) return full;
  const changed = changedBuckets(stored.hashes, next.hashes!);
  const total = new Set([...Object.keys(stored.hashes), ...Object.keys(next.hashes!)]).size;
  const ranges = toRanges(changed, BigInt(stored.origin), BigInt(stored.width));
  if (changed.length > Math.max(1, total * MAX_CHANGED_SHARE) || ranges.length > MAX_RANGES) return full;
  return {
    window: { keyRanges: { column: remote, ranges } },
    scope: { kind: 'ranges', column: local.name, ranges },
    next, measure: false,
  };
}

function toMap(answer: readonly BucketHash[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const b of answer) map[b.bucket] = `${b.rows}:${b.hash}`;
  return map;
}

/** Buckets present on one side only, or with another count or hash, ascending. */
function changedBuckets(before: Record<string, string>, now: Record<string, string>): bigint[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(now)]);
  return [...keys].filter((k) => before[k] !== now[k]).map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Bucket numbers → `from <= key < to` ranges, adjacent buckets joined. */
function toRanges(buckets: readonly bigint[], origin: bigint, width: bigint): Array<{ from: string; to: string }> {
  const out: Array<{ from: bigint; to: bigint }> = [];
  for (const b of buckets) {
    const from = origin + b * width;
    const last = out[out.length - 1];
    if (last && last.to === from) last.to = from + width;
    else out.push({ from, to: from + width });
  }
  return out.map((r) => ({ from: r.from.toString(), to: r.to.toString() }));
}
