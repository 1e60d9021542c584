/**
 * One mysql2 connection set up for reading: UTC, read-only, bounded statements, and a way to
 * kill its running query from a second connection.
 *
 * Session settings and why:
 * - `time_zone = '+00:00'`: TIMESTAMP values are stored in UTC and converted to the session zone
 *   on output; in UTC they can be emitted as timestamptz text with `+00` (no Date round trip).
 * - statement timeout: MariaDB `max_statement_time` (seconds) vs MySQL `max_execution_time`
 *   (milliseconds, SELECT only); servers without either (MySQL < 5.7.8) rely on the client-side
 *   backstop in rows.ts.
 * - `net_write_timeout`: backpressure may pause our reads for as long as the target is busy; the
 *   server's default of 60 s would drop the connection mid-stream.
 * - `SET SESSION TRANSACTION READ ONLY`: a sql_query cannot write (error 1792). A single SELECT
 *   already reads one InnoDB snapshot, so no explicit transaction is opened.
 *
 * TLS (sslmode, tls-options.ts): mysql2 takes the TLS server name from its `host` option and has
 * no separate one, so `host` is the name the user gave and the socket, made here, goes to the
 * address the network policy checked; verify-full then checks the certificate against the name.
 */
import net from 'node:net';
import mysql from 'mysql2';
import type { FieldPacket } from 'mysql2';
import { ConnectorError } from '../../errors.js';
import { closeWithin } from '../close-within.js';
import type { SessionOptions, SourceRequest } from '../provider.js';
import { classifyMysqlError, type ErrorContext } from './errors.js';
import { DEFAULT_SSLMODE, shouldRetryPlain, sslOptionsFor } from './tls-options.js';

export type Flavour = 'mariadb' | 'mysql';

/** utf8mb4_general_ci: collation id 45 exists on every server since MySQL 5.5.3. */
const CONNECTION_CHARSET = 'UTF8MB4_GENERAL_CI';
const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;
/** COM_QUIT gets no answer; a server that does not close the socket promptly is dropped. */
const QUIT_TIMEOUT_MS = 1000;
/** MySQL's own default; never go below it. */
const MIN_NET_WRITE_TIMEOUT_S = 60;
/** net_write_timeout's maximum (one year). */
const MAX_NET_WRITE_TIMEOUT_S = 31_536_000;

export type Row = unknown[];

export class MysqlConnection {
  private closed = false;
  /** True while rows.ts streams a result: COM_QUIT would queue behind it forever. */
  busy = false;

