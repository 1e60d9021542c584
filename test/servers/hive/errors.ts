/**
 * Errors in HiveServer2's words: the TStatus fields (errorMessage, sqlState, errorCode) that a
 * real Hive 4 sends for the same mistakes, so a client's error mapping is tested against text it
 * will meet in production. Codes are Hive's ErrorMsg numbers (10001 table not found, 10072
 * database does not exist, 10004 invalid column, 40000 generic compile error).
 */
import type { DatabaseError } from 'pg';
import { HiveSyntaxError } from './lexer.js';

export class HiveError extends Error {
  constructor(message: string, readonly sqlState: string, readonly errorCode: number) {
    super(message);
  }
}

const COMPILE_PREFIX = 'Error while compiling statement: FAILED: ';

export function semanticError(code: number, text: string, sqlState = '42000'): HiveError {
  return new HiveError(`${COMPILE_PREFIX}SemanticException [Error ${code}]: ${text}`, sqlState, code);
}

export function tableNotFound(name: string): HiveError {
  return semanticError(10001, `Line 1:14 Table not found '${name}'`, '42S02');
}

export function databaseNotFound(name: string): HiveError {
  return semanticError(10072, `Database does not exist: ${name}`);
}

export function parseError(err: HiveSyntaxError, sql: string): HiveError {
  return new HiveError(`${COMPILE_PREFIX}ParseException line ${position(sql, err.pos)} ${err.message}`, '42000', 40000);
}

function position(sql: string, pos: number): string {
  const before = sql.slice(0, pos).split('\n');
  return `${before.length}:${before[before.length - 1]!.length}`;
}

/** Maps a PostgreSQL error met while running translated HiveQL to what Hive would have said. */
export function fromPostgres(err: unknown, sql: string): HiveError {
  if (err instanceof HiveError) return err;
  if (err instanceof HiveSyntaxError) return parseError(err, sql);
  const pgErr = err as DatabaseError;
  const quoted = /"([^"]+)"/.exec(pgErr.message ?? '')?.[1] ?? '?';
  switch (pgErr.code) {
    case '42P01': return tableNotFound(quoted);
    case '3F000': return databaseNotFound(quoted);
    case '42703': return semanticError(10004, `Line 1:7 Invalid table alias or column reference '${quoted}'`);
    case '42883': return semanticError(10011, `Line 1:7 Invalid function ${quoted}`);
    case '42601': {
      const at = Number(pgErr.position ?? 1) - 1;
      const near = sql.slice(at).trim().split(/\s+/).slice(0, 3).map((w) => `'${w}'`).join(' ') || "'<EOF>'";
      return new HiveError(`${COMPILE_PREFIX}ParseException line 1:${at} cannot recognize input near ${near}`, '42000', 40000);
    }
    case '57014': return new HiveError('Query was cancelled', '01000', 1000);
    case '42P07': return semanticError(10070, `Table already exists: ${quoted}`);
  }
  if (pgErr.code?.startsWith('42')) return semanticError(40000, pgErr.message);
  if (pgErr.code?.startsWith('22') || pgErr.code?.startsWith('23')) {
    return new HiveError(`Error while processing statement: FAILED: Execution Error, return code 2 from org.apache.hadoop.hive.ql.exec.tez.TezTask. ${pgErr.message}`, '08S01', 2);
  }
  return new HiveError(`Error running query: ${pgErr.message ?? String(err)}`, 'HY000', 1);
}

/** TStatus as plain object: SUCCESS_STATUS = 0, ERROR_STATUS = 3, INVALID_HANDLE_STATUS = 4. */
export const OK_STATUS = { statusCode: 0 };

export function errorStatus(err: unknown): object {
  const e = err instanceof HiveError ? err : new HiveError(err instanceof Error ? err.message : String(err), 'HY000', 1);
  return { statusCode: 3, errorMessage: e.message, sqlState: e.sqlState, errorCode: e.errorCode, infoMessages: [`*org.apache.hive.service.cli.HiveSQLException:${e.message}:0:0`] };
}

export function invalidHandleStatus(kind: 'Session' | 'Operation', id: string): object {
  return { statusCode: 4, errorMessage: `Invalid ${kind}Handle: ${kind}Handle [${id}]`, sqlState: 'HY000', errorCode: 0 };
}
