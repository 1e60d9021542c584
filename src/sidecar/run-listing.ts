/**
 * The listing step of a whole-database run (SPEC §15): which remote tables it takes, how big they
 * are, what structure they have, and one child per table. Runs inside the transaction that holds
 * the run's row lock (run-store.ts), so the children and the run's move to `importing` commit
 * together, or neither does.
 *
 * - Tables: the remote schema's base tables that include/exclude select (table-selection.ts).
 *   Views are taken only when include names them (a pattern matching them counts); the others are
 *   one warning naming them. None selected is 1505; more than max_tables_per_run is 1502.
 * - Row estimates: the provider's catalog counts for all tables in one statement, where it has
 *   them (estimateTables); each child reads its own again when it starts.
 * - Structure: read once for every table (readStructure), applied when the run is published.
 * - Children: a one-off import per table enqueued by the sidecar with the owner and run_id set, or
 *   with "interval" a sync table created as the owner. Each child's request is the run's
 *   connector, the table's own keys from "tables", the table, and the run's password.
 */
import type { Logger } from 'pino';
import type pg from 'pg';
import { ConnectorError, redactSecrets, toConnectorError } from '../errors.js';
import { qi } from '../load/ddl.js';
import type { SourceSession } from '../providers/provider.js';
import { connectSession } from './connect-session.js';
import { isNamedConnection } from './job.js';
import { checkedRequest, openSource } from './open-source.js';
import { createChildSync, enqueueChildJob, type Listed, type RunRow, type RunWarning } from './run-store.js';
import type { Settings } from './settings.js';
import { selectTables } from './table-selection.js';
import { untilAborted } from './until-aborted.js';

/** Tables asked of the remote's listing at most: far above max_tables_per_run, so a selection sees them all. */
const LISTING_LIMIT = 100_000;
/** Providers whose schema names ignore case (Hive always; SQL Server under its default collations). */
const CASE_INSENSITIVE_SCHEMAS = new Set(['hive', 'sqlserver']);
/** Names quoted back in a warning or an error at most. */
const NAMES_SHOWN = 20;

export interface ListingDeps {
  pool: pg.Pool;
  log: Logger;
}

/** Lists the run's remote schema; remote errors come back as ConnectorErrors without the password. */
export async function listRun(deps: ListingDeps, run: RunRow, settings: Settings, signal: AbortSignal): Promise<{ listed: Listed; password: string | undefined }> {
  const origin = { kind: 'run', id: run.id, owner: run.owner, provider: run.provider, params: run.params } as const;
  let password: string | undefined;
  let session: SourceSession | undefined;
  try {
    const opened = await openSource(origin, settings, deps.pool);
    password = opened.password;
    const request = await checkedRequest(origin, opened, settings, deps.pool);
    session = await connectSession(opened.provider, request, settings, { log: deps.log, signal });
    return { listed: await untilAborted(listSchema(deps.pool, session, run, settings, signal), signal), password };
  } catch (thrown) {
    const err = signal.aborted ? signal.reason : thrown;
    if (!(err instanceof ConnectorError)) throw err;
    throw new ConnectorError(err.errorName, redactSecrets(err.message, [password]));
  } finally {
    await session?.close().catch(() => undefined);
  }
}

