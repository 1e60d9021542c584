/**
 * `npm run bench` (issue 7, issue 21 item 4): generates the datasets in throwaway servers, installs
 * the reference tools it compares against when they are missing (as root, with apt: pgloader,
 * postgresql-15-mysql-fdw; postgres_fdw is in contrib) and says which are still missing, runs
 * every tool and our import in the same run, paired round by round (run 1 of every tool, then
 * run 2 …, 5 rounds by default), measures job pick-up latency, and prints the machine, the git
 * commit, and for every tool and every ratio the median and the min–max. A ratio is taken per
 * round (ours / the C pipe of the same round), so a load spike that slows one round slows both
 * sides of its ratio. Writes bench/results/latest.json. Not a test: CI skips it.
 *
 *   npm run bench -- [--rows 1000000] [--runs 5] [--only mysql|postgres|incremental|rejects|streams|cdc[,…]] [--big]   # --big: 10M rows, RSS check
 *   npm run bench -- --only cdc [--changes 100000] [--latency 30]   # change capture: continuous latency, bounded runs (cdc.ts)
 *   npm run bench -- --quick     # 100k rows, 3 rounds, the import flows: a regression guard
 *
 * The lines starting with `ratio\t` (flow, tool, median, min, max) and `latency\t` are the stable
 * part of the output, for scripts that compare runs.
 *
 * The incremental line (bench/incremental.ts, issue 18 item 9) times a merge sync run against a
 * replace sync run of the same 1M-row table after 1,000 scattered rows changed (--changed).
 * The rejects line (bench/rejects.ts, issue 19 item 2) times the mysql import with "on_error":
 * "fail", "reject" on the clean table, and "reject" with 10 bad rows.
 */
import fs from 'node:fs';
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
import { measureReadStreams, printReadStreams } from './read-streams.js';
import { measureCdc, printCdc } from './cdc.js';
import { describeMachine, ensureReferenceTools, type MachineLine } from './machine.js';
import { ALL_TOOLS, cPipe, median, psqlBinaryPipe, sql, type BenchContext, type Measurement, type Tool } from './tools.js';

/** Issue 7 states its targets against these two C pipelines. */
const PIPES: Record<string, string> = { mysql: cPipe.name, postgres: psqlBinaryPipe.name };

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string' },
    runs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    big: { type: 'boolean', default: false },
    'latency-jobs': { type: 'string', default: '200' },
    /** Rows the incremental line changes before each timed run. */
    changed: { type: 'string', default: '1000' },
    /** Only tools whose name matches this regular expression (profiling one path). */
    tools: { type: 'string' },
    /** --only cdc: changes per bounded run, and continuous-latency samples per source. */
    changes: { type: 'string' },
    latency: { type: 'string' },
  },
});
const ROWS = args.big ? 10_000_000 : Number(args.rows ?? (args.quick ? 100_000 : 1_000_000));
const RUNS = Number(args.runs ?? (args.quick ? 3 : 5));

/** Median, min and max of some runs (or of per-round ratios). */
interface Spread { median: number; min: number; max: number }

interface Row {
  tool: string; flow: string; reference: boolean; rows: number; mb: number; seconds: number; runs: number[]; spread?: Spread;
  rowsPerSecond: number; mbPerSecond: number; peakRssMb?: number; ratio?: number;
  /** Per round: this tool's seconds / the C pipe's seconds in the same round. */
  ratioToPipe?: Spread;
  skipped?: string;
}

const spreadOf = (xs: number[]): Spread => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

