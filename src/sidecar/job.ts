/**
 * A claimed job as the sidecar sees it, and its conversion to the provider's SourceRequest.
 */
import type { ProviderName, SourceRequest, SslMode } from '../providers/provider.js';
import { userCastsOf } from './request-casts.js';

export interface JobRow {
  id: string;
  sync_id: string | null;
  /** The whole-database run this job is a table of (SPEC §15). */
  run_id: string | null;
  provider: ProviderName;
  /** Normalised `connector` object (SQL API), password replaced by "***". */
  params: ConnectorParams;
  requested_name: string;
  target_schema: string;
  owner: string;
  attempt: number;
  /** The worker that held the job before this claim (set when a lease expired). */
  previous_worker_id: string | null;
}

export interface ConnectorParams {
  provider: ProviderName;
  /** As given, or a named connection (issue 22 §6) that open-source.ts resolves when the run starts. */
  connection: ConnectionFields | NamedConnection;
  schema?: string;
  table?: string;
  sql_query?: string;
  import_as?: string;
  encoding?: string;
  /** SPEC §13, validated by normalize_connector: absent = replace. */
  mode?: 'replace' | 'append' | 'merge' | 'cdc';
  /** SPEC §16, mode cdc: follow the log without waiting for the interval. */
  continuous?: boolean;
  /** SPEC §16, mode cdc, postgres: a DBA-made publication to decode with. */
  publication?: string;
  primary_key?: string[];
  cursor?: string;
  /** A number (numeric cursors) or an interval text (date and time cursors). */
  lookback?: number | string;
  deletes?: 'keep' | 'soft' | 'hard';
  /** Issue 22 §3: past max_rows, import the first rows (default) or fail with 1513. */
  on_row_limit?: 'truncate' | 'fail';
  /** Issue 22 §4: the local name is taken: import as name_1… (default) or fail with 1514. */
  if_exists?: 'rename' | 'fail';
  /** SPEC §14, syncs only: what a run does when the remote columns changed (absent = evolve). */
  on_schema_change?: 'evolve' | 'fail' | 'pause';
  /** SPEC §14: a row PostgreSQL refuses fails the job (absent = fail) or goes to cdb_connectors.rejects. */
  on_error?: 'fail' | 'reject';
  /** With on_error reject: more rejected rows than this fail the job with 1512 (absent = 1000). */
  max_rejects?: number;
  /** With on_error reject: a larger share (0 to 1) of rejected rows among those read fails the job with 1512. */
  max_reject_ratio?: number;
  /** SPEC §14: user cast rules, first match wins, in front of the setting cast_rules and the built-in table. */
  casts?: UserCastRule[];
}

/**
 * One user cast rule as normalize_connector leaves it: exactly one of `type` (a remote type as
 * the provider spells it, `tinyint(1)`, or a bare type name `datetime` matching every modifier)
 * and `column` (a remote column name, exact); `to` a PostgreSQL type expression that passed the
 * SQL API's grammar check and resolved with search_path = pg_catalog (or is geometry/geography);
 * `time_zone` only with `to` timestamptz (a name PostgreSQL knows); `lossy` true accepts a rule
 * that could change values silently. The setting `cast_rules` holds the same objects, each maybe
 * with a `provider` key (absent = every provider).
 */
export interface UserCastRule {
  type?: string;
  column?: string;
  to: string;
  time_zone?: string;
  lossy?: boolean;
  provider?: ProviderName;
}

/** The normalised `connection` object of a request (SQL API normalize_connection). */
export interface ConnectionFields {
  server: string; port: number; database: string; username?: string; password?: string; sslmode?: SslMode;
  encrypt?: boolean | 'strict'; trust_server_certificate?: boolean;
}

/** `"connection": "<name>"` as stored: one of the owner's cdb_connectors.connections. */
export interface NamedConnection {
  name: string;
}

export function isNamedConnection(connection: ConnectionFields | NamedConnection): connection is NamedConnection {
  return 'name' in connection;
}

/** `server:port` for messages, or the connection's name before it is resolved. */
export function describeServer(connection: ConnectionFields | NamedConnection): string {
  return isNamedConnection(connection) ? `of connection "${connection.name}"` : `${connection.server}:${connection.port}`;
}

/** `params` with its connection resolved (open-source.ts), the only form a SourceRequest is made of. */
export function toSourceRequest(params: ConnectorParams & { connection: ConnectionFields }, password: string | undefined): SourceRequest {
  const { password: _redacted, trust_server_certificate: trustServerCertificate, ...connection } = params.connection;
  return {
    provider: params.provider,
    connection: {
      ...connection,
      ...(trustServerCertificate !== undefined ? { trustServerCertificate } : {}),
      ...(password !== undefined ? { password } : {}),
    },
    schema: params.schema,
    // sql_query wins: with both, `table` only names the local table (SPEC §2)
    ...(params.sql_query !== undefined ? { source: { kind: 'query' as const, sql: params.sql_query } }
      : params.table !== undefined ? { source: { kind: 'table' as const, table: params.table } } : {}),
    encoding: params.encoding,
    // SPEC §14: the job's own cast rules; connect-session.ts adds the setting cast_rules after them
    ...(params.casts?.length ? { casts: userCastsOf(params.casts, 'casts') } : {}),
  };
}

/** The application_name of a job's load connection: lets a re-claiming sidecar find and end it. */
export function loadApplicationName(jobId: string): string {
  return `cdb_connectors job ${jobId}`;
}

/**
 * The job is no longer ours: its lease expired and another sidecar re-claimed it, or it was
 * deleted. Raised by the progress tick (ticker.ts) and by a completion that updated no row
 * (job-store.ts markComplete); the runner records nothing and lets the new owner finish.
 */
export class LeaseLostError extends Error {
  constructor(jobId: string) {
    super(`job ${jobId} is no longer owned by this worker (lease expired and re-claimed, or deleted)`);
  }
}
