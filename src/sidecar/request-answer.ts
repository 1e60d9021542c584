/**
 * Answers one claimed request (SPEC §7): the same straight line as an import up to the remote
 * server, then one small step instead of a load:
 *   password → allowed_hosts → connect → check | listTables(limit + 1) | describe + a few rows
 * Everything runs against `deadlineMs` (connect_timeout + a margin, stamped on the request by
 * the claim): past it the request is answered with 1504, so the waiting caller always hears back.
 * Failures are answers too ({code, message}); the password is never in them.
 */
import type { Logger } from 'pino';
import type pg from 'pg';
import { readTargetCapabilities } from '../db/capabilities.js';
import { ConnectorError, redactSecrets, toConnectorError } from '../errors.js';
import { uniqueLocalIdentifiers } from '../load/identifiers.js';
import type { SourceSession } from '../providers/provider.js';
import { connectSession } from './connect-session.js';
import { checkedRequest, openSource } from './open-source.js';
import { PreviewSink } from './preview-sink.js';
import type { Answer, ClaimedRequest } from './request-store.js';
import type { Settings } from './settings.js';
import { untilAborted } from './until-aborted.js';
import { WarningCounts } from './warnings.js';

export interface AnswerDeps {
  pool: pg.Pool;
  log: Logger;
}

/** The preview's column entry for a column the import would skip. */
const SKIPPED = 'skipped';

/** `settings` are those read when the request was claimed (a DBA's UPDATE applies to the next claim). */
export async function answerRequest(deps: AnswerDeps, request: ClaimedRequest, settings: Settings, deadlineMs: number, stop: AbortSignal): Promise<Answer> {
  const budgetMs = Math.max(1, deadlineMs - Date.now());
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ConnectorError('SOURCE_UNREACHABLE',
    `No answer from the ${request.provider} server ${request.params.connection.server}:${request.params.connection.port} within ${Math.round(budgetMs / 1000)} s (the connect_timeout setting plus a margin)`)), budgetMs);
  const onStop = () => controller.abort(stop.reason);
  stop.addEventListener('abort', onStop, { once: true });
  const { signal } = controller;
  let password: string | undefined;
  let session: SourceSession | undefined;
  try {
    const origin = { kind: 'request', id: request.id, provider: request.provider, params: request.params } as const;
    const opened = await openSource(origin, settings, deps.pool);
    password = opened.password;
    const { provider } = opened;
    const source = await checkedRequest(origin, opened, settings, deps.pool);
    const previewRows = request.preview_rows ?? 0;
    session = await connectSession(provider, source, settings, {
      log: deps.log, signal, budgetMs,
      // a preview needs one page, not the import's 10,000-row round trips
      fetchRows: request.kind === 'preview' ? Math.max(1, Math.min(settings.fetchRows, previewRows)) : settings.fetchRows,
      // only a preview describes columns, and only describe looks at the target (PostGIS)
      ...(request.kind === 'preview' ? { target: await readTargetCapabilities(deps.pool) } : {}),
    });
    const open = session;
    if (request.kind === 'check') return { result: { connected: true } };
    if (request.kind === 'list_tables') return { result: await untilAborted(listTables(open, settings), signal) };
    return { result: await preview(open, settings, previewRows, signal) };
  } catch (thrown) {
    const error = toConnectorError(signal.aborted ? signal.reason : thrown);
    return { error: { code: error.code, message: redactSecrets(error.message, [password]) } };
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
    await session?.close().catch(() => undefined);
  }
}

/** Fetches one more than max_listed_tables, so "truncated" is known for certain. */
async function listTables(session: SourceSession, settings: Settings): Promise<{ tables: unknown[]; truncated: boolean }> {
  const limit = settings.maxListedTables;
  const tables = await session.listTables(limit + 1);
  return {
    tables: tables.slice(0, limit).map((t) => ({ schema: t.schema, name: t.name, kind: t.kind })),
    truncated: tables.length > limit,
  };
}

async function preview(session: SourceSession, settings: Settings, rows: number, signal: AbortSignal) {
  const plan = await untilAborted(session.describe(), signal);
  // the names the import would give the columns (runner.ts localColumns)
  const localNames = uniqueLocalIdentifiers(plan.columns.map((c) => c.remoteName), [], settings.maxIdentifierLength);
  const warnings = new WarningCounts();
  const sink = new PreviewSink(rows, localNames, warnings);
  if (rows > 0 && plan.columns.length > 0) {
    await session.streamRows(plan, sink, { limit: rows, warnings, signal });
    if (signal.aborted) throw signal.reason;
  }
  return {
    columns: [
      ...plan.columns.map((c, i) => ({ name: c.remoteName, local_name: localNames[i], remote_type: c.remoteType, local_type: c.localType })),
      ...plan.skipped.map((c) => ({ name: c.remoteName, local_name: null, remote_type: c.remoteType, local_type: SKIPPED })),
    ],
    rows: sink.rows,
    warnings: warnings.toWarnings(),
  };
}
