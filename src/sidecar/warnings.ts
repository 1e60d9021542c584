/**
 * Turns what a load counted into the job's `warnings` array of `{code, message}` (SPEC §3):
 * one entry per code, naming the columns and counts, so a user sees at a glance what changed.
 */
import type { RejectLog } from '../load/reject-log.js';
import type { SkippedColumn, SourcePlan } from '../rows/plan.js';
import type { Warning } from './job-store.js';

const EXPLANATIONS: Record<string, string> = {
  zero_dates: 'zero or partial-zero dates became NULL',
  time_out_of_range: 'TIME values outside 00:00:00–24:00:00 became NULL',
  nul_bytes_removed: 'NUL bytes were removed from text (PostgreSQL cannot store them)',
  invalid_values: 'values invalid for the column type became NULL',
  timestamp_rounded: 'timestamps with more than microsecond precision were rounded to microseconds',
};

/** Collects per-code, per-column counts while rows stream. */
export class WarningCounts {
  private readonly counts = new Map<string, Map<string, number>>();

  count(code: string, column: string, n = 1): void {
    let byColumn = this.counts.get(code);
    if (!byColumn) this.counts.set(code, (byColumn = new Map()));
    byColumn.set(column, (byColumn.get(column) ?? 0) + n);
  }

  toWarnings(): Warning[] {
    const out: Warning[] = [];
    for (const [code, byColumn] of this.counts) {
      const parts = [...byColumn].filter(([, n]) => n > 0).map(([column, n]) => `${column}: ${n}`);
      if (parts.length === 0) continue;
      out.push({ code, message: `${EXPLANATIONS[code] ?? code} (${parts.join(', ')})` });
    }
    return out;
  }
}

/** What describe learned that the user should know: the skipped columns, then the provider's own plan warnings. */
export function planWarnings(plan: SourcePlan): Warning[] {
  return [...skippedColumnsWarning(plan.skipped), ...(plan.warnings ?? [])];
}

export function skippedColumnsWarning(skipped: readonly SkippedColumn[]): Warning[] {
  if (skipped.length === 0) return [];
  const list = skipped.map((c) => `${c.remoteName} (${c.remoteType})`).join(', ');
  return [{ code: 'skipped_columns', message: `Columns with types that cannot be imported were skipped: ${list}` }];
}

export function rowLimitWarning(maxRows: number): Warning {
  return { code: 'row_limit', message: `The source has more than ${maxRows} rows; only the first ${maxRows} were imported (setting max_rows).` };
}

/** SPEC §14: `{"code": "rejected_rows", "count": n, "message": …}` when the job rejected rows. */
export function rejectedRowsWarning(rejects: RejectLog | undefined): Warning[] {
  const summary = rejects?.summary();
  return summary ? [{ code: 'rejected_rows', count: summary.count, message: summary.message }] : [];
}
