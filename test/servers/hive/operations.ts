/**
 * Sessions and operations of the test server, with HiveServer2's state machine:
 * INITIALIZED → RUNNING → FINISHED | ERROR | CANCELED | TIMEDOUT, then CLOSED. An operation holds
 * its result (an in-memory table or a PostgreSQL cursor) until CloseOperation, CancelOperation,
 * CloseSession or the client's disconnect releases it.
 */
import crypto from 'node:crypto';
import type { HiveError } from './errors.js';
import type { ResultSource } from './query.js';
import type { RawRow, ResultColumn } from './rowset.js';
import type { SessionState } from './statements.js';
import { TTypes } from './thrift-api.js';

export type OperationStateName = 'INITIALIZED_STATE' | 'RUNNING_STATE' | 'FINISHED_STATE' | 'CANCELED_STATE' | 'CLOSED_STATE' | 'ERROR_STATE' | 'TIMEDOUT_STATE';
export type OperationTypeName = 'EXECUTE_STATEMENT' | 'GET_SCHEMAS' | 'GET_TABLES' | 'GET_TABLE_TYPES' | 'GET_COLUMNS' | 'GET_CATALOGS';

export interface HandleId { guid: Buffer; secret: Buffer }

export function newHandleId(): HandleId {
  return { guid: crypto.randomBytes(16), secret: crypto.randomBytes(16) };
}

export const handleKey = (id: { guid: Buffer } | null | undefined): string => (id?.guid ? Buffer.from(id.guid).toString('hex') : '');

export class Session {
  readonly id = newHandleId();
  readonly operations = new Set<Operation>();
  constructor(readonly connectionId: number, readonly state: SessionState, readonly protocolVersion: number) {}
  get key(): string { return handleKey(this.id); }
}

type Result = { kind: 'rows'; columns: ResultColumn[]; rows: RawRow[] } | { kind: 'cursor'; source: ResultSource } | { kind: 'none' };

export class Operation {
  readonly id = newHandleId();
  state: OperationStateName = 'INITIALIZED_STATE';
  error?: HiveError;
  modifiedRows?: number;
  readonly startedMs = Date.now();
  completedMs = 0;
  private result: Result = { kind: 'none' };
  private resultSet = false;
  private offset = 0;
  private timers: NodeJS.Timeout[] = [];

  constructor(readonly session: Session, readonly type: OperationTypeName, readonly statement = '') {
    session.operations.add(this);
  }

  get key(): string { return handleKey(this.id); }
  get hasResultSet(): boolean { return this.resultSet; }

  /** The TOperationHandle clients keep. */
  handle(): object {
    return { operationId: this.id, operationType: TTypes.TOperationType[this.type], hasResultSet: this.hasResultSet, modifiedRowCount: this.modifiedRows };
  }

  /** Result known; becomes FINISHED after `delayMs` (test hook: a long-running query) unless `timeoutMs` fires first. */
  start(result: Result, delayMs: number, timeoutMs: number): void {
    this.result = result;
    this.resultSet = result.kind !== 'none';
    this.state = 'RUNNING_STATE';
    if (timeoutMs > 0 && timeoutMs < delayMs) {
      this.timers.push(setTimeout(() => { void this.finishAs('TIMEDOUT_STATE'); }, timeoutMs));
    }
    if (delayMs <= 0) this.state = 'FINISHED_STATE';
    else this.timers.push(setTimeout(() => { if (this.state === 'RUNNING_STATE') this.state = 'FINISHED_STATE'; }, delayMs));
    if (this.state === 'FINISHED_STATE') this.completedMs = Date.now();
  }

  fail(err: HiveError): void {
    this.error = err;
    void this.finishAs('ERROR_STATE');
  }

  async columns(): Promise<ResultColumn[]> {
    if (this.result.kind === 'rows') return this.result.columns;
    if (this.result.kind === 'cursor') return this.result.source.columns();
    return [];
  }

  async fetch(maxRows: number): Promise<{ rows: RawRow[]; offset: number }> {
    const offset = this.offset;
    let rows: RawRow[] = [];
    if (this.result.kind === 'rows') rows = this.result.rows.slice(offset, offset + maxRows);
    else if (this.result.kind === 'cursor') rows = await this.result.source.fetch(maxRows);
    this.offset += rows.length;
    return { rows, offset };
  }

  get fetchedRows(): number { return this.offset; }

  async cancel(): Promise<void> {
    if (this.state === 'RUNNING_STATE' || this.state === 'FINISHED_STATE' || this.state === 'INITIALIZED_STATE') await this.finishAs('CANCELED_STATE');
  }

  async close(): Promise<void> {
    await this.finishAs('CLOSED_STATE');
    this.session.operations.delete(this);
  }

  private async finishAs(state: OperationStateName): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    if (this.state !== 'CLOSED_STATE') this.state = state;
    this.completedMs ||= Date.now();
    const result = this.result;
    this.result = { kind: 'none' };
    if (result.kind === 'cursor') await result.source.close();
  }
}
