/**
 * Runs one claimed job along the straight line of STYLE.md:
 *   settings → connect → describe (casts) → prepare target → COPY rows → finalize (one commit)
 * and records the outcome. Every failure path rolls the load back, so nothing half-loaded is ever
 * visible; a target outage or a shutdown hands the job back instead of failing it.
 */
import type { Logger } from 'pino';
import type pg from 'pg';
import { capabilitiesOf, readTargetFacts } from '../db/capabilities.js';
import { classifyTargetError, confirmedOutage, TargetUnavailableError } from '../db/target-errors.js';
import { ConnectorError, redactSecrets, toConnectorError } from '../errors.js';
import { jobLogger } from '../log.js';
import type { SourcePlan } from '../rows/plan.js';
import type { ReadWindow, SourceSession, StreamOptions } from '../providers/provider.js';
import type { LocalColumn } from '../load/ddl.js';
import { localColumnsOf, toLocalIdentifier } from '../load/identifiers.js';
import { Cartodbfy } from '../load/cartodbfy.js';
import { ranOwnerCode } from '../load/owner-frame.js';
import { binaryWritable, type CopySession } from '../load/copy-session.js';
import type { IncrementalLoad, RunCounts } from '../load/strategies/incremental-table.js';
import { connectSession } from './connect-session.js';
import { finishingFor, type Finishing } from './finishing.js';
import { LeaseLostError, loadApplicationName, type JobRow } from './job.js';
import { appendLog, handBack, markComplete, markFailed, nameLoadConnection, recordBackendPid, recordRemoteColumns, terminatePreviousLoad, type Warning } from './job-store.js';
import { checkedRequest, openSource } from './open-source.js';
import { estimateRead } from './row-estimate.js';
import { planParallelRead, streamRanges } from './parallel-read.js';
import { readSettings, type Settings } from './settings.js';
import { startTicker, type Ticker } from './ticker.js';
import { rejectLogFor } from './reject-store.js';
import type { RejectLog } from '../load/reject-log.js';
import { planWarnings, rejectedRowsWarning, rowLimitWarning, WarningCounts } from './warnings.js';

export interface RunnerDeps {
  pool: pg.Pool;
  workerId: string;
  log: Logger;
}

/** Abort reason when the sidecar stops: the job goes back to the queue. */
export class ShutdownError extends Error {
  constructor() { super('sidecar shutting down'); }
}

export interface JobOutcome {
  state: 'complete' | 'failure' | 'cancelled' | 'handed_back' | 'lost';
  errorCode?: number;
  rows?: number;
  /** COPY bytes sent for a completed job (metrics). */
  bytes?: number;
}

