/**
 * The SQLSTATEs the code branches on, by name (PostgreSQL manual, Appendix A). Only the target's
 * and the SQL API's codes live here; each provider's errors.ts keeps its remote's own.
 */
export const SQLSTATE = {
  /** Class 22, data exception: a value the target rejected. */
  DATA_EXCEPTION_CLASS: '22',
  CHARACTER_NOT_IN_REPERTOIRE: '22021',
  UNTRANSLATABLE_CHARACTER: '22P05',
  /** Raised by the SQL API's validation (DETAIL error_code 1501 / 1502). */
  INVALID_PARAMETER_VALUE: '22023',
  /** Class 23, integrity constraint violation: NOT NULL, unique, CHECK, foreign key, exclusion. */
  INTEGRITY_CONSTRAINT_CLASS: '23',
  NOT_NULL_VIOLATION: '23502',
  UNIQUE_VIOLATION: '23505',
  /** Class 3F: the role's search_path names no usable schema. */
  INVALID_SCHEMA_NAME_CLASS: '3F',
  INVALID_SCHEMA_NAME: '3F000',
  /** Class 42, syntax error or access rule violation. */
  SYNTAX_OR_ACCESS_CLASS: '42',
  INSUFFICIENT_PRIVILEGE: '42501',
  UNDEFINED_FUNCTION: '42883',
  /** The SQL API's per-role limits (max_syncs_per_role). */
  PROGRAM_LIMIT_EXCEEDED: '54000',
  /** The SQL API: no sidecar alive to answer check / list tables. */
  OBJECT_NOT_IN_PREREQUISITE_STATE: '55000',
  QUERY_CANCELED: '57014',
  ADMIN_SHUTDOWN: '57P01',
  CRASH_SHUTDOWN: '57P02',
  CANNOT_CONNECT_NOW: '57P03',
  TOO_MANY_CONNECTIONS: '53300',
  /** The SQL API: the remote server refused a listing or a preview (DETAIL error_code 15xx). */
  SYSTEM_ERROR: '58000',
  /** PL/pgSQL RAISE EXCEPTION without its own code: a user's trigger refusing a row. */
  RAISE_EXCEPTION: 'P0001',
  /** elog(ERROR) without a code; PostGIS raises it for geometries it cannot parse. */
  INTERNAL_ERROR: 'XX000',
  /** PL/pgSQL no_data_found: an unknown id, or another role's. */
  NO_DATA_FOUND: 'P0002',
} as const;

/** Target errors that mean "unavailable now", not "this job is wrong": the job is handed back. */
export const TARGET_UNAVAILABLE_SQLSTATES: readonly string[] = [
  SQLSTATE.ADMIN_SHUTDOWN, SQLSTATE.CRASH_SHUTDOWN, SQLSTATE.CANNOT_CONNECT_NOW, SQLSTATE.TOO_MANY_CONNECTIONS,
];

/**
 * Class 08 (connection exception) with a numeric subclass: 08000, 08003, 08006, … — not 08P01
 * (protocol_violation), which is a bug on one side rather than the target going away.
 */
export function isConnectionException(code: string): boolean {
  return /^08\d{3}$/.test(code);
}

/** True when `code` belongs to the SQLSTATE class `classCode` (its first two characters). */
export function inClass(code: string | undefined, classCode: string): boolean {
  return code !== undefined && code.startsWith(classCode);
}

/** A five-character SQLSTATE, as opposed to a Node error code (ECONNRESET, …). */
export function isSqlstate(code: string): boolean {
  return /^[0-9A-Z]{5}$/.test(code);
}
