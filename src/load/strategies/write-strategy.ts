/**
 * The write side's seam, the counterpart of providers/provider.ts: a WriteStrategy decides how
 * a job's rows land in the target. Every strategy runs ONE transaction on the job's own
 * connection: `begin` opens it and the COPY into a staging table no other session can attach
 * code to; `commit` makes the rows visible, runs the caller's `beforeCommit` (marking the job
 * complete) inside the same transaction, then commits. A crash, a cancel or a failed COPY rolls
 * everything back (SPEC §4.4, §9), so no strategy can leave a half-written table.
 *
 * Implementations, one file each, chosen by name in registry.ts:
 *   new-table.ts  an import: a new table under the requested name or a free `_1`, `_2` variant
 *   replace.ts    a replace sync run (SPEC §5): the synced table refreshed in place, same OID
 * SPEC §13–16 modes (append, merge, diff, change capture) arrive as new files here; rejected rows
 * (SPEC §14, `plan.rejects`) are the COPY's business (copy-session.ts) and, for rows a sync's own
 * table refuses, isolate-rows.ts's.
 *
 * Security rules every strategy keeps (docs/security.md, "User code runs with its owner's
 * rights"): DDL and COPY run as the owner (SET LOCAL ROLE); anything that touches a table the
 * owner may have attached code to goes through owner-frame.ts `runAsOwner`, and such a load calls
 * `assertNoDeferredUserCode` before committing; the runner closes a connection that ran owner code.
 */
import type pg from 'pg';
import type { CartoTable } from '../cartodbfy-table.js';
import type { CopyFormat, CopySession } from '../copy-session.js';
import type { LocalColumn } from '../ddl.js';
import type { RejectLog } from '../reject-log.js';

/** What every strategy needs to open a load; a strategy's own plan extends it. */
export interface LoadPlan {
  schema: string;
  owner: string;
  columns: LocalColumn[];
  maxRows: number;
  /** Unique per job, so concurrent loads never share a staging name. */
  stagingName: string;
  /** `binary` when the provider streams binary COPY data (postgres → postgres). */
  format: CopyFormat;
  /** Schema PostGIS lives in, to qualify geometry/geography column types; absent without PostGIS. */
  postgisSchema?: string;
  /** CARTO columns, keys and indexes (SPEC §12), computed in this same transaction; absent = plain table. */
  carto?: CartoTable;
  /** When a new table's name is taken: a free `_1`, `_2` variant (default), or fail with 1514. */
  ifExists?: 'rename' | 'fail';
  /**
   * `"on_error": "reject"` (SPEC §14): rows the target refuses — in the COPY, and in a sync's
   * writes into its table — are left out and recorded here; absent = they fail the job.
   */
  rejects?: RejectLog;
}

/** A load in progress: the COPY the provider writes into, and the one way to finish it. */
export interface TableLoad extends CopySession {
  /**
   * Makes the loaded rows visible under `baseName` (or a free variant, or the synced table's own
   * name) and runs `beforeCommit` inside the same transaction with the sidecar's role, then
   * commits. Returns the final table name. After an error, `abort` rolls back.
   */
  commit(baseName: string, beforeCommit: (tableName: string) => Promise<void>): Promise<string>;
  /** Set during `commit` when this load created its table (an import, a sync's first run), before `beforeCommit` runs. */
  createdTable?: boolean;
}

export interface WriteStrategy<P extends LoadPlan = LoadPlan> {
  /** For logs and registry.ts; SPEC §13's `mode` names the sync strategies. */
  readonly name: string;
  /** Opens the load transaction on `client` (not yet in a transaction) and starts its COPY. */
  begin(client: pg.PoolClient, plan: P): Promise<TableLoad>;
}

/** A TableLoad made of a started COPY and the strategy's commit (the COPY's counters are getters). */
export function tableLoad(copy: CopySession, commit: TableLoad['commit']): TableLoad {
  return Object.assign(copy, { commit });
}
