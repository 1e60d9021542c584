/**
 * Waiting out backpressure on the target's COPY stream, for the sinks that write into it
 * (copy-encoder.ts, binary-copy-sink.ts): their `drained()` of the row contract (rows/sink.ts).
 */
import type { Writable } from 'node:stream';

/**
 * Resolves at once when `out` wants more, else at its next 'drain'. Rejects on 'error', and on
 * 'close' without a drain (a destroyed COPY stream never drains: the provider would wait forever).
 */
export function drained(out: Writable): Promise<void> {
  if (!out.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = () => { cleanup(); resolve(); };
    const onError = (err: Error) => { cleanup(); reject(err); };
    const onClose = () => { cleanup(); reject(new Error('COPY stream closed')); };
    const cleanup = () => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
    };
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}
