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
import { ConnectorError } from '../errors.js';
import type { SourcePlan, TargetCapabilities } from '../rows/plan.js';
import type { ChangeCapture } from '../rows/changes.js';
import type { BinaryCopySink, RowSink } from '../rows/sink.js';
import type { TableStructure } from '../rows/structure.js';
import type { UserCast } from '../rows/user-casts.js';
import type { WarningCounter } from '../rows/warnings.js';

export type ProviderName = 'mysql' | 'postgres' | 'sqlserver' | 'hive';

/** `sslmode` values (SPEC §2), for the postgres and mysql providers (each tls-options.ts). */
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

/**
 * What a request reads, parsed once from the parameters (sidecar/job.ts `toSourceRequest`):
 * a table of the request's `schema`, or a query in the remote dialect, run as given.
 */
export type SourceObject =
  | { kind: 'table'; table: string }
  | { kind: 'query'; sql: string };

/** The validated `connector` object of a request, with defaults applied by the SQL API. */
export interface SourceRequest {
  provider: ProviderName;
  connection: ConnectionParams;
  /** Remote schema: the table's, and the scope of listTables; the provider applies its default when absent. */
  schema?: string;
  /** What describe/streamRows read; absent for requests that read no rows (check, list_tables). */
  source?: SourceObject;
  /** PostgreSQL character-set name or alias of the remote text (validated by the SQL API). */
  encoding?: string;
  /**
   * SPEC §14 user cast rules, in matching order (the job's `casts`, then the setting
   * `cast_rules` for this provider): describe() puts them in front of the built-in table
   * through rows/user-casts.ts decideColumn. Absent = the built-in table alone.
   */
  casts?: readonly UserCast[];
}

/** The request's table or query; a request without one cannot be described (the SQL API requires one for imports and previews). */
export function requireSource(request: SourceRequest): SourceObject {
  if (!request.source) throw new ConnectorError('INVALID_PARAMETERS', 'The table parameter is required if no sql_query parameter is provided');
  return request.source;
}

/**
 * A row count as a remote's statistics give it (a number, a bigint's text, a float like
 * PostgreSQL's reltuples), for estimateRows: a whole number of rows, or null when it says nothing:
 * NULL, negative ("never analysed"), and 0, which an empty table and one whose statistics were
 * never gathered both report (taken as unknown, a read may then be ordered: on an empty table
 * that costs nothing).
 */
