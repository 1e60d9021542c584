/**
 * ChangeCapture (src/rows/changes.ts, SPEC §16) for PostgreSQL: a logical replication slot with
 * the pgoutput plugin, read with the SQL peek functions on the session's own connection and
 * advanced only after the target committed (docs/change-capture-design.md §1, §4).
 *
 * Positions are commit end LSNs as the server spells them (`0/154AA40`); the target's stored one
 * is the truth, the slot's confirmed_flush_lsn only follows it (confirm).
 *
 * snapshot() leaves the session's connection inside `BEGIN ISOLATION LEVEL REPEATABLE READ, READ
 * ONLY` + `SET TRANSACTION SNAPSHOT`: streamRows / streamBinaryCopy run their COPY on that same
 * connection without a BEGIN of their own, so every read until the next change-capture call
 * sees exactly the snapshot. snapshot(), readChanges(), confirm() and release() end that
 * transaction first (index.ts); check(), available() and lagBytes() only read catalogs and
 * shared-memory views, and run inside it without ending it.
 */
import { ConnectorError } from '../../errors.js';
import type { ChangeCapture, ChangeLogNames, ChangeReadOptions, ChangeSink } from '../../rows/changes.js';
import type { SourcePlan } from '../../rows/plan.js';
import type { Logger } from 'pino';
import type pg from 'pg';
import type { SessionOptions, SourceRequest } from '../provider.js';
import type { Described } from './catalog.js';
import { checkChangeCapture } from './change-prereq.js';
import { readChanges, type ReadTarget } from './change-reader.js';
import type { PgConnection } from './connection.js';
import { parseLsn } from './pgoutput.js';
import { createExportedSlot } from './replication.js';
import { advanceSlot, checkSlotName, dropPublication, dropSlot, ensurePublication, publishesTable, slotKeeps, type Query } from './slot-state.js';
import { cancellableQuery } from './statement.js';

/** What change capture needs of its PostgresSession (index.ts). */
export interface CaptureSession {
  readonly request: SourceRequest;
  readonly options: SessionOptions;
  /** The session's connection with no snapshot transaction open (one snapshot() left is committed). */
  freshConnection(): Promise<PgConnection>;
  /** The session's connection as it is, inside the snapshot transaction if one is held (read-only lookups). */
  connection(): Promise<PgConnection>;
  described(plan: SourcePlan): Promise<Described>;
  /** `conn` is now inside the snapshot transaction: the session's next reads must happen in it. */
  holdSnapshot(conn: PgConnection): void;
}

const NO_SIGNAL = new AbortController().signal;

export class PostgresChangeCapture implements ChangeCapture {
  constructor(private readonly session: CaptureSession) {}

  private get log(): Logger {
    return this.session.options.log;
  }

  async check(plan: SourcePlan, names: ChangeLogNames, opts: ChangeReadOptions): Promise<void> {
    checkSlotName(names.slot);
    const { conn, target } = await this.prepare(plan, false);
    await checkChangeCapture(this.query(conn, opts.signal), target, names, opts.key, this.session.request.connection.username ?? '');
  }

  async snapshot(plan: SourcePlan, names: ChangeLogNames, opts: ChangeReadOptions): Promise<string> {
    checkSlotName(names.slot);
    const { conn, target } = await this.prepare(plan);
    const query = this.query(conn, opts.signal);
    // The publication must exist before the slot's start: pgoutput reads it through the slot's historic catalog (§1b gotcha 3).
    if (names.ownPublication) await ensurePublication(query, names.publication, target.schema, target.table);
    else if (!(await publishesTable(query, names.publication, target.schema, target.table)).publishes) {
      throw new ConnectorError('INVALID_PARAMETERS', `The publication "${names.publication}" (parameter "publication") does not exist or does not publish "${target.schema}"."${target.table}"`);
    }
    await dropSlot(query, names.slot);
    const slot = await createExportedSlot(this.session.request, this.session.options, names.slot, opts.signal);
    try {
      await query('begin isolation level repeatable read, read only');
      // SET TRANSACTION SNAPSHOT takes no parameter; the name is the server's own (`00000004-00000003-1`), checked anyway.
      if (!/^[0-9A-F-]+$/i.test(slot.snapshotName)) throw new ConnectorError('CONNECTOR_ERROR', `Unexpected snapshot name ${JSON.stringify(slot.snapshotName)}`);
      await query(`set transaction snapshot '${slot.snapshotName}'`);
      this.session.holdSnapshot(conn);
    } catch (err) {
      if (!conn.isClosed) await conn.query('rollback').catch(() => undefined);
      await dropSlot(this.query(await this.session.freshConnection(), NO_SIGNAL), names.slot).catch(() => undefined);
      throw err;
    } finally {
      await slot.close();
    }
    return slot.consistentPoint;
  }

  async available(position: string, names: ChangeLogNames, opts: { signal: AbortSignal }): Promise<boolean> {
    parseLsn(position);
    const conn = await this.session.connection();
    return slotKeeps(this.query(conn, opts.signal), names.slot, position);
  }

  async readChanges(plan: SourcePlan, from: string, names: ChangeLogNames, sink: ChangeSink, opts: ChangeReadOptions): Promise<void> {
    checkSlotName(names.slot);
    const { conn, target } = await this.prepare(plan);
    await readChanges(conn, target, from, names, sink, { signal: opts.signal, log: this.log });
  }

  /** Best effort: a failure only delays the source's WAL recycling; the next confirm catches up. */
  async confirm(position: string, names: ChangeLogNames): Promise<void> {
    try {
      parseLsn(position);
      const conn = await this.session.freshConnection();
      await advanceSlot(this.query(conn, NO_SIGNAL), names.slot, position);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, slot: names.slot, position }, 'PostgreSQL replication slot advance failed');
    }
  }

  async lagBytes(position: string): Promise<number | null> {
    parseLsn(position);
    const conn = await this.session.connection();
    const rows = await this.query(conn, NO_SIGNAL)<{ lag: string | null }>('select pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), $1::pg_catalog.pg_lsn)::text as lag', [position]);
    const lag = rows[0]?.lag;
    return lag === null || lag === undefined ? null : Number(lag);
  }

  async release(names: ChangeLogNames): Promise<void> {
    checkSlotName(names.slot);
    const query = this.query(await this.session.freshConnection(), NO_SIGNAL);
    await dropSlot(query, names.slot);
    if (names.ownPublication) await dropPublication(query, names.publication);
  }

  private async prepare(plan: SourcePlan, endSnapshot = true): Promise<{ conn: PgConnection; target: ReadTarget }> {
    const conn = await (endSnapshot ? this.session.freshConnection() : this.session.connection());
    const described = await this.session.described(plan);
    if (described.source.kind !== 'table') {
      throw new ConnectorError('INVALID_PARAMETERS', 'Change capture ("mode": "cdc") follows a table: it cannot follow a sql_query; give the "table" parameter');
    }
    return { conn, target: { plan, described, schema: described.source.schema, table: described.source.name } };
  }

  private query(conn: PgConnection, signal: AbortSignal): Query {
    return <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => cancellableQuery<R>(conn, text, values, { signal, log: this.log });
  }
}
