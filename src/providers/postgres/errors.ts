/**
 * node-postgres errors → ConnectorError (the only place that knows SQLSTATEs and pg's messages).
 *
 * A server error carries a SQLSTATE and a severity; an I/O error ("Connection terminated
 * unexpectedly", ECONNRESET, a TLS alert) has neither, and always means the source is unreachable
 * (STYLE: classify code-less I/O errors as unavailability). Messages say what to fix and carry the
 * server's own text; the password never appears (redactSecrets guards against a proxy echoing it).
 */
import { ConnectorError, redactSecrets, type ErrorName } from '../../errors.js';
import type { SslMode } from '../provider.js';
import { connectTimeoutError, statementTimeoutError, type TimeoutContext } from '../timeout-errors.js';

/** What the classifier needs to write a useful message. */
export interface ErrorContext extends TimeoutContext {
  /** The address connected to (checked by the network policy), when it differs from `server`. */
  address?: string;
  database: string;
  username?: string;
  password?: string;
  sslmode: SslMode;
}

interface DriverError {
  code?: string;
  severity?: string;
  message?: string;
  detail?: string;
  hint?: string;
}

/** pg's own text when the server answers 'N' to the SSLRequest (lib/connection.js). */
export const NO_SSL_MESSAGE = 'The server does not support SSL connections';

const SQLSTATE_INVALID_PASSWORD = '28P01';
const SQLSTATE_INVALID_AUTHORIZATION = '28000';
const SQLSTATE_UNKNOWN_DATABASE = '3D000';
export const SQLSTATE_QUERY_CANCELED = '57014';
/** Class 08 (connection exception), 53 (insufficient resources: too many connections), 57P (shutdown). */
const UNREACHABLE_SQLSTATE = /^(08|53|57P)/;

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE',
  'ECONNABORTED', 'ERR_SOCKET_CLOSED', 'ERR_STREAM_DESTROYED',
]);
/** Certificate checks that fail under sslmode verify-ca / verify-full. */
const CERTIFICATE_CODES = /^(ERR_TLS_CERT_ALTNAME_INVALID|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|CERT_|ERR_TLS_)/;
const CONNECTION_LOST = /Connection terminated|timeout expired|Connection closed|socket hang up|There was an error establishing an SSL connection/i;
/** pg's SCRAM/MD5 code when the server asks for a password and none was given. */
const PASSWORD_MISSING = /password must be a string|password must be non-empty|SASL:.*password/i;

export function classifyPgError(err: unknown, ctx: ErrorContext): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = (err ?? {}) as DriverError;
  const where = `PostgreSQL server ${ctx.server}:${ctx.port}`;
  const remote = redactSecrets(describeDriverError(e, err), [ctx.password]);
  const make = (name: ErrorName, message: string) => new ConnectorError(name, redactSecrets(message, [ctx.password]), { cause: err });
  const sqlstate = e.severity !== undefined ? e.code : undefined;

  if (sqlstate === SQLSTATE_INVALID_PASSWORD || sqlstate === SQLSTATE_INVALID_AUTHORIZATION) {
    const fix = sqlstate === SQLSTATE_INVALID_PASSWORD ? 'check username and password' : 'check the user\'s pg_hba.conf entry, the password and sslmode';
    return make('SOURCE_AUTH_FAILED', `${where} refused the login of user "${ctx.username ?? ''}": ${remote} (SQLSTATE ${sqlstate}); ${fix}`);
  }
  if (sqlstate === SQLSTATE_UNKNOWN_DATABASE) {
    return make('SOURCE_NOT_FOUND', `${where}: database "${ctx.database}" does not exist: ${remote}; check the database parameter`);
  }
  if (sqlstate === SQLSTATE_QUERY_CANCELED) {
    return make('SOURCE_UNREACHABLE', `${where} cancelled the query: ${remote}; the import is retried`);
  }
  if (sqlstate !== undefined && UNREACHABLE_SQLSTATE.test(sqlstate)) {
    return make('SOURCE_UNREACHABLE', `${where} is not available: ${remote} (SQLSTATE ${sqlstate})`);
  }
  if (sqlstate !== undefined) {
    // Class 42 (syntax, undefined column, permission), 25006 (read-only), 22 (data), 0A (not supported), …
    return make('SOURCE_QUERY_FAILED', `${where} rejected the query: ${remote} (SQLSTATE ${sqlstate})`);
  }
  if (e.message === NO_SSL_MESSAGE) {
    return make('SOURCE_UNREACHABLE',
      `${where} does not support SSL connections, and sslmode "${ctx.sslmode}" requires encryption; enable ssl on the server or use sslmode "prefer" or "disable"`);
  }
  if (e.message !== undefined && /timeout expired|connection timeout/i.test(e.message)) return connectTimeout(ctx, err);
  if (e.code !== undefined && CERTIFICATE_CODES.test(e.code)) {
    return make('SOURCE_UNREACHABLE', `${where}: the TLS certificate was rejected under sslmode "${ctx.sslmode}": ${remote}; check the CA file (setting ssl_ca_file) and the server name`);
  }
  if (e.message !== undefined && PASSWORD_MISSING.test(e.message)) {
    return make('SOURCE_AUTH_FAILED', `${where} asks user "${ctx.username ?? ''}" for a password and none was given; add the password parameter`);
  }
  if ((e.code !== undefined && NETWORK_CODES.has(e.code)) || (e.message !== undefined && CONNECTION_LOST.test(e.message))) {
    return make('SOURCE_UNREACHABLE', `Cannot reach ${where}: ${remote}; check server, port and that the server is running`);
  }
  return make('CONNECTOR_ERROR', `${where}: ${remote}`);
}

/** The server's statement_timeout fired, or the client-side backstop did. */
export function statementTimeout(ctx: ErrorContext, remote: string, cause?: unknown): ConnectorError {
  return statementTimeoutError('PostgreSQL', ctx, remote, cause);
}

export function connectTimeout(ctx: ErrorContext, cause?: unknown): ConnectorError {
  return connectTimeoutError('PostgreSQL', ctx, cause);
}

/** The SQLSTATE of a server error, if `err` (or its cause) is one. */
export function sqlstateOf(err: unknown): string | undefined {
  const e = (err instanceof ConnectorError ? err.cause : err) as DriverError | undefined;
  return e?.severity !== undefined ? e.code : undefined;
}

function describeDriverError(e: DriverError, err: unknown): string {
  const base = e.message ?? String(err);
  const extra = [e.detail && `DETAIL: ${e.detail}`, e.hint && `HINT: ${e.hint}`].filter(Boolean).join(' ');
  return extra ? `${base} (${extra})` : base;
}
