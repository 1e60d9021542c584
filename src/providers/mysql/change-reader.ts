/**
 * One bounded readChanges run over a binlog dump (binlog.ts): binlog events → whole source
 * transactions in commit order → ChangeSink.
 *
 * A transaction's changes are written as their row events arrive (the sink applies only what a
 * commit closed), then `commit` with the position just past its XID (or COMMIT / a standalone
 * DDL statement). Positions only ever move at those boundaries, so a stored position is always
 * a safe restart point. The run ends at the first commit at or past `bound` (the log's end when
 * the call started) or at a commit once `sink.full`, and the dump is stopped before it resolves.
 *
 * Memory: one row event (≤ binlog_row_event_max_size, 8 KiB by default) is converted at a
 * time; when the sink answers false the dump connection is paused (mysql2 queues at most the
 * socket chunk at hand) until `drained()`.
 */
import type { AnyBinlogEvent } from '@vlasky/zongji';
import { ConnectorError, toConnectorError } from '../../errors.js';
import type { Change, ChangeSink } from '../../rows/changes.js';
import type { SourcePlan } from '../../rows/plan.js';
import { ddlEffect } from './binlog-ddl.js';
import { comparePositions, formatPosition, type BinlogPosition } from './binlog-position.js';
import type { BinlogDump, BinlogTarget } from './binlog.js';
import type { BinlogRow, RowConverter } from './change-values.js';

export interface ReadRun {
  dump: BinlogDump;
  target: BinlogTarget;
  plan: SourcePlan;
  convert: RowConverter;
  from: BinlogPosition;
  bound: BinlogPosition;
  sink: ChangeSink;
  signal: AbortSignal;
}

type Ev = AnyBinlogEvent & Record<string, any>;

export function readBinlog(run: ReadRun): Promise<void> {
  if (comparePositions(run.from, run.bound) >= 0) return Promise.resolve();
  if (run.signal.aborted) return Promise.reject(new ConnectorError('CANCELLED', 'Change capture cancelled before the binlog read started'));
  return new Promise<void>((resolve, reject) => new BinlogRead(run, resolve, reject).start());
}

class BinlogRead {
  private file: string;
  private inTransaction = false;
  /** A BEGIN (or MariaDB's non-standalone GTID event) opened it: statements inside do not end it. */
  private begun = false;
  private gtid: string | undefined;
  /** Past the last event outside a transaction: where the log is read up to. */
  private cursor: BinlogPosition;
  private committed: BinlogPosition;
  private waiting = false;
  private done = false;
  private readonly checkedTables = new Set<number>();

  constructor(private readonly run: ReadRun, private readonly resolve: () => void, private readonly reject: (err: ConnectorError) => void) {
    this.file = run.from.file;
    this.gtid = run.from.gtid;
    this.cursor = run.from;
    this.committed = run.from;
  }

  start(): void {
    this.run.signal.addEventListener('abort', this.onAbort, { once: true });
    this.run.dump.start(this.run.from, this.run.target, (event) => {
      if (this.done) return;
      try {
        this.onEvent(event as Ev);
      } catch (err) {
        this.finish(err);
      }
    }, (err) => this.finish(err));
  }

  private onEvent(e: Ev): void {
    switch (e.getEventName()) {
      case 'rotate':
        this.file = e.binlogName;
        if (!this.inTransaction) this.advance({ file: e.binlogName, pos: e.position });
        return;
      case 'mariadbgtid':
        this.begun = !e.standalone;
        this.inTransaction = true;
        this.gtid = e.gtid;
        return;
      case 'gtid':
        this.inTransaction = true;
        this.gtid = e.gtid;
        return;
      case 'anonymousgtid':
        this.inTransaction = true;
        return;
      case 'query':
        return this.onQuery(e);
      case 'tablemap':
        return this.checkColumns(e);
      case 'writerows':
        return this.write(e.rows.map((row: BinlogRow): Change => ({ op: 'insert', row: this.run.convert(row) })));
      case 'updaterows':
        return this.write(e.rows.map((r: { before: BinlogRow; after: BinlogRow }): Change => ({ op: 'update', row: this.run.convert(r.after), old: this.run.convert(r.before) })));
      case 'deleterows':
        return this.write(e.rows.map((row: BinlogRow): Change => ({ op: 'delete', old: this.run.convert(row) })));
      case 'xid':
        return this.commit(e.nextPosition);
      case 'xaprepare':
        throw new ConnectorError('SOURCE_QUERY_FAILED', 'The MySQL binlog holds an XA transaction; change capture does not follow XA transactions');
      default:
        if (!this.inTransaction && e.nextPosition > 0) this.advance({ file: this.file, pos: e.nextPosition });
    }
  }

