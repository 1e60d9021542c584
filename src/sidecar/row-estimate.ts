/**
 * After describe, before the rows (issue 22 §7 and §3): how many rows the read should bring,
 * from the remote's statistics (SourceSession.estimateRows), recorded as jobs.rows_estimated for
 * progress (the CLI's `~total`, %, ETA), and whether the read may be cut at max_rows. A read
 * that may be cut is made deterministic: the remote orders it by the table's unique key, so the
 * rows kept are the first max_rows in key order. A read that cannot be cut gets no ORDER BY (a
 * sort of the whole table on PostgreSQL and SQL Server, for nothing).
 */
import type { Logger } from 'pino';
import type pg from 'pg';
import type { SourcePlan } from '../rows/plan.js';
import type { ReadWindow, SourceSession } from '../providers/provider.js';
import { appendLog, recordRowsEstimated } from './job-store.js';
import type { ReadPlan } from './sync-run.js';

/**
 * How far below the truth a statistics estimate may be and still not rule a cut out: InnoDB's
 * TABLE_ROWS "may vary from the actual value by as much as 40% to 50%" (MySQL 8.0 manual), and
 * reltuples is as old as the last ANALYZE. A read estimated at more than max_rows / 2 is ordered.
 */
export const ESTIMATE_ERROR_FACTOR = 2;

export interface EstimateContext {
  pool: pg.Pool;
  jobId: string;
  workerId: string;
  log: Logger;
  signal: AbortSignal;
}

/** The read to run: `read`, ordered by the unique key when it may be cut. Records the estimate. */
export async function estimateRead(ctx: EstimateContext, session: SourceSession, plan: SourcePlan, read: ReadPlan): Promise<ReadPlan> {
  const estimate = readsEverything(read.window) ? await remoteEstimate(ctx, session, plan) : null;
  const key = read.window === undefined && mayBeCut(estimate, read.maxRows) ? orderKey(plan) : undefined;
  await record(ctx, estimate, read.maxRows, key).catch((err) => ctx.log.warn({ err }, 'could not record the row estimate'));
  return key ? { ...read, estimate, window: { order: key } } : { ...read, estimate };
}

/** rows_estimated and the job log's lines; progress only, so a failure here fails nothing. */
async function record(ctx: EstimateContext, estimate: number | null, maxRows: number, key: readonly string[] | undefined): Promise<void> {
  if (estimate !== null) {
    const capped = Math.min(estimate, maxRows);
    await recordRowsEstimated(ctx.pool, ctx.jobId, ctx.workerId, capped);
    await appendLog(ctx.pool, ctx.jobId, 'info',
      `The remote's statistics estimate ~${estimate} rows${estimate > maxRows ? `; at most ${maxRows} are read (setting max_rows), so ${capped} is the estimate shown` : ''}`);
  }
  if (key) await appendLog(ctx.pool, ctx.jobId, 'info', `Rows are read in order of the key (${key.join(', ')}): a cut at max_rows ${maxRows} keeps the first rows in key order`);
}

/** A read of the whole source (an import, a replace run, an incremental run's first read). */
function readsEverything(window: ReadWindow | undefined): boolean {
  return window === undefined || (window.keyRanges === undefined && window.cursor?.from === undefined);
}

/** Unknown counts as "may be cut": an unordered cut is what issue 22 §3 forbids. */
export function mayBeCut(estimate: number | null, maxRows: number): boolean {
  return estimate === null || estimate * ESTIMATE_ERROR_FACTOR > maxRows;
}

/** The plan's unique key when every column of it is read (providers only give such keys). */
function orderKey(plan: SourcePlan): readonly string[] | undefined {
  const key = plan.uniqueKey;
  if (!key || key.length === 0) return undefined;
  return key.every((name) => plan.columns.some((c) => c.remoteName === name)) ? key : undefined;
}

/** Statistics are a nicety: a remote that cannot answer (no grant, an old server) leaves it unknown. */
async function remoteEstimate(ctx: EstimateContext, session: SourceSession, plan: SourcePlan): Promise<number | null> {
  if (!session.estimateRows) return null;
  try {
    return await session.estimateRows(plan, { signal: ctx.signal });
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    ctx.log.warn({ err }, 'could not read the row estimate from the remote statistics');
    return null;
  }
}
