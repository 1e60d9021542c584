/**
 * The provider contract: everything the core knows about a remote database.
 *
 * One provider = one folder under providers/ implementing `Provider`. The core (sidecar/, load/)
 * never imports a driver; a provider never imports from sidecar/ or load/ and never talks to the
 * target. What a provider produces and the loader consumes — values, sinks, the column plan,
 * warning counts, the text codecs — is the neutral contract in src/rows/, which both sides
 * import; sidecar/ joins a provider to a loader (.ci/dependency-cruiser.cjs enforces this).
 *
 * Units: milliseconds for times (`…Ms`), rows for limits. Values crossing this interface are in
 * PostgreSQL COPY *text input* form, not yet COPY-escaped (load/copy-encoder.ts escapes them).
 */
import type { Logger } from 'pino';
import type { ColumnPlan, SkippedColumn, SourcePlan, TargetCapabilities } from '../rows/plan.js';
import type { BinaryCopySink, CopyValue, FieldSink, RowSink } from '../rows/sink.js';
import type { WarningCode, WarningCounter } from '../rows/warnings.js';

/**
 * The rows/ types this interface is written in, for code that holds a SourceSession and needs
 * them in one import (tests, bench/). Modules in src/ import them from rows/ directly, so the
 * import graph shows who depends on the contract; load/ cannot come through here at all.
 */
export type { BinaryCopySink, ColumnPlan, CopyValue, FieldSink, RowSink, SkippedColumn, SourcePlan, TargetCapabilities, WarningCode, WarningCounter };

export type ProviderName = 'mysql' | 'postgres' | 'sqlserver' | 'hive';

/** `sslmode` values (SPEC §2); only the postgres provider accepts them. */
export type SslMode = 'require' | 'prefer' | 'disable' | 'verify-ca' | 'verify-full';

export interface ConnectionParams {
  /** As the user gave it: the name in messages and the TLS server name. */
  server: string;
  /**
   * The address the network policy checked (sidecar/allowed-hosts.ts): drivers connect here,
   * never to `server` again, so a second DNS answer cannot lead elsewhere. Absent in provider
   * unit tests, which connect to `server`.
   */
  address?: string;
  port: number;
  database: string;
  username?: string;
  password?: string;
  sslmode?: SslMode;
  /**
   * sqlserver only: TLS for the TDS connection. `true` (default) encrypts and refuses a server
   * that cannot; `false` sends everything in clear text; `'strict'` is TDS 8.0 (TLS first, the
   * certificate is always verified).
   */
  encrypt?: boolean | 'strict';
  /** sqlserver only: accept the server's certificate without verifying it (default true, like sslmode=require). */
  trustServerCertificate?: boolean;
}

/** The validated `connector` object of a request, with defaults applied by the SQL API. */
export interface SourceRequest {
  provider: ProviderName;
  connection: ConnectionParams;
  /** Remote schema; the provider applies its default when absent. */
  schema?: string;
  /** Remote table, imported whole when `sqlQuery` is absent. */
  table?: string;
  /** A query in the remote dialect, run as given. */
  sqlQuery?: string;
  /** PostgreSQL character-set name or alias of the remote text (validated by the SQL API). */
  encoding?: string;
}

export interface SessionOptions {
  connectTimeoutMs: number;
  /** Upper bound for one remote statement, including the whole streamed SELECT. */
  statementTimeoutMs: number;
  /** Rows fetched per round trip where the protocol has pages (Hive), or the cursor fetch size. */
  fetchRows: number;
  /** CA certificate file (PEM) for sslmode verify-ca / verify-full, from the settings. */
  caFile?: string;
  /** What the target database can store, for types that need an extension there (absent: assume plain PostgreSQL, no PostGIS). */
  target?: TargetCapabilities;
  log: Logger;
}

export interface StreamOptions {
  /** Fetch at most this many rows (max_rows + 1, so the load can tell "more than max" for sure). */
  limit: number;
  warnings: WarningCounter;
  /** Aborted on cancel, shutdown or a target failure: stop the remote query and reject. */
  signal: AbortSignal;
}

export interface RemoteTable {
  schema: string;
  name: string;
  kind: 'table' | 'view' | 'other';
}

/** An open connection to one remote database, scoped to one job. */
export interface SourceSession {
  /** Describes the request's table or query and maps its columns to local types (casts are the provider's). */
  describe(): Promise<SourcePlan>;
  /**
   * Streams the rows of `plan` into `sink`. Must not buffer the table: pull from the remote in
   * bounded batches and honour backpressure (`sink.write` false → pause until `drained()`).
   * Resolves after the last row, or early once `sink.full`; rejects with a ConnectorError.
   * On `signal` abort: stop the remote query (KILL QUERY, cancel request, attention…) and
   * reject with ConnectorError('CANCELLED').
   */
  streamRows(plan: SourcePlan, sink: RowSink, opts: StreamOptions): Promise<void>;
  /**
   * Optional fast path, used when `plan.binaryCopy`: streams `COPY (SELECT …) TO STDOUT (FORMAT
   * binary)` bytes into `sink` without decoding rows. Same backpressure, limit and cancel rules.
   */
  streamBinaryCopy?(plan: SourcePlan, sink: BinaryCopySink, opts: StreamOptions): Promise<void>;
  /** Up to `limit` tables and views visible to the user, schema-qualified. */
  listTables(limit: number): Promise<RemoteTable[]>;
  /** Releases the connection(s); safe to call twice and after errors. */
  close(): Promise<void>;
}

export interface Provider {
  readonly name: ProviderName;
  readonly defaultPort: number;
  /**
   * Opens a session. Must fail with a ConnectorError: SOURCE_AUTH_FAILED for bad credentials,
   * SOURCE_UNREACHABLE for DNS/refused/timeouts/TLS failures, SOURCE_NOT_FOUND for a missing
   * database, each with a message that says what to fix and never the password.
   */
  connect(request: SourceRequest, opts: SessionOptions): Promise<SourceSession>;
}
