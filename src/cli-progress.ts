/**
 * The progress line of `import --wait` (docs/cli.md, issue 22 §7): rows so far, of the job's
 * estimate from the remote's statistics when there is one (`~total`, %, ETA), rows per second
 * over a sliding window, elapsed time. Without an estimate only counters and a spinner: never a
 * bar that looks full before anything was fetched.
 */

export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
export const FINISHED = new Set(['complete', 'failure', 'cancelled']);
/**
 * The rate is measured over this window: the sidecar publishes rows_fetched once a second
 * (sidecar/ticker.ts), so a shorter one would show its steps, a longer one lags a change of pace.
 */
export const RATE_WINDOW_MS = 5000;
/** No rate from samples closer than this: two polls 250 ms apart around one tick read as a burst. */
const MIN_RATE_SPAN_MS = 1000;

export interface ProgressFrame {
  frame: number;
  state: string;
  rows: number;
  elapsedMs: number;
  /** rows_estimated of the job: null or absent while unknown. */
  estimate?: number | null;
  /** Rows per second now (RateWindow); absent until measurable. */
  rowsPerSecond?: number;
  note?: string;
}

/** `0:04`, `12:30`, `1:02:03`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** `950`, `3.2k`, `312k`, `1.4M`, `25M`: a rate at a glance. */
export function compactCount(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  if (n < 10_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  return `${Math.round(n / 1_000_000)}M`;
}

/** `1,234,567`. */
export const count = (n: number): string => n.toLocaleString('en-US');

/**
 * One frame: `⠹ importing · 1,234,567 / ~2,000,000 rows · 61% · 312k rows/s · ETA 0:02 · 0:04`.
 * Beyond the estimate (statistics are approximate) and once finished: the rows alone.
 */
export function progressLine(p: ProgressFrame): string {
  const finished = FINISHED.has(p.state);
  const parts = [`${finished ? ' ' : SPINNER[p.frame % SPINNER.length]} ${p.state}`];
  const estimate = !finished && p.estimate !== null && p.estimate !== undefined && p.estimate > 0 && p.rows <= p.estimate ? p.estimate : undefined;
  if (estimate === undefined) parts.push(`${count(p.rows)} rows`);
  else parts.push(`${count(p.rows)} / ~${count(estimate)} rows`, `${Math.floor((p.rows / estimate) * 100)}%`);
  const rate = finished ? (p.elapsedMs > 0 ? p.rows / (p.elapsedMs / 1000) : 0) : p.rowsPerSecond;
  if (p.rows > 0 && rate !== undefined) parts.push(`${compactCount(rate)} rows/s`);
  if (estimate !== undefined && rate !== undefined && rate > 0) parts.push(`ETA ${duration(((estimate - p.rows) / rate) * 1000)}`);
  parts.push(duration(p.elapsedMs));
  if (p.note) parts.push(p.note);
  return parts.join(' · ');
}

/**
 * Rows per second over the last RATE_WINDOW_MS. Only samples where the count moved are kept: the
 * count steps once a second while the CLI polls four times, and a rate measured up to a poll that
 * saw no step would sag between steps (measured: 307 → 215 rows/s within one second, then back).
 */
export class RateWindow {
  private readonly samples: Array<{ atMs: number; rows: number }> = [];
  private lastMs = 0;

  constructor(private readonly windowMs = RATE_WINDOW_MS) {}

  add(atMs: number, rows: number): void {
    this.lastMs = atMs;
    const last = this.samples[this.samples.length - 1];
    if (last && last.rows === rows) return;
    this.samples.push({ atMs, rows });
    // keep one sample at or before the window's start, so the span covers the whole window
    while (this.samples.length > 2 && this.samples[1]!.atMs <= atMs - this.windowMs) this.samples.shift();
  }

  /** undefined until measurable; 0 once the count has not moved for a whole window (a stall: no ETA). */
  rowsPerSecond(): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.atMs - first.atMs < MIN_RATE_SPAN_MS) return undefined;
    if (this.lastMs - last.atMs > this.windowMs) return 0;
    return ((last.rows - first.rows) / (last.atMs - first.atMs)) * 1000;
  }
}

/**
 * What a `--wait` loop says beside its progress (import and import-database alike): the "no
 * sidecar" note once no sidecar has been seen for `noSidecarMs` while the job or run waits, and
 * when a plain (non-TTY) line is due — on a state change, on the first note, and every
 * `plainEveryMs` while importing, so a log gets one line per change and one now and then.
 */
export class WaitWatch {
  private noSidecarSince: number | undefined;
  private noted = false;
  private lastState: string | undefined;
  private lastPlainAt = 0;

  constructor(private readonly noSidecarMs: number, private readonly plainEveryMs: number) {}

  note(alive: boolean, finished: boolean, now: number): string | undefined {
    this.noSidecarSince = alive || finished ? undefined : this.noSidecarSince ?? now;
    return this.noSidecarSince !== undefined && now - this.noSidecarSince >= this.noSidecarMs
      ? 'no connector sidecar is running: waiting until one starts' : undefined;
  }

  /** True when a plain line is due now; records the state and the note either way. */
  plainDue(state: string, note: string | undefined, now: number): boolean {
    const due = state !== this.lastState || (note !== undefined && !this.noted) || (state === 'importing' && now - this.lastPlainAt >= this.plainEveryMs);
    this.lastState = state;
    this.noted ||= note !== undefined;
    if (due) this.lastPlainAt = now;
    return due;
  }
}
