/**
 * `npm run bench` (issue 7): generates the datasets in throwaway servers, runs every available
 * reference tool and our import in the same run (each ≥ 3 times, median reported), measures job
 * pick-up latency, prints a table and writes bench/results/latest.json. Not a test: CI skips it.
 *
 *   npm run bench -- [--rows 1000000] [--runs 3] [--only mysql|postgres|incremental|rejects[,…]] [--big]   # --big: 10M rows, RSS check
 *
 * The incremental line (bench/incremental.ts, issue 18 item 9) times a merge sync run against a
 * replace sync run of the same 1M-row table after 1,000 scattered rows changed (--changed).
 * The rejects line (bench/rejects.ts, issue 19 item 2) times the mysql import with "on_error":
 * "fail", "reject" on the clean table, and "reject" with 10 bad rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { LOCAL_SOURCES } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { startMariaDb } from '../test/servers/mariadb.js';
import { startPostgres } from '../test/servers/postgres.js';
import { prepareMysql, preparePostgres } from './datasets.js';
import { measureIncremental, printIncremental } from './incremental.js';
import { measureLatency, type LatencyResult } from './latency.js';
import { measureRejects, printRejects } from './rejects.js';
import { ALL_TOOLS, cPipe, psqlBinaryPipe, sql, type BenchContext, type Measurement, type Tool } from './tools.js';

/** Issue 7 states its targets against these two C pipelines. */
const PIPES: Record<string, string> = { mysql: cPipe.name, postgres: psqlBinaryPipe.name };

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
    big: { type: 'boolean', default: false },
    'latency-jobs': { type: 'string', default: '200' },
    /** Rows the incremental line changes before each timed run. */
    changed: { type: 'string', default: '1000' },
    /** Only tools whose name matches this regular expression (profiling one path). */
    tools: { type: 'string' },
  },
});
const ROWS = args.big ? 10_000_000 : Number(args.rows);
const RUNS = Number(args.runs);

interface Row {
  tool: string; flow: string; reference: boolean; rows: number; mb: number; seconds: number; runs: number[];
  rowsPerSecond: number; mbPerSecond: number; peakRssMb?: number; ratio?: number; ratioToPipe?: number; skipped?: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const t0 = Date.now();
  console.log(`starting servers (${ROWS.toLocaleString('en')} rows, ${RUNS} runs)…`);
  const [target, remote, maria] = await Promise.all([
    startPostgres({ settings: { max_wal_size: "'4GB'", checkpoint_timeout: "'30min'" } }),
    startPostgres(), startMariaDb(),
  ]);
  try {
    await sql(target.url, 'create database bench_target');
    const targetUrl = target.urlFor('bench_target');
    await migrate({ databaseUrl: targetUrl });
    await sql(targetUrl, `update cdb_connectors.settings set value = '${Math.max(ROWS, 1_000_000)}' where name = 'max_rows'`);
    // the sources run on this machine: the network policy refuses loopback unless allowed
    await sql(targetUrl, `update cdb_connectors.settings set value = '${JSON.stringify(LOCAL_SOURCES)}' where name = 'allowed_hosts'`);
    // --big (the memory check) and --tools (one import path) are about the import flows only
    const flows = args.only ? args.only.split(',') : args.big || args.tools ? ['mysql', 'postgres'] : ['mysql', 'postgres', 'incremental', 'rejects'];
    const importFlows = flows.filter((f) => f === 'mysql' || f === 'postgres');
    console.log('generating datasets…');
    await Promise.all([
      flows.includes('mysql') || flows.includes('rejects') ? prepareMysql(maria.port, ROWS) : undefined,
      flows.includes('postgres') ? preparePostgres(remote.url, ROWS) : undefined,
    ]);
    const mb = importFlows.length ? await datasetMegabytes(flows.includes('postgres') ? remote.url : undefined, maria.port) : 0;
    const ctx: BenchContext = { targetUrl, remotePgUrl: remote.url, mysqlPort: maria.port, pgPort: target.port, remotePgPort: remote.port, rows: ROWS };
    const toolFilter = args.tools ? new RegExp(args.tools, 'i') : undefined;
    const tools = ALL_TOOLS.filter((t) => flows.includes(t.flow) && (!toolFilter || toolFilter.test(t.name)) && !(args.big && t.reference));
    const rows = await measureInterleaved(tools, ctx, mb);
    for (const flow of importFlows) {
      const best = Math.min(...rows.filter((r) => r.flow === flow && r.reference && !r.skipped).map((r) => r.seconds));
      const pipe = rows.find((r) => r.flow === flow && r.tool === PIPES[flow] && !r.skipped)?.seconds;
      for (const r of rows.filter((x) => x.flow === flow && !x.skipped)) {
        r.ratio = Number.isFinite(best) ? r.seconds / best : undefined;
        r.ratioToPipe = pipe ? r.seconds / pipe : undefined;
      }
    }
    const latency = flows.includes('mysql') && !args.big && Number(args['latency-jobs']) > 0 ? await measureLatency(targetUrl, maria.port, Number(args['latency-jobs']), 20) : undefined;
    const incremental = flows.includes('incremental')
      ? await measureIncremental(targetUrl, maria.port, { rows: ROWS, runs: RUNS, changed: Number(args.changed) })
      : undefined;
    const rejects = flows.includes('rejects') ? await measureRejects(targetUrl, maria.port, { rows: ROWS, runs: RUNS }) : undefined;
    if (rows.length > 0) print(rows, latency);
    if (incremental) printIncremental(incremental);
    if (rejects) printRejects(rejects);
    const out = {
      at: new Date().toISOString(), rows: ROWS, runs: RUNS, machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
      results: rows, latency, incremental, rejects, totalSeconds: (Date.now() - t0) / 1000,
    };
    const dir = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = args.big ? 'latest-big.json' : importFlows.length > 0 ? 'latest.json' : flows.includes('incremental') ? 'latest-incremental.json' : 'latest-rejects.json';
    fs.writeFileSync(path.join(dir, file), JSON.stringify(out, null, 2));
    console.log(`\nwritten to bench/results/${file} (${out.totalSeconds.toFixed(0)} s in all)`);
  } finally {
    await Promise.all([target.stop(), remote.stop(), maria.stop()]);
  }
}