async function main(): Promise<void> {
  const t0 = Date.now();
  const flows = args.only ? args.only.split(',') : args.big || args.tools || args.quick ? ['mysql', 'postgres'] : ['mysql', 'postgres', 'incremental', 'rejects'];
  const tooling = flows.includes('mysql') && !args.big ? ensureReferenceTools() : { installed: [], missing: [] };
  console.log(`starting servers (${ROWS.toLocaleString('en')} rows, ${RUNS} rounds)…`);
  const [target, remote, maria] = await Promise.all([
    startPostgres({ settings: { max_wal_size: "'4GB'", checkpoint_timeout: "'30min'" } }),
    startPostgres(), startMariaDb({ binlog: flows.includes('cdc') }),
  ]);
  try {
    await sql(target.url, 'create database bench_target');
    const targetUrl = target.urlFor('bench_target');
    await migrate({ databaseUrl: targetUrl });
    await sql(targetUrl, `update cdb_connectors.settings set value = '${Math.max(ROWS, 1_000_000)}' where name = 'max_rows'`);
    // the sources run on this machine: the network policy refuses loopback unless allowed
    await sql(targetUrl, `update cdb_connectors.settings set value = '${JSON.stringify(LOCAL_SOURCES)}' where name = 'allowed_hosts'`);
    // --big (the memory check), --tools (one import path) and --quick are about the import flows only
    const importFlows = flows.filter((f) => f === 'mysql' || f === 'postgres');
    console.log('generating datasets…');
    await Promise.all([
      flows.includes('mysql') || flows.includes('rejects') || flows.includes('streams') ? prepareMysql(maria.port, ROWS) : undefined,
      flows.includes('postgres') ? preparePostgres(remote.url, ROWS) : undefined,
    ]);
    const mb = importFlows.length ? await datasetMegabytes(flows.includes('postgres') ? remote.url : undefined, maria.port) : 0;
    const ctx: BenchContext = { targetUrl, remotePgUrl: remote.url, mysqlPort: maria.port, pgPort: target.port, remotePgPort: remote.port, rows: ROWS };
    const toolFilter = args.tools ? new RegExp(args.tools, 'i') : undefined;
    const tools = ALL_TOOLS.filter((t) => flows.includes(t.flow) && (!toolFilter || toolFilter.test(t.name)) && !(args.big && t.reference));
    const rows = await measureInterleaved(tools, ctx, mb);
    for (const flow of importFlows) {
      const best = Math.min(...rows.filter((r) => r.flow === flow && r.reference && !r.skipped).map((r) => r.seconds));
      const pipe = rows.find((r) => r.flow === flow && r.tool === PIPES[flow] && !r.skipped);
      for (const r of rows.filter((x) => x.flow === flow && !x.skipped)) {
        r.ratio = Number.isFinite(best) ? r.seconds / best : undefined;
        if (pipe && pipe.runs.length === r.runs.length) r.ratioToPipe = spreadOf(r.runs.map((s, i) => s / pipe.runs[i]!));
      }
    }
    const latencyJobs = args.quick ? 50 : Number(args['latency-jobs']);
    const latency = flows.includes('mysql') && !args.big && latencyJobs > 0 ? await measureLatency(targetUrl, maria.port, latencyJobs, 20) : undefined;
    const incremental = flows.includes('incremental')
      ? await measureIncremental(targetUrl, maria.port, { rows: ROWS, runs: RUNS, changed: Number(args.changed) })
      : undefined;
    const rejects = flows.includes('rejects') ? await measureRejects(targetUrl, maria.port, { rows: ROWS, runs: RUNS }) : undefined;
    const streams = flows.includes('streams') ? await measureReadStreams(targetUrl, maria.port, { rows: ROWS, runs: RUNS }) : undefined;
    const cdc = flows.includes('cdc')
      ? await measureCdc(targetUrl, remote.url, remote.port, maria, { runs: RUNS, changes: Number(args.changes ?? 100_000), latency: Number(args.latency ?? 30) })
      : undefined;
    const machine = await describeMachine({ targetUrl, mysqlPort: maria.port });
    printMachine(machine, tooling, t0);
    if (rows.length > 0 || latency) print(rows, latency);
    if (incremental) printIncremental(incremental);
    if (rejects) printRejects(rejects);
    if (streams) printReadStreams(streams);
    if (cdc) printCdc(cdc);
    const out = {
      at: new Date(t0).toISOString(), rows: ROWS, runs: RUNS, quick: args.quick, machine, tools: tooling,
      results: rows, latency, incremental, rejects, streams, cdc, totalSeconds: (Date.now() - t0) / 1000,
    };
    const dir = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = args.big ? 'latest-big.json' : args.quick ? 'latest-quick.json' : importFlows.length > 0 ? 'latest.json' : flows.includes('incremental') ? 'latest-incremental.json' : flows.includes('streams') ? 'latest-streams.json' : flows.includes('cdc') ? 'latest-cdc.json' : 'latest-rejects.json';
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
    const spread = spreadOf(ms.map((r) => r.seconds));
    const seconds = spread.median;
    const rss = ms.map((r) => r.peakRssMb).filter((x): x is number => x !== undefined);
    return { ...base, seconds, spread, runs: ms.map((r) => r.seconds), rowsPerSecond: ctx.rows / seconds, mbPerSecond: mb / seconds, peakRssMb: rss.length ? Math.max(...rss) : undefined };
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

const range = (s: Spread, digits: number, unit = '') => `${s.min.toFixed(digits)}${unit}–${s.max.toFixed(digits)}${unit}`;

function printMachine(m: MachineLine, tooling: { installed: string[]; missing: string[] }, t0: number): void {
  console.log(`\nmachine: ${m.cpus} vCPU (${m.cpu}), ${m.memGb} GB, ${m.os}, Node ${m.node}, PostgreSQL ${m.postgres}, MariaDB ${m.mariadb}`
    + `${m.pgloader ? `, pgloader ${m.pgloader}` : ''}${m.mysqlFdw ? `, mysql_fdw ${m.mysqlFdw}` : ''}`);
  console.log(`commit: ${m.commit} · started ${new Date(t0).toISOString()} · ${ROWS.toLocaleString('en')} rows · ${RUNS} paired rounds`);
  if (tooling.installed.length) console.log(`installed for this run: ${tooling.installed.join(', ')}`);
  if (tooling.missing.length) console.log(`missing (their lines are skipped): ${tooling.missing.join(', ')}`);
}

function print(rows: Row[], latency: LatencyResult | undefined): void {
  const header = ['flow', 'tool', 'rows', 'MB', 'wall s median', 'wall s min–max', 'rows/s', 'peak RSS MB', 'ratio to C pipe (median)', 'ratio min–max'];
  const lines = rows.map((r) => r.skipped
    ? [r.flow, r.tool, '', '', `skipped: ${r.skipped}`, '', '', '', '', '']
    : [r.flow, r.tool, r.rows.toLocaleString('en'), r.mb.toFixed(0), r.seconds.toFixed(2), range(r.spread!, 2), Math.round(r.rowsPerSecond).toLocaleString('en'),
      r.peakRssMb?.toFixed(0) ?? '', r.ratioToPipe ? `${r.ratioToPipe.median.toFixed(2)}×` : '', r.ratioToPipe ? range(r.ratioToPipe, 2, '×') : '']);
  console.log('\n| ' + header.join(' | ') + ' |\n|' + header.map(() => '---').join('|') + '|');
  // a tool's name holds a shell pipe: escaped, it stays one markdown cell
  for (const l of lines) console.log('| ' + l.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ') + ' |');
  console.log('');
  for (const r of rows) if (r.ratioToPipe) console.log(['ratio', r.flow, r.tool, ...[r.ratioToPipe.median, r.ratioToPipe.min, r.ratioToPipe.max].map((x) => x.toFixed(3))].join('\t'));
  if (latency) {
    console.log(['latency', 'notify_to_claimed_ms', latency.p50Ms.toFixed(1), latency.p99Ms.toFixed(1)].join('\t'));
    console.log(['latency', 'notify_to_claimed_ms_busy', latency.busy.p50Ms.toFixed(1), latency.busy.p99Ms.toFixed(1)].join('\t'));
    console.log(`\nNOTIFY → claimed over ${latency.jobs} sequential jobs: p50 ${latency.p50Ms.toFixed(1)} ms, p99 ${latency.p99Ms.toFixed(1)} ms`);
    console.log(`the same while a ${ROWS.toLocaleString('en')}-row import runs on the sidecar, ${latency.busy.jobs} jobs: p50 ${latency.busy.p50Ms.toFixed(1)} ms, p99 ${latency.busy.p99Ms.toFixed(1)} ms`);
    console.log(`${latency.burst.jobs} concurrent small imports: all complete ${latency.burst.allComplete}, wall ${latency.burst.wallSeconds.toFixed(2)} s, longest queue wait ${latency.burst.maxQueueWaitSeconds.toFixed(2)} s`);
  }
}

await main();
