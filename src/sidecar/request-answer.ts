/**
 * Answers one claimed request (SPEC §7): the same straight line as an import up to the remote
 * server, then one small step instead of a load:
 *   password → allowed_hosts → connect → check | listTables(limit + 1) | describe + a few rows
 *                                          | describe + the import's naming and CARTO plan (explain)
 * Everything runs against `deadlineMs` (connect_timeout + a margin, stamped on the request by
 * the claim): past it the request is answered with 1504, so the waiting caller always hears back.
 * Failures are answers too ({code, message}); the password is never in them.
 */
import type { Logger } from 'pino';
import type pg from 'pg';
import { capabilitiesOf, readTargetFacts } from '../db/capabilities.js';
import { ConnectorError, redactSecrets, toConnectorError } from '../errors.js';
import { Cartodbfy } from '../load/cartodbfy.js';
import { CARTO_COLUMN_NAMES, CARTODB_ID, THE_GEOM } from '../load/cartodbfy-plan.js';
import { localColumnsOf } from '../load/identifiers.js';
import type { SourcePlan } from '../rows/plan.js';
import { userCastJson, type UserCast } from '../rows/user-casts.js';
import type { SourceSession } from '../providers/provider.js';
import { connectSession } from './connect-session.js';
import { describeServer } from './job.js';
import { checkedRequest, openSource } from './open-source.js';
import { PreviewSink } from './preview-sink.js';
import type { Answer, ClaimedRequest } from './request-store.js';
import type { Settings } from './settings.js';
import { untilAborted } from './until-aborted.js';
import { planWarnings, WarningCounts } from './warnings.js';

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
    `No answer from the ${request.provider} server ${describeServer(request.params.connection)} within ${Math.round(budgetMs / 1000)} s (the connect_timeout setting plus a margin)`)), budgetMs);
  const onStop = () => controller.abort(stop.reason);
  stop.addEventListener('abort', onStop, { once: true });
  const { signal } = controller;
  let password: string | undefined;
  let session: SourceSession | undefined;
  try {
    const origin = { kind: 'request', id: request.id, owner: request.owner, provider: request.provider, params: request.params } as const;
    const opened = await openSource(origin, settings, deps.pool);
    password = opened.password;
    const { provider } = opened;
    const describes = request.kind === 'preview' || request.kind === 'explain';
    // only previews and explains describe columns, and only describe looks at the target (PostGIS)
    const facts = describes ? await readTargetFacts(deps.pool) : undefined;
    // as an import decides it, before the address check and connecting: "on" without PostGIS fails at once
    const carto = request.kind === 'explain' ? await Cartodbfy.decide(deps.pool, facts!, settings.cartodbfy, null) : undefined;
    const source = await checkedRequest(origin, opened, settings, deps.pool);
    const previewRows = request.preview_rows ?? 0;
    session = await connectSession(provider, source, settings, {
      log: deps.log, signal, budgetMs,
      // a preview needs one page, not the import's 10,000-row round trips
      fetchRows: request.kind === 'preview' ? Math.max(1, Math.min(settings.fetchRows, previewRows)) : settings.fetchRows,
      ...(facts ? { target: capabilitiesOf(facts) } : {}),
    });
    const open = session;
    if (request.kind === 'check') return { result: { connected: true } };
    if (request.kind === 'list_tables') return { result: await untilAborted(listTables(open, settings), signal) };
    if (carto) return { result: explain(await untilAborted(open.describe(), signal), carto, settings, source.casts ?? []) };
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
  const localNames = localColumnsOf(plan.columns, settings.maxIdentifierLength).map((c) => c.name);
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
    // what the plan alone tells (skipped columns, enums as text…), then what the rows showed
    warnings: [...planWarnings(plan), ...warnings.toWarnings()],
  };
}

/**
 * cdb_connector_explain's answer (SPEC §14): per remote column the mapping the import of the same
 * parameters would use — the local names come from the same naming as runner.ts (CARTO names
 * reserved when the table would be cartodbfied), the types and rule names from the provider's
 * cast rules — and the CARTO columns the import would add. No row is read.
 * A remote column that only feeds a CARTO column (a remote `cartodb_id` or `the_geom`: staged
 * under a suffixed name and dropped after the load, cartodbfy-plan.ts) says so in `becomes`.
 */
function explain(plan: SourcePlan, carto: Cartodbfy, settings: Settings, casts: readonly UserCast[]) {
  const local = carto.columnsFor(plan, localColumnsOf(plan.columns, settings.maxIdentifierLength), settings.maxIdentifierLength);
  const cartoPlan = carto.table?.plan;
  const becomes = (localName: string): string | undefined => {
    if (!cartoPlan?.consumed.includes(localName)) return undefined;
    return cartoPlan.key.kind === 'copy' && cartoPlan.key.column === localName ? CARTODB_ID : THE_GEOM;
  };
  return {
    columns: [
      ...plan.columns.map((c, i) => {
        const into = becomes(local[i]!.name);
        return {
          name: c.remoteName, local_name: local[i]!.name, remote_type: c.remoteType, local_type: local[i]!.type,
          rule: c.rule ?? null, skipped: false, reason: null, ...(into ? { becomes: into } : {}),
        };
      }),
      ...plan.skipped.map((c) => ({
        name: c.remoteName, local_name: null, remote_type: c.remoteType, local_type: null,
        rule: null, skipped: true, reason: c.reason ?? null,
      })),
    ],
    carto: { columns: cartoPlan ? [...CARTO_COLUMN_NAMES] : [], note: carto.note() },
    warnings: [...planWarnings(plan), ...carto.warnings(), ...unusedCastsWarning(plan, casts)],
  };
}

/**
 * The job's own cast rules that decided no column (SPEC §14): not an error (the same rules may
 * serve several tables), but in an explain most likely a misspelt column or type. The setting's
 * rules are left out: a DBA's defaults usually match only some sources.
 */
function unusedCastsWarning(plan: SourcePlan, casts: readonly UserCast[]) {
  const used = new Set(plan.columns.map((c) => c.userCast?.label));
  const unused = casts.filter((c) => c.label.startsWith('casts[') && !used.has(c.label));
  if (unused.length === 0) return [];
  return [{ code: 'unused_casts', message: `Cast rules that decided no column of the source: ${unused.map((c) => `${c.label} ${userCastJson(c)}`).join(', ')}` }];
}