/**
 * Runs round-robin (run 1 of every tool, then run 2 …) so a load spike on a shared machine hits
 * all tools alike instead of skewing one tool's median.
 */
async function measureInterleaved(tools: Tool[], ctx: BenchContext, mb: number): Promise<Row[]> {
  const runs = new Map<Tool, Measurement[]>();
  const skipped = new Map<Tool, string>();
  for (const tool of tools) {
    const reason = tool.unavailable();
    if (reason) { skipped.set(tool, reason); console.log(`skip  ${tool.name}: ${reason}`); } else runs.set(tool, []);
  }
  for (let i = 0; i < RUNS; i++) {
    for (const [tool, done] of runs) {
      if (skipped.has(tool)) continue;
      try {
        await tool.prepare?.(ctx);
        const m = await tool.run(ctx);
        console.log(`      ${tool.name}: run ${i + 1} ${m.seconds.toFixed(2)} s${m.peakRssMb ? `, peak RSS ${m.peakRssMb.toFixed(0)} MB` : ''}`);
        done.push(m);
      } catch (err) {
        const reason = `failed: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`;
        skipped.set(tool, reason);
        console.log(`skip  ${tool.name}: ${reason}`);
      }
    }
  }
  return tools.map((tool) => {
    const base = { tool: tool.name, flow: tool.flow, reference: tool.reference, rows: ctx.rows, mb };
    const reason = skipped.get(tool);
    if (reason) return { ...base, seconds: NaN, runs: [], rowsPerSecond: NaN, mbPerSecond: NaN, skipped: reason };
    const ms = runs.get(tool)!;
    const seconds = median(ms.map((r) => r.seconds));
    const rss = ms.map((r) => r.peakRssMb).filter((x): x is number => x !== undefined);
    return { ...base, seconds, runs: ms.map((r) => r.seconds), rowsPerSecond: ctx.rows / seconds, mbPerSecond: mb / seconds, peakRssMb: rss.length ? Math.max(...rss) : undefined };
  });
}

/** The dataset's size as text (both sources hold the same values). */
async function datasetMegabytes(remotePgUrl: string | undefined, mysqlPort: number): Promise<number> {
  if (remotePgUrl) return (await sql(remotePgUrl, 'select sum(octet_length(t::text))::float8 / 1e6 as mb from items t')).rows[0].mb;
  const conn = await mysql.createConnection({ host: '127.0.0.1', port: mysqlPort, user: 'root', database: 'bench' });
  try {
    const [rows] = await conn.query(`select sum(length(concat_ws(',', id, name, category, price, score, qty, rank_no, created_at, day, at_time, active, lat, lon, note))) / 1e6 as mb from items`) as any;
    return Number(rows[0].mb);
  } finally {
    await conn.end();
  }
}

function print(rows: Row[], latency: LatencyResult | undefined): void {
  const header = ['flow', 'tool', 'rows', 'MB', 'wall s (median)', 'rows/s', 'MB/s', 'peak RSS MB', 'ratio to best reference', 'ratio to C pipe'];
  const lines = rows.map((r) => r.skipped
    ? [r.flow, r.tool, '', '', `skipped: ${r.skipped}`, '', '', '', '', '']
    : [r.flow, r.tool, r.rows.toLocaleString('en'), r.mb.toFixed(0), r.seconds.toFixed(2), Math.round(r.rowsPerSecond).toLocaleString('en'),
      r.mbPerSecond.toFixed(1), r.peakRssMb?.toFixed(0) ?? '', r.ratio ? `${r.ratio.toFixed(2)}×` : '', r.ratioToPipe ? `${r.ratioToPipe.toFixed(2)}×` : '']);
  console.log('\n| ' + header.join(' | ') + ' |\n|' + header.map(() => '---').join('|') + '|');
  for (const l of lines) console.log('| ' + l.join(' | ') + ' |');
  if (latency) {
    console.log(`\nNOTIFY → claimed over ${latency.jobs} sequential jobs: p50 ${latency.p50Ms.toFixed(1)} ms, p99 ${latency.p99Ms.toFixed(1)} ms`);
    console.log(`${latency.burst.jobs} concurrent small imports: all complete ${latency.burst.allComplete}, wall ${latency.burst.wallSeconds.toFixed(2)} s, longest queue wait ${latency.burst.maxQueueWaitSeconds.toFixed(2)} s`);
  }
}

await main();