async function listSchema(db: pg.Pool, session: SourceSession, run: RunRow, settings: Settings, signal: AbortSignal): Promise<Listed> {
  const schema = run.params.schema;
  // the listing may answer more than the schema (Hive's GetTables reads it as a pattern: `_` matches
  // any character); Hive and SQL Server names ignore case, as their one-table imports do
  const sameName = CASE_INSENSITIVE_SCHEMAS.has(run.provider)
    ? (s: string) => s.toLowerCase() === schema!.toLowerCase() : (s: string) => s === schema;
  const all = (await session.listTables(LISTING_LIMIT)).filter((t) => schema === undefined || sameName(t.schema));
  const { include, exclude } = run.options;
  const names = (kind: string) => all.filter((t) => t.kind === kind).map((t) => t.name);
  const tables = await selectTables(db, names('table'), { include, exclude });
  const views = names('view');
  const takenViews = include.length > 0 ? await selectTables(db, views, { include, exclude }) : [];
  const warnings: RunWarning[] = [];
  const skippedViews = views.filter((v) => !takenViews.includes(v));
  if (skippedViews.length > 0) {
    warnings.push({ code: 'views_skipped', message: `${skippedViews.length} view(s) were not imported: ${shown(skippedViews)}. Name them in "include" to import their rows as tables.` });
  }
  const selected = [...tables, ...takenViews];
  const where = schema === undefined ? 'the remote database' : `remote schema "${schema}"`;
  if (selected.length === 0) {
    throw new ConnectorError('SOURCE_NOT_FOUND', all.length === 0
      ? `No table is visible in ${where}: check the schema name and the login's grants.`
      : `No table of ${where} matches "include"/"exclude" (${all.length} tables and views there, e.g. ${shown(all.map((t) => t.name))}).`);
  }
  if (selected.length > settings.maxTablesPerRun) {
    throw new ConnectorError('INVALID_PARAMETERS',
      `"include"/"exclude" select ${selected.length} tables of ${where}; one run takes at most ${settings.maxTablesPerRun} (setting max_tables_per_run). Narrow the selection or split it into several runs.`);
  }
  const wantsStructure = Object.entries(run.options.structure).some(([k, v]) => k !== 'defaults' && v);
  let structure = null;
  if (wantsStructure && takenViews.length < selected.length) {
    if (session.readStructure) structure = await session.readStructure(tables);
    else warnings.push({ code: 'structure_not_read', message: `${run.provider} sources do not report their keys, indexes and foreign keys yet: the tables were imported without them.` });
  }
  const estimates = session.estimateTables ? Object.fromEntries(await session.estimateTables(selected, { signal })) : {};
  return { tables: selected, estimates, structure, warnings };
}

/** Enqueues one child per listed table, in the listing's transaction. */
export async function enqueueChildren(client: pg.ClientBase, run: RunRow, listed: Listed, password: string | undefined): Promise<void> {
  const schema = run.options.atomic ? run.staging_schema! : run.target_schema;
  // largest first: with a concurrency limit the run ends sooner when the long tables start early
  const order = [...listed.tables].sort((a, b) => (listed.estimates[b] ?? 0) - (listed.estimates[a] ?? 0));
  for (const table of order) {
    const request = childRequest(run, table, password);
    try {
      if (run.options.interval !== undefined) await createChildSync(client, run, request, schema, qi(run.owner));
      else await enqueueChildJob(client, run, request, schema);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      // 22023 (a per-table key the table's columns refuse), 54000 (the owner's limits): say which table
      if (e.code === '22023' || e.code === '54000') {
        throw new ConnectorError('INVALID_PARAMETERS', `Table "${table}" could not be queued: ${redactSecrets(e.message ?? String(err), [password])}`);
      }
      throw err;
    }
  }
}

function childRequest(run: RunRow, table: string, password: string | undefined): Record<string, unknown> {
  const { connection } = run.params;
  const connector = {
    ...run.params,
    ...(run.options.tables[table] ?? {}),
    table,
    connection: password === undefined || isNamedConnection(connection) ? connection : { ...connection, password },
  };
  return run.options.interval !== undefined ? { connector, interval: run.options.interval } : { connector };
}

function shown(names: readonly string[]): string {
  return names.slice(0, NAMES_SHOWN).join(', ') + (names.length > NAMES_SHOWN ? `, … (${names.length - NAMES_SHOWN} more)` : '');
}

/** For the run's row: a failure (of its listing or its publishing) as the user sees it. */
export function runFailure(err: unknown): { errorCode: number; errorMessage: string } {
  const e = toConnectorError(err);
  return { errorCode: e.code, errorMessage: e.message };
}
