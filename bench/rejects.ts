/**
 * The cost of rejected rows (issue 19 item 2, SPEC §14): the 1M-row MariaDB dataset of run.ts
 * imported three ways, each by a fresh sidecar process like run.ts's imports, --runs times,
 * interleaved (run 1 of each line, then run 2 …) so a load spike hits all lines alike:
 *   - `"on_error": "fail"` (the default: one COPY with FREEZE, today's path), clean table;
 *   - `"on_error": "reject"`, the same clean table (savepoint batches, no FREEZE, nothing rejected);
 *   - `"on_error": "reject"` with BAD_ROWS rows whose `note` holds bytes PostgreSQL refuses as
 *     UTF-8 (a surrogate MariaDB stores in utf8mb4), spread over the table: each costs a rollback
 *     of its batch and a re-send of the rows before it.
 * Every run is checked: rows imported, and for the last line exactly BAD_ROWS rejects at the
 * right positions; a bench that measures a wrong result fails instead.
 *
 *   npm run bench -- --only rejects [--rows 1000000] [--runs 3]
 */
import mysql from 'mysql2/promise';
import { REJECT_BATCH_BYTES } from '../src/load/reject-batches.js';
import { DATABASE, TABLE } from './datasets.js';
import { importThroughSidecar, sql, type Measurement } from './tools.js';

/** Rows the "with bad rows" line rejects. */
export const BAD_ROWS = 10;
const BAD_TABLE = `${TABLE}_rejects`;

export interface RejectsLine {
  name: string;
  onError: 'fail' | 'reject';
  badRows: number;
  runs: Measurement[];
  seconds: number;
  peakRssMb: number;
  /** median seconds / the median of the on_error fail line. */
  ratio: number;
}

export interface RejectsResult {
  rows: number;
  batchBytes: number;
  lines: RejectsLine[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The ids of the bad rows: spread evenly, none at the edges. */
function badIds(rows: number): number[] {
  return Array.from({ length: BAD_ROWS }, (_, k) => Math.floor(((k + 0.5) * rows) / BAD_ROWS));
}

/** A copy of the dataset with BAD_ROWS notes PostgreSQL refuses (run.ts made `items` already). */
async function prepareBadTable(mysqlPort: number, rows: number): Promise<void> {
  const conn = await mysql.createConnection({ host: '127.0.0.1', port: mysqlPort, user: 'root', database: DATABASE, multipleStatements: true });
  try {
    await conn.query(`drop table if exists ${BAD_TABLE}; create table ${BAD_TABLE} like ${TABLE}; insert into ${BAD_TABLE} select * from ${TABLE};
      set names binary; update ${BAD_TABLE} set note = concat('bad ', x'eda080') where id in (${badIds(rows).join(', ')});`);
  } finally {
    await conn.end();
  }
}

export async function measureRejects(targetUrl: string, mysqlPort: number, opts: { rows: number; runs: number }): Promise<RejectsResult> {
  await prepareBadTable(mysqlPort, opts.rows);
  const connection = { server: '127.0.0.1', port: mysqlPort, database: DATABASE, username: 'root', password: '' };
  const plans = [
    { name: 'on_error fail (default), clean table', onError: 'fail' as const, badRows: 0, table: TABLE },
    { name: 'on_error reject, clean table', onError: 'reject' as const, badRows: 0, table: TABLE },
    { name: `on_error reject, ${BAD_ROWS} bad rows`, onError: 'reject' as const, badRows: BAD_ROWS, table: BAD_TABLE },
  ];
  const runs = plans.map(() => [] as Measurement[]);
  for (let i = 0; i < opts.runs; i++) {
    for (const [k, plan] of plans.entries()) {
      const m = await importThroughSidecar(targetUrl, { provider: 'mysql', connection, table: plan.table, on_error: plan.onError }, 'ours_rejects');
      await checkRun(targetUrl, opts.rows, plan.badRows);
      console.log(`      rejects, ${plan.name}: run ${i + 1} ${m.seconds.toFixed(2)} s, peak RSS ${m.peakRssMb?.toFixed(0)} MB`);
      runs[k]!.push(m);
    }
  }
  const base = median(runs[0]!.map((m) => m.seconds));
  return {
    rows: opts.rows,
    batchBytes: REJECT_BATCH_BYTES,
    lines: plans.map((plan, k) => {
      const seconds = median(runs[k]!.map((m) => m.seconds));
      return { name: plan.name, onError: plan.onError, badRows: plan.badRows, runs: runs[k]!, seconds, peakRssMb: Math.max(...runs[k]!.map((m) => m.peakRssMb ?? 0)), ratio: seconds / base };
    }),
  };
}

/** The import just done stored every good row and rejected exactly the bad ones. */
async function checkRun(targetUrl: string, rows: number, badRows: number): Promise<void> {
  const { rows: [job] } = await sql(targetUrl, `select id, rows_imported::int as imported, rows_fetched::int as fetched from cdb_connectors.jobs order by created_at desc limit 1`);
  const { rows: [stored] } = await sql(targetUrl, 'select count(*)::int as n from ours_rejects');
  const { rows: rejected } = await sql(targetUrl, 'select row_number::int as n from cdb_connectors.rejects where import_id = $1 order by row_number', [job.id]);
  const expected = badRows > 0 ? badIds(rows) : [];
  if (job.imported !== rows - badRows || job.fetched !== rows || stored.n !== rows - badRows || JSON.stringify(rejected.map((r) => r.n)) !== JSON.stringify(expected)) {
    throw new Error(`rejects bench: wrong result (imported ${job.imported}, fetched ${job.fetched}, stored ${stored.n}, rejected ${rejected.map((r) => r.n).join(',')})`);
  }
}

export function printRejects(r: RejectsResult): void {
  console.log(`\nrejects: ${r.rows.toLocaleString('en')}-row MariaDB table (the mysql dataset), reject batches of ${(r.batchBytes / 2 ** 20).toFixed(0)} MiB, a fresh sidecar per run`);
  const header = ['flow', 'import', 'rows rejected', 'wall s (median)', 'wall s runs', 'peak RSS MB', 'ratio to on_error fail'];
  console.log('\n| ' + header.join(' | ') + ' |\n|' + header.map(() => '---').join('|') + '|');
  for (const line of r.lines) {
    console.log('| ' + ['MySQL → PG', line.name, String(line.badRows), line.seconds.toFixed(2), line.runs.map((m) => m.seconds.toFixed(2)).join(' / '),
      line.peakRssMb.toFixed(0), `${line.ratio.toFixed(3)}×`].join(' | ') + ' |');
  }
}