  constructor(
    readonly raw: mysql.Connection,
    readonly flavour: Flavour,
    readonly version: string,
    /** CONNECTION_ID() (the handshake carries only 32 bits of it on MySQL 8). */
    readonly connectionId: string,
    readonly ctx: ErrorContext,
    /** The options it was opened with (TLS as negotiated): binlog.ts opens its dump with the same. */
    readonly config: mysql.ConnectionOptions,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Text protocol, rows as arrays. Only for SQL without user values (identifiers quoted). */
  query(sql: string): Promise<Row[]> {
    return new Promise((resolve, reject) => {
      this.raw.query({ sql, rowsAsArray: true }, (err, rows) => (err ? reject(classifyMysqlError(err, this.ctx)) : resolve(rows as Row[])));
    });
  }

  /**
   * Server-side prepared statement with bound values: no client-side escaping, so it stays safe
   * whatever the server's sql_mode (NO_BACKSLASH_ESCAPES breaks backslash-escaped literals).
   */
  execute(sql: string, values: Array<string | number>): Promise<Row[]> {
    return new Promise((resolve, reject) => {
      this.raw.execute({ sql, values, rowsAsArray: true }, (err, rows) => (err ? reject(classifyMysqlError(err, this.ctx)) : resolve(rows as Row[])));
    });
  }

  /** Prepares (without running) a statement to read its result columns; the statement is closed again. */
  describeStatement(sql: string): Promise<{ columns: FieldPacket[]; parameters: number }> {
    return new Promise((resolve, reject) => {
      this.raw.prepare(sql, (err, statement) => {
        if (err) return reject(classifyMysqlError(err, this.ctx));
        // The typings omit what the PREPARE answer carries (lib/commands/prepare.js PreparedStatementInfo).
        const info = statement as unknown as { columns?: FieldPacket[]; parameters?: unknown[] };
        const result = { columns: [...(info.columns ?? [])], parameters: info.parameters?.length ?? 0 };
        this.raw.unprepare(sql);
        resolve(result);
      });
    });
  }

  /** Result columns of a query run as-is (used with `LIMIT 0` where a statement cannot be prepared). */
  queryFields(sql: string): Promise<FieldPacket[]> {
    return new Promise((resolve, reject) => {
      this.raw.query({ sql, rowsAsArray: true }, (err, _rows, fields) => (err ? reject(classifyMysqlError(err, this.ctx)) : resolve((fields ?? []) as FieldPacket[])));
    });
  }

  /**
   * Stops this connection's running statement with `KILL QUERY` sent over a second, short-lived
   * connection (the protocol has no in-band cancel). Best effort: failures are returned, not thrown.
   */
  async killQuery(): Promise<Error | undefined> {
    try {
      const side = await openRaw(this.config, this.ctx);
      try {
        const sql = `KILL QUERY ${this.connectionId}`;
        await new Promise<void>((resolve, reject) => side.query({ sql, timeout: this.ctx.connectTimeoutMs }, (err) => (err ? reject(err) : resolve())));
      } finally {
        side.destroy();
      }
      return undefined;
    } catch (err) {
      return err as Error;
    }
  }

  /**
   * Drops the socket at once. mysql2's own destroy() only half-closes (FIN), and a server busy
   * sending a result set does not read, so it would go on sending every row; destroying the
   * socket makes its next write fail and the statement end.
   */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.raw.destroy();
    dropSocket(this.raw);
  }

