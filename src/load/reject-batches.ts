/**
 * The COPY of a load with `"on_error": "reject"` (SPEC §14): a Writable in place of the one COPY
 * stream, which the sink (copy-encoder.ts, binary-copy-sink.ts) writes into unchanged. It runs
 * the load's COPY as a series of COPYs, each over a batch of about `batchBytes` of whole rows
 * and each inside a SAVEPOINT, streaming the rows to the server as they come (no extra latency)
 * while keeping the batch's bytes until the server has accepted it. Memory: one batch.
 *
 * A batch PostgreSQL refuses with a row error (row-errors.ts) is rolled back to its savepoint and
 * split, never retried row by row: the error's context (`COPY t, line N, column c`) names the row,
 * so the rows before it are sent again as one COPY, the row is rejected (reject-log.ts records
 * its run position, column, SQLSTATE, message and the field's value), and the rows after it go as
 * the next COPY, which may name the next bad row. An error without a line is bisected. Each row is
 * re-sent at most once per bad row after it in its batch, and a clean run pays only one savepoint
 * and one COPY start and end per batch. A job error (connection lost, cancel, privileges) stops
 * the load at once.
 *
 * Numbering: the identity columns of the staging table are rewound before every COPY, so they
 * count as if the rejected rows had never been read: a CARTO `cartodb_id` is still 1..n over the
 * stored rows, and the optional row-number column (`rowNumberColumn`, for the isolation of a
 * merge: isolate-rows.ts) holds each row's 1-based position in the run's read.
 *
 * COPY FREEZE is impossible inside a subtransaction, so these COPYs run without it.
 */