export async function runJob(deps: RunnerDeps, job: JobRow, controller: AbortController): Promise<JobOutcome> {
  const log = jobLogger(deps.log, job.id, { provider: job.provider, attempt: job.attempt });
  const { signal } = controller;
  const counts = new WarningCounts();
  let password: string | undefined;
  let session: SourceSession | undefined;
  let loadClient: pg.PoolClient | undefined;
  let load: IncrementalLoad | undefined;
  let ticker: Ticker | undefined;
  let plan: SourcePlan | undefined;
  let rejects: RejectLog | undefined;
  let failed = false;
  const finishing = finishingFor(deps.pool, job);
  try {
    const settings = await readSettings(deps.pool);
    ticker = startTicker({ pool: deps.pool, jobId: job.id, workerId: deps.workerId, leaseSeconds: settings.leaseSeconds, log, controller, rows: () => load?.rows ?? 0 });
    const origin = { kind: 'job', id: job.id, owner: job.owner, provider: job.provider, params: job.params } as const;
    const opened = await openSource(origin, settings, deps.pool);
    password = opened.password;
    await finishing.started();
    if (job.attempt > 1) await terminatePreviousLoad(deps.pool, loadApplicationName(job.id));
    rejects = await rejectLogFor(deps.pool, job, deps.workerId);
    // Before the address check and connecting: cartodbfy "on" without PostGIS fails at once (SPEC §12).
    const target = await readTargetFacts(deps.pool);
    const carto = finishing.incremental
      ? Cartodbfy.plain(target, `${finishing.incremental} sync tables are plain tables`)
      // a whole-database run's table keeps the remote's shape (its sync's later runs find it plain)
      : job.run_id !== null
        ? Cartodbfy.plain(target, 'the tables of a whole-database run keep the remote structure')
        : await Cartodbfy.decide(deps.pool, target, settings.cartodbfy, await finishing.syncedTableOid());
    const request = await checkedRequest(origin, opened, settings, deps.pool);
    await appendLog(deps.pool, job.id, 'info', `Connecting to ${job.provider} server ${request.connection.server}:${request.connection.port}`);
    session = await connectSession(opened.provider, request, settings, { log, signal, target: capabilitiesOf(target) });
    plan = await session.describe();
    const columns = carto.columnsFor(plan, localColumns(plan, settings), settings.maxIdentifierLength);
    if (job.run_id !== null) await recordRemoteColumns(deps.pool, job.id, deps.workerId, plan.columns.map((c) => c.remoteName));
    const read = await estimateRead({ pool: deps.pool, jobId: job.id, workerId: deps.workerId, log, signal }, session, plan,
      await finishing.planRead(plan, columns, settings, session, signal));

    loadClient = await openLoadConnection(deps, job);
    // PostgreSQL sources whose columns keep their exact types skip row decoding: binary COPY bytes
    // go from the remote COPY TO straight into the target's COPY FROM (issue 4 §3).
    // diff mode over an unchanged remote: no key range to read, the run only records itself
    const noRead = read.window?.keyRanges?.ranges.length === 0;
    const binary = plan.binaryCopy === true && session.streamBinaryCopy !== undefined && !noRead;
    const loadPlan = {
      schema: job.target_schema, owner: job.owner, columns, maxRows: read.maxRows,
      stagingName: `cdb_import_${job.id.replace(/-/g, '')}`, format: binary ? 'binary' as const : rowFormat(plan, columns, rejects), carto: carto.table,
      ...(job.params.if_exists ? { ifExists: job.params.if_exists } : {}),
      ...(carto.postgisSchema !== undefined ? { postgisSchema: carto.postgisSchema } : {}),
      ...(rejects ? { rejects } : {}),
    };
    load = await finishing.beginLoad(loadClient, loadPlan, settings);
    // the strategy may have chosen text: a sync column staged with its table's type (SPEC §14)
    await appendLog(deps.pool, job.id, 'info',
      `Importing ${columns.length} columns${plan.skipped.length ? `, skipping ${plan.skipped.length}` : ''} (${load.sink.format} COPY)${describeWindow(read.window)}`);
    await appendLog(deps.pool, job.id, 'info', carto.note());
    const onCopyError = (err: Error) => controller.abort(classifyTargetError(err));
    load.stream.on('error', onCopyError);

    const streamOptions: StreamOptions = { limit: read.maxRows + 1, warnings: counts, signal, ...(read.window ? { window: read.window } : {}) };
    const parallel = noRead || read.changeLog ? undefined : await planParallelRead({
      session, plan, streams: settings.tableReadStreams, fetchRows: settings.fetchRows, estimate: read.estimate ?? null,
      rowRead: load.sink.format !== 'binary' && read.window === undefined, signal,
    });
    if (parallel) {
      await appendLog(deps.pool, job.id, 'info', `Reading in ${parallel.ranges.length} streams by ranges of ${parallel.column} (setting table_read_streams)`);
      const open = () => connectSession(opened.provider, request, settings, { log, signal, target: capabilitiesOf(target) });
      await streamRanges(session, open, parallel,
        (s, range) => streamInto(s, plan!, load!, { ...streamOptions, window: { keyRanges: { column: parallel.column, ranges: [range] } } }),
        (err) => controller.abort(err));
    } else if (read.changeLog === 'changes') {
      // a continuous cdc run commits batch after batch on the same connection (cdc-follow.ts)
      load = await finishing.readChanges!(session, plan, load, signal, async () => {
        load = await finishing.beginLoad(loadClient!, loadPlan, settings);
        load.stream.on('error', onCopyError);
        return load;
      });
      if (signal.aborted) throw signal.reason;
    } else if (!noRead) {
      await streamInto(session, plan, load, streamOptions);
    }
    const rows = await load.endCopy();
    if (load.keySet && read.keyWindow) {
      // merge with deletes: the remote's whole key set, key columns only, into its own temp table
      const keys = await load.keySet.begin();
      keys.stream.on('error', onCopyError);
      await streamInto(session, plan, keys, { limit: Number.MAX_SAFE_INTEGER, warnings: counts, signal, window: read.keyWindow });
      await keys.endCopy();
    }
    const truncated = load.truncated;
    if (truncated && read.changeLog === 'snapshot') {
      throw new ConnectorError('ROW_LIMIT_EXCEEDED',
        `The source table has more than ${settings.maxRows} rows (setting max_rows); a change-capture sync starts from a whole snapshot and the log continues it, so it cannot take part of the table. Ask for a higher max_rows.`);
    }
    if (truncated && job.params.on_row_limit === 'fail') {
      throw new ConnectorError('ROW_LIMIT_EXCEEDED',
        `The source has more than ${settings.maxRows} rows (setting max_rows) and the import asked for "on_row_limit": "fail"; nothing was imported. Import fewer rows with sql_query, or ask for a higher max_rows.`);
    }
    const baseName = toLocalIdentifier(job.requested_name, settings.maxIdentifierLength);
    const tableName = await load.commit(baseName, async (name) => {
      // every reject (a merge's too) is known now; the ratio limit may still fail the job
      await rejects?.finish(load!.rows);
      await markComplete(loadClient!, job.id, deps.workerId, {
        tableName: name, rowsImported: rows, rowsFetched: load!.rows, columnsImported: columns.length, truncated,
        warnings: [
          ...collectWarnings(plan!, load!, columns, counts, settings.maxRows, [...carto.warnings(), ...finishing.runWarnings(truncated, settings), ...rejectedRowsWarning(rejects)]),
          ...(load!.createdTable ? renamedWarning(job.requested_name, baseName, name) : []),
        ],
      });
    });
    await finishing.committed?.();
    log.info({ table: tableName, rows }, 'import complete');
    await appendLog(deps.pool, job.id, 'info', finishing.incremental
      ? `Read ${rows} rows and merged them into ${job.target_schema}.${tableName}${describeCounts(finishing.runCounts())}`
      : `Imported ${rows} rows into ${job.target_schema}.${tableName}`).catch(() => undefined);
    return { state: 'complete', rows, bytes: load.bytes };
  } catch (thrown) {
    failed = true;
    const raised = signal.aborted && !(thrown instanceof ConnectorError && thrown.errorName !== 'CANCELLED') ? signal.reason : thrown;
    await load?.abort(raised instanceof Error ? raised : new Error(String(raised)));
    const err = await provenOutage(raised, loadClient);
    // kept for diagnosis (1512 above all); a re-run of this job deletes them first
    await rejects?.flush().catch((e) => log.warn({ err: e }, 'could not record the rejected rows'));
    return finishWithError(deps, job, log, err, password, counts, plan, finishing);
  } finally {
    ticker?.stop();
    await session?.close().catch(() => undefined);
    // A connection that saw a failed or aborted COPY is not reused, nor one on which the owner's
    // code ran (a trigger may have left session settings behind: owner-frame.ts).
    loadClient?.release(failed || (loadClient !== undefined && ranOwnerCode(loadClient)));
  }
}

