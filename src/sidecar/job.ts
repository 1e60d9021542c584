/**
 * A claimed job as the sidecar sees it, and its conversion to the provider's SourceRequest.
 */
import type { ProviderName, SourceRequest, SslMode } from '../providers/provider.js';

export interface JobRow {
  id: string;
  sync_id: string | null;
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
  connection: {
    server: string; port: number; database: string; username?: string; password?: string; sslmode?: SslMode;
    encrypt?: boolean | 'strict'; trust_server_certificate?: boolean;
  };
  schema?: string;
  table?: string;
  sql_query?: string;
  import_as?: string;
  encoding?: string;
  /** SPEC §13, validated by normalize_connector: absent = replace. */
  mode?: 'replace' | 'append' | 'merge';
  primary_key?: string[];
  cursor?: string;
  /** A number (numeric cursors) or an interval text (date and time cursors). */
  lookback?: number | string;
  deletes?: 'keep' | 'soft' | 'hard';
  /** Issue 22 §3: past max_rows, import the first rows (default) or fail with 1513. */
  on_row_limit?: 'truncate' | 'fail';
  /** Issue 22 §4: the local name is taken: import as name_1… (default) or fail with 1514. */
  if_exists?: 'rename' | 'fail';
}

export function toSourceRequest(params: ConnectorParams, password: string | undefined): SourceRequest {
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
