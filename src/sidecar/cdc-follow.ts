/**
 * `"continuous": true` (SPEC §16): one long-running job per cdc sync that applies the source's
 * log batch after batch, each batch its own target transaction with its position, so a remote
 * commit is visible in the target within about a poll interval. The job keeps its lease like any
 * other (the ticker); a cancel (unsync) aborts it, a pause or the end of its time slice ends it
 * normally: the runner commits the last batch and completes the job, and the scheduler starts
 * the next job at once (run_at = now). Time slices bound the job rows a sync leaves behind (one
 * per CONTINUOUS_RUN_MS instead of one per batch).
 */
import type { IncrementalLoad } from '../load/strategies/incremental-table.js';

/** How long one continuous job follows the log before it completes and the next one starts. */
export const CONTINUOUS_RUN_MS = 10 * 60_000;
/** Pause between looks at the source's log end while there is nothing new. */
export const CONTINUOUS_POLL_MS = 250;

export interface FollowSteps {
  /** Reads the log into `load` (one bounded read). */
  read(load: IncrementalLoad): Promise<void>;
  /** What the read just done found: changes or a new position (`moved`), a cut at max_rows (`full`), a reason to end the job (`stop`). */
  batch(): { moved: boolean; full: boolean; stop: boolean };
  /** Commits `load` as one batch; the job stays running. */
  commit(load: IncrementalLoad): Promise<void>;
  /** Rolls back a load that read nothing new. */
  discard(load: IncrementalLoad): Promise<void>;
  /** The source's log has something past the applied position (a cheap look, no decoding). */
  pending(): Promise<boolean>;
  /** The sync was paused: the job ends. */
  paused(): Promise<boolean>;
}

export async function followChanges(
  first: IncrementalLoad, next: () => Promise<IncrementalLoad>, steps: FollowSteps, signal: AbortSignal,
  opts: { runMs: number; pollMs: number } = { runMs: CONTINUOUS_RUN_MS, pollMs: CONTINUOUS_POLL_MS },
): Promise<IncrementalLoad> {
  const until = Date.now() + opts.runMs;
  const over = () => signal.aborted || Date.now() >= until;
  let load = first;
  for (;;) {
    await steps.read(load);
    const batch = steps.batch();
    if (batch.stop || over()) return load;
    if (batch.moved) await steps.commit(load);
    else await steps.discard(load);
    if (await steps.paused()) return next();
    if (!batch.full) {
      // a read that found nothing new waits a poll before the next one, whatever pending() says:
      // the log's end also moves for other tables' writes (and lag is unknown without privileges),
      // which must not turn the loop into back-to-back reads
      if (!batch.moved) await sleep(opts.pollMs, signal);
      while (!over() && !(await steps.pending())) {
        await sleep(opts.pollMs, signal);
        if (await steps.paused()) return next();
      }
    }
    load = await next();
    if (over()) return load;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