/**
 * A "target unavailable" error the load connection survived was raised by SQL (confirmedOutage),
 * not by an outage: handed back, the job would be claimed and handed back forever. It fails as an
 * error instead (sync tables retry with their backoff).
 */
async function provenOutage(err: unknown, client: pg.PoolClient | undefined): Promise<unknown> {
  if (client === undefined || !(classifyTargetError(err) instanceof TargetUnavailableError) || await confirmedOutage(err, client)) return err;
  const e = err as { code?: string; message?: string };
  return new ConnectorError('INTERNAL',
    `Target database error ${e.code ?? ''}: ${e.message ?? String(err)}, raised while the target kept working (by a trigger or function on the table?); the job was not handed back as for an outage.`, { cause: err });
}

/** The job's own target connection, named so a re-claiming sidecar can find and end it. */
async function openLoadConnection(deps: RunnerDeps, job: JobRow): Promise<pg.PoolClient> {
  const client = await deps.pool.connect();
  try {
    const pid = await nameLoadConnection(client, loadApplicationName(job.id));
    await recordBackendPid(deps.pool, job.id, deps.workerId, pid);
    return client;
  } catch (err) {
    client.release(true);
    throw err;
  }
}

/** Rows from the provider into a COPY's sink, on the path the COPY was opened for. */
async function streamInto(session: SourceSession, plan: SourcePlan, load: CopySession, opts: StreamOptions): Promise<void> {
  const { sink } = load;
  if (sink.format === 'binary') await session.streamBinaryCopy!(plan, sink.forwarder, opts);
  else await session.streamRows(plan, sink.encoder, opts);
  if (opts.signal.aborted) throw opts.signal.reason;
}

function collectWarnings(plan: SourcePlan, load: CopySession, columns: LocalColumn[], counts: WarningCounts, maxRows: number, extra: Warning[]): Warning[] {
  if (load.sink.format !== 'binary') {
    load.sink.encoder.nulBytesRemoved.forEach((n, i) => { if (n > 0) counts.count('nul_bytes_removed', columns[i]!.name, n); });
  }
  return [
    ...planWarnings(plan),
    ...counts.toWarnings(),
    ...(load.truncated && !extra.some((w) => w.code === 'row_limit') ? [rowLimitWarning(maxRows)] : []),
    ...extra,
  ];
}

