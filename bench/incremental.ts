/**
 * Incremental merge vs replace (issue 18 item 9, SPEC §13): a 1M-row MariaDB table synced twice
 * (and a third time in diff mode, below), once with `"mode": "merge", "cursor": "updated_at"` and
 * once as a plain replace sync. After the first runs, each round updates 1,000 rows 17 ids apart
 * (amount, qty, updated_at moved forward, every row its own microsecond) and then times ONE merge
 * run and ONE replace run of that same changed table. Two phases, each of --runs rounds:
 * "fresh", a new sidecar process per run (`connector-bridge run`, concurrency 1, like run.ts's
 * imports: the process's cold start-up costs fall inside the run, peak RSS is the run's own),
 * then "warm", one sidecar for all runs after an untimed warm-up round (a long-running sidecar,
 * as in production).
 *
 * Wall time is the job's `finished_at - created_at` (queue pick-up included), as for the imports
 * of run.ts; rows fetched / updated come from cdb_connectors.imports. The time split comes from
 * the job's own timestamps: pick-up (created → started), setup (started → the "Importing …" log
 * line: settings, stored password and network policy before "Connecting …", then connect,
 * describe, plan the window), load (that line → finished: remote read, COPY into staging, merge
 * or swap, mark, record). After every round both local tables are compared with the remote one
 * (count, sums, max updated_at, rows changed so far): a bench that measures a wrong result fails
 * instead.
 *
 * Diff mode (src/sidecar/diff.ts, docs/incremental-syncs.md): a third sync of the same table,
 * `"mode": "merge", "deletes": "hard"` and no cursor. Its first run (creates the table, measures
 * the bucket geometry) and second run (takes the first bucket answer, reads everything again)
 * are untimed. In every round, after the merge and replace runs, the diff sync first catches up
 * with the round's changes (untimed), then times (a) a run of the unchanged remote, which must
 * fetch 0 rows, and (b) a run after DIFF_CHANGED rows spread over the whole key range changed
 * (amount and qty only: the cursor does not move, the case diff mode is for), which must fetch
 * at most 1 % of the rows (at 1M rows; at least the changed buckets' rows for a smaller --rows). Those rows are changed back afterwards (the cursor sync cannot see
 * such a change, and its table must keep matching the remote); the next catch-up reads them
 * again. The diff table is compared with the remote after each of its runs. Its "plan" seconds
 * (the "Connecting …" log line → the "Importing …" line: connect, describe, plan the read) hold
 * the remote's bucket-hash statement.
 *
 *   npm run bench -- --only incremental [--rows 1000000] [--runs 3] [--changed 1000]
 */
import mysql from 'mysql2/promise';
import { ROWS_PER_BUCKET } from '../src/sidecar/diff.js';
import { DATABASE } from './datasets.js';
import { peakRssMb, sql, startSidecarProcess, stopProcess } from './tools.js';

export const INCREMENTAL_TABLE = 'orders_inc';
const MERGE_TABLE = 'inc_merge';
const REPLACE_TABLE = 'inc_replace';
const DIFF_TABLE = 'inc_diff';
/** Rows the diff line's changed run (b) sees changed: each in its own 100-row bucket. */
const DIFF_CHANGED = 100;
/** Above min_interval (900): no run comes due by itself while the bench runs. */
const INTERVAL = 3600;
/** Remote updated_at values start here; every round's changes lie past the previous round's. */
const FIRST_ROUND = '2025-01-01 00:00:00';

export interface SyncRunMeasurement {
  seconds: number;
  /** sync_now → the run's success as seen by polling the synchronizations view (25 ms polls). */
  clientSeconds: number;
  pickupSeconds: number;
  /** started → the "Connecting …" log line: settings, stored password, target facts, network policy. */
  prepareSeconds: number;
  /** started → the "Importing …" log line (prepare included): also connect, describe, plan the read window. */
  setupSeconds: number;
  /** "Connecting …" → "Importing …" (setup minus prepare): connect, describe, plan the read; diff mode's bucket-hash statement. */
  planSeconds: number;
  loadSeconds: number;
  fetched: number;
  /** jobs.rows_imported as the run recorded it. */
  imported: number;
  inserted: number | null;
  updated: number | null;
  unchanged: number | null;
  deleted: number | null;
  /** Diff mode: the key ranges the run read ("Importing …, N changed key ranges"); null for a read of every row. */
  keyRanges: number | null;
  peakRssMb: number;
}

