/**
 * Opens the remote session of a job (runner.ts) or of a request (request-answer.ts): the
 * provider's connect with the settings' timeouts, fetch size and CA file, abandoned as soon as
 * `signal` fires; a session that still connects after that is closed at once. The request the
 * provider sees carries the setting cast_rules for its provider after the job's own casts.
 */
import type { Logger } from 'pino';
import type { TargetCapabilities } from '../rows/plan.js';
import type { Provider, SourceRequest, SourceSession } from '../providers/provider.js';
import { withSettingCasts } from './request-casts.js';
import type { Settings } from './settings.js';
import { untilAborted } from './until-aborted.js';

export interface ConnectSessionOptions {
  log: Logger;
  signal: AbortSignal;
  /** What the target can store (PostGIS), for a session that describes columns. */
  target?: TargetCapabilities;
  /** What is left of a request's deadline: caps connect_timeout and statement_timeout. */
  budgetMs?: number;
  /** Rows per round trip, when not the fetch_rows setting. */
  fetchRows?: number;
}

export function connectSession(provider: Provider, request: SourceRequest, settings: Settings, opts: ConnectSessionOptions): Promise<SourceSession> {
  const budgetMs = opts.budgetMs ?? Infinity;
  // the setting cast_rules apply to every session that describes (SPEC §14), after the job's own casts
  return untilAborted(provider.connect(withSettingCasts(request, settings.castRules), {
    connectTimeoutMs: Math.min(settings.connectTimeoutMs, budgetMs),
    statementTimeoutMs: Math.min(settings.statementTimeoutMs, budgetMs),
    fetchRows: opts.fetchRows ?? settings.fetchRows,
    log: opts.log, caFile: settings.sslCaFile,
    ...(opts.target ? { target: opts.target } : {}),
  }), opts.signal, (late) => void late.close().catch(() => undefined));
}
