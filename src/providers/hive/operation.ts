/**
 * One HiveServer2 operation: ExecuteStatement (runAsync, with Hive's own queryTimeout as a second
 * line behind our deadline), GetOperationStatus polling until FINISHED, GetResultSetMetadata,
 * FetchResults pages, and the always-run CancelOperation / CloseOperation.
 */
import { CLEANUP_TIMEOUT_MS, guarded, type CallGuard, type HiveConnection, type TStatusLike } from './connection.js';
import { HiveAborted, HiveStatusError, HiveTimeoutError } from './errors.js';
import { TTypes } from './thrift.js';

/** Poll quickly first (small queries finish in milliseconds), then back off to spare the server. */
const POLL_FIRST_MS = 5;
const POLL_MAX_MS = 500;
const POLL_GROWTH = 1.5;
const MS_PER_SECOND = 1000;

const STATE = TTypes.TOperationState as Record<string, number>;
const WAITING_STATES = new Set([STATE.INITIALIZED_STATE, STATE.RUNNING_STATE, STATE.PENDING_STATE]);

export interface TColumnDescLike {
  columnName: string;
  typeDesc: { types: Array<{ primitiveEntry?: { type: number; typeQualifiers?: { qualifiers?: Record<string, { i32Value?: number | null } | null> } | null } | null } & Record<string, unknown>> };
}

/** A page: the TColumns of a columnar TRowSet (exactly one of the value fields is set per column). */
export type TColumnLike = Record<string, { values: unknown[]; nulls: Buffer } | null | undefined>;

export class HiveOperation {
  private closed = false;

  private constructor(private readonly conn: HiveConnection, readonly handle: object) {}

  /** Executes `statement` (runAsync) and waits until it is FINISHED. */
  static execute(conn: HiveConnection, statement: string, guard: CallGuard): Promise<HiveOperation> {
    const queryTimeoutS = guard.timeoutKind === 'statement' ? Math.max(1, Math.ceil((guard.deadlineMs - Date.now()) / MS_PER_SECOND)) : 0;
    return HiveOperation.start(conn, (d) => d.executeStatement({
      sessionHandle: conn.sessionHandle as never,
      statement,
      runAsync: true,
      queryTimeout: queryTimeoutS as never,
    }), guard, 'ExecuteStatement');
  }

  /** Starts an operation with `request` and waits until it is FINISHED; on failure, timeout or abort it is cancelled and closed. */
  static async start(conn: HiveConnection, request: (d: HiveConnection['driver']) => Promise<{ status: TStatusLike; operationHandle: object }>, guard: CallGuard, what: string): Promise<HiveOperation> {
    const response = await conn.rpc(request, guard, what);
    const op = new HiveOperation(conn, response.operationHandle);
    try {
      await op.waitUntilFinished(guard);
      return op;
    } catch (err) {
      if (err instanceof HiveAborted || err instanceof HiveTimeoutError) await op.cancel();
      await op.close();
      throw err;
    }
  }

  private async waitUntilFinished(guard: CallGuard): Promise<void> {
    let delayMs = POLL_FIRST_MS;
    for (;;) {
      const status = await this.conn.rpc((d) => d.getOperationStatus({ operationHandle: this.handle as never }), guard, 'GetOperationStatus');
      const state = status.operationState ?? STATE.UKNOWN_STATE;
      if (state === STATE.FINISHED_STATE) return;
      if (state === STATE.TIMEDOUT_STATE) throw new HiveTimeoutError('statement', 'Hive operation');
      if (state === STATE.CANCELED_STATE) throw new HiveStatusError('The Hive operation was cancelled by the server or another client');
      if (!WAITING_STATES.has(state)) {
        throw new HiveStatusError(status.errorMessage || `The Hive operation ended in state ${Object.keys(STATE).find((k) => STATE[k] === state) ?? state}`,
          status.sqlState ?? undefined, status.errorCode ?? undefined);
      }
      await guarded(undefined, guard, this.conn.lost, 'Hive operation', delayMs);
      delayMs = Math.min(POLL_MAX_MS, delayMs * POLL_GROWTH);
    }
  }

  async schema(guard: CallGuard): Promise<TColumnDescLike[]> {
    const response = await this.conn.rpc((d) => d.getResultSetMetadata({ operationHandle: this.handle as never }), guard, 'GetResultSetMetadata');
    return (response.schema?.columns ?? []) as unknown as TColumnDescLike[];
  }

  /** Next page of at most `maxRows` rows; an empty page is the end (HiveServer2 never sets hasMoreRows reliably). */
  async fetch(maxRows: number, guard: CallGuard): Promise<TColumnLike[]> {
    const response = await this.conn.rpc((d) => d.fetchResults({
      operationHandle: this.handle as never,
      orientation: TTypes.TFetchOrientation.FETCH_NEXT,
      maxRows,
      fetchType: 0,
    }), guard, 'FetchResults');
    const results = response.results as unknown as { columns?: TColumnLike[] | null; rows?: unknown[] } | undefined;
    if (!results?.columns && (results?.rows?.length ?? 0) > 0) throw new HiveStatusError('HiveServer2 sent a row-based result set; Hive 0.13 or later is required');
    return results?.columns ?? [];
  }

  /** Best effort, bounded: a cancel must never hang or throw. */
  async cancel(): Promise<void> {
    if (this.closed) return;
    await this.conn.rpc((d) => d.cancelOperation({ operationHandle: this.handle as never }), cleanupGuard(), 'CancelOperation').catch(() => undefined);
  }

  /** Best effort, bounded, once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.conn.rpc((d) => d.closeOperation({ operationHandle: this.handle as never }), cleanupGuard(), 'CloseOperation').catch(() => undefined);
  }
}

function cleanupGuard(): CallGuard {
  return { deadlineMs: Date.now() + CLEANUP_TIMEOUT_MS, timeoutKind: 'statement' };
}
