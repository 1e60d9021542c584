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
  P0002: 404, // no_data_found: unknown id, or another role's (indistinguishable on purpose)
  '22023': 400, // invalid_parameter_value: validation, DETAIL error_code 1502 / 1501
  '42501': 403, // insufficient_privilege: no CREATE on the target schema, not a cdb_connector_user
  '3F000': 400, // invalid_schema_name: the role's search_path names no usable schema
  '54000': 403, // program_limit_exceeded: max_syncs_per_role
  '55000': 503, // object_not_in_prerequisite_state: no sidecar alive for check / list tables
  '58000': 400, // system_error: the remote server refused a listing (CARTO answers 400 too)
  '57014': 504, // query_canceled: an answer's deadline passed, or the statement timeout
  '42883': 501, // undefined_function: the database's SQL API predates this endpoint
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
  const status = STATUS_BY_SQLSTATE[code] ?? (code.startsWith('22') ? 400 : undefined);
  if (status === undefined) return undefined;
  if (code === '42883') {
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
