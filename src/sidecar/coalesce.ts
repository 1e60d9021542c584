/**
 * "Run now, or once more after the run in progress": the re-entrant loop of the worker's claim
 * (fill), its cancel check, the request claim and the scheduler tick. A NOTIFY, a poll tick and a
 * finished job may all ask at once; they must neither run the body concurrently nor be lost, so a
 * call during a run only marks that one more run is wanted — any number of calls, one more run.
 */
export interface Coalesced {
  /** Runs now, or once more after the run in progress. */
  (): void;
  /** The run in progress (undefined when idle): stop() waits for it. */
  readonly current: Promise<void> | undefined;
}

export interface CoalesceOptions {
  /** Checked before starting and before each further run: false once stopping (or nothing to do). */
  active(): boolean;
  /** A run that throws ends the loop here; the next call starts afresh. */
  onError(err: unknown): void;
}

/** `run` resolving to true asks for another run at once (a full batch: there may be more). */
export function coalesce(run: () => Promise<boolean | void>, opts: CoalesceOptions): Coalesced {
  let busy = false;
  let again = false;
  let current: Promise<void> | undefined;
  const loop = async (): Promise<void> => {
    try {
      do {
        again = false;
        if ((await run()) === true) again = true;
      } while (again && opts.active());
    } catch (err) {
      opts.onError(err);
    } finally {
      busy = false;
      current = undefined;
    }
  };
  const poke = (() => {
    if (!opts.active()) return;
    if (busy) { again = true; return; }
    busy = true;
    current = loop();
  }) as Coalesced;
  Object.defineProperty(poke, 'current', { get: () => current });
  return poke;
}
