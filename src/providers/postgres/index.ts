/**
 * The PostgreSQL provider (pg + pg-copy-streams): SPEC §2, §8 for `"provider": "postgres"`.
 *
 * One session = one connection. Rows always leave the remote through `COPY (SELECT …) TO STDOUT`:
 * in TEXT format for `streamRows` (parsed into CopyValues), in BINARY format for
 * `streamBinaryCopy` (forwarded undecoded to the target, issue 4 §3). See
 * docs/providers/postgres.md for parameters, sslmode, types and the fast path.
 */
import { ConnectorError } from '../../errors.js';
import type { BinaryCopySink, RowSink } from '../../rows/sink.js';
import type { SourcePlan } from '../../rows/plan.js';
import type { Provider, RemoteTable, SessionOptions, SourceRequest, SourceSession, StreamOptions } from '../provider.js';
import { describeQuery, describeTable, listTables, type Described } from './catalog.js';
import { openConnection, type PgConnection } from './connection.js';
import { copyOut } from './rows.js';
import { buildSelect, canPushLimit, copyToSql, normaliseQuery } from './sql-text.js';
import { TextRowConsumer } from './text-rows.js';

export const POSTGRES_DEFAULT_PORT = 5432;
export const POSTGRES_DEFAULT_SCHEMA = 'public';

class PostgresSession implements SourceSession {
  /** What describe() learned per plan, so streaming finds the same relation and casts. */
  private readonly described = new WeakMap<SourcePlan, Described>();

  constructor(private conn: PgConnection, private readonly request: SourceRequest, private readonly opts: SessionOptions) {}

  async describe(): Promise<SourcePlan> {
    const described = await this.describeSource();
    this.described.set(described.plan, described);
    return described.plan;
  }

  async streamRows(plan: SourcePlan, sink: RowSink, opts: StreamOptions): Promise<void> {
    const { sql, conn } = await this.copySql(plan, opts.limit, 'text');
    const consumer = new TextRowConsumer(plan.columns.length, sink, opts.limit);
    await copyOut(conn, sql, consumer, { signal: opts.signal, log: this.opts.log, limitPushed: canPushLimit(opts.limit) });
  }

  async streamBinaryCopy(plan: SourcePlan, sink: BinaryCopySink, opts: StreamOptions): Promise<void> {
    if (!plan.binaryCopy) throw new ConnectorError('INTERNAL', 'streamBinaryCopy called for a plan without binaryCopy');
    const { sql, conn } = await this.copySql(plan, opts.limit, 'binary');
    // The sink's own finish() checks completeness; the COPY's end needs no check here.
    const consumer = { write: (c: Buffer) => sink.write(c), drained: () => sink.drained(), get full() { return sink.full; }, end: () => undefined };
    await copyOut(conn, sql, consumer, { signal: opts.signal, log: this.opts.log, limitPushed: canPushLimit(opts.limit) });
  }

  async listTables(limit: number): Promise<RemoteTable[]> {
    return listTables(await this.connection(), this.request.schema, limit);
  }

  async close(): Promise<void> {
    await this.conn.close();
  }

  private async describeSource(): Promise<Described> {
    const conn = await this.connection();
    if (this.request.sqlQuery !== undefined) return describeQuery(conn, normaliseQuery(this.request.sqlQuery), this.opts.target);
    if (!this.request.table) throw new ConnectorError('INVALID_PARAMETERS', 'The table parameter is required if no sql_query parameter is provided');
    return describeTable(conn, this.request.schema || POSTGRES_DEFAULT_SCHEMA, this.request.table, this.opts.target);
  }

  private async copySql(plan: SourcePlan, limit: number, format: 'text' | 'binary'): Promise<{ sql: string; conn: PgConnection }> {
    if (plan.columns.length === 0) throw new ConnectorError('NO_IMPORTABLE_COLUMNS', 'No column of the PostgreSQL source has a type that can be imported');
    const described = this.described.get(plan) ?? await this.redescribe(plan);
    const conn = await this.connection();
    return { sql: copyToSql(buildSelect(described.source, described.selected, limit), format), conn };
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

  /** The session's connection, reopened when a cancel or an early stop dropped it. */
  private async connection(): Promise<PgConnection> {
    if (this.conn.isClosed) this.conn = await openConnection(this.request, this.opts);
    return this.conn;
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
