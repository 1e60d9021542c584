/**
 * While a job runs: publish progress (rows_fetched), renew the lease, and notice a cancel request
 * or a lost lease, in one UPDATE per tick. The NOTIFY on cancel is the fast path; this is the
 * backstop that also works when notifications were missed.
 */
import type { Logger } from 'pino';
import type pg from 'pg';
import { ConnectorError } from '../errors.js';
import { LeaseLostError } from './job.js';
import { tickJob } from './job-store.js';

/** SPEC §3 asks for progress at least every 2 s; 1 s leaves room for a slow round trip. */
export const TICK_INTERVAL_MS = 1000;

export interface Ticker { stop(): void }

export function startTicker(opts: {
  pool: pg.Pool; jobId: string; workerId: string; leaseSeconds: number; log: Logger;
  rows: () => number; controller: AbortController; intervalMs?: number;
}): Ticker {
  let running = false;
  const tick = async () => {
    if (running || opts.controller.signal.aborted) return;
    running = true;
    try {
      const result = await tickJob(opts.pool, opts.jobId, opts.workerId, opts.rows(), opts.leaseSeconds);
      if (!result.owned) opts.controller.abort(new LeaseLostError(opts.jobId));
      else if (result.cancelRequested) opts.controller.abort(cancelledByUser());
    } catch (err) {
      opts.log.warn({ err }, 'progress update failed; will retry');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, opts.intervalMs ?? TICK_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

export function cancelledByUser(): ConnectorError {
  return new ConnectorError('CANCELLED', 'The import was cancelled with cdb_connector_cancel.');
}
