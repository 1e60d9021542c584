/**
 * One node-postgres connection to the remote, set up for exact, read-only reading.
 *
 * Session settings, in one round trip right after login, and why:
 * - `default_transaction_read_only = on`: a sql_query cannot write (SQLSTATE 25006).
 * - `statement_timeout` from the settings: bounds the whole streamed COPY as well.
 * - `TimeZone = UTC`: timestamptz is printed with `+00`, never shifted by the remote's zone.
 * - `DateStyle = ISO, YMD`, `IntervalStyle = postgres`: the output forms the target's input
 *   functions read back unambiguously whatever the remote's defaults (`SQL, DMY` would not be).
 * - `extra_float_digits = 3`: exact float output before PostgreSQL 12 (17 digits); from 12 on any
 *   value > 0 gives the shortest exact form.
 * - `bytea_output = hex`: the form bytea input reads back; `escape` is lossy-looking and slower.
 * They are SET after login rather than sent as startup `options` so that a connection pooler
 * in front of the remote (pgbouncer rejects `options`) still works.
 *
 * libpq environment variables never apply: user, database, port, host, client_encoding and ssl are
 * always given, and the password is a function so pg never falls back to PGPASSWORD or ~/.pgpass.
 */
import net from 'node:net';
import pg from 'pg';
import { ConnectorError } from '../../errors.js';
import { closeWithin } from '../close-within.js';
import type { SessionOptions, SourceRequest } from '../provider.js';
import { sendCancelRequest } from './cancel.js';
import { classifyPgError, type ErrorContext } from './errors.js';
import { DEFAULT_SSLMODE, shouldRetryPlain, tlsOptionsFor } from './tls-options.js';

export const APPLICATION_NAME = 'pg-connector-bridge';
/** Terminate gets no answer; a server that does not close the socket promptly is dropped. */
const END_TIMEOUT_MS = 1_000;
/** statement_timeout is an int in milliseconds on the server. */
const MAX_STATEMENT_TIMEOUT_MS = 2_147_483_647;

const SESSION_SETUP_SQL = `select set_config('default_transaction_read_only', 'on', false),
  set_config('statement_timeout', $1, false), set_config('TimeZone', 'UTC', false),
  set_config('DateStyle', 'ISO, YMD', false), set_config('IntervalStyle', 'postgres', false),
  set_config('extra_float_digits', '3', false), set_config('bytea_output', 'hex', false),
  current_setting('server_version_num')::int as version_num,
  current_setting('integer_datetimes') = 'on' as integer_datetimes,
  exists (select 1 from pg_catalog.pg_extension where extname = 'postgis') as postgis`;

export interface ServerInfo {
  /** server_version_num, e.g. 150018. */
  versionNum: number;
  /** False only on pre-10 servers built with float timestamps: their binary datetimes differ. */
  integerDatetimes: boolean;
  hasPostgis: boolean;
}

export class PgConnection {
  private closed = false;
  /** True while rows.ts streams a COPY: Terminate would queue behind it. */
  busy = false;

  constructor(readonly client: pg.Client, readonly server: ServerInfo, readonly ctx: ErrorContext, readonly encrypted: boolean) {}

  get isClosed(): boolean {
    return this.closed;
  }

  async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.client.query<R>(text, values);
    } catch (err) {
      throw classifyPgError(err, this.ctx);
    }
  }

  /** Asks the server to cancel the running statement (protocol CancelRequest). Best effort: returns the failure. */
  cancel(): Promise<Error | undefined> {
    const { processID, secretKey } = this.client as unknown as { processID: number | null; secretKey: number | null };
    if (processID === null || secretKey === null) return Promise.resolve(new Error('no backend key from the server'));
    return sendCancelRequest(this.ctx.address ?? this.ctx.server, this.ctx.port, { processID, secretKey });
  }

  /**
   * Drops the socket at once. A backend blocked sending COPY data does not act on a cancel until
   * we read again (it only checks for a terminate while writing), but it fails and exits on the
   * reset, so cancel() + destroy() stops it whatever it is doing.
   */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    dropSocket(this.client);
  }

  /** Ends politely when idle (Terminate), else drops the socket; bounded in time either way. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.busy) return this.destroy();
    this.closed = true;
    await closeWithin(END_TIMEOUT_MS, (done) => void this.client.end().catch(() => undefined).finally(done));
    dropSocket(this.client);
  }
}

/** Destroys pg's socket (pg has no public way): the TLS socket and the TCP socket under it. */
function dropSocket(client: pg.Client): void {
  const stream = (client as unknown as { connection: { stream: { destroy(): void; _parent?: { destroy(): void } } } }).connection.stream;
  stream.destroy();
  stream._parent?.destroy();
}

