/**
 * The PostgreSQL provider (pg + pg-copy-streams): SPEC §2, §8 for `"provider": "postgres"`.
 *
 * One session = one connection. Rows always leave the remote through `COPY (SELECT …) TO STDOUT`:
 * in TEXT format for `streamRows` (parsed into CopyValues), in BINARY format for
 * `streamBinaryCopy` (forwarded undecoded to the target, issue 4 §3); a ReadWindow narrows
 * that SELECT (window.ts). Diff mode's bucket hashes are one plain aggregate query (buckets.ts).
 * See docs/providers/postgres.md for parameters, sslmode, types, the fast path, incremental reads
 * and diff mode.
 */
import { ConnectorError } from '../../errors.js';
import type { ChangeCapture } from '../../rows/changes.js';
import type { BinaryCopySink, RowSink } from '../../rows/sink.js';
import type { SourcePlan } from '../../rows/plan.js';
import type { TableStructure } from '../../rows/structure.js';
import { requireSource, type BucketHash, type KeyBuckets, type Provider, type RemoteTable, type SessionOptions, type SourceRequest, type SourceSession, type StreamOptions } from '../provider.js';
import { hashBucketsStatement, toBucketHashes, type BucketRow } from './buckets.js';
import { describeQuery, describeTable, listTables, type Described } from './catalog.js';
import { PostgresChangeCapture } from './change-capture.js';
import { openConnection, type PgConnection } from './connection.js';
import { estimatePostgresRows, estimatePostgresTables } from './estimate.js';
import { copyOut } from './rows.js';
import { readStructure } from './structure.js';
import { canPushLimit, normaliseQuery } from './sql-text.js';
import { cancellableQuery } from './statement.js';
import { TextRowConsumer } from './text-rows.js';
import { windowedCopySql } from './window.js';

export const POSTGRES_DEFAULT_PORT = 5432;
export const POSTGRES_DEFAULT_SCHEMA = 'public';

class PostgresSession implements SourceSession {
  /** What describe() learned per plan, so streaming finds the same relation and casts. */
  private readonly described = new WeakMap<SourcePlan, Described>();

  /** The connection inside change capture's snapshot transaction (change-capture.ts), until a change-capture call ends it. */
  private snapshotConn: PgConnection | undefined;
  readonly changeCapture: ChangeCapture;

  constructor(private conn: PgConnection, private readonly request: SourceRequest, private readonly opts: SessionOptions) {
    this.changeCapture = new PostgresChangeCapture({
      request, options: opts,
      freshConnection: () => this.endSnapshot(),
      connection: () => this.connection(),
      described: (plan) => this.describedFor(plan),
      holdSnapshot: (c) => { this.snapshotConn = c; },
    });
  }

  async describe(): Promise<SourcePlan> {
    const described = await this.describeSource();
    this.described.set(described.plan, described);
    return described.plan;
  }

  async streamRows(plan: SourcePlan, sink: RowSink, opts: StreamOptions): Promise<void> {
    const { sql, columnCount, conn } = await this.copySql(plan, opts, 'text');
    const consumer = new TextRowConsumer(columnCount, sink, opts.limit);
    await copyOut(conn, sql, consumer, { signal: opts.signal, log: this.opts.log, limitPushed: canPushLimit(opts.limit) });
  }

  async streamBinaryCopy(plan: SourcePlan, sink: BinaryCopySink, opts: StreamOptions): Promise<void> {
    if (!plan.binaryCopy) throw new ConnectorError('INTERNAL', 'streamBinaryCopy called for a plan without binaryCopy');
    const { sql, conn } = await this.copySql(plan, opts, 'binary');
    // The sink's own finish() checks completeness; the COPY's end needs no check here.
    const consumer = { write: (c: Buffer) => sink.write(c), drained: () => sink.drained(), get full() { return sink.full; }, end: () => undefined };
    await copyOut(conn, sql, consumer, { signal: opts.signal, log: this.opts.log, limitPushed: canPushLimit(opts.limit) });
  }