export interface Spread { min: number; median: number; max: number }

/** fresh: a new sidecar process per timed run, like run.ts's imports; warm: one sidecar for all runs, as in production. */
export type SidecarKind = 'fresh' | 'warm';

export interface IncrementalLine {
  /** merge: with the cursor; diff: merge without a cursor (diff mode). */
  kind: 'merge' | 'replace' | 'diff';
  sidecar: SidecarKind;
  /** Remote rows changed since the sync's previous run. */
  changed: number;
  runs: SyncRunMeasurement[];
  seconds: Spread;
  fetched: Spread;
  updated?: Spread;
  /** median seconds / the median seconds of the replace line of the same sidecar kind. */
  ratio: number;
}

export interface IncrementalResult {
  rows: number;
  changed: number;
  /** The first (full) run of each sync, and the diff sync's second (full) run; not part of the ratios. */
  firstRunSeconds: { merge: number; replace: number; diff: number; diffSecond: number };
  /** Per sidecar kind (fresh, then warm): merge, replace, diff with the remote unchanged, diff after DIFF_CHANGED rows changed. */
  lines: IncrementalLine[];
  /** The diff sync's untimed catch-up runs (the round's cursor changes plus the previous round's change back). */
  diffCatchUps: Array<{ sidecar: SidecarKind; warmUp: boolean } & SyncRunMeasurement>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]): Spread => ({ min: Math.min(...xs), median: median(xs), max: Math.max(...xs) });

const REMOTE_TABLE = `
create table ${INCREMENTAL_TABLE} (
  id int primary key, customer varchar(64) not null, status varchar(16) not null, amount decimal(12,2) not null,
  qty int not null, created_at datetime not null, updated_at datetime(6) not null, key ${INCREMENTAL_TABLE}_updated_at (updated_at)
) character set utf8mb4`;

const REMOTE_FILL = (rows: number) => `
insert into ${INCREMENTAL_TABLE}
select seq, concat('customer-', seq % 50000), elt(1 + seq % 4, 'new', 'paid', 'shipped', 'returned'), (seq * 137 % 10000000) / 100,
  seq % 100, '2020-01-01 00:00:00' + interval seq second, '2024-01-01 00:00:00' + interval seq second
from seq_1_to_${rows}`;

/**
 * Round `round`'s change: `changed` distinct ids (a stride coprime with the row count), each with
 * its own updated_at past every earlier round's. The stride is rows - 17, so the ids lie 17 apart
 * in one stretch of 17 × `changed` ids (wrapping at the end of the table) that moves every round,
 * not all over the table: the diff sync's catch-up reads it as one or two key ranges.
 */
const REMOTE_CHANGE = (rows: number, changed: number, round: number) => `
update ${INCREMENTAL_TABLE} as o
  join (select seq as k, 1 + (seq * ${stride(rows)} + ${round * 7919}) % ${rows} as id from seq_0_to_${changed - 1}) as c on o.id = c.id
   set o.amount = o.amount + 1, o.qty = o.qty + 1,
       o.updated_at = timestamp '${FIRST_ROUND}' + interval ${round} hour + interval c.k microsecond`;

/**
 * The diff line's change: DIFF_CHANGED ids `rows / DIFF_CHANGED` apart (so each lies in its own
 * 100-row bucket, spread over the whole key range), shifted every round; `sign` -1 changes them
 * back. updated_at stays: the cursor sync must not see it.
 */
const DIFF_CHANGE = (rows: number, round: number, sign: 1 | -1) => {
  const n = Math.min(DIFF_CHANGED, rows);
  const spacing = Math.floor(rows / n);
  const op = sign > 0 ? '+' : '-';
  return `
update ${INCREMENTAL_TABLE} as o
  join (select 1 + (seq * ${spacing} + ${(round * 7919) % spacing}) % ${rows} as id from seq_0_to_${n - 1}) as c on o.id = c.id
   set o.amount = o.amount ${op} 1, o.qty = o.qty ${op} 1`;
};

