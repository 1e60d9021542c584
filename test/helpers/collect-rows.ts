/**
 * Drives a provider session the way the load does, without a target: an in-memory RowSink that
 * applies backpressure every `pauseEvery` rows, and a WarningCounter. For provider-level tests
 * (the same assertions run against the wire-protocol test servers and, in the containers suite,
 * against real images).
 */
import type { SourceSession } from '../../src/providers/provider.js';
import type { SourcePlan } from '../../src/rows/plan.js';
import type { CopyValue, FieldSink, RowSink } from '../../src/rows/sink.js';
import type { WarningCode, WarningCounter } from '../../src/rows/warnings.js';

export interface Collected {
  plan: SourcePlan;
  rows: Array<Array<string | null>>;
  warnings: Map<string, number>;
  /** How often the sink asked the source to pause. */
  pauses: number;
}

/**
 * `fieldApi` (default true) offers the FieldSink fast path like the production encoder does, so
 * providers that use it (MySQL) are tested on the path imports take; false tests the row path.
 */
export async function collectRows(session: SourceSession, opts: { limit?: number; pauseEvery?: number; signal?: AbortSignal; plan?: SourcePlan; fieldApi?: boolean } = {}): Promise<Collected> {
  const plan = opts.plan ?? await session.describe();
  const limit = opts.limit ?? Number.MAX_SAFE_INTEGER;
  const pauseEvery = opts.pauseEvery ?? 1000;
  const rows: Array<Array<string | null>> = [];
  const warnings = new Map<string, number>();
  let pauses = 0;
  const text = (v: CopyValue) => (v === null ? null : Buffer.isBuffer(v) ? v.toString('utf8') : v);
  const accept = (row: Array<string | null>): boolean => {
    rows.push(row);
    if (rows.length % pauseEvery === 0) {
      pauses++;
      return false;
    }
    return true;
  };
  let current: Array<string | null> = [];
  const fields: FieldSink = {
    beginRow() { current = []; return rows.length < limit; },
    putBytes(buf, start, end) { current.push(buf.toString('utf8', start, end)); },
    putNull() { current.push(null); },
    putValue(value) { current.push(text(value)); },
    endRow() { return accept(current); },
  };
  const sink: RowSink = {
    get full() { return rows.length >= limit; },
    write(row: CopyValue[]) { return accept(row.map(text)); },
    drained() { return new Promise<void>((resolve) => setImmediate(resolve)); },
    ...(opts.fieldApi === false ? {} : { fields }),
  };
  const counter: WarningCounter = {
    count(code: WarningCode, column: string, n = 1) {
      const key = `${code}:${column}`;
      warnings.set(key, (warnings.get(key) ?? 0) + n);
    },
  };
  await session.streamRows(plan, sink, { limit, warnings: counter, signal: opts.signal ?? new AbortController().signal });
  return { plan, rows, warnings, pauses };
}
