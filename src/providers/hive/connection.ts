/**
 * One HiveServer2 session over hive-driver: TCP (+ PLAIN SASL when a username or password is
 * given, NOSASL otherwise), OpenSession, and guarded RPCs.
 *
 * Every RPC is raced against three things, because thrift's client never fails a pending call on
 * its own (shared notes: a SASL mismatch hangs forever): the deadline (connect_timeout while
 * opening, statement_timeout while a statement runs), the caller's AbortSignal, and the loss of
 * the socket. We call hive-driver's HiveDriver (one method per TCLIService RPC) rather than
 * HiveSession so that a failed TStatus keeps its sqlState and errorCode.
 */
import type net from 'node:net';
import hive from 'hive-driver';
import type { Logger } from 'pino';
import { HiveAborted, HiveConnectionLost, HiveStatusError, HiveTimeoutError } from './errors.js';
import { LinearFramedTransport, RawStringBinaryProtocol, TCLIService, TTypes, noSaslLinearAuthentication } from './thrift.js';

export interface HiveEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** The session's current database (`use:database`, like the database of a JDBC URL). */
  database: string;
}

/** What bounds one RPC: an absolute deadline (ms since epoch) and what to call a miss, plus the cancel signal. */
export interface CallGuard {
  deadlineMs: number;
  timeoutKind: 'connect' | 'statement';
  signal?: AbortSignal;
}

/** Clean-up RPCs (CancelOperation, CloseOperation, CloseSession) must never hold a job: short and bounded. */
export const CLEANUP_TIMEOUT_MS = 5_000;
/** Protocol V6 (Hive 0.13) introduced the columnar TRowSet that the row reader understands. */
const MIN_PROTOCOL = TTypes.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V6 as number;
const CLIENT_PROTOCOL = TTypes.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10 as number;
const STATUS_ERROR = TTypes.TStatusCode.ERROR_STATUS as number;
const STATUS_INVALID_HANDLE = TTypes.TStatusCode.INVALID_HANDLE_STATUS as number;

export interface TStatusLike { statusCode: number; errorMessage?: string; sqlState?: string; errorCode?: number }

export function checkStatus(status: TStatusLike | undefined, what: string): void {
  if (!status) throw new HiveStatusError(`${what}: HiveServer2 sent no status`);
  if (status.statusCode === STATUS_ERROR || status.statusCode === STATUS_INVALID_HANDLE) {
    throw new HiveStatusError(status.errorMessage || `${what} failed`, status.sqlState ?? undefined, status.errorCode ?? undefined);
  }
}

/** The first failure of the socket, announced to whoever waits at that moment. */
export class LossSignal {
  error?: unknown;
  private readonly listeners = new Set<(err: unknown) => void>();

  fire(err: unknown): void {
    if (this.error !== undefined) return;
    this.error = err;
    for (const listener of [...this.listeners]) listener(err);
    this.listeners.clear();
  }