/** The largest number below rows * 0.999983 that shares no factor with rows (so the ids are distinct). */
function stride(rows: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let s = Math.max(1, Math.floor(rows * 0.999983));
  while (gcd(s, rows) !== 1) s--;
  return s;
}

/** What both sides must agree on after a run. */
const REMOTE_FINGERPRINT = `select count(*) as n, cast(sum(amount) as char) as amount, cast(sum(qty) as char) as qty,
  date_format(max(updated_at), '%Y-%m-%d %H:%i:%s.%f') as mark, sum(updated_at >= '${FIRST_ROUND}') as changed from ${INCREMENTAL_TABLE}`;
const LOCAL_FINGERPRINT = (table: string) => `select count(*)::text as n, sum(amount)::text as amount, sum(qty)::text as qty,
  to_char(max(updated_at), 'YYYY-MM-DD HH24:MI:SS.US') as mark, count(*) filter (where updated_at >= '${FIRST_ROUND}')::text as changed from ${table}`;

export async function measureIncremental(targetUrl: string, mysqlPort: number, opts: { rows: number; runs: number; changed: number }): Promise<IncrementalResult> {
  const { rows, runs, changed } = opts;
  if (changed > rows) throw new Error(`--changed ${changed} is more than the table's ${rows} rows`);
  const remote = await mysql.createConnection({ host: '127.0.0.1', port: mysqlPort, user: 'root', multipleStatements: true });
  try {
    console.log(`incremental: generating ${INCREMENTAL_TABLE} (${rows.toLocaleString('en')} rows)…`);
    await remote.query(`create database if not exists ${DATABASE}; use ${DATABASE}; drop table if exists ${INCREMENTAL_TABLE}`);
    await remote.query(REMOTE_TABLE);
    await remote.query(REMOTE_FILL(rows));
    await remote.query(`analyze table ${INCREMENTAL_TABLE}`);
    await sql(targetUrl, `drop table if exists ${MERGE_TABLE}, ${REPLACE_TABLE}, ${DIFF_TABLE}`);

    const connection = { server: '127.0.0.1', port: mysqlPort, database: DATABASE, username: 'root', password: '' };
    const connector = { provider: 'mysql', connection, table: INCREMENTAL_TABLE };
    const first = { merge: 0, replace: 0, diff: 0, diffSecond: 0 };
    const ids = { merge: '', replace: '', diff: '' };
    for (const kind of ['merge', 'replace', 'diff'] as const) {
      const params = kind === 'merge'
        ? { connector: { ...connector, import_as: MERGE_TABLE, mode: 'merge', cursor: 'updated_at' }, interval: INTERVAL }
        : kind === 'diff'
          ? { connector: { ...connector, import_as: DIFF_TABLE, mode: 'merge', deletes: 'hard' }, interval: INTERVAL }
          : { connector: { ...connector, import_as: REPLACE_TABLE }, interval: INTERVAL };
      const m = await withSidecar(targetUrl, async () => {
        const created = (await sql(targetUrl, 'select cdb_connector_sync($1::jsonb) as s', [JSON.stringify(params)])).rows[0].s;
        ids[kind] = created.id as string;
        return waitForRun(targetUrl, ids[kind], undefined, process.hrtime.bigint());
      });
      first[kind] = m.seconds;
      console.log(`      incremental ${kind}: first run ${m.seconds.toFixed(2)} s, ${m.fetched.toLocaleString('en')} rows fetched`);
    }
    // diff mode's second run takes the first bucket answer and reads everything once more
    const second = await withSidecar(targetUrl, (pid) => runNow(targetUrl, ids.diff, pid));
    first.diffSecond = second.seconds;
    console.log(`      incremental diff: second run ${second.seconds.toFixed(2)} s (plan ${second.planSeconds.toFixed(2)}, load ${second.loadSeconds.toFixed(2)}), ${second.fetched.toLocaleString('en')} rows fetched`);
    if (second.fetched !== rows) throw new Error(`the diff sync's second run fetched ${second.fetched} rows, not all ${rows}`);
    await verify(remote, targetUrl, [MERGE_TABLE, REPLACE_TABLE, DIFF_TABLE]);

    // fresh: a new sidecar per run (run.ts's convention: cold process costs included, peak RSS per run);
    // warm: one sidecar for every run after an untimed warm-up round (a long-running sidecar)
    let round = 0;
    const lines: IncrementalLine[] = [];
    const diffCatchUps: IncrementalResult['diffCatchUps'] = [];
    const diffChangedRows = Math.min(DIFF_CHANGED, rows);
    // 1 % of 1M rows is the changed buckets' rows; a smaller --rows has fewer, fuller-share buckets
    const maxDiffFetched = Math.max(Math.floor(rows / 100), diffChangedRows * ROWS_PER_BUCKET);
    for (const sidecar of ['fresh', 'warm'] as const) {
      const measured = {
        merge: [] as SyncRunMeasurement[], replace: [] as SyncRunMeasurement[],
        diffUnchanged: [] as SyncRunMeasurement[], diffChanged: [] as SyncRunMeasurement[],
      };
      const report = (name: string, i: number, m: SyncRunMeasurement) => {
        const counts = m.updated === null ? '' : `, ${m.updated} updated, ${m.inserted} inserted, ${m.deleted} deleted, ${m.unchanged} unchanged`;
        console.log(`      incremental ${name} (${sidecar} sidecar): ${i < 0 ? 'warm-up' : `run ${i + 1}`} ${m.seconds.toFixed(2)} s (pick-up ${m.pickupSeconds.toFixed(2)}, `
          + `setup ${m.setupSeconds.toFixed(2)} of which before connecting ${m.prepareSeconds.toFixed(2)} and plan ${m.planSeconds.toFixed(2)}, load ${m.loadSeconds.toFixed(2)}; sync_now → success ${m.clientSeconds.toFixed(2)} s), `
          + `${m.fetched.toLocaleString('en')} rows fetched${m.keyRanges === null ? '' : ` in ${m.keyRanges} key ranges`}${counts}, rows_imported ${m.imported.toLocaleString('en')}`
          + `${sidecar === 'fresh' ? `, peak RSS ${m.peakRssMb.toFixed(0)} MB` : ''}`);
      };
      const rounds = async (run: (syncId: string) => Promise<SyncRunMeasurement>) => {
        for (let i = sidecar === 'warm' ? -1 : 0; i < runs; i++) {
          await remote.query(REMOTE_CHANGE(rows, changed, ++round));
          for (const kind of ['merge', 'replace'] as const) {
            const m = await run(ids[kind]);
            if (i >= 0) measured[kind].push(m);
            report(kind, i, m);
          }
          await verify(remote, targetUrl, [MERGE_TABLE, REPLACE_TABLE]);

          // diff mode: catch up with this round's changes (untimed), then (a) unchanged, (b) DIFF_CHANGED rows changed
          const catchUp = await run(ids.diff);
          diffCatchUps.push({ sidecar, warmUp: i < 0, ...catchUp });
          report('diff catch-up (untimed)', i, catchUp);
          await verify(remote, targetUrl, [DIFF_TABLE]);
          const unchanged = await run(ids.diff);
          report('diff, remote unchanged', i, unchanged);
          if (unchanged.fetched !== 0) throw new Error(`the diff run of an unchanged remote fetched ${unchanged.fetched} rows, not 0`);
          await verify(remote, targetUrl, [DIFF_TABLE]);
          await remote.query(DIFF_CHANGE(rows, round, 1));
          const diffChanged = await run(ids.diff);
          report(`diff, ${diffChangedRows} rows changed`, i, diffChanged);
          if (diffChanged.fetched > maxDiffFetched) throw new Error(`the diff run after ${diffChangedRows} changed rows fetched ${diffChanged.fetched} rows, more than ${maxDiffFetched} (1 % of the rows or ${diffChangedRows} buckets)`);
          if (diffChanged.updated !== diffChangedRows) throw new Error(`the diff run after ${diffChangedRows} changed rows updated ${diffChanged.updated}`);
          await verify(remote, targetUrl, [DIFF_TABLE]);
          // back as it was: the cursor sync cannot see a change that leaves updated_at alone
          await remote.query(DIFF_CHANGE(rows, round, -1));
          if (i >= 0) { measured.diffUnchanged.push(unchanged); measured.diffChanged.push(diffChanged); }
        }
      };
      if (sidecar === 'fresh') await rounds((id) => withSidecar(targetUrl, (pid) => runNow(targetUrl, id, pid)));
      else await withSidecar(targetUrl, (pid) => rounds((id) => runNow(targetUrl, id, pid)));
      const replaceMedian = median(measured.replace.map((m) => m.seconds));
      const kinds = [
        ['merge', measured.merge, changed], ['replace', measured.replace, changed],
        ['diff', measured.diffUnchanged, 0], ['diff', measured.diffChanged, diffChangedRows],
      ] as const;
      for (const [kind, ms, changedRows] of kinds) {
        const updated = ms.map((m) => m.updated).filter((x): x is number => x !== null);
        const seconds = spread(ms.map((m) => m.seconds));
        lines.push({
          kind, sidecar, changed: changedRows, runs: ms, seconds, fetched: spread(ms.map((m) => m.fetched)), ...(updated.length ? { updated: spread(updated) } : {}),
          ratio: seconds.median / replaceMedian,
        });
      }
    }
    return { rows, changed, firstRunSeconds: first, lines, diffCatchUps };
  } finally {
    await remote.end();
  }
}

