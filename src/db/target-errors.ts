/**
 * Errors raised by the target PostgreSQL while loading, mapped to what the user should do.
 * A code-less I/O error means the target is unavailable: the job is handed back, not failed.
 */
import type pg from 'pg';
import { ConnectorError } from '../errors.js';
import { isTargetUnavailable } from './pool.js';
import { inClass, SQLSTATE } from './sqlstate.js';

export class TargetUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`target database unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export function classifyTargetError(err: unknown): ConnectorError | TargetUnavailableError {
  if (err instanceof ConnectorError || err instanceof TargetUnavailableError) return err;
  if (isTargetUnavailable(err)) return new TargetUnavailableError(err);
  const e = err as { code?: string; message?: string; where?: string; detail?: string };
  const context = [e.detail, e.where].filter(Boolean).join('; ');
  const text = `${e.message ?? String(err)}${context ? ` (${context})` : ''}`;
  if (e.code === SQLSTATE.CHARACTER_NOT_IN_REPERTOIRE || e.code === SQLSTATE.UNTRANSLATABLE_CHARACTER) {
    return new ConnectorError('ENCODING_ERROR', `Text cannot be stored in the target database's encoding: ${text}`, { cause: err });
  }
  if (e.code === SQLSTATE.INSUFFICIENT_PRIVILEGE) {
    return new ConnectorError('INVALID_PARAMETERS', `The importing role lacks a privilege in the target database: ${text}`, { cause: err });
  }
  if (inClass(e.code, SQLSTATE.DATA_EXCEPTION_CLASS)) {
    return new ConnectorError('CONNECTOR_ERROR', `PostgreSQL rejected a value from the remote server: ${text}`, { cause: err });
  }
  return new ConnectorError('INTERNAL', `Target database error: ${text}`, { cause: err });
}

/** How long a connection gets to prove it still works after a "target unavailable" error. */
const OUTAGE_PROBE_MS = 2000;

/**
 * True when `err` says the target is unavailable and `client` agrees: it does not answer a
 * `select 1` within OUTAGE_PROBE_MS. SQL can raise any SQLSTATE — a trigger or function of a
 * tenant raising 57P01 looks like a shutdown — while a real outage takes the connection with it.
 */
export async function confirmedOutage(err: unknown, client: pg.ClientBase | pg.Pool): Promise<boolean> {
  if (!(classifyTargetError(err) instanceof TargetUnavailableError)) return false;
  let timer: NodeJS.Timeout | undefined;
  const answered = await Promise.race([
    client.query('select 1').then(() => true, () => false),
    new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), OUTAGE_PROBE_MS); }),
  ]).finally(() => clearTimeout(timer));
  return !answered;
}
