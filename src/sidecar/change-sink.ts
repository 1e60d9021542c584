/**
 * The ChangeSink a provider's change-log read writes into (SPEC §16), over the COPY of a
 * change-capture run's temp table (load/strategies/change-apply.ts): each change becomes one row
 * `(seq, op, unsent columns, the planned columns)`. It streams: nothing is buffered beyond the
 * COPY's own backpressure, so memory does not grow with the number of changes. It remembers the
 * last seq a source commit closed; the strategy drops any row after it, so a read that ends or
 * fails inside a source transaction never applies part of it.
 */
import type { Change, ChangeSink, ChangeValue } from '../rows/changes.js';
import { UNCHANGED } from '../rows/changes.js';
import type { CopyValue, RowSink } from '../rows/sink.js';
import type { ChangeBatch } from '../load/strategies/change-apply.js';

export class ChangeStream implements ChangeSink, ChangeBatch {
  private seq = 0;
  private closedSeq = 0;
  private closedChanges = 0;
  private written = 0;
  private lastPosition: string | null = null;
  private readonly unsent = new Set<number>();

  private rows: RowSink | undefined;

  /** `keyAt`: plan column indexes of the merge key; `maxChanges`: the run stops at the first commit past it. */
  constructor(private readonly columnCount: number, private readonly keyAt: readonly number[], private readonly maxChanges: number) {}

  /** The COPY's encoder, once the load started. */
  attach(rows: RowSink): void { this.rows = rows; }

  get full(): boolean { return this.closedChanges >= this.maxChanges; }

  write(change: Change): boolean {
    switch (change.op) {
      case 'truncate':
        return this.emit('T', null);
      case 'insert':
        return this.emit('I', change.row);
      case 'delete':
        return this.emit('D', change.old);
      case 'update':
        // a new key: the old one is gone (a delete, in order before the new row)
        if (change.old && this.keyAt.some((i) => !sameValue(change.old![i]!, change.row[i]!))) this.emit('D', change.old);
        return this.emit('U', change.row);
    }
  }

  commit(position: string): void {
    this.closedSeq = this.seq;
    this.closedChanges = this.written;
    this.lastPosition = position;
  }

  drained(): Promise<void> { return this.rows!.drained(); }

  committedSeq(): number { return this.closedSeq; }
  unchangedColumns(): ReadonlySet<number> { return this.unsent; }
  position(): string | null { return this.lastPosition; }
  changes(): number { return this.closedChanges; }

  private emit(op: 'I' | 'U' | 'D' | 'T', values: readonly ChangeValue[] | null): boolean {
    this.seq += 1;
    this.written += 1;
    const out: CopyValue[] = [String(this.seq), op, null];
    const unsent: number[] = [];
    if (values) {
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        if (v === UNCHANGED) {
          unsent.push(i + 1);
          this.unsent.add(i);
          out.push(null);
        } else {
          out.push(v);
        }
      }
    }
    while (out.length < 3 + this.columnCount) out.push(null);
    if (unsent.length > 0) out[2] = `{${unsent.join(',')}}`;
    return this.rows!.write(out);
  }
}

function sameValue(a: ChangeValue, b: ChangeValue): boolean {
  if (a === UNCHANGED || b === UNCHANGED) return true;
  if (a === null || b === null) return a === b;
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.from(a).equals(Buffer.from(b));
  return a === b;
}
