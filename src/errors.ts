/**
 * One error class and one code table (STYLE: porsager/postgres, graphile-worker).
 *
 * The numeric code is what users see in `cdb_connectors.imports.error_code` (SPEC §4); the name
 * is what TypeScript throws; `retryable` decides whether a sync retries before its next interval.
 * Titles and explanations shown by `cdb_connector_import_status().get_error_text` live in
 * `cdb_connectors.error_codes` (sql/); test/sql/error-codes.test.ts keeps both tables in step (and test/docs.test.ts the docs).
 */
export const ERROR_CODES = {
  CONNECTOR_ERROR: { code: 1500, retryable: true },
  PROVIDER_DISABLED: { code: 1501, retryable: false },
  INVALID_PARAMETERS: { code: 1502, retryable: false },
  SOURCE_AUTH_FAILED: { code: 1503, retryable: false },
  SOURCE_UNREACHABLE: { code: 1504, retryable: true },
  SOURCE_NOT_FOUND: { code: 1505, retryable: false },
  SOURCE_QUERY_FAILED: { code: 1506, retryable: false },
  TOO_MANY_COLUMNS: { code: 1507, retryable: false },
  NO_IMPORTABLE_COLUMNS: { code: 1508, retryable: false },
  CANCELLED: { code: 1509, retryable: false },
  ENCODING_ERROR: { code: 1510, retryable: false },
  DELETE_GUARD: { code: 1511, retryable: false },
  REJECT_LIMIT_EXCEEDED: { code: 1512, retryable: false },
  ROW_LIMIT_EXCEEDED: { code: 1513, retryable: false },
  TABLE_EXISTS: { code: 1514, retryable: false },
  SYNC_TABLE_INCOMPATIBLE: { code: 2013, retryable: false },
  INTERNAL: { code: 99999, retryable: true },
} as const;

export type ErrorName = keyof typeof ERROR_CODES;

export class ConnectorError extends Error {
  override readonly name = 'ConnectorError';
  readonly errorName: ErrorName;

  constructor(errorName: ErrorName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.errorName = errorName;
  }

  get code(): number {
    return ERROR_CODES[this.errorName].code;
  }

  get retryable(): boolean {
    return ERROR_CODES[this.errorName].retryable;
  }
}

export function isConnectorError(err: unknown): err is ConnectorError {
  return err instanceof ConnectorError;
}

/** Anything thrown that is not a ConnectorError is a bug or an unclassified failure: code 99999. */
export function toConnectorError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ConnectorError('INTERNAL', `Internal error: ${message}`, { cause: err });
}

/** What replaces a secret wherever one could appear (status rows, logs, URLs, HTTP answers). */
export const REDACTED = '***';

/**
 * Removes every occurrence of the given secrets from a text, so remote error messages that echo
 * a connection string can never leak a password into status rows or logs.
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length > 0) out = out.split(secret).join(REDACTED);
  }
  return out;
}
