/**
 * The rows one job rejected (`"on_error": "reject"`, SPEC §14): counted against the job's limits,
 * formatted for cdb_connectors.rejects, and handed to a RejectStore (sidecar/reject-store.ts)
 * in batches, so memory stays bounded whatever max_rejects says.
 *
 * Limits: more than `maxRejects` rejected rows fails the job with 1512 as soon as the first row
 * past the limit is found (the rest is not read); a share of rejected rows among the rows read
 * above `maxRejectRatio` fails it once the whole read is known (`finish`). Either way the load
 * rolls back, so nothing of the data is visible, and the rejects found so far stay in
 * cdb_connectors.rejects for diagnosis (the store writes them in their own transactions).
 */
import { isUtf8 } from 'node:buffer';
import { ConnectorError } from '../errors.js';

/** SPEC §14: `max_rejects` when the request gives none. */
export const DEFAULT_MAX_REJECTS = 1000;
/** Rejects written per INSERT: a flush every this many rows keeps memory flat. */
const FLUSH_ROWS = 200;
/** Longest remote_value kept: longer values are cut there and end with `…`. */
export const MAX_REMOTE_VALUE_CHARS = 1000;

export interface RejectedRow {
  /** 1-based position of the row in the run's read. */
  rowNumber: number;
  /** Local column name, when the error names one. */
  column: string | null;
  /** The target's SQLSTATE. */
  errorCode: string;
  message: string;
  /** The failing field as text (remoteValueText), or null (SQL NULL, or no single field to blame). */
  remoteValue: string | null;
}

/** Where rejects go (cdb_connectors.rejects): sidecar/reject-store.ts. */
export interface RejectStore {
  write(rows: readonly RejectedRow[]): Promise<void>;
}

export interface RejectLimits {
  maxRejects: number;
  maxRejectRatio?: number;
}

export class RejectLog {
  private rejected = 0;
  private pending: RejectedRow[] = [];
  private first: RejectedRow | undefined;

  /** `what` names the job in messages: an import, or a sync run (whose table stays unchanged). */
  constructor(readonly limits: RejectLimits, private readonly store: RejectStore, private readonly what: { importId: string; sync: boolean }) {}

  get count(): number {
    return this.rejected;
  }

  /** Records one reject; throws 1512 (after writing what it holds) once the count passes max_rejects. */
  async add(row: RejectedRow): Promise<void> {
    this.rejected++;
    this.first ??= row;
    this.pending.push(row);
    if (this.rejected > this.limits.maxRejects) {
      await this.flush();
      throw this.limitError(`${this.rejected} rows were rejected, more than max_rejects (${this.limits.maxRejects})`);
    }
    if (this.pending.length >= FLUSH_ROWS) await this.flush();
  }

  /** After the whole read (and merge): writes what is left, then applies max_reject_ratio to `rowsRead`. */
  async finish(rowsRead: number): Promise<void> {
    await this.flush();
    const ratio = this.limits.maxRejectRatio;
    if (ratio === undefined || this.rejected === 0 || this.rejected <= ratio * rowsRead) return;
    const share = rowsRead > 0 ? `${((100 * this.rejected) / rowsRead).toPrecision(3)} %` : 'all';
    throw this.limitError(`${this.rejected} of the ${rowsRead} rows read were rejected (${share}), more than max_reject_ratio (${ratio})`);
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    await this.store.write(rows);
  }

  /** The job's warning `rejected_rows` (SPEC §14); undefined when nothing was rejected. */
  summary(): { count: number; message: string } | undefined {
    if (this.rejected === 0) return undefined;
    return { count: this.rejected, message: `${this.rejected} row(s) PostgreSQL refused were left out and written to cdb_connectors.rejects (import_id ${this.what.importId}); the first: ${describe(this.first!)}` };
  }

  private limitError(why: string): ConnectorError {
    const outcome = this.what.sync ? 'the table was not changed' : 'nothing was imported';
    return new ConnectorError('REJECT_LIMIT_EXCEEDED',
      `${why}; the first: ${describe(this.first!)}. ${outcome[0]!.toUpperCase()}${outcome.slice(1)}; the rejected rows found are kept in cdb_connectors.rejects (import_id ${this.what.importId}). `
      + 'Fix the remote data, or raise max_rejects / max_reject_ratio.');
  }
}

function describe(row: RejectedRow): string {
  return `row ${row.rowNumber}${row.column ? `, column ${row.column}` : ''}: ${row.message} (SQLSTATE ${row.errorCode})`;
}

/**
 * A field's bytes as remote_value: the text when they are valid UTF-8, else `\x` and their hex
 * (bytea's form: the bytes exactly, e.g. for an encoding error). Cut to MAX_REMOTE_VALUE_CHARS
 * characters, then `…`.
 */
export function remoteValueText(bytes: Buffer): string {
  // enough of a long value for the cut: a character takes 4 bytes at most
  if (!isValidUtf8(bytes)) return hexValueText(bytes);
  const text = bytes.subarray(0, 4 * (MAX_REMOTE_VALUE_CHARS + 1)).toString('utf8');
  if (text.length <= MAX_REMOTE_VALUE_CHARS) return text;
  const chars = Array.from(text);
  return chars.length > MAX_REMOTE_VALUE_CHARS ? `${chars.slice(0, MAX_REMOTE_VALUE_CHARS).join('')}…` : text;
}

/** `\\x` and the bytes in hex (bytea's text form), cut like remoteValueText. */
export function hexValueText(bytes: Buffer): string {
  const text = `\\x${bytes.subarray(0, MAX_REMOTE_VALUE_CHARS / 2).toString('hex')}`;
  return text.length > MAX_REMOTE_VALUE_CHARS ? `${text.slice(0, MAX_REMOTE_VALUE_CHARS)}…` : text;
}

/**
 * UTF-8 as PostgreSQL accepts it: Node's isUtf8 (which also refuses surrogates, overlong forms
 * and code points past U+10FFFF) plus no NUL.
 */
function isValidUtf8(bytes: Buffer): boolean {
  return !bytes.includes(0) && isUtf8(bytes);
}
