/**
 * How the providers word our own deadlines in their errors (settings connect_timeout and
 * statement_timeout): the setting's name and its value in seconds, the same from every source.
 */
import { ConnectorError } from '../errors.js';

/** Where the timeout happened and the deadlines that applied (the base of each provider's ErrorContext). */
export interface TimeoutContext {
  server: string;
  port: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

/** `12.5` for 12500 ms: one decimal, enough for a human and exact for whole seconds. */
export function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/** A statement of `source` (e.g. 'MySQL') outlived statement_timeout: the server's own timeout fired, or our backstop did. */
export function statementTimeoutError(source: string, ctx: TimeoutContext, remote: string, cause?: unknown): ConnectorError {
  return new ConnectorError('SOURCE_UNREACHABLE',
    `${source} statement timed out after ${seconds(ctx.statementTimeoutMs)} s (setting statement_timeout) on ${ctx.server}:${ctx.port}: ${remote}`, { cause });
}

/** The `source` server did not answer within connect_timeout. */
export function connectTimeoutError(source: string, ctx: TimeoutContext, cause?: unknown): ConnectorError {
  return new ConnectorError('SOURCE_UNREACHABLE',
    `Cannot reach ${source} server ${ctx.server}:${ctx.port}: no answer within ${seconds(ctx.connectTimeoutMs)} s (setting connect_timeout); check server, port and firewall`, { cause });
}