  /** Calls `listener` on loss (at once if already lost); returns the unsubscribe function. */
  subscribe(listener: (err: unknown) => void): () => void {
    if (this.error !== undefined) {
      listener(this.error);
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * Settles like `work`, or rejects on deadline, abort or socket loss — whichever comes first.
 * `work` = undefined waits for the deadline itself (a poll interval) and then resolves.
 */
export function guarded<T>(work: Promise<T> | undefined, guard: CallGuard, lost: LossSignal, what: string, waitMs = 0): Promise<T | undefined> {
  if (guard.signal?.aborted) return Promise.reject(new HiveAborted());
  if (lost.error !== undefined) return Promise.reject(lost.error);
  return new Promise<T | undefined>((resolve, reject) => {
    let done = false;
    let unsubscribe = () => undefined as unknown;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      guard.signal?.removeEventListener('abort', onAbort);
      unsubscribe();
      settle();
    };
    const remainingMs = Math.max(0, guard.deadlineMs - Date.now());
    const timer = work === undefined && waitMs < remainingMs
      ? setTimeout(() => finish(() => resolve(undefined)), waitMs)
      : setTimeout(() => finish(() => reject(new HiveTimeoutError(guard.timeoutKind, what))), remainingMs);
    const onAbort = () => finish(() => reject(new HiveAborted()));
    guard.signal?.addEventListener('abort', onAbort, { once: true });
    unsubscribe = lost.subscribe((e) => finish(() => reject(e)));
    work?.then((v) => finish(() => resolve(v)), (e) => finish(() => reject(e)));
  });
}

type HiveClient = InstanceType<typeof hive.HiveClient>;
type AuthProvider = NonNullable<Parameters<HiveClient['connect']>[2]>;
type AuthTransport = Parameters<AuthProvider['authenticate']>[0];

/** Wraps hive-driver's authentication to learn the socket and to turn a silent close into an error. */
class SocketWatch implements AuthProvider {
  socket?: net.Socket;
  constructor(private readonly inner: AuthProvider, private readonly onClose: () => void) {}
  authenticate(transport: AuthTransport): Promise<AuthTransport> {
    const result = this.inner.authenticate(transport);
    this.socket = transport.getTransport() as net.Socket;
    this.socket.once('close', this.onClose);
    return result;
  }
}

export class HiveConnection {
  private closed = false;

  private constructor(
    private readonly client: HiveClient,
    readonly driver: InstanceType<typeof hive.HiveDriver>,
    private readonly watch: SocketWatch,
    readonly lost: LossSignal,
    readonly sessionHandle: object,
    readonly protocolVersion: number,
    private readonly log: Logger,
  ) {}

  static async open(endpoint: HiveEndpoint, connectTimeoutMs: number, log: Logger): Promise<HiveConnection> {
    const sasl = endpoint.username !== undefined || endpoint.password !== undefined;
    const guard: CallGuard = { deadlineMs: Date.now() + connectTimeoutMs, timeoutKind: 'connect' };
    let phase: 'sasl' | 'open' | 'session' = sasl ? 'sasl' : 'open';
    const lost = new LossSignal();
    const client = new hive.HiveClient(TCLIService, TTypes);
    const onLost = (cause?: unknown) => lost.fire(cause && (cause as { code?: string }).code ? cause : new HiveConnectionLost(phase, cause));
    client.on('error', onLost);
    client.on('close', () => onLost());
    const auth = sasl
      ? new hive.auth.PlainTcpAuthentication({ username: endpoint.username ?? 'anonymous', password: endpoint.password ?? '' })
      : noSaslLinearAuthentication;
    const watch = new SocketWatch(auth, () => onLost());
    try {
      await guarded(client.connect({
        host: endpoint.host,
        port: endpoint.port,
        options: { protocol: RawStringBinaryProtocol, ...(sasl ? { transport: LinearFramedTransport } : {}) },
      }, new hive.connections.TcpConnection(), watch), guard, lost, 'connect');
      phase = 'open';
      const driver = new hive.HiveDriver(TTypes, client.getClient());
      const response = (await guarded(driver.openSession({
        client_protocol: CLIENT_PROTOCOL,
        ...(endpoint.username !== undefined ? { username: endpoint.username } : {}),
        ...(endpoint.password !== undefined ? { password: endpoint.password } : {}),
        configuration: { 'use:database': endpoint.database },
      }), guard, lost, 'OpenSession'))!;
      checkStatus(response.status, 'OpenSession');
      phase = 'session';
      if (response.serverProtocolVersion < MIN_PROTOCOL) {
        throw new HiveStatusError(`HiveServer2 speaks protocol V${response.serverProtocolVersion + 1} (Hive < 0.13), whose row-based results the connector does not read; Hive 0.13 or later is required`);
      }
      log.debug({ server: endpoint.host, port: endpoint.port, sasl, protocol: response.serverProtocolVersion }, 'hive session opened');
      return new HiveConnection(client, driver, watch, lost, response.sessionHandle, response.serverProtocolVersion, log);
    } catch (err) {
      watch.socket?.destroy();
      client.close();
      throw err;
    }
  }

  /** Runs one TCLIService RPC through hive-driver under `guard`, and fails on a non-success TStatus. */
  async rpc<R extends { status?: TStatusLike }>(call: (driver: InstanceType<typeof hive.HiveDriver>) => Promise<R>, guard: CallGuard, what: string): Promise<R> {
    const response = (await guarded(call(this.driver), guard, this.lost, what))!;
    checkStatus(response.status, what);
    return response;
  }

  /** CloseSession (bounded), then the socket. Safe to call twice and after errors. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.rpc((d) => d.closeSession({ sessionHandle: this.sessionHandle as never }), { deadlineMs: Date.now() + CLEANUP_TIMEOUT_MS, timeoutKind: 'statement' }, 'CloseSession');
    } catch (err) {
      this.log.debug({ err: String((err as Error)?.message ?? err) }, 'hive CloseSession failed');
    } finally {
      this.client.close();
      this.watch.socket?.destroy();
    }
  }
}