/** Runs `body` with a fresh sidecar process (its peak RSS is this run's alone). */
async function withSidecar<T>(targetUrl: string, body: (pid: number) => Promise<T>): Promise<T> {
  // a stopped sidecar's row would satisfy startSidecarProcess's registration check
  await sql(targetUrl, 'delete from cdb_connectors.sidecars');
  const child = await startSidecarProcess(targetUrl);
  try {
    return await body(child.pid!);
  } finally {
    await stopProcess(child);
  }
}

/** cdb_connector_sync_now as a user would, on the running sidecar `pid`; returns that run's measurement. */
async function runNow(targetUrl: string, syncId: string, pid: number): Promise<SyncRunMeasurement> {
  const before = (await sql(targetUrl, 'select last_import_id from cdb_connectors.synchronizations where id = $1', [syncId])).rows[0].last_import_id as string;
  const started = process.hrtime.bigint();
  await sql(targetUrl, 'select cdb_connector_sync_now($1)', [syncId]);
  const m = await waitForRun(targetUrl, syncId, before, started);
  return { ...m, peakRssMb: peakRssMb(pid) };
}

async function waitForRun(targetUrl: string, syncId: string, previousJobId: string | undefined, started: bigint): Promise<SyncRunMeasurement> {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    const s = (await sql(targetUrl, 'select state, last_import_id, error_message from cdb_connectors.synchronizations where id = $1', [syncId])).rows[0];
    if ((s.state === 'success' || s.state === 'failure') && s.last_import_id && s.last_import_id !== previousJobId) {
      const clientSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (s.state === 'failure') throw new Error(`sync run ${s.last_import_id} failed: ${s.error_message}`);
      return { ...(await jobMeasurement(targetUrl, s.last_import_id)), clientSeconds, peakRssMb: 0 };
    }
    if (Date.now() > deadline) throw new Error(`sync ${syncId} still ${s.state} after 15 minutes`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function jobMeasurement(targetUrl: string, jobId: string): Promise<Omit<SyncRunMeasurement, 'clientSeconds' | 'peakRssMb'>> {
  const { rows } = await sql(targetUrl, `
    select i.state, i.error_message, i.rows_fetched::int as fetched, i.rows_inserted::int as inserted, i.rows_updated::int as updated, i.rows_unchanged::int as unchanged,
           i.rows_deleted::int as deleted, substring(l.message from ', ([0-9]+) changed key ranges')::int as ranges,
           extract(epoch from i.finished_at - i.created_at)::float8 as seconds,
           extract(epoch from i.started_at - i.created_at)::float8 as pickup,
           extract(epoch from c.ts - i.started_at)::float8 as prepare,
           extract(epoch from l.ts - i.started_at)::float8 as setup, i.rows_imported::int as imported,
           extract(epoch from i.finished_at - l.ts)::float8 as load
      from cdb_connectors.imports as i
      left join lateral (select ts from cdb_connectors.job_log where job_id = i.id and message like 'Connecting %' order by id limit 1) as c on true
      left join lateral (select ts, message from cdb_connectors.job_log where job_id = i.id and message like 'Importing %' order by id limit 1) as l on true
     where i.id = $1`, [jobId]);
  const j = rows[0];
  if (j.state !== 'complete') throw new Error(`job ${jobId} is ${j.state}: ${j.error_message}`);
  return {
    seconds: j.seconds, pickupSeconds: j.pickup, prepareSeconds: j.prepare ?? NaN, setupSeconds: j.setup ?? NaN, loadSeconds: j.load ?? NaN,
    planSeconds: (j.setup ?? NaN) - (j.prepare ?? NaN),
    fetched: j.fetched, imported: j.imported, inserted: j.inserted, updated: j.updated, unchanged: j.unchanged, deleted: j.deleted, keyRanges: j.ranges,
  };
}

/** The local `tables` must hold what the remote holds. */
async function verify(remote: mysql.Connection, targetUrl: string, tables: readonly string[]): Promise<void> {
  const [[r]] = (await remote.query(REMOTE_FINGERPRINT)) as any;
  const want = JSON.stringify([String(r.n), String(r.amount), String(r.qty), String(r.mark), String(r.changed)]);
  for (const table of tables) {
    const l = (await sql(targetUrl, LOCAL_FINGERPRINT(table))).rows[0];
    const got = JSON.stringify([l.n, l.amount, l.qty, l.mark, l.changed]);
    if (got !== want) throw new Error(`${table} differs from the remote table: ${got}, remote ${want}`);
  }
}

const fmt = (s: Spread, digits: number, unit = '') => `${s.min.toFixed(digits)} / ${s.median.toFixed(digits)} / ${s.max.toFixed(digits)}${unit}`;
const count = (s: Spread) => (s.min === s.max ? s.median.toLocaleString('en') : `${s.min.toLocaleString('en')} / ${s.median.toLocaleString('en')} / ${s.max.toLocaleString('en')}`);

export function printIncremental(r: IncrementalResult): void {
  const f = r.firstRunSeconds;
  console.log(`\nincremental: ${r.rows.toLocaleString('en')}-row table, ${r.changed.toLocaleString('en')} rows changed before each merge / replace run, ${DIFF_CHANGED} spread over the table before each changed diff run; `
    + `first runs: merge ${f.merge.toFixed(2)} s, replace ${f.replace.toFixed(2)} s, diff ${f.diff.toFixed(2)} s (second run ${f.diffSecond.toFixed(2)} s)`);
  const header = ['flow', 'sync run', 'sidecar', 'rows in table', 'rows fetched', 'rows updated', 'wall s (median)', 'wall s min / median / max', 'setup s (median)', 'plan s (median)', 'load s (median)', 'peak RSS MB', 'ratio to replace'];
  console.log('\n| ' + header.join(' | ') + ' |\n|' + header.map(() => '---').join('|') + '|');
  for (const line of r.lines) {
    const name = line.kind === 'merge' ? 'merge, cursor updated_at'
      : line.kind === 'diff' ? (line.changed === 0 ? 'merge, no cursor (diff), remote unchanged' : `merge, no cursor (diff), ${line.changed} rows changed`)
        : 'replace (mode absent)';
    const sidecar = line.sidecar === 'fresh' ? 'fresh per run' : 'one, warm';
    const rss = line.sidecar === 'fresh' ? Math.max(...line.runs.map((m) => m.peakRssMb)).toFixed(0) : '';
    const med = (pick: (m: SyncRunMeasurement) => number) => median(line.runs.map(pick)).toFixed(2);
    console.log('| ' + ['MySQL → PG', name, sidecar, r.rows.toLocaleString('en'), count(line.fetched), line.updated ? count(line.updated) : '', line.seconds.median.toFixed(2),
      fmt(line.seconds, 2), med((m) => m.setupSeconds), med((m) => m.planSeconds), med((m) => m.loadSeconds), rss, `${line.ratio.toFixed(3)}×`].join(' | ') + ' |');
  }
  for (const c of r.diffCatchUps) {
    console.log(`diff catch-up (${c.sidecar}${c.warmUp ? ', warm-up' : ''}): ${c.seconds.toFixed(2)} s (plan ${c.planSeconds.toFixed(2)}, load ${c.loadSeconds.toFixed(2)}), `
      + `${c.fetched.toLocaleString('en')} rows fetched${c.keyRanges === null ? ' (every row)' : ` in ${c.keyRanges} key ranges`}, ${c.updated} updated`);
  }
}