async function finishWithError(deps: RunnerDeps, job: JobRow, log: Logger, thrown: unknown, password: string | undefined, counts: WarningCounts, plan: SourcePlan | undefined, finishing: Finishing): Promise<JobOutcome> {
  if (thrown instanceof LeaseLostError) {
    log.warn('lease lost: another worker re-runs this job');
    return { state: 'lost' };
  }
  const target = thrown instanceof ShutdownError ? thrown : classifyTargetError(thrown);
  if (target instanceof ShutdownError || target instanceof TargetUnavailableError) {
    log.warn({ reason: target.message }, 'handing the job back to the queue');
    await handBack(deps.pool, job.id, deps.workerId).catch((err) => log.warn({ err }, 'hand-back failed; the lease will expire'));
    return { state: 'handed_back' };
  }
  const error = toConnectorError(target);
  const message = redactSecrets(error.message, [password]);
  const state = error.errorName === 'CANCELLED' ? 'cancelled' : 'failure';
  const warnings = [...(plan ? planWarnings(plan) : []), ...counts.toWarnings()];
  log.warn({ error_code: error.code, error: message }, `import ${state}`);
  await finishing.failed((db) => markFailed(db, job.id, deps.workerId, state, error.code, message, warnings))
    .catch((err) => log.error({ err }, 'could not record the failure; the lease will expire and the job re-run'));
  await appendLog(deps.pool, job.id, 'error', `${error.code}: ${message}`).catch(() => undefined);
  return { state, errorCode: error.code };
}

/** Issue 22 §4: the table did not get the name asked for (identifier rules, or the name was taken). */
function renamedWarning(requested: string, base: string, name: string): Warning[] {
  // lower-casing alone is PostgreSQL's own rule for names, not worth a warning
  if (name === requested || (name === base && base === requested.toLowerCase())) return [];
  const why = [
    ...(base !== requested ? [`"${requested}" is not a plain PostgreSQL identifier, so it became "${base}"`] : []),
    ...(name !== base ? [`a table (or other relation) named "${base}" already exists in the schema`] : []),
  ].join(', and ');
  return [{ code: 'renamed', message: `Imported as "${name}" instead of "${requested}": ${why}. Use "if_exists": "fail" to refuse instead of renaming.` }];
}

function describeCounts(c: RunCounts | undefined): string {
  return c ? `: ${c.inserted} inserted, ${c.updated} updated, ${c.deleted} deleted, ${c.unchanged} unchanged` : '';
}

/** For the job log: which rows an incremental run reads. */
function describeWindow(window: ReadWindow | undefined): string {
  const cursor = window?.cursor;
  if (!cursor) return window?.keyRanges ? `, ${window.keyRanges.ranges.length} changed key ranges of ${window.keyRanges.column}` : '';
  if (cursor.from === undefined) return `, every row in ${cursor.column} order`;
  return `, rows with ${cursor.column} ${cursor.exclusive ? '>' : '>='} ${cursor.from}${cursor.includeNulls ? ' or NULL' : ''}`;
}

/**
 * Rows as binary COPY (issue 21 item 1) with CONNECTOR_BINARY_ROWS=on, when the provider's values
 * are canonical text and every column has a binary writer; text otherwise, and for rejects (their
 * framing records each refused row's values, readable only in text). Off by default: the target
 * ingests binary ~40% cheaper, but encoding it costs the sidecar as much, and on 2 vCPUs shared by
 * the three processes the two paths measured the same (docs/performance.md#binary-copy-of-mysql-rows).
 */
function rowFormat(plan: SourcePlan, columns: LocalColumn[], rejects: RejectLog | undefined): 'text' | 'binary-rows' {
  const canonical = plan.canonicalText === true && plan.columns.every((c) => c.userCast === undefined);
  return canonical && rejects === undefined && process.env.CONNECTOR_BINARY_ROWS === 'on' && binaryWritable(columns) ? 'binary-rows' : 'text';
}

function localColumns(plan: SourcePlan, settings: Settings): LocalColumn[] {
  if (plan.columns.length > settings.maxColumns) {
    throw new ConnectorError('TOO_MANY_COLUMNS',
      `The source has ${plan.columns.length} importable columns; at most ${settings.maxColumns} are allowed (setting max_columns). Select fewer columns with sql_query.`);
  }
  if (plan.columns.length === 0) {
    const skipped = plan.skipped.map((c) => `${c.remoteName} (${c.remoteType})`).join(', ');
    throw new ConnectorError('NO_IMPORTABLE_COLUMNS', `No column has an importable type${skipped ? `: ${skipped}` : ''}. Cast the columns to standard types with sql_query.`);
  }
  return localColumnsOf(plan.columns, settings.maxIdentifierLength);
}
