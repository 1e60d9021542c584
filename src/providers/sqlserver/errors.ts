/**
 * tedious errors → ConnectorError, at the seam (STYLE: classify only here). Login failures come
 * back as ConnectionError ELOGIN with the server's text but without its number, so the numbers
 * of the ERROR tokens seen during login are passed in (connection 'errorMessage' events).
 */
import { ConnectorError, redactSecrets, type ErrorName } from '../../errors.js';

/** Server error numbers (sys.messages) with a specific meaning for the user. */
const LOGIN_FAILED = new Set([18456, 18452, 18470, 18486, 18487, 18488]);
const DATABASE_UNAVAILABLE = 4060;
const OBJECT_NOT_FOUND = new Set([208, 2760, 15151, 3701]);
/** Azure SQL / failover "try again" errors (tedious's transient list plus 40501 throttling). */
const TRANSIENT = new Set([10928, 10929, 40197, 40501, 40613]);

export interface ErrorContext {
  /** `host:port` for messages. */
  where: string;
  user?: string;
  database: string;
  secrets: Array<string | undefined>;
}

interface TediousLikeError extends Error {
  code?: string;
  number?: number;
  errors?: unknown[];
  cause?: unknown;
}

function make(name: ErrorName, message: string, ctx: ErrorContext, cause: unknown): ConnectorError {
  return new ConnectorError(name, redactSecrets(message, ctx.secrets), { cause });
}

/** Errors of `connection.connect()`. */
export function classifyConnectError(err: unknown, loginErrorNumbers: number[], ctx: ErrorContext): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = err as TediousLikeError;
  const text = e?.message ?? String(err);
  if (e?.code === 'ELOGIN') {
    if (loginErrorNumbers.includes(DATABASE_UNAVAILABLE)) {
      return make('SOURCE_NOT_FOUND', `SQL Server at ${ctx.where}: cannot open database "${ctx.database}" (error 4060). Check the database name and that user ${ctx.user ?? ''} may use it.`, ctx, err);
    }
    if (loginErrorNumbers.some((n) => TRANSIENT.has(n))) return make('SOURCE_UNREACHABLE', `SQL Server at ${ctx.where} is temporarily unavailable: ${text}`, ctx, err);
    // 18456 and relatives (LOGIN_FAILED), or a login error without a number: the credentials were refused.
    const number = loginErrorNumbers.find((n) => LOGIN_FAILED.has(n));
    return make('SOURCE_AUTH_FAILED', `SQL Server at ${ctx.where}: ${text}${number ? ` (error ${number})` : ''} Check the username and password (SQL Server authentication must be enabled on the server).`, ctx, err);
  }
  if (e?.code === 'EENCRYPT') return make('SOURCE_UNREACHABLE', `SQL Server at ${ctx.where} requires encryption: set "encrypt": true. (${text})`, ctx, err);
  const certProblem = /certificate|self[- ]signed|unable to verify|altnames|CERT_/i.test(`${text} ${(e?.cause as Error | undefined)?.message ?? ''}`);
  if (certProblem) {
    return make('SOURCE_UNREACHABLE', `SQL Server at ${ctx.where}: the TLS certificate was not accepted (${text}). Install a certificate signed by a trusted CA on the server, provide the CA file, or set "trust_server_certificate": true to encrypt without verifying the server.`, ctx, err);
  }
  if (e?.code === 'ETIMEOUT') return make('SOURCE_UNREACHABLE', `SQL Server at ${ctx.where} did not answer in time: ${text} Check the server name, port and firewall.`, ctx, err);
  return make('SOURCE_UNREACHABLE', `Cannot reach SQL Server at ${ctx.where}: ${text} Check the server name, port and firewall.`, ctx, err);
}

/** Server error numbers of a failed request (tedious reports several as an AggregateError). */
export function errorNumbers(err: unknown): number[] {
  const e = err as TediousLikeError;
  if (Array.isArray(e?.errors)) return e.errors.flatMap((x) => errorNumbers(x));
  return typeof e?.number === 'number' ? [e.number] : [];
}

function requestMessage(err: unknown): string {
  const e = err as TediousLikeError;
  if (Array.isArray(e?.errors)) return e.errors.map((x) => requestMessage(x)).join(' ');
  return typeof e?.number === 'number' ? `${e.message} (error ${e.number})` : e?.message ?? String(err);
}

/** Errors of a request (query, catalog query, streamed SELECT). */
export function classifyRequestError(err: unknown, ctx: ErrorContext, what: string): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = err as TediousLikeError;
  const numbers = errorNumbers(err);
  const text = requestMessage(err);
  if (numbers.some((n) => OBJECT_NOT_FOUND.has(n))) return make('SOURCE_NOT_FOUND', `SQL Server at ${ctx.where}: ${what} failed: ${text}`, ctx, err);
  if (numbers.some((n) => TRANSIENT.has(n))) return make('SOURCE_UNREACHABLE', `SQL Server at ${ctx.where} is temporarily unavailable: ${text}`, ctx, err);
  if (numbers.length > 0 || e?.code === 'EREQUEST') return make('SOURCE_QUERY_FAILED', `SQL Server at ${ctx.where}: ${what} failed: ${text}`, ctx, err);
  if (e?.code === 'ETIMEOUT') return make('SOURCE_UNREACHABLE', `SQL Server at ${ctx.where}: ${what} timed out: ${text}`, ctx, err);
  return make('SOURCE_UNREACHABLE', `SQL Server at ${ctx.where}: connection lost during ${what}: ${text}`, ctx, err);
}
