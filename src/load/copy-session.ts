/**
 * One COPY … FROM STDIN into a staging table, in text or binary format, with the sink the
 * provider writes into: a CopyTextEncoder (rows of values) or a BinaryCopyForwarder (raw binary
 * COPY bytes from a PostgreSQL source). Every write strategy (strategies/) uses it, so ending and
 * aborting a COPY is written once.
 */
import type { Writable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { BinaryCopyForwarder } from './binary-copy-sink.js';
import { CopyTextEncoder } from './copy-encoder.js';
import { copyFromSql, type LocalColumn } from './ddl.js';

export type CopyFormat = 'text' | 'binary';

/** The sink handed to the provider, by format. */
export type CopySink = { format: 'text'; encoder: CopyTextEncoder } | { format: 'binary'; forwarder: BinaryCopyForwarder };

export interface CopySession {
  sink: CopySink;
  /** The COPY stream (errors on it abort the job at once). */
  stream: Writable;
  /** Rows accepted so far (progress). */
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
}

/** Starts the COPY on a client that is already inside the load transaction. */
export function startCopy(client: pg.PoolClient, target: CopyTarget, hooks: CopyHooks = {}): CopySession {
  const stream = client.query(copyFrom(copyFromSql(target.schema, target.table, target.columns, { freeze: true, format: target.format })));
  const sink: CopySink = target.format === 'binary'
    ? { format: 'binary', forwarder: new BinaryCopyForwarder(stream, { maxRows: target.maxRows }) }
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
      else sink.encoder.flush();
      await new Promise<void>((resolve, reject) => {
        if (copyError) return reject(copyError);
        stream.once('finish', resolve);
        stream.once('error', reject);
        stream.end();
      });
      const stored = Number(stream.rowCount);
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
