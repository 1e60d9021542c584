/**
 * hive-driver / HiveServer2 failures → ConnectorError (the only place that knows Hive's errors).
 *
 * HiveServer2 reports failures as a TStatus (errorMessage, sqlState, errorCode = Hive's ErrorMsg
 * number, e.g. 10001 "Table not found", 10072 "Database does not exist"). hive-driver's own
 * StatusError / OperationStateError are plain objects, not `instanceof Error`, so nothing here
 * relies on the prototype chain. Messages say what to fix; the password never appears.
 */
import { ConnectorError, redactSecrets, type ErrorName } from '../../errors.js';
import { seconds, type TimeoutContext } from '../timeout-errors.js';

export interface ErrorContext extends TimeoutContext {
  database: string;
  username?: string;
  password?: string;
  /** PLAIN SASL (username/password given) or NOSASL. */
  sasl: boolean;
}

/** A non-success TStatus, or an operation that ended in ERROR_STATE. */
export class HiveStatusError extends Error {
  constructor(message: string, readonly sqlState?: string, readonly errorCode?: number) {
    super(message);
  }
}

/** Our own deadline passed: `connect` (connect_timeout) or `statement` (statement_timeout). */
export class HiveTimeoutError extends Error {
  constructor(readonly kind: 'connect' | 'statement', what: string) {
    super(`${what} timed out`);
  }
}

/** The socket closed or failed; `phase` says what we were doing, which tells the likely cause. */
export class HiveConnectionLost extends Error {
  constructor(readonly phase: 'sasl' | 'open' | 'session', readonly reason?: unknown) {
    super(`connection closed (${phase})`);
  }
}

/** The StreamOptions signal fired. */
export class HiveAborted extends Error {
  constructor() {
    super('aborted');
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'ERR_SOCKET_CLOSED']);
const TABLE_NOT_FOUND = 10001;
const DATABASE_NOT_FOUND = 10072;
const AUTH_TEXT = /Error validating the login|AuthenticationException|Authentication (error|failed)|not allowed to impersonate|Failed to validate proxy privilege/i;
const NOT_FOUND_TEXT = /Table not found|Database does not exist|Database \S+ does not exist|\bdoes not exist\b/i;
const PERMISSION_TEXT = /Permission denied|HiveAccessControlException|Unauthorized/i;
const COMPILE_TEXT = /ParseException|SemanticException|Error while compiling statement/i;

export function classifyHiveError(err: unknown, ctx: ErrorContext): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const where = `HiveServer2 ${ctx.server}:${ctx.port}`;
  const make = (name: ErrorName, message: string) => new ConnectorError(name, redactSecrets(message, [ctx.password]), { cause: err });
  const e = (err ?? {}) as { code?: string; message?: string; name?: string; constructor?: { name?: string } };
  const remote = String(e.message ?? err);

  if (err instanceof HiveAborted) return make('CANCELLED', 'Import cancelled; the Hive operation was cancelled');
  if (err instanceof HiveTimeoutError) {
    return err.kind === 'connect'
      ? make('SOURCE_UNREACHABLE', `Cannot reach ${where}: no answer within ${seconds(ctx.connectTimeoutMs)} s (setting connect_timeout); check server and port${ctx.sasl ? ', and whether the server expects NOSASL (then omit username and password)' : ''}`)
      : make('SOURCE_UNREACHABLE', `Hive statement timed out after ${seconds(ctx.statementTimeoutMs)} s (setting statement_timeout) on ${where}`);
  }
  if (err instanceof HiveConnectionLost) {
    if (err.phase === 'sasl') return make('SOURCE_AUTH_FAILED', `${where} closed the connection during SASL authentication; if the server runs with hive.server2.authentication=NOSASL, omit username and password`);
    if (err.phase === 'open' && !ctx.sasl) {
      return make('SOURCE_AUTH_FAILED', `${where} closed the connection when the session opened: the server probably expects SASL authentication (hive.server2.authentication NONE, LDAP, CUSTOM…); set username (and password), or check that the port is a HiveServer2 binary-transport port`);
    }
    return make('SOURCE_UNREACHABLE', `Connection to ${where} was lost${err.reason ? `: ${String((err.reason as Error).message ?? err.reason)}` : ''}`);
  }
  if (e.constructor?.name === 'AuthenticationError' || /^Authentication error/.test(remote)) {
    return make('SOURCE_AUTH_FAILED', `${where} refused the login of user "${ctx.username ?? ''}": ${remote}; check username and password`);
  }
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) {
    return make('SOURCE_UNREACHABLE', `Cannot reach ${where}: ${remote}; check server, port and that HiveServer2 is running`);
  }
  if (err instanceof HiveStatusError) return classifyStatus(err, where, ctx, make);
  if (e.name === 'Status Error' || e.constructor?.name === 'OperationStateError') {
    return classifyStatus(new HiveStatusError(remote), where, ctx, make);
  }
  return make('CONNECTOR_ERROR', `${where}: ${remote}`);
}

function classifyStatus(err: HiveStatusError, where: string, ctx: ErrorContext, make: (name: ErrorName, message: string) => ConnectorError): ConnectorError {
  const detail = `${err.message}${err.sqlState ? ` (SQLSTATE ${err.sqlState}${err.errorCode ? `, error ${err.errorCode}` : ''})` : ''}`;
  if (AUTH_TEXT.test(err.message)) return make('SOURCE_AUTH_FAILED', `${where} refused the login of user "${ctx.username ?? ''}": ${detail}; check username and password`);
  if (err.errorCode === TABLE_NOT_FOUND || err.errorCode === DATABASE_NOT_FOUND || err.sqlState === '42S02' || NOT_FOUND_TEXT.test(err.message)) {
    return make('SOURCE_NOT_FOUND', `${where}: ${detail}; check the database, schema and table parameters`);
  }
  if (PERMISSION_TEXT.test(err.message)) return make('SOURCE_QUERY_FAILED', `${where} denied the query: ${detail}; check the user's privileges`);
  if (err.sqlState?.startsWith('42') || COMPILE_TEXT.test(err.message)) return make('SOURCE_QUERY_FAILED', `${where} rejected the query: ${detail}`);
  return make('CONNECTOR_ERROR', `${where}: ${detail}`);
}