  /** BEGIN/COMMIT of non-GTID servers, and statements: DDL and TRUNCATE are transactions of their own. */
  private onQuery(e: Ev): void {
    const sql = String(e.query).trim();
    const word = sql.toUpperCase();
    if (word === 'BEGIN') {
      this.inTransaction = true;
      this.begun = true;
      return;
    }
    // ROLLBACK is logged only after changes to non-transactional tables, which stay: a commit too.
    if (word === 'COMMIT' || word === 'ROLLBACK') return this.commit(e.nextPosition);
    const { schema, table } = this.run.target;
    const effect = ddlEffect(sql, String(e.schema ?? ''), schema, table);
    if (effect === 'incompatible') {
      throw new ConnectorError('SYNC_TABLE_INCOMPATIBLE', `The MySQL table ${schema}.${table} was changed at the source (${sql.slice(0, 200)}); the sync must re-snapshot`);
    }
    if (effect === 'truncate') this.write([{ op: 'truncate' }]);
    // A statement outside BEGIN…COMMIT (DDL, TRUNCATE) is a transaction of its own; inside one
    // (SAVEPOINT and the like) it ends nothing, and MariaDB logs it without a position anyway.
    if (!this.begun) this.commit(e.nextPosition);
  }

  /** The table as the binlog row events describe it must still be the planned one. */
  private checkColumns(e: Ev): void {
    if (this.checkedTables.has(e.tableId)) return;
    const schemas = this.run.dump.columnSchemas(e.tableId) ?? [];
    const { plan } = this.run;
    const known = new Map<string, string>([...plan.skipped, ...plan.columns].map((c) => [c.remoteName, c.remoteType.toLowerCase()]));
    const differing = schemas.filter((s) => known.get(s.COLUMN_NAME) !== s.COLUMN_TYPE.toLowerCase()).map((s) => `${s.COLUMN_NAME} ${s.COLUMN_TYPE}`);
    const names = new Set(schemas.map((s) => s.COLUMN_NAME));
    const missing = [...known.keys()].filter((n) => !names.has(n));
    if (differing.length > 0 || missing.length > 0 || schemas.length !== e.columnCount) {
      const parts = [...(differing.length ? [`new or changed: ${differing.join(', ')}`] : []), ...(missing.length ? [`gone: ${missing.join(', ')}`] : [])];
      throw new ConnectorError('SYNC_TABLE_INCOMPATIBLE', `The columns of the MySQL table ${this.run.target.schema}.${this.run.target.table} differ from the sync's (${parts.join('; ') || `the binlog has ${e.columnCount} columns`}); the sync must re-snapshot`);
    }
    this.checkedTables.add(e.tableId);
  }

  private write(changes: Change[]): void {
    let more = true;
    for (const change of changes) more = this.run.sink.write(change) && more;
    if (!more && !this.waiting) {
      this.waiting = true;
      this.run.dump.pause();
      this.run.sink.drained().then(() => {
        this.waiting = false;
        if (!this.done) this.run.dump.resume();
      }, (err: unknown) => this.finish(err ?? new Error('the change sink failed')));
    }
  }

  private commit(nextPosition: number): void {
    const position: BinlogPosition = { file: this.file, pos: nextPosition, ...(this.gtid ? { gtid: this.gtid } : {}) };
    this.inTransaction = false;
    this.begun = false;
    this.cursor = position;
    if (comparePositions(position, this.run.from) <= 0) return; // applied by an earlier run
    this.run.sink.commit(formatPosition(position));
    this.committed = position;
    if (this.run.sink.full || comparePositions(position, this.run.bound) >= 0) this.finish();
  }

  /** Past an event that belongs to no transaction (rotate, format, checkpoint…): the bound may lie there. */
  private advance(position: BinlogPosition): void {
    if (comparePositions(position, this.cursor) > 0) this.cursor = { ...position, ...(this.gtid ? { gtid: this.gtid } : {}) };
    if (comparePositions(this.cursor, this.run.bound) < 0) return;
    // Nothing of ours follows the last commit up to the bound: the next run can start here.
    if (comparePositions(this.cursor, this.committed) > 0) this.run.sink.commit(formatPosition(this.cursor));
    this.finish();
  }

  private readonly onAbort = (): void => this.finish(new ConnectorError('CANCELLED', 'Change capture cancelled; the binlog dump was stopped'));

  private finish(err?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.run.signal.removeEventListener('abort', this.onAbort);
    void this.run.dump.stop().then(() => (err === undefined ? this.resolve() : this.reject(toConnectorError(err))));
  }
}
