/**
 * mysql2 errors → ConnectorError (the only place that knows MySQL error numbers).
 *
 * Messages say what to fix and carry MySQL's own text; the password never appears (mysql2 does
 * not echo it, and redactSecrets guards against a server or proxy that would).
 */
import { ConnectorError, redactSecrets, type ErrorName } from '../../errors.js';
import type { SslMode } from '../provider.js';
import { connectTimeoutError, statementTimeoutError, type TimeoutContext } from '../timeout-errors.js';

/** What the classifier needs to write a useful message. */
export interface ErrorContext extends TimeoutContext {
  database: string;
  username?: string;
  password?: string;
  sslmode: SslMode;
}

interface DriverError {
  code?: string;
  errno?: number;
  sqlMessage?: string;
  sqlState?: string;
  syscall?: string;
  message?: string;
}

// Server error numbers (include/mysqld_error.h, MariaDB's is a superset).
const ER_DBACCESS_DENIED = 1044;
const ER_ACCESS_DENIED = 1045;
const ER_BAD_DB = 1049;
const ER_HOST_NOT_PRIVILEGED = 1130;
const ER_NO_SUCH_TABLE = 1146;
const ER_ACCESS_DENIED_NO_PASSWORD = 1698;
const ER_CON_COUNT = 1040;
const ER_SERVER_SHUTDOWN = 1053;
/** MariaDB: our connection was killed (KILL CONNECTION, server shutdown). */
const ER_CONNECTION_KILLED = 1927;
const ER_STATEMENT_TIMEOUT_MARIADB = 1969;
const ER_QUERY_TIMEOUT_MYSQL = 3024;
const ER_READ_ONLY_TRANSACTION = 1792;
const ER_UNSUPPORTED_PS = 1295;
/** Client-side errors mysql2 reports with a server-style number (CR_SERVER_LOST, CR_SERVER_GONE). */
const CR_SERVER_GONE = 2006;
const CR_SERVER_LOST = 2013;

const AUTH_ERRNOS = new Set([ER_DBACCESS_DENIED, ER_ACCESS_DENIED, ER_ACCESS_DENIED_NO_PASSWORD, ER_HOST_NOT_PRIVILEGED]);
const TIMEOUT_ERRNOS = new Set([ER_STATEMENT_TIMEOUT_MARIADB, ER_QUERY_TIMEOUT_MYSQL]);
/** Query errors outside SQLSTATE class 42 that are still "fix your query or grants". */
const QUERY_ERRNOS = new Set([ER_READ_ONLY_TRANSACTION, ER_UNSUPPORTED_PS]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ERR_SOCKET_CLOSED',
]);
/** mysql2's codes for TLS set-up failures: the client asked for TLS and the server's greeting has no SSL flag… */
export const NO_SSL_CODE = 'HANDSHAKE_NO_SSL_SUPPORT';
/** …or the handshake failed (mysql2 overwrites Node's own code, the message stays). */
const SSL_ERROR_CODE = 'HANDSHAKE_SSL_ERROR';
/** Node's texts for a certificate that fails verification (chain, expiry, or the name). */
const CERTIFICATE_PROBLEM = /certificate|altnames|issuer|self[- ]signed/i;

export function classifyMysqlError(err: unknown, ctx: ErrorContext): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = (err ?? {}) as DriverError;
  const where = `MySQL server ${ctx.server}:${ctx.port}`;
  const remote = redactSecrets(e.sqlMessage ?? e.message ?? String(err), [ctx.password]);
  const make = (name: ErrorName, message: string) => new ConnectorError(name, redactSecrets(message, [ctx.password]), { cause: err });
  const errno = e.errno;

  if (errno !== undefined && AUTH_ERRNOS.has(errno)) {
    const fix = errno === ER_DBACCESS_DENIED
      ? `check that user "${ctx.username ?? ''}" has access to database "${ctx.database}"`
      : errno === ER_HOST_NOT_PRIVILEGED ? 'check the host part of the user\'s grants' : 'check username and password';
    return make('SOURCE_AUTH_FAILED', `${where} denied access: ${remote} (error ${errno}); ${fix}`);
  }
  if (errno === ER_BAD_DB) return make('SOURCE_NOT_FOUND', `${where}: database "${ctx.database}" does not exist: ${remote}; check the database parameter`);
  if (errno === ER_NO_SUCH_TABLE) return make('SOURCE_NOT_FOUND', `${where}: ${remote} (error ${errno}); check the schema and table parameters`);
  if (errno !== undefined && TIMEOUT_ERRNOS.has(errno)) return statementTimeout(ctx, remote, err);
  // mysql2's handshake timer and the kernel's SYN timeout both say syscall "connect"; a read timeout mid-stream does not.
  if (e.code === 'ETIMEDOUT' && e.syscall === 'connect') return connectTimeout(ctx, err);
  if (e.code === NO_SSL_CODE || e.code === SSL_ERROR_CODE) return tlsFailure(e.code, where, remote, ctx, make);
  if (errno === CR_SERVER_GONE || errno === CR_SERVER_LOST || errno === ER_SERVER_SHUTDOWN || errno === ER_CON_COUNT || errno === ER_CONNECTION_KILLED
    || (e.code !== undefined && NETWORK_CODES.has(e.code))) {
    return make('SOURCE_UNREACHABLE', `Cannot reach ${where}: ${remote}; check server, port and that the server is running`);
  }
  if (errno !== undefined && (QUERY_ERRNOS.has(errno) || e.sqlState?.startsWith('42'))) {
    return make('SOURCE_QUERY_FAILED', `${where} rejected the query: ${remote} (error ${errno})`);
  }
  return make('CONNECTOR_ERROR', `${where}: ${remote}${errno !== undefined ? ` (error ${errno})` : ''}`);
}

/**
 * TLS could not be set up (always SOURCE_UNREACHABLE, 1504): the message says which sslmode
 * asked for what and the setting or parameter that fixes it. No credentials were sent yet.
 */
function tlsFailure(code: string, where: string, remote: string, ctx: ErrorContext, make: (name: ErrorName, message: string) => ConnectorError): ConnectorError {
  const mode = `sslmode "${ctx.sslmode}"`;
  if (code === NO_SSL_CODE) {
    return make('SOURCE_UNREACHABLE', `${where} does not support SSL/TLS connections, and ${mode} requires encryption; `
      + 'enable TLS on the server (ssl_cert and ssl_key) or use sslmode "prefer" or "disable"');
  }
  if (CERTIFICATE_PROBLEM.test(remote)) {
    const name = ctx.sslmode === 'verify-full' ? ` and that the certificate names "${ctx.server}" (the server parameter)` : '';
    return make('SOURCE_UNREACHABLE', `${where}: the TLS certificate was rejected under ${mode}: ${remote}; `
      + `check the CA file (setting ssl_ca_file; unset, only the bundled root CAs are trusted)${name}`);
  }
  return make('SOURCE_UNREACHABLE', `${where}: the TLS handshake failed under ${mode}: ${remote}; `
    + 'check the server\'s TLS set-up (a server offering only TLS 1.0/1.1 cannot be reached with TLS) or use sslmode "disable"');
}

/** Shared by the server-side timeout (errors 1969/3024) and the client-side backstop timer. */
export function statementTimeout(ctx: ErrorContext, remote: string, cause?: unknown): ConnectorError {
  return statementTimeoutError('MySQL', ctx, remote, cause);
}

export function connectTimeout(ctx: ErrorContext, cause?: unknown): ConnectorError {
  return connectTimeoutError('MySQL', ctx, cause);
}
