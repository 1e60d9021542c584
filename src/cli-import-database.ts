/**
 * `connector-bridge import-database [<json>] [--target-schema <name>] [--wait] [--json]`
 * (docs/cli.md, issue 20 item 4): starts a whole-database run with cdb_connector_import_database
 * and, with --wait, follows it in cdb_connectors.runs and cdb_connectors.jobs until it ends, then
 * prints cdb_connector_run_summary. Only the SQL API, as any psql user would.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { formatTable, jsonProblem, NO_SIDECAR_MS, PLAIN_PROGRESS_MS, POLL_MS, sqlErrorText, withClient } from './cli-commands.js';
import { count, FINISHED, RateWindow, WaitWatch } from './cli-progress.js';
import { frameLines, overallLine, Redrawer, type RunFrame, type TableFrame } from './cli-run-progress.js';

/**
 * A request to fix, not a failure of the database: invalid parameters (22023), text that is no
 * JSON (22P02), no target schema (3F000). Exit 2 says "change the request", 1 "the run failed".
 */
const BAD_REQUEST = new Set(['22023', '22P02', '3F000']);
const EXIT_BAD_REQUEST = 2;
/** Running tables shown at most: a run loads at most 32 at once (concurrency); a shorter terminal shows fewer. */
const MAX_TABLE_LINES = 32;
const SUMMARY_COLUMNS = ['table_name', 'remote_table', 'state', 'rows', 'rejects', 'warnings', 'error', 'seconds', 'rows_per_second'];
const NUMERIC_SUMMARY = new Set(['rows', 'rejects', 'warnings', 'seconds', 'rows_per_second']);
const NUMERIC_RUN = new Set(['rows_fetched', 'rows_estimated', 'percent', 'rows_per_second']);
/**
 * The error column of the summary is cut here: a failed atomic run's message names every failed
 * table with its error (hundreds of characters), and stderr prints it whole below the table.
 */
const ERROR_CELL_CHARS = 60;

export interface ImportDatabaseOptions { targetSchema?: string; wait: boolean; json: boolean }

interface RunRow {
  state: string; tables_total: number | null; tables_complete: number; tables_failed: number; rows_fetched: string;
  rows_estimated: string | null; percent: string | null; warnings: Array<{ code: string; message: string; table?: string }>;
  error_code: number | null; error_message: string | null; alive: boolean;
}
interface JobRow { remote_table: string; state: string; rows: string; rows_estimated: string | null; error_code: number | null; error_message: string | null }

export async function runImportDatabaseCommand(url: string, json: string | undefined, opts: ImportDatabaseOptions): Promise<number> {
  const text = json === undefined || json === '-' ? fs.readFileSync(0, 'utf8') : json;
  const problem = jsonProblem(text);
  if (problem) {
    console.error(`ERROR: ${problem}`);
    return EXIT_BAD_REQUEST;
  }
  const interrupted = new AbortController();
  const outcome = await withClient(url, async (c) => {
    let answer: { run_id: string };
    try {
      // without --target-schema the function's own default (current_schema()) applies: a NULL would not
      answer = (await c.query<{ r: { run_id: string } }>(opts.targetSchema === undefined
        ? 'select cdb_connector_import_database($1::jsonb) as r'
        : 'select cdb_connector_import_database($1::jsonb, $2::name) as r', opts.targetSchema === undefined ? [text] : [text, opts.targetSchema])).rows[0]!.r;
    } catch (err) {
      if (!(err instanceof pg.DatabaseError && BAD_REQUEST.has(err.code ?? ''))) throw err;
      console.error(sqlErrorText(err));
      return EXIT_BAD_REQUEST;
    }
    console.log(opts.json ? JSON.stringify(answer) : answer.run_id);
    if (!opts.wait) return 0;
    // Ctrl-C cancels the run; a second one ends the process at once (the listener is gone)
    const onInterrupt = () => interrupted.abort();
    process.once('SIGINT', onInterrupt);
    try {
      return await followRun(c, answer.run_id, interrupted.signal, opts);
    } finally {
      process.removeListener('SIGINT', onInterrupt);
    }
  });
  // Interrupted: end as `import --wait` does on Ctrl-C, by SIGINT (a shell shows 130), now that
  // the run is cancelled and the connection closed.
  if (interrupted.signal.aborted) process.kill(process.pid, 'SIGINT');
  return outcome;
}

const num = (v: string | number | null): number | null => (v === null ? null : Number(v));

/** The run's row of cdb_connectors.runs and its tables (cdb_connectors.jobs, RLS as for the reader). */
async function readRun(c: pg.Client, runId: string): Promise<{ run: RunRow; jobs: JobRow[] }> {
  const run = (await c.query<RunRow>(`select r.state, r.tables_total, r.tables_complete, r.tables_failed, r.rows_fetched, r.rows_estimated,
      r.percent, r.warnings, r.error_code, r.error_message, exists (select from cdb_connectors.workers as w where w.alive) as alive
    from cdb_connectors.runs as r where r.run_id = $1`, [runId])).rows[0]!;
  const jobs = (await c.query<JobRow>(`select j.params ->> 'table' as remote_table, j.state, coalesce(j.rows_imported, j.rows_fetched) as rows,
      j.rows_estimated, j.error_code, j.error_message
    from cdb_connectors.jobs as j where j.run_id = $1 order by j.params ->> 'table' collate "C"`, [runId])).rows;
  return { run, jobs };
}

