/**
 * Streams an operation's rows into the sink, one FetchResults page at a time: a page is fetched
 * only after the previous one was written, and `sink.write() === false` pauses until
 * `drained()`, so memory holds at most one page (SessionOptions.fetchRows rows) whatever the
 * table size. Stops early at `limit` rows or when the sink is full; the operation is always
 * closed, and cancelled first when the stream is aborted or times out.
 */
import type { TextDecoderFn } from '../../rows/encoding.js';
import type { CopyValue, RowSink } from '../../rows/sink.js';
import { withTimeZone } from '../../rows/user-casts.js';
import type { StreamOptions } from '../provider.js';
import type { BoundColumn } from './catalog.js';
import { guarded, type CallGuard, type HiveConnection } from './connection.js';
import { HiveAborted, HiveTimeoutError } from './errors.js';
import type { HiveOperation, TColumnLike } from './operation.js';
import { converterFor, type Converter, type ValueCounts } from './values.js';

export interface StreamContext {
  conn: HiveConnection;
  fetchRows: number;
  decode: TextDecoderFn;
  guard: CallGuard;
}

interface ColumnValues { values: unknown[]; nulls: Buffer }

/** The one set value field of a TColumn (boolVal … binaryVal). */
function valuesOf(column: TColumnLike | undefined): ColumnValues {
  for (const key in column) {
    const v = column[key];
    if (v && Array.isArray(v.values)) return v;
  }
  return { values: [], nulls: Buffer.alloc(0) };
}

/** Streams the `bound` columns (catalog.ts bindPlan / bindPositions) of the operation's result, in that order. */
export async function streamOperation(op: HiveOperation, bound: BoundColumn[], sink: RowSink, opts: StreamOptions, ctx: StreamContext): Promise<void> {
  const counts: ValueCounts[] = bound.map(() => ({ timestampRounded: 0, invalidValues: 0 }));
  // a user cast's zone is appended to the reader's text (rows/user-casts.ts)
  const converters: Converter[] = bound.map((b, i) => withTimeZone(converterFor(b.reader, { column: b.column.remoteName, decode: ctx.decode, counts: counts[i]! }), b.column.userCast?.timeZone)!);
  const width = bound.length;
  let written = 0;
  try {
    pages: while (written < opts.limit && !sink.full) {
      const page = await op.fetch(Math.max(1, Math.min(ctx.fetchRows, opts.limit - written)), ctx.guard);
      const rowCount = valuesOf(page[0]).values.length;
      if (rowCount === 0) break;
      const columns = bound.map((b) => valuesOf(page[b.position]));
      for (let r = 0; r < rowCount; r++) {
        const row = new Array<CopyValue>(width);
        for (let c = 0; c < width; c++) {
          const { values, nulls } = columns[c]!;
          row[c] = r >> 3 < nulls.length && (nulls[r >> 3]! & (1 << (r & 7))) !== 0 ? null : converters[c]!(values[r], written + 1);
        }
        written++;
        const more = sink.write(row);
        if (written >= opts.limit || sink.full) break pages;
        if (!more) await guarded(sink.drained(), ctx.guard, ctx.conn.lost, 'writing to the target');
      }
      flushCounts(bound, counts, opts);
    }
    flushCounts(bound, counts, opts);
  } catch (err) {
    flushCounts(bound, counts, opts);
    if (err instanceof HiveAborted || err instanceof HiveTimeoutError) await op.cancel();
    throw err;
  } finally {
    await op.close();
  }
}

function flushCounts(bound: BoundColumn[], counts: ValueCounts[], opts: StreamOptions): void {
  counts.forEach((c, i) => {
    const column = bound[i]!.column.remoteName;
    if (c.timestampRounded > 0) opts.warnings.count('timestamp_rounded', column, c.timestampRounded);
    if (c.invalidValues > 0) opts.warnings.count('invalid_values', column, c.invalidValues);
    c.timestampRounded = 0;
    c.invalidValues = 0;
  });
}