export function errorContext(request: SourceRequest, opts: SessionOptions): ErrorContext {
  const c = request.connection;
  return {
    server: c.server, ...(c.address !== undefined ? { address: c.address } : {}), port: c.port, database: c.database, username: c.username, password: c.password,
    sslmode: c.sslmode ?? DEFAULT_SSLMODE, connectTimeoutMs: opts.connectTimeoutMs, statementTimeoutMs: opts.statementTimeoutMs,
  };
}

export async function openConnection(request: SourceRequest, opts: SessionOptions): Promise<PgConnection> {
  const ctx = errorContext(request, opts);
  const { client, encrypted } = await connectWithFallback(request, opts, ctx, false);
  return setUpSession(client, ctx, encrypted);
}

/**
 * A `replication: 'database'` connection (change capture: CREATE_REPLICATION_SLOT … EXPORT
 * SNAPSHOT), with the same address, TLS and timeouts. A walsender speaks only the simple query
 * protocol, so it gets no session setup (its settings do not matter: it only creates the slot).
 */
export async function openReplicationConnection(request: SourceRequest, opts: SessionOptions): Promise<PgConnection> {
  const ctx = errorContext(request, opts);
  const { client, encrypted } = await connectWithFallback(request, opts, ctx, true);
  try {
    const { rows } = await client.query<{ version_num: number }>("select current_setting('server_version_num')::int as version_num");
    return new PgConnection(client, { versionNum: rows[0]!.version_num, integerDatetimes: true, hasPostgis: false }, ctx, encrypted);
  } catch (err) {
    dropSocket(client);
    throw classifyPgError(err, ctx);
  }
}

async function connectWithFallback(request: SourceRequest, opts: SessionOptions, ctx: ErrorContext, replication: boolean): Promise<{ client: pg.Client; encrypted: boolean }> {
  if (!request.connection.username) throw new ConnectorError('INVALID_PARAMETERS', 'Missing required connection parameters username');
  const tls = tlsOptionsFor(ctx.sslmode, opts.caFile);
  try {
    return { client: await connectClient(request, opts, tls, replication), encrypted: tls !== false };
  } catch (err) {
    if (ctx.sslmode !== 'prefer' || !shouldRetryPlain(err)) throw classifyPgError(err, ctx);
    opts.log.info({ reason: (err as Error).message }, 'sslmode prefer: TLS failed, connecting without TLS');
    try {
      return { client: await connectClient(request, opts, false, replication), encrypted: false };
    } catch (plainErr) {
      throw classifyPgError(plainErr, ctx);
    }
  }
}

async function connectClient(request: SourceRequest, opts: SessionOptions, ssl: pg.ClientConfig['ssl'], replication: boolean): Promise<pg.Client> {
  const c = request.connection;
  const password = c.password ?? '';
  // TLS checks the certificate against the name the user gave, not the address connected to.
  const servername = c.address !== undefined && ssl && net.isIP(c.server) === 0 ? { servername: c.server } : {};
  const client = new pg.Client({
    host: c.address ?? c.server,
    port: c.port,
    database: c.database,
    user: c.username,
    password: async () => password,
    ssl: ssl && { ...(ssl === true ? {} : ssl), ...servername },
    client_encoding: 'UTF8',
    application_name: APPLICATION_NAME,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    keepAlive: true,
    ...(replication ? { replication: 'database' } : {}),
  });
  // Errors outside a query (the server closed an idle connection) must not crash the process;
  // the next query on this connection reports them.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    dropSocket(client);
    throw err;
  }
  return client;
}

async function setUpSession(client: pg.Client, ctx: ErrorContext, encrypted: boolean): Promise<PgConnection> {
  const timeoutMs = Number.isFinite(ctx.statementTimeoutMs) && ctx.statementTimeoutMs > 0
    ? Math.min(Math.ceil(ctx.statementTimeoutMs), MAX_STATEMENT_TIMEOUT_MS) : 0;
  try {
    const { rows } = await client.query<{ version_num: number; integer_datetimes: boolean; postgis: boolean }>(SESSION_SETUP_SQL, [String(timeoutMs)]);
    const row = rows[0]!;
    return new PgConnection(client, { versionNum: row.version_num, integerDatetimes: row.integer_datetimes, hasPostgis: row.postgis }, ctx, encrypted);
  } catch (err) {
    dropSocket(client);
    throw classifyPgError(err, ctx);
  }
}
