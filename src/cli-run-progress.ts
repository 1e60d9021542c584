/**
 * The progress of `import-database --wait` (docs/cli.md): one line per running table, then the
 * run's overall line with a bar, tables done of total, rows, rows/s and ETA. On a terminal the
 * block is redrawn in place (Redrawer); elsewhere the same lines are printed now and then.
 */
import { compactCount, count, duration, FINISHED, SPINNER } from './cli-progress.js';

/** Cells of the bar: 5% each, and short enough to leave room for the counters on 80 columns. */
const BAR_WIDTH = 20;
/** Longer remote table names are cut: the counters of every table stay in one column. */
const MAX_NAME_WIDTH = 32;

/** One row of cdb_connectors.runs, numbers as numbers. */
export interface RunFrame {
  state: string;
  tablesTotal: number | null;
  tablesComplete: number;
  tablesFailed: number;
  rows: number;
  /** rows_estimated of the run: null while unknown. */
  estimate: number | null;
  /** percent of the view: null while unknown, 100 only once complete. */
  percent: number | null;
  /** Rows per second now (RateWindow); absent until measurable. */
  rowsPerSecond?: number;
  elapsedMs: number;
  note?: string;
}

/** One table of the run as cdb_connectors.jobs has it. */
export interface TableFrame { table: string; rows: number; estimate: number | null }

/** `[████████░░░░░░░░░░░░]`: whole cells only, so the bar is full only at 100%. */
export function bar(percent: number): string {
  const filled = Math.max(0, Math.min(BAR_WIDTH, Math.floor((percent / 100) * BAR_WIDTH)));
  return `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]`;
}

/** `rows / ~estimate rows · %`, or the rows alone without an estimate or beyond it (as progressLine). */
function rowsOf(rows: number, estimate: number | null): string[] {
  if (estimate === null || estimate <= 0 || rows > estimate) return [`${count(rows)} rows`];
  return [`${count(rows)} / ~${count(estimate)} rows`, `${Math.floor((rows / estimate) * 100)}%`];
}

/** `  orders    12,345 / ~50,000 rows · 24%`, the name padded to `nameWidth`. */
export function tableLine(t: TableFrame, nameWidth: number): string {
  const name = t.table.length > MAX_NAME_WIDTH ? `${t.table.slice(0, MAX_NAME_WIDTH - 1)}…` : t.table;
  return `  ${name.padEnd(Math.min(nameWidth, MAX_NAME_WIDTH))}  ${rowsOf(t.rows, t.estimate).join(' · ')}`;
}

/**
 * `⠹ importing [████████░░░░░░░░░░░░] 41% · 5/12 tables (1 failed) · 123,456 / ~300,000 rows ·
 * 12k rows/s · ETA 0:14 · 0:08`. No bar while the run's size is unknown (listing, sources without
 * statistics): never a bar that looks full before anything was fetched.
 */
export function overallLine(p: RunFrame, frame: number): string {
  const finished = FINISHED.has(p.state);
  const head = `${finished ? ' ' : SPINNER[frame % SPINNER.length]} ${p.state}`;
  const parts = [p.percent === null ? head : `${head} ${bar(p.percent)} ${Math.floor(p.percent)}%`];
  if (p.tablesTotal !== null) {
    const done = p.tablesComplete + p.tablesFailed;
    parts.push(`${done}/${p.tablesTotal} tables${p.tablesFailed > 0 ? ` (${p.tablesFailed} failed)` : ''}`);
  }
  const estimate = finished ? null : p.estimate;
  parts.push(rowsOf(p.rows, estimate)[0]!);
  const rate = finished ? (p.elapsedMs > 0 ? p.rows / (p.elapsedMs / 1000) : 0) : p.rowsPerSecond;
  if (p.rows > 0 && rate !== undefined) parts.push(`${compactCount(rate)} rows/s`);
  if (estimate !== null && estimate > p.rows && rate !== undefined && rate > 0) parts.push(`ETA ${duration(((estimate - p.rows) / rate) * 1000)}`);
  parts.push(duration(p.elapsedMs));
  if (p.note) parts.push(p.note);
  return parts.join(' · ');
}

/**
 * The block a terminal shows: the running tables, at most `maxLines - 1` of them (then `… and n
 * more`), and the overall line last.
 */
export function frameLines(run: RunFrame, running: TableFrame[], frame: number, maxLines = Infinity): string[] {
  const room = Math.max(0, maxLines - 1);
  const shown = running.length > room ? running.slice(0, Math.max(0, room - 1)) : running;
  const width = Math.max(0, ...shown.map((t) => t.table.length));
  const lines = shown.map((t) => tableLine(t, width));
  if (shown.length < running.length && room > 0) lines.push(`  … and ${running.length - shown.length} more tables`);
  return [...lines, overallLine(run, frame)];
}

/**
 * Redraws a block of lines in place: back to the block's first line (cursor up, clear line), then
 * the new lines. The cursor stays at the end of the last line, as `import --wait` leaves it.
 * Lines are cut to the terminal's width: a wrapped line would take two rows and the cursor-up
 * count would miss one.
 */
export class Redrawer {
  private drawn = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  draw(lines: string[]): void {
    const width = this.out.columns > 1 ? this.out.columns - 1 : undefined;
    const fitted = width === undefined ? lines : lines.map((l) => (l.length > width ? l.slice(0, width) : l));
    this.out.write(`${this.clear()}${fitted.join('\n')}`);
    this.drawn = fitted.length;
  }

  /** A line that stays (a table that finished), above the block; the next draw() brings the block back. */
  print(line: string): void {
    this.out.write(`${this.clear()}${line}\n`);
    this.drawn = 0;
  }

  /** Leaves the last block on screen and moves below it. */
  end(): void {
    if (this.drawn > 0) this.out.write('\n');
    this.drawn = 0;
  }

  private clear(): string {
    return this.drawn === 0 ? '' : `\r\x1b[2K${'\x1b[1A\x1b[2K'.repeat(this.drawn - 1)}`;
  }
}
