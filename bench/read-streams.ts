/**
 * Parallel reads inside one table (issue 20 item 5, setting table_read_streams): the 1M-row
 * MariaDB dataset of run.ts imported with 1, 2 and 3 key-range streams, each by a fresh sidecar
 * process, --runs rounds interleaved (round 1 of each line, then round 2 …) so a load spike hits
 * all lines alike. Every run is checked (rows imported, and that the job read in that many
 * streams); the ratio is taken per round against the one-stream line of the same round.
 *
 *   npm run bench -- --only streams [--rows 1000000] [--runs 5]
 */
import { DATABASE, TABLE } from './datasets.js';
import { importThroughSidecar, median, sql, type Measurement } from './tools.js';

const STREAMS = [1, 2, 3];

export interface StreamsLine {
  streams: number;
  runs: Measurement[];
  /** Per round: seconds / the one-stream line's seconds in that round. */
  ratios: number[];
}

export interface StreamsResult {
  rows: number;
  lines: StreamsLine[];
}


export async function measureReadStreams(targetUrl: string, mysqlPort: number, opts: { rows: number; runs: number }): Promise<StreamsResult> {
  const connection = { server: '127.0.0.1', port: mysqlPort, database: DATABASE, username: 'root', password: '' };
  const runs = STREAMS.map(() => [] as Measurement[]);
  // a read that may be cut at max_rows keeps one ordered stream (parallel-read.ts): far above the table here
  const { rows: [before] } = await sql(targetUrl, `select value::text as v from cdb_connectors.settings where name = 'max_rows'`);
  await sql(targetUrl, `update cdb_connectors.settings set value = '${opts.rows * 4}' where name = 'max_rows'`);
  try {
    for (let i = 0; i < opts.runs; i++) {
      for (const [k, streams] of STREAMS.entries()) {
        await sql(targetUrl, `update cdb_connectors.settings set value = '${streams}' where name = 'table_read_streams'`);
        const m = await importThroughSidecar(targetUrl, { provider: 'mysql', connection, table: TABLE }, 'ours_streams');
        await checkRun(targetUrl, opts.rows, streams);
        console.log(`      streams ${streams}: run ${i + 1} ${m.seconds.toFixed(2)} s, peak RSS ${m.peakRssMb?.toFixed(0)} MB`);
        runs[k]!.push(m);
      }
    }
  } finally {
    await sql(targetUrl, `update cdb_connectors.settings set value = '1' where name = 'table_read_streams'`);
    await sql(targetUrl, `update cdb_connectors.settings set value = $1::jsonb where name = 'max_rows'`, [before.v]);
  }
  return {
    rows: opts.rows,
    lines: STREAMS.map((streams, k) => ({ streams, runs: runs[k]!, ratios: runs[k]!.map((m, i) => m.seconds / runs[0]![i]!.seconds) })),
  };
}

/** The import just done stored every row, and read in `streams` streams when more than one. */
async function checkRun(targetUrl: string, rows: number, streams: number): Promise<void> {
  const { rows: [job] } = await sql(targetUrl, 'select id, rows_imported::int as imported from cdb_connectors.jobs order by created_at desc limit 1');
  const { rows: [stored] } = await sql(targetUrl, 'select count(*)::int as n from ours_streams');
  const { rows: logged } = await sql(targetUrl, `select message from cdb_connectors.job_log where job_id = $1 and message like 'Reading in % streams%'`, [job.id]);
  const split = logged.length === 1 ? Number(/Reading in (\d+)/.exec(logged[0].message)![1]) : 1;
  if (job.imported !== rows || stored.n !== rows || split !== streams) {
    throw new Error(`streams bench: wrong result (imported ${job.imported}, stored ${stored.n}, read in ${split} streams, wanted ${streams})`);
  }
}

export function printReadStreams(r: StreamsResult): void {
  console.log(`\nread streams: ${r.rows.toLocaleString('en')}-row MariaDB table (the mysql dataset), setting table_read_streams, a fresh sidecar per run`);
  const header = ['streams', 'wall s median (min–max)', 'wall s runs', 'peak RSS MB', 'ratio to 1 stream median (min–max)'];
  console.log('\n| ' + header.join(' | ') + ' |\n|' + header.map(() => '---').join('|') + '|');
  for (const line of r.lines) {
    const s = line.runs.map((m) => m.seconds);
    console.log('| ' + [String(line.streams), `${median(s).toFixed(2)} (${Math.min(...s).toFixed(2)}–${Math.max(...s).toFixed(2)})`,
      s.map((x) => x.toFixed(2)).join(' / '), Math.max(...line.runs.map((m) => m.peakRssMb ?? 0)).toFixed(0),
      `${median(line.ratios).toFixed(2)}× (${Math.min(...line.ratios).toFixed(2)}–${Math.max(...line.ratios).toFixed(2)})`].join(' | ') + ' |');
  }
}