import { isUtf8 } from 'node:buffer';
import { Writable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { SQLSTATE } from '../db/sqlstate.js';
import type { RowFraming } from './copy-rows.js';
import { qi, type LocalColumn } from './ddl.js';
import type { RejectLog } from './reject-log.js';
import { copyErrorPosition, isRowError, rejectMessage, type TargetError } from './row-errors.js';

/**
 * Bytes of COPY data per batch: a bad row costs re-sending at most one batch, a batch boundary a
 * few round trips (measured, docs/performance.md "Rejected rows").
 */
export const REJECT_BATCH_BYTES = 2 * 1024 * 1024;
const SAVEPOINT = 'cdb_reject_batch';
/**
 * What the sink may write ahead of the batch being sent: at a batch boundary the COPY's end, the
 * savepoints and the next COPY's start take a few round trips, and the source keeps reading
 * meanwhile instead of pausing (measured: docs/performance.md "Rejected rows").
 */
const WRITE_AHEAD_BYTES = 1024 * 1024;

export interface RejectingCopyOptions {
  /** The staging table, qualified, and its `COPY … FROM STDIN` statement (without FREEZE). */
  table: string;
  copySql: string;
  columns: readonly LocalColumn[];
  framing: RowFraming;
  rejects: RejectLog;
  /** Adds this identity column to the staging table, holding each row's position in the read. */
  rowNumberColumn?: string;
  batchBytes?: number;
}

/** One COPY statement in flight. */
interface Attempt {
  stream: Writable & { rowCount?: number };
  error?: TargetError & Error;
  /** Resolves when the COPY ended: with its error, or undefined. */
  done: Promise<(TargetError & Error) | undefined>;
}

export class RejectingCopy extends Writable {
  /** Rows the server stored (all batches). */
  stored = 0;
  /** Rows of the batches done, stored or rejected: the run position before the current batch. */
  private rowsDone = 0;
  private retained: Buffer[] = [];
  private retainedBytes = 0;
  private attempt: Attempt | undefined;
  /** False while the last successful batch's savepoint is still to be released. */
  private released = true;
  private sequences: { rowNumber?: string; positions: string[] } | undefined;
  private readonly batchBytes: number;

  constructor(private readonly client: pg.ClientBase, private readonly opts: RejectingCopyOptions) {
    // the sink keeps encoding while a batch boundary waits for the server (see WRITE_AHEAD_BYTES)
    super({ highWaterMark: WRITE_AHEAD_BYTES });
    this.batchBytes = opts.batchBytes ?? REJECT_BATCH_BYTES;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.accept(chunk).then(() => callback(), callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.closeBatch()
      .then(() => (this.released ? undefined : this.query(`release savepoint ${SAVEPOINT}`)))
      .then(() => { this.released = true; callback(); }, callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    const attempt = this.attempt;
    this.attempt = undefined;
    // CopyFail: the server drops that COPY; the load's abort rolls the transaction back
    if (attempt && !attempt.error && !attempt.stream.destroyed) attempt.stream.destroy(err ?? new Error('load aborted'));
    callback(err);
  }

  private async accept(chunk: Buffer): Promise<void> {
    const fed = this.opts.framing.feed(chunk);
    if (fed.carry) await this.append(fed.carry);
    let data = chunk.subarray(fed.start, fed.end);
    const boundary = fed.lastRowEnd < 0 ? -1 : fed.lastRowEnd - fed.start;
    // a refused batch is split as soon as it ends at a row: the rows after the error wait for that
    if (boundary >= 0 && (this.retainedBytes + boundary >= this.batchBytes || this.attempt?.error)) {
      if (boundary > 0) await this.append(data.subarray(0, boundary));
      await this.closeBatch();
      data = data.subarray(boundary);
    }
    if (data.length > 0) await this.append(data);
  }

  /** Data of the current batch: kept, and streamed to its COPY unless that COPY already failed. */
  private async append(data: Buffer): Promise<void> {
    if (!this.attempt) {
      await this.prepare();
      // the previous batch's savepoint is released in the same round trip
      await this.query(this.released ? `savepoint ${SAVEPOINT}` : `release savepoint ${SAVEPOINT}; savepoint ${SAVEPOINT}`);
      this.released = true;
      await this.rewind(this.rowsDone);
      this.attempt = this.start();
    }
    const attempt = this.attempt;
    if (attempt.error && !isRowError(attempt.error)) throw attempt.error;
    this.retained.push(data);
    this.retainedBytes += data.length;
    await forward(attempt, data);
  }

  /** Ends the current batch's COPY; a refused batch is split and its bad rows rejected. */
  private async closeBatch(): Promise<void> {
    const attempt = this.attempt;
    if (!attempt) return;
    this.attempt = undefined;
    const retained = this.retained;
    this.retained = [];
    this.retainedBytes = 0;
    const error = await finish(attempt, this.opts.framing.epilogue());
    if (!error) {
      this.released = false; // released with the next batch's savepoint, or at the end
      const rows = Number(attempt.stream.rowCount);
      this.stored += rows;
      this.rowsDone += rows;
      return;
    }
    if (!isRowError(error)) throw error;
    await this.query(`rollback to savepoint ${SAVEPOINT}`);
    await this.query(`release savepoint ${SAVEPOINT}`);
    const batch = Buffer.concat(retained);
    const offsets = this.opts.framing.rowOffsets(batch);
    await this.isolate(batch, offsets, error);
    this.rowsDone += offsets.length - 1;
  }

  /** Rows [0, n) of a refused batch: split at each named bad row, bisected where none is named. */
  private async isolate(batch: Buffer, offsets: number[], firstError: TargetError & Error): Promise<void> {
    const pending: Array<{ from: number; to: number; error?: TargetError & Error }> = [{ from: 0, to: offsets.length - 2, error: firstError }];
    while (pending.length > 0) {
      const segment = pending.shift()!;
      const error = segment.error ?? await this.copyRows(batch, offsets, segment.from, segment.to);
      if (!error) continue;
      if (!isRowError(error)) throw error;
      const { from, to } = segment;
      const position = copyErrorPosition(error);
      if (position && position.line <= to - from + 1) {
        const bad = from + position.line - 1;
        await this.reject(batch, offsets, bad, error, position.column);
        pending.unshift(...[{ from, to: bad - 1 }, { from: bad + 1, to }].filter((s) => s.from <= s.to));
      } else if (from === to) {
        await this.reject(batch, offsets, from, error, undefined);
      } else {
        const mid = from + Math.floor((to - from) / 2);
        pending.unshift({ from, to: mid }, { from: mid + 1, to });
      }
    }
  }

  /** One COPY of rows [from, to] of a kept batch, in its own savepoint; the error when refused. */
  private async copyRows(batch: Buffer, offsets: number[], from: number, to: number): Promise<(TargetError & Error) | undefined> {
    await this.query(`savepoint ${SAVEPOINT}`);
    await this.rewind(this.rowsDone + from);
    const attempt = this.start();
    await forward(attempt, batch.subarray(offsets[from], offsets[to + 1]));
    const error = await finish(attempt, this.opts.framing.epilogue());
    if (error && !isRowError(error)) return error;
    await this.query(error ? `rollback to savepoint ${SAVEPOINT}` : `release savepoint ${SAVEPOINT}`);
    if (error) await this.query(`release savepoint ${SAVEPOINT}`);
    else this.stored += Number(attempt.stream.rowCount);
    return error;
  }

  private async reject(batch: Buffer, offsets: number[], index: number, error: TargetError, named: string | undefined): Promise<void> {
    const row = batch.subarray(offsets[index], offsets[index + 1]);
    const { columns, framing } = this.opts;
    let columnIndex = named === undefined ? -1 : columns.findIndex((c) => c.name === named);
    // text COPY checks the encoding of the whole line before splitting it: the context names no
    // column, the first field that is not UTF-8 is the one
    if (columnIndex < 0 && error.code === SQLSTATE.CHARACTER_NOT_IN_REPERTOIRE) {
      columnIndex = columns.findIndex((_, i) => { const v = framing.field(row, i); return v !== null && !isUtf8(v); });
    }
    const value = columnIndex < 0 ? null : framing.field(row, columnIndex);
    await this.opts.rejects.add({
      rowNumber: this.rowsDone + index + 1,
      column: columnIndex < 0 ? null : columns[columnIndex]!.name,
      errorCode: error.code!,
      message: rejectMessage(error),
      remoteValue: value === null ? null : framing.valueText(value, columns[columnIndex]!.type),
    });
  }

  private start(): Attempt {
    const stream = this.client.query(copyFrom(this.opts.copySql)) as Attempt['stream'];
    const attempt = { stream } as Attempt;
    attempt.done = new Promise((resolve) => {
      stream.on('error', (err: TargetError & Error) => { attempt.error ??= err; resolve(attempt.error); });
      stream.once('finish', () => resolve(undefined));
    });
    const prologue = this.opts.framing.prologue();
    if (prologue) stream.write(prologue);
    return attempt;
  }

  /** Once per load, before its first COPY: the row-number column, and the identities to rewind. */
  private async prepare(): Promise<void> {
    if (this.sequences) return;
    const { table, rowNumberColumn } = this.opts;
    if (rowNumberColumn) await this.query(`alter table ${table} add column ${qi(rowNumberColumn)} pg_catalog.int8 generated by default as identity`);
    const { rows } = await this.query<{ name: string; seq: string }>(
      `select a.attname::pg_catalog.text as name, pg_catalog.pg_get_serial_sequence($1, a.attname::pg_catalog.text) as seq
         from pg_catalog.pg_attribute a
        where a.attrelid operator(pg_catalog.=) $1::pg_catalog.regclass and a.attnum operator(pg_catalog.>) 0
          and not a.attisdropped and a.attidentity operator(pg_catalog.<>) ''`, [table]);
    this.sequences = {
      ...(rowNumberColumn ? { rowNumber: rows.find((r) => r.name === rowNumberColumn)!.seq } : {}),
      positions: rows.filter((r) => r.name !== rowNumberColumn).map((r) => r.seq),
    };
  }

  /** Before a COPY whose first row is row `rowsBefore + 1` of the read. */
  private async rewind(rowsBefore: number): Promise<void> {
    const { rowNumber, positions } = this.sequences!;
    const seqs = [...(rowNumber ? [rowNumber] : []), ...positions];
    if (seqs.length === 0) return;
    const values = [...(rowNumber ? [rowsBefore + 1] : []), ...positions.map(() => this.stored + 1)];
    await this.query('select pg_catalog.setval(s.seq::pg_catalog.regclass, s.v, false) from rows from (pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.int8[])) as s(seq, v)',
      [seqs, values]);
  }

  /** A statement of the load; none once the load was aborted (its rollback is queued). */
  private async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    if (this.destroyed) throw new Error('the load was aborted');
    return this.client.query<R>(text, values);
  }
}

/** Writes to a COPY, waiting out its backpressure (or its failure: nothing more is sent then). */
async function forward(attempt: Attempt, data: Buffer): Promise<void> {
  if (attempt.error || attempt.stream.write(data)) return;
  await new Promise<void>((resolve) => {
    const done = () => { attempt.stream.off('drain', done); resolve(); };
    attempt.stream.on('drain', done);
    void attempt.done.then(done);
  });
}

/** Ends a COPY that has not failed yet; resolves with its error, if any. */
function finish(attempt: Attempt, epilogue: Buffer | undefined): Promise<(TargetError & Error) | undefined> {
  if (!attempt.error) {
    if (epilogue) attempt.stream.write(epilogue);
    attempt.stream.end();
  }
  return attempt.done;
}
