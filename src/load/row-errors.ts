/**
 * Which target errors are a row's fault (with `"on_error": "reject"` the row goes to
 * cdb_connectors.rejects, SPEC §14) and which are the job's (the job fails or is handed back as
 * before), and where a COPY error says the row is.
 *
 * Row errors, by SQLSTATE:
 *   class 22  data exception: a value the column type refuses (22P02 invalid text, 22003 out of
 *             range, 22008/22007 dates, 22001 too long, 22021 bytes invalid in the database
 *             encoding, 22P05 untranslatable into it, 22P04 a malformed COPY row …);
 *   class 23  integrity constraint violation: NOT NULL, unique, CHECK, foreign key, exclusion
 *             (what the owner put on a sync table refuses in a merge, append or refresh);
 *   P0001     RAISE EXCEPTION: the owner's trigger refusing a row;
 *   XX000     internal error without a code: PostGIS raises it for a geometry it cannot read
 *             ("geometry contains non-closed rings", "parse error - invalid geometry");
 *   54000     program limit: a value too big for an index entry or a jsonb.
 * Everything else is the job's: connection loss and server shutdown (08, 57P0x: handed back),
 * cancel (57014), resources (53), privileges, undefined objects and syntax (42 — also a trigger
 * of the owner that tries something it may not do), locks and serialization (55, 40), system
 * errors (58), data corruption (XX001, XX002). A row error that is really the job's (a type input
 * that fails for every value) still ends the job: every row is rejected and the limit (1512) trips.
 */
import { inClass, SQLSTATE } from '../db/sqlstate.js';

const ROW_ERROR_CODES: readonly string[] = [SQLSTATE.RAISE_EXCEPTION, SQLSTATE.INTERNAL_ERROR, SQLSTATE.PROGRAM_LIMIT_EXCEEDED];

/** The fields of a server error a reject records (node-postgres DatabaseError). */
export interface TargetError {
  code?: string;
  message?: string;
  detail?: string;
  where?: string;
  column?: string;
}

export function isRowError(err: unknown): err is TargetError {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as TargetError).code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return false;
  return inClass(code, SQLSTATE.DATA_EXCEPTION_CLASS) || inClass(code, SQLSTATE.INTEGRITY_CONSTRAINT_CLASS) || ROW_ERROR_CODES.includes(code);
}

/**
 * `COPY <table>, line N[, column c]` of the error context: the failing row (1-based, within that
 * COPY's data) and, when the error is about one value, its column. Binary COPY counts tuples as
 * lines. Undefined when the context names no line (the caller bisects instead). Staging tables
 * and local columns are named [a-z0-9_$] only (identifiers.ts), so the pattern cannot be fooled
 * by a comma or colon in a name.
 */
export function copyErrorPosition(err: TargetError): { line: number; column?: string } | undefined {
  const m = /(?:^|\n)COPY [^,\n]+, line (\d+)(?:, column ([^:\n]+))?/.exec(err.where ?? '');
  if (!m) return undefined;
  return { line: Number(m[1]), ...(m[2] !== undefined ? { column: m[2] } : {}) };
}

/** Longest message a reject keeps: a trigger may raise a whole document. */
const MAX_MESSAGE_CHARS = 2000;

/** What a reject row says about the error: the server's message and detail, never its context (our staging names). */
export function rejectMessage(err: TargetError): string {
  const text = err.detail ? `${err.message ?? ''} (${err.detail})` : err.message ?? String(err);
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}
