/**
 * Racing a promise against an AbortSignal, for the sidecar's remote steps (connect, list tables,
 * describe) whose drivers take no signal themselves.
 */

/** Rejects with the abort reason as soon as the signal fires; a late result is handed to `onLate`. */
export async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, onLate: (value: T) => void = () => undefined): Promise<T> {
  if (signal.aborted) { promise.then(onLate, () => undefined); throw signal.reason; }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => { promise.then(onLate, () => undefined); reject(signal.reason); };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (err) => { signal.removeEventListener('abort', onAbort); reject(err); },
    );
  });
}