  async hashBuckets(plan: SourcePlan, buckets: KeyBuckets, opts: { signal: AbortSignal }): Promise<BucketHash[]> {
    const described = await this.describedFor(plan);
    const conn = await this.connection();
    const { text, values } = hashBucketsStatement(plan, described, buckets, conn.server.versionNum);
    return toBucketHashes(await cancellableQuery<BucketRow>(conn, text, values, { signal: opts.signal, log: this.opts.log }));
  }

  async estimateRows(plan: SourcePlan, opts: { signal: AbortSignal }): Promise<number | null> {
    const { source } = await this.describedFor(plan);
    return estimatePostgresRows(await this.connection(), source, { signal: opts.signal, log: this.opts.log });
  }

  async estimateTables(tables: readonly string[], opts: { signal: AbortSignal }): Promise<Map<string, number>> {
    return estimatePostgresTables(await this.connection(), this.request.schema || POSTGRES_DEFAULT_SCHEMA, tables, { signal: opts.signal, log: this.opts.log });
  }

  async listTables(limit: number): Promise<RemoteTable[]> {
    return listTables(await this.connection(), this.request.schema, limit);
  }

  async readStructure(tables: readonly string[]): Promise<TableStructure[]> {
    return readStructure(await this.connection(), this.request.schema || POSTGRES_DEFAULT_SCHEMA, tables);
  }

  async close(): Promise<void> {
    await this.conn.close();
  }

  private async describeSource(): Promise<Described> {
    const source = requireSource(this.request);
    const conn = await this.connection();
    if (source.kind === 'query') return describeQuery(conn, normaliseQuery(source.sql), this.opts.target, this.request.casts);
    return describeTable(conn, this.request.schema || POSTGRES_DEFAULT_SCHEMA, source.table, this.opts.target, this.request.casts);
  }

  private async copySql(plan: SourcePlan, opts: StreamOptions, format: 'text' | 'binary'): Promise<{ sql: string; columnCount: number; conn: PgConnection }> {
    const described = await this.describedFor(plan);
    const conn = await this.connection();
    return { ...windowedCopySql(plan, described, opts.limit, opts.window, format), conn };
  }

  private async describedFor(plan: SourcePlan): Promise<Described> {
    if (plan.columns.length === 0) throw new ConnectorError('NO_IMPORTABLE_COLUMNS', 'No column of the PostgreSQL source has a type that can be imported');
    return this.described.get(plan) ?? this.redescribe(plan);
  }

  /** A plan that did not come from this session's describe(): find its columns again by name, in order. */
  private async redescribe(plan: SourcePlan): Promise<Described> {
    const fresh = await this.describeSource();
    const selected = plan.columns.map((column) => {
      const i = fresh.plan.columns.findIndex((c) => c.remoteName === column.remoteName);
      if (i < 0) throw new ConnectorError('CONNECTOR_ERROR', `The PostgreSQL source no longer has column "${column.remoteName}"; it changed since it was described`);
      return fresh.selected[i]!;
    });
    return { plan, source: fresh.source, selected };
  }

  /**
   * The session's connection, reopened when a cancel or an early stop dropped it; but not when it
   * held a change-capture snapshot: a new connection would silently read outside it.
   */
  private async connection(): Promise<PgConnection> {
    if (this.conn.isClosed) {
      if (this.snapshotConn === this.conn) {
        this.snapshotConn = undefined;
        throw new ConnectorError('SOURCE_UNREACHABLE', 'The PostgreSQL connection holding the change-capture snapshot was closed (a cancel, an early stop or a network failure); the snapshot must be taken again');
      }
      this.conn = await openConnection(this.request, this.opts);
    }
    return this.conn;
  }

  /** Commits a snapshot transaction left open by changeCapture.snapshot(), then gives the connection. */
  private async endSnapshot(): Promise<PgConnection> {
    const held = this.snapshotConn;
    this.snapshotConn = undefined;
    if (held && !held.isClosed) await held.query('commit');
    return this.connection();
  }
}

export const postgresProvider: Provider = {
  name: 'postgres',
  defaultPort: POSTGRES_DEFAULT_PORT,
  async connect(request: SourceRequest, opts: SessionOptions): Promise<SourceSession> {
    const conn = await openConnection(request, opts);
    return new PostgresSession(conn, request, opts);
  },
};
