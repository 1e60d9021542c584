/**
 * Structured JSON logs (pino). Passwords never reach a log line: the redaction paths cover every
 * place a connection object can appear, and jobs log through `jobLogger`, which carries the job id.
 */
import pino, { type Logger } from 'pino';
import { REDACTED } from './errors.js';

const REDACT_PATHS = [
  'password', '*.password', '*.*.password', '*.*.*.password',
  'connection.password', 'params.connection.password', 'request.connection.password',
  'databaseUrl', '*.databaseUrl', 'connectionString', '*.connectionString',
];

export function createLogger(opts: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'connector-bridge', pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}

export function jobLogger(log: Logger, jobId: string, extra: Record<string, unknown> = {}): Logger {
  return log.child({ job_id: jobId, ...extra });
}

/** Removes credentials from a PostgreSQL URL before it is printed or logged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = REDACTED;
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, `:${REDACTED}@`);
  }
}