/** `orders: complete · 1,200 rows`, `customers: failure · 0 rows · 1507: …`. */
function finishedTableLine(j: JobRow): string {
  return `${j.remote_table}: ${j.state} · ${count(Number(j.rows))} rows${j.error_code === null ? '' : ` · ${j.error_code}: ${j.error_message}`}`;
}

/** Ctrl-C: cancels the run (its sidecars stop the running tables) and says so. */
async function cancelRun(c: pg.Client, runId: string): Promise<void> {
  const { rows: [r] } = await c.query<{ cancelled: boolean }>('select cdb_connector_cancel_run($1) as cancelled', [runId]);
  process.stderr.write(r!.cancelled
    ? `Interrupted: cancelling run ${runId}. Its running tables stop, and an atomic run publishes nothing; cdb_connectors.runs shows when it has ended.\n`
    : `Interrupted: run ${runId} had already ended.\n`);
}

/** Polls the run until it ends (or Ctrl-C: cancelled), drawing progress on stderr; then the summary. */
async function followRun(c: pg.Client, runId: string, interrupted: AbortSignal, opts: ImportDatabaseOptions): Promise<number> {
  const out = process.stderr;
  const redrawer = out.isTTY === true ? new Redrawer(out) : undefined;
  const started = Date.now();
  const rate = new RateWindow();
  const reported = new Set<string>();
  const watch = new WaitWatch(NO_SIDECAR_MS, PLAIN_PROGRESS_MS);
  let frame = 0;
  for (;;) {
    const { run, jobs } = await readRun(c, runId);
    const now = Date.now();
    const finished = FINISHED.has(run.state);
    const note = watch.note(run.alive, finished, now);
    const rows = Number(run.rows_fetched);
    if (run.state === 'importing') rate.add(now, rows);
    const rowsPerSecond = rate.rowsPerSecond();
    const progress: RunFrame = {
      state: run.state, tablesTotal: run.tables_total, tablesComplete: run.tables_complete, tablesFailed: run.tables_failed,
      rows, estimate: num(run.rows_estimated), percent: num(run.percent), elapsedMs: now - started,
      ...(rowsPerSecond !== undefined ? { rowsPerSecond } : {}),
      ...(note !== undefined ? { note } : {}),
    };
    for (const j of jobs.filter((x) => FINISHED.has(x.state) && !reported.has(x.remote_table))) {
      reported.add(j.remote_table);
      if (redrawer) redrawer.print(finishedTableLine(j));
      else out.write(`${finishedTableLine(j)}\n`);
    }
    if (redrawer) {
      const running: TableFrame[] = jobs.filter((j) => j.state === 'importing')
        .map((j) => ({ table: j.remote_table, rows: Number(j.rows), estimate: num(j.rows_estimated) }));
      redrawer.draw(frameLines(progress, running, frame++, Math.min(out.rows > 2 ? out.rows - 1 : Infinity, MAX_TABLE_LINES + 1)));
    }
    const plainDue = watch.plainDue(run.state, note, now);
    if (!redrawer && plainDue) out.write(`${overallLine(progress, frame++)}\n`);
    if (finished) {
      redrawer?.end();
      return printOutcome(c, runId, run, opts);
    }
    try {
      await sleep(POLL_MS, undefined, { signal: interrupted });
    } catch {
      redrawer?.end();
      await cancelRun(c, runId);
      return 1;
    }
  }
}

/** The summary table on stdout (or the run and its summary as JSON), the warnings and the error on stderr. */
async function printOutcome(c: pg.Client, runId: string, run: RunRow, opts: ImportDatabaseOptions): Promise<number> {
  // bigint and numeric arrive as strings: numbers for scripts and for the table's alignment
  const numbers = (r: Record<string, unknown>, numeric: Set<string>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, numeric.has(k) && v !== null ? Number(v) : v]));
  const summary = (await c.query<Record<string, unknown>>('select * from cdb_connector_run_summary($1)', [runId])).rows
    .map((r) => numbers(r, NUMERIC_SUMMARY));
  if (opts.json) {
    const { rows: [full] } = await c.query<Record<string, unknown>>('select * from cdb_connectors.runs where run_id = $1', [runId]);
    console.log(JSON.stringify({ run: numbers(full!, NUMERIC_RUN), summary }, null, 2));
  } else {
    const cut = (e: unknown) => (typeof e === 'string' && e.length > ERROR_CELL_CHARS ? `${e.slice(0, ERROR_CELL_CHARS - 1)}…` : e);
    console.log(formatTable(SUMMARY_COLUMNS, summary.map((r) => ({ ...r, error: cut(r.error) }))));
  }
  for (const w of run.warnings ?? []) process.stderr.write(`warning ${w.code}${w.table ? ` (${w.table})` : ''}: ${w.message}\n`);
  if (run.error_code !== null) process.stderr.write(`error ${run.error_code}: ${run.error_message}\n`);
  return run.state === 'complete' ? 0 : 1;
}
