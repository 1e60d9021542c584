/**
 * A step that must run right after a COPY ends, inside the load transaction and before the runner
 * reads the load's outcome (the CARTO columns' checks and indexes, cartodbfy.ts).
 */
import type { CopySession } from './copy-session.js';

/** Makes `copy.endCopy()` run `step` once the server has stored the rows. */
export function thenAfterCopy(copy: CopySession, step: () => Promise<void>): void {
  const endCopy = copy.endCopy.bind(copy);
  copy.endCopy = async () => {
    const rows = await endCopy();
    await step();
    return rows;
  };
}
