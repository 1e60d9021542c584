/**
 * PostgreSQL errors (SQLSTATE) → the SQL Server error a client would see for the same mistake:
 * number, severity class, message text. Clients classify on the number (208 missing object,
 * 102 syntax, …), so that is what must match.
 */
import { TsqlSyntaxError } from './lexer.js';
import { CompileError } from './translate.js';
import type { ServerMessage } from './tokens.js';

const ERROR_CLASS = 16;

interface PgError { code?: string; message: string }

/** Quoted name in a PostgreSQL message (`relation "dbo.t" does not exist`), spelled back the way the statement wrote it. */
function quotedName(message: string, spellings: Map<string, string>): string {
  const m = /"([^"]*)"/.exec(message);
  if (!m) return '?';
  return m[1]!.split('.').map((part) => spellings.get(part) ?? part).join('.');
}

export function toServerMessage(err: unknown, spellings: Map<string, string> = new Map()): ServerMessage {
  if (err instanceof CompileError) return { number: err.number, class: ERROR_CLASS, message: err.message };
  if (err instanceof TsqlSyntaxError) return { number: 102, class: 15, message: err.message };
  const e = err as PgError;
  const name = () => quotedName(e.message ?? '', spellings);
  switch (e.code) {
    case '42P01': return { number: 208, class: ERROR_CLASS, message: `Invalid object name '${name()}'.` };
    case '42703': return { number: 207, class: ERROR_CLASS, message: `Invalid column name '${name()}'.` };
    case '42601': return { number: 102, class: 15, message: `Incorrect syntax near '${name()}'.` };
    case '3F000': return { number: 2760, class: ERROR_CLASS, message: `The specified schema name "${name()}" either does not exist or you do not have permission to use it.` };
    case '42P07': case '42P06': return { number: 2714, class: ERROR_CLASS, message: `There is already an object named '${name()}' in the database.` };
    case '23505': return { number: 2627, class: 14, message: `Violation of PRIMARY KEY or UNIQUE constraint. Cannot insert duplicate key. ${e.message}` };
    case '23502': return { number: 515, class: ERROR_CLASS, message: `Cannot insert the value NULL into column '${name()}'; column does not allow nulls. INSERT fails.` };
    case '23514': return { number: 547, class: ERROR_CLASS, message: `The INSERT statement conflicted with the CHECK constraint. ${e.message}` };
    case '22P02': case '22007': case '22008': return { number: 245, class: ERROR_CLASS, message: `Conversion failed: ${e.message}` };
    case '22003': return { number: 8115, class: ERROR_CLASS, message: `Arithmetic overflow error: ${e.message}` };
    case '22001': return { number: 2628, class: ERROR_CLASS, message: `String or binary data would be truncated: ${e.message}` };
    case '22012': return { number: 8134, class: ERROR_CLASS, message: 'Divide by zero error encountered.' };
    case '42883': return { number: 195, class: 15, message: `'${name()}' is not a recognized built-in function name. (${e.message})` };
    case '42501': return { number: 229, class: 14, message: `The permission was denied: ${e.message}` };
    case '57014': return { number: 3617, class: ERROR_CLASS, message: 'Query was cancelled.' };
    default: return { number: 50000, class: ERROR_CLASS, message: e.message ?? String(err) };
  }
}