export function rowsFromStatistics(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' || typeof value === 'bigint' ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 1 ? Math.round(n) : null;
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

/**
 * Which rows of the table or query one read takes (SPEC §13, incremental syncs); absent = every
 * row, in the remote's own order, all plan columns.
 */
export interface ReadWindow {
  /**
   * Only these plan columns (`ColumnPlan.remoteName`), emitted in this order instead of the
   * plan's: the key-set read of delete detection. Absent = the plan's columns.
   */
  columns?: readonly string[];
  /**
   * A cursor read: rows in ascending order of `column` (a plan column's remoteName), so a read
   * cut at `limit` ends at a cursor value (NULLs sort wherever the remote puts them), and, when
   * `from` is given, only rows whose `column` is >= `from` (> when `exclusive`) compared in the
   * remote dialect AS THE COLUMN'S REMOTE TYPE (never as text or as a float), plus the rows where
   * it IS NULL when `includeNulls`.
   *
   * `from` is the PostgreSQL text form of the column's LOCAL type (the value the target stored):
   * an integer or decimal in plain digits (`-12`, `18446744073709551615`, `12345678901234567890.0123456789`),
   * a date `YYYY-MM-DD`, a timestamp `YYYY-MM-DD HH:MM:SS[.ffffff]`; a timestamptz is given in UTC
   * wall time in that same form, without an offset. It matches /^[0-9 :.\-]+$/; providers still
   * bind it or quote it as a literal, never paste it.
   */
  cursor?: { column: string; from?: string; exclusive?: boolean; includeNulls?: boolean };
  /**
   * A diff-mode read (SPEC §13): only rows whose `column` (an integer or decimal plan column, the
   * single-column merge key) lies in one of `ranges`, each `from <= key < to`, compared exactly
   * as numbers (never as floats or text). `from`/`to` are integers in plain digits, maybe
   * negative. No ORDER BY is needed. At most a few hundred ranges, ascending, not overlapping.
   */
  keyRanges?: { column: string; ranges: ReadonlyArray<{ from: string; to: string }> };
  /**
   * Rows in ascending order of these plan columns (remoteNames: the plan's `uniqueKey`), so a
   * read cut at `limit` keeps the first rows in key order (issue 22 §3). Only given for a read
   * without `cursor` or `keyRanges`, and only when the read may be cut: the sort costs the remote.
   * Comparisons are the remote's own (its collation for text keys).
   */
  order?: readonly string[];
}

/**
 * Diff mode (SPEC §13): the remote cuts the key into buckets `floor((key - origin) / width)`
 * (exact integer arithmetic on the key as a decimal) and returns, per non-empty bucket, the row
 * count and an order-independent hash of its rows.
 */
export interface KeyBuckets {
  /** The plan column (remoteName) of the single-column merge key, an integer or decimal column. */
  column: string;
  /** Integers in plain digits (origin may be negative, width >= 1). */
  origin: string;
  width: string;
}

export interface BucketHash {
  /** The bucket number, an integer in plain digits (maybe negative). */
  bucket: string;
  rows: number;
  /**
   * An aggregate, in decimal digits, of a per-row hash computed by the remote over every plan
   * column's value (NULL distinguishable from every value, column order significant): the same
   * rows give the same text on every run, whatever their order; a changed value, row added or
   * row removed changes it (up to hash collisions). Its function is the provider's own: it is
   * only ever compared with the same provider's earlier answer for the same sync.
   */
  hash: string;
}

export interface StreamOptions {
  /** Fetch at most this many rows (max_rows + 1, so the load can tell "more than max" for sure). */
  limit: number;
  warnings: WarningCounter;
  /** Aborted on cancel, shutdown or a target failure: stop the remote query and reject. */
  signal: AbortSignal;
  /** Absent = the whole table or query (every import and replace run). */
  window?: ReadWindow;
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
  /**
   * Optional (diff mode, SPEC §13): per-bucket counts and hashes of the plan's rows, computed on
   * the remote in one statement that returns only the buckets (never the rows). Providers
   * without it make merges without a cursor read the whole table every run.
   */
  hashBuckets?(plan: SourcePlan, buckets: KeyBuckets, opts: { signal: AbortSignal }): Promise<BucketHash[]>;
  /**
   * Optional: how many rows a full read of `plan` would return, from the remote's statistics
   * (catalog row counts, never a COUNT(*) of the table): approximate, maybe stale. null when the
   * remote keeps none for the source (a view, a sql_query, a table never analysed). For progress
   * (rows_estimated) and to tell whether a read may be cut at max_rows.
   */
  estimateRows?(plan: SourcePlan, opts: { signal: AbortSignal }): Promise<number | null>;
  /**
   * Optional (whole-database runs, SPEC §15): row estimates of `tables` in the session's schema
   * from the catalog, in one statement (never a COUNT); a table without statistics is absent.
   */
  estimateTables?(tables: readonly string[], opts: { signal: AbortSignal }): Promise<Map<string, number>>;
  /**
   * Optional (parallel reads of one table, SPEC §15): the smallest and largest value of `column`
   * (a plan column's remoteName) as integers in plain digits, from the remote's index (MIN/MAX),
   * for a read split into key ranges (ReadWindow.keyRanges). null when the column is not an
   * integer column, or the table is empty.
   */
  keyBounds?(plan: SourcePlan, column: string, opts: { signal: AbortSignal }): Promise<{ min: string; max: string } | null>;
  /** Up to `limit` tables and views visible to the user, schema-qualified. */
  listTables(limit: number): Promise<RemoteTable[]>;
  /**
   * Optional (whole-database runs, SPEC §15): NOT NULL columns, indexes and foreign keys of
   * `tables` in the session's schema, from the catalog. A table the schema lacks comes back empty.
   */
  readStructure?(tables: readonly string[]): Promise<TableStructure[]>;
  /** Optional (SPEC §16, `"mode": "cdc"`): the source's change log; PostgreSQL and MySQL/MariaDB only. */
  readonly changeCapture?: ChangeCapture;
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
