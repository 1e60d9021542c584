/**
 * Parallel reads inside one table (issue 20 item 5, setting table_read_streams): one import's rows
 * read by several remote sessions at once, each taking a range of the table's integer key
 * (ReadWindow.keyRanges), all writing into the one COPY of the load. JavaScript runs one callback
 * at a time, and a provider writes a whole row per call (RowSink.write, FieldSink beginRow…endRow),
 * so rows of different streams never interleave inside a row.
 *
 * Only where it cannot change what is imported:
 *   - a plain read of a whole table (no incremental window, no key order): a read that may be cut
 *     at max_rows is ordered by its key and read in one stream, so the cut keeps the first rows;
 *   - a single-column integer key (the plan's unique key) and a provider that reads its bounds;
 *   - more than MIN_ROWS_PER_STREAM rows per stream by the estimate: below that, connecting costs
 *     more than splitting saves;
 *   - a read of rows (binary COPY forwarded from a PostgreSQL source is one byte stream).
 * The ranges split [min, max] evenly: a key with large gaps gives uneven streams, never wrong
 * rows — every key lies in exactly one range.
 */
import type { SourcePlan } from '../rows/plan.js';
import type { SourceSession } from '../providers/provider.js';

/** Rows per stream below which one read is kept, in units of fetch_rows (round trips per stream). */
const MIN_ROUND_TRIPS_PER_STREAM = 2;

export interface ParallelRead {
  column: string;
  /** One range per stream, `from <= key < to`, covering [min, max]. */
  ranges: Array<{ from: string; to: string }>;
}

export interface ParallelReadInput {
  session: SourceSession;
  plan: SourcePlan;
  streams: number;
  fetchRows: number;
  estimate: number | null;
  /** The read is the whole table, unordered, of rows (text or binary-rows COPY, not forwarded bytes). */
  rowRead: boolean;
  signal: AbortSignal;
}

export async function planParallelRead(input: ParallelReadInput): Promise<ParallelRead | undefined> {
  const { session, plan, streams, estimate } = input;
  if (streams < 2 || !input.rowRead || !session.keyBounds) return undefined;
  if (estimate === null || estimate < streams * MIN_ROUND_TRIPS_PER_STREAM * input.fetchRows) return undefined;
  const key = plan.uniqueKey;
  if (!key || key.length !== 1) return undefined;
  const bounds = await session.keyBounds(plan, key[0]!, { signal: input.signal });
  if (!bounds) return undefined;
  const ranges = splitRange(BigInt(bounds.min), BigInt(bounds.max), streams);
  return ranges.length < 2 ? undefined : { column: key[0]!, ranges };
}

/** [min, max] in at most `n` contiguous ranges of (nearly) equal width. */
export function splitRange(min: bigint, max: bigint, n: number): Array<{ from: string; to: string }> {
  const span = max - min + 1n;
  const parts = span < BigInt(n) ? Number(span) : n;
  const ranges: Array<{ from: string; to: string }> = [];
  for (let i = 0; i < parts; i++) {
    const from = min + (span * BigInt(i)) / BigInt(parts);
    const to = min + (span * BigInt(i + 1)) / BigInt(parts);
    ranges.push({ from: from.toString(), to: to.toString() });
  }
  return ranges;
}

/**
 * Runs one read per range: `first` takes the first range, a session from `open` each other one.
 * The first failure calls `onFailure` (the job aborts its signal, so the other streams stop their
 * remote queries) and is the one thrown; the extra sessions are closed whatever happens.
 */
export async function streamRanges(
  first: SourceSession, open: () => Promise<SourceSession>, parallel: ParallelRead,
  stream: (session: SourceSession, range: { from: string; to: string }) => Promise<void>, onFailure: (err: unknown) => void,
): Promise<void> {
  const extra: SourceSession[] = [];
  try {
    for (let i = 1; i < parallel.ranges.length; i++) extra.push(await open());
    const sessions = [first, ...extra];
    await Promise.all(sessions.map((s, i) => stream(s, parallel.ranges[i]!).catch((err: unknown) => {
      onFailure(err);
      throw err;
    })));
  } finally {
    await Promise.all(extra.map((s) => s.close().catch(() => undefined)));
  }
}
