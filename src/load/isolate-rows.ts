/**
 * A sync's writes into its own table with `"on_error": "reject"` (SPEC §14): rows the table
 * refuses — a NOT NULL, CHECK or unique index its owner added, the owner's trigger raising — are
 * rejected and the rest written, by splitting the staged rows, never row by row.
 *
 * The staging table of such a run has a row-number column (ROW_NUMBER_COLUMN, filled by the
 * reject batches with each row's position in the read). The strategy's statements run in one
 * owner frame over all rows, inside a savepoint; when the frame fails with a row error
 * (row-errors.ts) it is rolled back and the range of positions is halved, each half tried alone,
 * down to the single row that is refused, which is rejected. The ranges are disjoint and tried in
 * order, so ROW_COUNTs add up to exact counts. A clean run costs one savepoint more than before;
 * k refused rows among n cost about 2·k·log2(n/k) frames. A job error stops the run as before.
 *
 * Nothing here reads the staging table (owner-frame.ts: after the first frame the sidecar
 * reads no temp table of the owner): a reject is recorded from what is known without it — the
 * position, the error's SQLSTATE, message and detail (for a constraint PostgreSQL's detail holds
 * the failing row), the column the error names; its remote_value stays NULL.
 */
import type pg from 'pg';
import { qi } from './ddl.js';
import { runAsOwner } from './owner-frame.js';
import type { RejectLog } from './reject-log.js';
import { isRowError, rejectMessage, type TargetError } from './row-errors.js';

/** The staging column holding each row's 1-based position in the read; `$` never occurs in a local name (identifiers.ts). */
export const ROW_NUMBER_COLUMN = 'cdb$row';
const SAVEPOINT = 'cdb_reject_rows';

export interface StagedStatements {
  client: pg.ClientBase;
  owner: string;
  /** Absent (`"on_error": "fail"`): one frame over every row, as without rejects. */
  rejects?: RejectLog;
  /** Rows the run read (positions 1..rowsRead; rejected ones are simply not staged). */
  rowsRead: number;
  /**
   * The statements over the staged rows whose position `rows(alias)` admits (`alias` being the
   * staging table's alias in them): run in one owner frame, in order.
   */
  statements(rows: (alias: string) => string): string[];
}

/** Runs the statements over the staged rows; resolves with each statement's ROW_COUNT summed over the ranges. */
export async function runOverStagedRows(opts: StagedStatements): Promise<number[]> {
  const { client, owner, rejects } = opts;
  if (!rejects) return runAsOwner(client, owner, opts.statements(() => 'true'));
  const totals: number[] = [];
  const pending: Array<{ from: number; to: number }> = opts.rowsRead > 0 ? [{ from: 1, to: opts.rowsRead }] : [];
  while (pending.length > 0) {
    const { from, to } = pending.shift()!;
    const inRange = (alias: string) => `${alias}.${qi(ROW_NUMBER_COLUMN)} operator(pg_catalog.>=) ${from}::pg_catalog.int8 and ${alias}.${qi(ROW_NUMBER_COLUMN)} operator(pg_catalog.<=) ${to}::pg_catalog.int8`;
    await client.query(`savepoint ${SAVEPOINT}`);
    try {
      const counts = await runAsOwner(client, owner, opts.statements(inRange));
      await client.query(`release savepoint ${SAVEPOINT}`);
      counts.forEach((n, i) => { totals[i] = (totals[i] ?? 0) + n; });
    } catch (err) {
      if (!isRowError(err)) throw err;
      await client.query(`rollback to savepoint ${SAVEPOINT}`);
      await client.query(`release savepoint ${SAVEPOINT}`);
      if (from === to) {
        await rejects.add(rejectOf(from, err));
      } else {
        const mid = from + Math.floor((to - from) / 2);
        pending.unshift({ from, to: mid }, { from: mid + 1, to });
      }
    }
  }
  const frames = opts.statements(() => 'true').length;
  return Array.from({ length: frames }, (_, i) => totals[i] ?? 0);
}

function rejectOf(rowNumber: number, err: TargetError) {
  return { rowNumber, column: err.column ?? null, errorCode: err.code!, message: rejectMessage(err), remoteValue: null };
}
