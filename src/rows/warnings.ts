/**
 * Lossy-but-legal conversions, counted while rows stream: a provider counts them, the job turns
 * the counts into the warnings of its status row (sidecar/warnings.ts).
 * Imports nothing of providers/ or load/ (.ci/dependency-cruiser.cjs, rule rows-is-neutral).
 */

/** Where a provider counts lossy-but-legal conversions; the load turns counts into warnings. */
export type WarningCode = 'zero_dates' | 'time_out_of_range' | 'nul_bytes_removed' | 'invalid_values' | 'timestamp_rounded';

export interface WarningCounter {
  count(code: WarningCode, column: string, n?: number): void;
}
