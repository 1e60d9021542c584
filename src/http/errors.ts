/**
 * Errors of the HTTP API: one class, and one table from SQLSTATE to HTTP status (issue 11). The
 * SQL API already decided what is wrong and said it in words; this file only picks the status
 * and puts the message lines in CARTO's `{"errors": [...]}` shape. Nothing here may echo a
 * request body: V8's JSON.parse messages quote the input (which may hold a password), so a
 * malformed body gets a fixed message, and unexpected errors get a generic one (details go to the
 * log, without secrets: see `logFields`).
 */
import type { FastifyError } from 'fastify';
import { isTargetUnavailable } from '../db/pool.js';
import { inClass, SQLSTATE } from '../db/sqlstate.js';
import { redactSecrets } from '../errors.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly messages: string[],
    /** Extra members of the JSON body, e.g. `error_code`. */
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(messages.join('\n'));
  }

  get body(): Record<string, unknown> {
    return { errors: this.messages, ...this.extra };
  }
}

export const unauthorized = (message: string): HttpError =>
  new HttpError(401, [message], {}, { 'www-authenticate': 'Bearer realm="connector-bridge"' });

export const notFound = (message = 'Not found'): HttpError => new HttpError(404, [message]);

/**
 * SQLSTATE → HTTP status, for the errors the SQL API raises on purpose (readme-sql.md, SPEC §2,
 * §7). Anything not listed (and not class 22, data exceptions) is a 500.
 */
const STATUS_BY_SQLSTATE: Record<string, number> = {
  [SQLSTATE.NO_DATA_FOUND]: 404, // unknown id, or another role's (indistinguishable on purpose)
  [SQLSTATE.INVALID_PARAMETER_VALUE]: 400, // validation, DETAIL error_code 1502 / 1501
  [SQLSTATE.INSUFFICIENT_PRIVILEGE]: 403, // no CREATE on the target schema, not a cdb_connector_user
  [SQLSTATE.INVALID_SCHEMA_NAME]: 400, // the role's search_path names no usable schema
  [SQLSTATE.PROGRAM_LIMIT_EXCEEDED]: 403, // max_syncs_per_role
  [SQLSTATE.OBJECT_NOT_IN_PREREQUISITE_STATE]: 503, // no sidecar alive for check / list tables
  [SQLSTATE.SYSTEM_ERROR]: 400, // the remote server refused a listing (CARTO answers 400 too)
  [SQLSTATE.QUERY_CANCELED]: 504, // an answer's deadline passed, or the statement timeout
  [SQLSTATE.UNDEFINED_FUNCTION]: 501, // the database's SQL API predates this endpoint
};

const ERROR_CODE_IN_DETAIL = /\berror_code (\d+)\b/;
/** node-postgres' pool says this when every connection stayed busy for connectionTimeoutMillis. */
const POOL_EXHAUSTED = /timeout exceeded when trying to connect/i;
const RETRY_AFTER_SECONDS = '1';

interface PgErrorLike {
  code?: string;
  message: string;
  detail?: string;
  severity?: string;
}

function isPgError(err: unknown): err is PgErrorLike {
  return typeof err === 'object' && err !== null && typeof (err as PgErrorLike).severity === 'string'
    && typeof (err as PgErrorLike).code === 'string';
}

function fromDatabase(err: PgErrorLike): HttpError | undefined {
  const code = err.code ?? '';
  const status = STATUS_BY_SQLSTATE[code] ?? (inClass(code, SQLSTATE.DATA_EXCEPTION_CLASS) ? 400 : undefined);
  if (status === undefined) return undefined;
  if (code === SQLSTATE.UNDEFINED_FUNCTION) {
    return new HttpError(501, ['This endpoint needs a newer SQL API in the database: run `connector-bridge migrate`.']);
  }
  const errorCode = ERROR_CODE_IN_DETAIL.exec(err.detail ?? '')?.[1];
  const messages = err.message.split('\n').filter((line) => line.length > 0);
  const headers: Record<string, string> = status === 503 ? { 'retry-after': RETRY_AFTER_SECONDS } : {};
  return new HttpError(status, messages, errorCode ? { error_code: Number(errorCode) } : {}, headers);
}

function fromFramework(err: FastifyError): HttpError | undefined {
  if (err.validation) {
    // A path parameter that fails its pattern (a non-uuid id) names nothing that can exist.
    if (err.validationContext === 'params') return notFound();
    return new HttpError(400, err.validation.map((v) => `${err.validationContext ?? 'request'}${v.instancePath} ${v.message ?? 'is invalid'}`));
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, ['Send the request body as JSON with Content-Type: application/json']);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, ['The request body is too large']);
    // A malformed or over-long path names nothing that can exist (fastify's own answer would
    // quote the path back).
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return notFound();
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpError(400, ['The request body is not valid JSON']);
    default:
      return undefined;
  }
}

/** The HTTP answer for anything thrown while serving a request; undefined means "500". */
export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (isPgError(err)) return fromDatabase(err);
  if (isTargetUnavailable(err) || (err instanceof Error && POOL_EXHAUSTED.test(err.message))) {
    return new HttpError(503, ['The database is not reachable right now; try again shortly'], {}, { 'retry-after': RETRY_AFTER_SECONDS });
  }
  if (err instanceof SyntaxError) return new HttpError(400, ['The request body is not valid JSON']);
  if (typeof err === 'object' && err !== null && 'code' in err) return fromFramework(err as FastifyError);
  return undefined;
}

/**
 * What a 500 logs: the SQLSTATE and the message, never the error object itself (a pg error
 * carries `where`/`internalQuery`, which can quote JSON input). Secrets found in the request are
 * cut out of the message all the same.
 */
export function logFields(err: unknown, secrets: string[]): Record<string, unknown> {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as { code?: unknown; message?: unknown; name?: unknown };
  const message = redactSecrets(typeof e.message === 'string' ? e.message : String(err), secrets);
  return { error: { name: typeof e.name === 'string' ? e.name : undefined, code: typeof e.code === 'string' ? e.code : undefined, message } };
}
