/**
 * The provider contract: everything the core knows about a remote database.
 *
 * One provider = one folder under providers/ implementing `Provider`. The core (sidecar/, load/)
 * never imports a driver; a provider never imports from sidecar/. A provider may use the pure
 * helpers of load/ (identifiers, encodings, value formatting) but never talks to the target.
 *
 * Units: milliseconds for times (`…Ms`), rows for limits. Values crossing this interface are in
 * PostgreSQL COPY *text input* form, not yet COPY-escaped (load/copy-encoder.ts escapes them).
 */
import type { Logger } from 'pino';

export type ProviderName = 'mysql' | 'postgres' | 'sqlserver' | 'hive';

/** `sslmode` values (SPEC §2); only the postgres provider accepts them. */
export type SslMode = 'require' | 'prefer' | 'disable' | 'verify-ca' | 'verify-full';

/**
 * One column value as the text PostgreSQL's input function for the column's local type accepts
 * (e.g. `2024-01-31 10:00:00.5`, `12345.6789`, `t`, `\x00ff` for bytea), not COPY-escaped.
 * Buffers hold UTF-8 bytes and are the fast path (no string decoding). `null` is SQL NULL.
 * NUL bytes inside text are removed by the encoder and counted (PostgreSQL rejects them).
 */
export type CopyValue = string | Buffer | null;

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

export interface TargetCapabilities {
  /** PostGIS is installed in the target: geometry/geography columns can be kept. */
  postgis: boolean;
  /** server_version_num of the target, e.g. 150018. */
  serverVersionNum: number;
}

/** One importable column, in the order `streamRows` emits values. */
export interface ColumnPlan {
  /** Column name as the remote server reports it (the local name is derived in load/identifiers.ts). */
  remoteName: string;
  /** Remote type as the remote server describes it, e.g. `decimal(12,2) unsigned`. */
  remoteType: string;
  /** PostgreSQL type of the local column, e.g. `numeric(12,2)`; a valid type expression. */
  localType: string;
}

export interface SkippedColumn {
  remoteName: string;
  remoteType: string;
}

/** What `describe` learned: the columns to import and the ones skipped (named in a warning). */
export interface SourcePlan {
  columns: ColumnPlan[];
  skipped: SkippedColumn[];
  /** Remote single-column integer primary key, if the source has one (CARTO `cartodb_id`, SPEC §12). */
  primaryKey?: string;
  /**
   * True when the source can stream PostgreSQL binary COPY data whose columns are exactly the
   * plan's local types (postgres → postgres): the load then takes `streamBinaryCopy`.
   */
  binaryCopy?: boolean;
}

/** Where a provider counts lossy-but-legal conversions; the load turns counts into warnings. */
export type WarningCode = 'zero_dates' | 'time_out_of_range' | 'nul_bytes_removed' | 'invalid_values' | 'timestamp_rounded';

export interface WarningCounter {
  count(code: WarningCode, column: string, n?: number): void;
}

/**
 * The consumer of rows (load/copy-encoder.ts). Synchronous and allocation-free per call, because
 * it is on the hot path (one call per row: a Transform per row measured 3.1× slower, issue 7).
 */
export interface RowSink {
  /** Accepts one row (values in plan column order). Returns false when the target is saturated: pause the source, await `drained()`, then resume. */
  write(row: CopyValue[]): boolean;
  /** Resolves when the target can take more rows. */
  drained(): Promise<void>;
  /** True once the sink has all the rows it wants (the row-limit probe row arrived): stop reading and resolve. */
  readonly full: boolean;
  /**
   * Optional field-level fast path, for providers that parse their wire rows themselves and can
   * hand over value bytes without allocating a Buffer or an array per row (MySQL, issue 7 §4).
   */
  readonly fields?: FieldSink;
}

/**
 * Writes one row field by field: `beginRow()`, then exactly one put… per plan column in plan
 * order, then `endRow()`. Same value form as CopyValue (PostgreSQL text input, not escaped).
 */
export interface FieldSink {
  /** False when the sink wants no more rows (this row is the row-limit probe and is dropped): skip the puts and the endRow. */
  beginRow(): boolean;
  /** The value is `buf[start, end)`, UTF-8 bytes in PostgreSQL text-input form. */
  putBytes(buf: Buffer, start: number, end: number, column: number): void;
  putNull(): void;
  putValue(value: CopyValue, column: number): void;
  /** Ends the row; false on backpressure, like RowSink.write. */
  endRow(): boolean;
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

/**
 * The consumer of raw COPY BINARY bytes (load/binary-copy-sink.ts): counts tuples to enforce
 * the row limit exactly and forwards the bytes to the target's `COPY … FROM STDIN (FORMAT binary)`.
 */
export interface BinaryCopySink {
  /** Accepts bytes exactly as `COPY … TO STDOUT (FORMAT binary)` produced them, in any chunking. Returns false on backpressure. */
  write(chunk: Buffer): boolean;
  drained(): Promise<void>;
  /** True once the probe tuple (limit reached) arrived: stop the remote COPY and resolve. */
  readonly full: boolean;
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