  /** Ends politely when idle (COM_QUIT), else drops the socket; bounded in time either way. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.busy) return this.destroy();
    this.closed = true;
    await closeWithin(QUIT_TIMEOUT_MS, (done) => this.raw.end(done));
    dropSocket(this.raw);
  }
}

/** Destroys mysql2's socket: the TLS socket and the TCP socket under it. */
function dropSocket(raw: mysql.Connection): void {
  const stream = (raw as unknown as { stream?: { destroy(): void; _parent?: { destroy(): void } } }).stream;
  stream?.destroy();
  stream?._parent?.destroy();
}

export function errorContext(request: SourceRequest, opts: SessionOptions): ErrorContext {
  const c = request.connection;
  return {
    server: c.server, port: c.port, database: c.database, username: c.username, password: c.password,
    sslmode: c.sslmode ?? DEFAULT_SSLMODE, connectTimeoutMs: opts.connectTimeoutMs, statementTimeoutMs: opts.statementTimeoutMs,
  };
}

export async function openConnection(request: SourceRequest, opts: SessionOptions): Promise<MysqlConnection> {
  const ctx = errorContext(request, opts);
  const c = request.connection;
  const plain: mysql.ConnectionOptions = {
    host: c.server,
    port: c.port,
    stream: socketTo(c.address ?? c.server, c.port, c.server),
    user: c.username,
    password: c.password ?? '',
    database: c.database,
    connectTimeout: opts.connectTimeoutMs,
    charset: CONNECTION_CHARSET,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    jsonStrings: true,
    multipleStatements: false,
    // A hostile server could otherwise ask the client for local files (LOAD DATA LOCAL).
    flags: ['-LOCAL_FILES', '-MULTI_STATEMENTS'],
  };
  const ssl = sslOptionsFor(ctx.sslmode, opts.caFile);
  let config: mysql.ConnectionOptions = ssl ? { ...plain, ssl } : plain;
  let raw: mysql.Connection;
  try {
    raw = await openRaw(config, ctx);
  } catch (err) {
    if (ctx.sslmode !== 'prefer' || !shouldRetryPlain(err)) throw err;
    opts.log.info({ server: c.server, port: c.port }, 'sslmode prefer: the MySQL server has no TLS, connecting without TLS');
    config = plain;
    raw = await openRaw(config, ctx);
  }
  const pending = new MysqlConnection(raw, 'mysql', '', '0', ctx, config);
  try {
    const [[version, connectionId]] = (await pending.query('SELECT VERSION(), CONNECTION_ID()')) as [[string, string | number]];
    const flavour: Flavour = /mariadb/i.test(String(version)) ? 'mariadb' : 'mysql';
    const conn = new MysqlConnection(raw, flavour, String(version), String(connectionId), ctx, config);
    await setUpSession(conn, opts);
    return conn;
  } catch (err) {
    raw.destroy();
    dropSocket(raw);
    throw err;
  }
}

async function setUpSession(conn: MysqlConnection, opts: SessionOptions): Promise<void> {
  const netWriteTimeoutS = Math.min(Math.max(Math.ceil(opts.statementTimeoutMs / 1000), MIN_NET_WRITE_TIMEOUT_S), MAX_NET_WRITE_TIMEOUT_S);
  await conn.query(`SET SESSION time_zone = '+00:00', SESSION net_write_timeout = ${netWriteTimeoutS}`);
  await conn.query('SET SESSION TRANSACTION READ ONLY');
  if (opts.statementTimeoutMs > 0 && Number.isFinite(opts.statementTimeoutMs)) {
    const setting = conn.flavour === 'mariadb'
      ? `max_statement_time = ${(opts.statementTimeoutMs / 1000).toFixed(3)}`
      : `max_execution_time = ${Math.ceil(opts.statementTimeoutMs)}`;
    try {
      await conn.query(`SET SESSION ${setting}`);
    } catch (err) {
      // An old server without the variable: the client-side backstop in rows.ts still applies.
      if (driverErrno(err) !== ER_UNKNOWN_SYSTEM_VARIABLE) throw err;
      opts.log.warn({ version: conn.version }, 'MySQL server has no statement timeout variable; using the client-side timeout only');
    }
  }
}

/** The MySQL error number behind a classified error, if any. */
export function driverErrno(err: unknown): number | undefined {
  const cause = err instanceof ConnectorError ? err.cause : err;
  return (cause as { errno?: number } | undefined)?.errno;
}

/**
 * The TCP socket for mysql2's `stream` option, as mysql2 makes its own (no Nagle delay,
 * keep-alive), but to `address`: `host` stays the name the certificate is checked against.
 *
 * For an IP address `server`, mysql2 gives tls.connect neither `servername` (SNI takes no IPs)
 * nor `host`, and Node then checks the certificate against the socket's `_host`, which
 * net.connect leaves null for an IP, so against "localhost" (_tls_wrap.js onConnectSecure): a
 * certificate for localhost passed verify-full for 127.0.0.1 (test/providers/mysql/tls.test.ts).
 * node-postgres passes `host` for the same reason (pg lib/connection.js).
 */
function socketTo(address: string, port: number, server: string): () => net.Socket {
  return () => {
    const socket = net.connect({ host: address, port, noDelay: true, keepAlive: true });
    if (net.isIP(server) !== 0) Object.assign(socket, { _host: server });
    return socket;
  };
}

function openRaw(config: mysql.ConnectionOptions, ctx: ErrorContext): Promise<mysql.Connection> {
  return new Promise((resolve, reject) => {
    const raw = mysql.createConnection(config);
    const onError = (err: unknown) => {
      raw.destroy();
      dropSocket(raw);
      reject(classifyMysqlError(err, ctx));
    };
    raw.once('error', onError);
    raw.once('connect', () => {
      raw.removeListener('error', onError);
      // Errors outside a command (server closed an idle connection) must not crash the process;
      // the next command on this connection reports them.
      raw.on('error', () => {});
      resolve(raw);
    });
  });
}
