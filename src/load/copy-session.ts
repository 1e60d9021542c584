/**
 * One COPY … FROM STDIN into a staging table, in text or binary format, with the sink the
 * provider writes into: a CopyTextEncoder (rows of values) or a BinaryCopyForwarder (raw binary
 * COPY bytes from a PostgreSQL source). Every write strategy (strategies/) uses it, so ending and
 * aborting a COPY is written once.
 *
 * With `rejects` (`"on_error": "reject"`, SPEC §14) the sink writes into a RejectingCopy
 * (reject-batches.ts) instead: the same rows, COPYed in savepoint batches so that rows the server
 * refuses are left out and recorded; `endCopy` then resolves with the rows stored, which is
 * fewer than `rows` (rows read) by the rejected ones.
 */
import type { Writable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { BinaryCopyForwarder } from './binary-copy-sink.js';
import { BinaryRowFraming } from './binary-copy-rows.js';
import { CopyTextEncoder } from './copy-encoder.js';
import { CopyBinaryEncoder } from './binary-copy-encoder.js';
import { binaryKindOf, type BinaryKind } from './binary-values.js';
import { textRowFraming } from './copy-rows.js';
import { copyFromSql, qualified, type LocalColumn } from './ddl.js';
import { RejectingCopy } from './reject-batches.js';
import type { RejectLog } from './reject-log.js';

/**
 * text: rows encoded as COPY text; binary-rows: rows encoded as binary COPY (binary-copy-encoder.ts,
 * every column with a binary writer); binary: binary COPY bytes forwarded from a PostgreSQL source.
 */
export type CopyFormat = 'text' | 'binary' | 'binary-rows';

/** The rows a provider writes, in either encoding. */
export type RowEncoder = CopyTextEncoder | CopyBinaryEncoder;

/** The sink handed to the provider, by format. */
export type CopySink = { format: 'text' | 'binary-rows'; encoder: RowEncoder } | { format: 'binary'; forwarder: BinaryCopyForwarder };

/** The format of the COPY statement itself. */
const wireFormat = (format: CopyFormat): 'text' | 'binary' => (format === 'text' ? 'text' : 'binary');

export interface CopySession {
  sink: CopySink;
  /** The COPY stream (errors on it abort the job at once). */
  stream: Writable;
  /** Rows read so far (progress), rejected ones included. */
  readonly rows: number;
  /** The source had more than maxRows rows (the probe arrived). */
  readonly truncated: boolean;
  /** COPY bytes written to the target so far. */
  readonly bytes: number;
  /** Ends the COPY; resolves with the rows the server stored. */
  endCopy(): Promise<number>;
  /** Stops the COPY (CopyFail) and rolls the transaction back; safe after errors. */
  abort(reason: Error): Promise<void>;
}

/** Steps a strategy runs at fixed points of the COPY, passed in rather than patched onto the session. */
export interface CopyHooks {
  /**
   * Runs once the server has stored the rows, inside the load transaction and before the runner
   * reads the load's outcome (the CARTO columns' checks and indexes, cartodbfy.ts).
   */
  afterCopy?(): Promise<void>;
}

export interface CopyTarget {
  schema: string;
  table: string;
  columns: LocalColumn[];
  maxRows: number;
  format: CopyFormat;
  /** `"on_error": "reject"`: refused rows are left out and recorded here (see the header). */
  rejects?: RejectLog;
  /** With `rejects`: an identity column added to the staging table holding each row's position in the read (isolate-rows.ts). */
  rowNumberColumn?: string;
}

/** Starts the COPY on a client that is already inside the load transaction. */
export function startCopy(client: pg.PoolClient, target: CopyTarget, hooks: CopyHooks = {}): CopySession {
  const stream = target.rejects ? rejectingCopy(client, target, target.rejects)
    : client.query(copyFrom(copyFromSql(target.schema, target.table, target.columns, { freeze: true, format: wireFormat(target.format) })));
  const sink: CopySink = target.format === 'binary'
    ? { format: 'binary', forwarder: new BinaryCopyForwarder(stream, { maxRows: target.maxRows }) }
    : target.format === 'binary-rows'
      ? { format: 'binary-rows', encoder: new CopyBinaryEncoder(stream, { maxRows: target.maxRows, kinds: binaryKindsOf(target.columns), names: target.columns.map((c) => c.name) }) }
      : { format: 'text', encoder: new CopyTextEncoder(stream, { maxRows: target.maxRows, columnCount: target.columns.length }) };
  const counters = sink.format === 'binary' ? sink.forwarder : sink.encoder;
  let copyError: Error | undefined;
  stream.on('error', (err) => { copyError ??= err; });
  return {
    sink,
    stream,
    get rows() { return counters.rows; },
    get truncated() { return counters.truncated; },
    get bytes() { return counters.bytes; },
    async endCopy() {
      if (sink.format === 'binary') sink.forwarder.finish();
      else sink.encoder.finish();
      await new Promise<void>((resolve, reject) => {
        if (copyError) return reject(copyError);
        stream.once('finish', resolve);
        stream.once('error', reject);
        stream.end();
      });
      const stored = stream instanceof RejectingCopy ? stream.stored : Number(stream.rowCount);
      await hooks.afterCopy?.();
      return stored;
    },
    async abort(reason) {
      if (!stream.destroyed) stream.destroy(reason); // sends CopyFail: the server drops the COPY
      await new Promise((r) => setImmediate(r));
      await client.query('rollback').catch(() => undefined);
    },
  };
}

function rejectingCopy(client: pg.PoolClient, target: CopyTarget, rejects: RejectLog): RejectingCopy {
  return new RejectingCopy(client, {
    table: qualified(target.schema, target.table),
    copySql: copyFromSql(target.schema, target.table, target.columns, { freeze: false, format: wireFormat(target.format) }),
    columns: target.columns,
    framing: target.format === 'text' ? textRowFraming : new BinaryRowFraming(),
    rejects,
    ...(target.rowNumberColumn ? { rowNumberColumn: target.rowNumberColumn } : {}),
  });
}

/** The binary writers of `columns`, or undefined when one has none (the COPY stays text). */
export function binaryKindsOf(columns: readonly LocalColumn[]): BinaryKind[] {
  return columns.map((c) => {
    const kind = binaryKindOf(c.type);
    if (!kind) throw new Error(`no binary writer for column ${c.name} (${c.type})`);
    return kind;
  });
}

/** True when every column has a binary writer (binary-values.ts). */
export function binaryWritable(columns: readonly LocalColumn[]): boolean {
  return columns.every((c) => binaryKindOf(c.type) !== undefined);
}

/** The `rejects` of a plan for a CopyTarget (absent stays absent: exactOptionalPropertyTypes). */
export function rejectsOf(plan: { rejects?: RejectLog }): { rejects?: RejectLog } {
  return plan.rejects ? { rejects: plan.rejects } : {};
}
