/**
 * Change capture (issue 23, SPEC §16), per source (the bench's PostgreSQL remote, wal_level
 * logical; a MariaDB of its own with a row binlog):
 *   - continuous latency: a "continuous": true sync, then --latency samples one after the other,
 *     each an INSERT committed at the source and polled for in the target every 5 ms: remote
 *     commit → visible in the target, p50 / p90 / max (SPEC §16: p50 ≤ 2 s);
 *   - a bounded run applying --changes updated rows (one UPDATE per 1,000 rows, committed), --runs
 *     times: seconds, changes/s and the sidecar's peak RSS (memory must not grow with changes).
 * The sidecar is one process for the whole flow.
 *
 *   npm run bench -- --only cdc [--runs 5] [--changes 100000] [--latency 30]
 */
import mysql from 'mysql2/promise';
import type { MariaDbServer } from '../test/servers/mariadb.js';
import { median, peakRssMb, sql, startSidecarProcess, stopProcess } from './tools.js';

export interface CdcSourceResult {
  source: 'postgres' | 'mysql';
  latencyMs: { samples: number; p50: number; p90: number; max: number };
  /** Per bounded run of `changes` changes. */
  runs: Array<{ seconds: number; changesPerSecond: number }>;
  changes: number;
}

export interface CdcResult {
  sources: CdcSourceResult[];
  peakRssMb: number;
}

interface Source {
  name: 'postgres' | 'mysql';
  exec(text: string): Promise<unknown>;
  connection: Record<string, unknown>;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function waitForSync(targetUrl: string, id: string, previous: string | null): Promise<void> {
  for (;;) {
    const { rows: [s] } = await sql(targetUrl, 'select state, last_import_id::text as job, error_message from cdb_connectors.syncs where id = $1', [id]);
    if (s.job !== previous && s.state === 'success') return;
    if (s.job !== previous && s.state === 'failure') throw new Error(`cdc run failed: ${s.error_message}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function measureSource(targetUrl: string, src: Source, opts: { runs: number; changes: number; latency: number }): Promise<CdcSourceResult> {
  const t = `cdc_${src.name}`;
  await src.exec(`drop table if exists ${t}_live; drop table if exists ${t}_bulk;
    create table ${t}_live (id int primary key, at varchar(40)); create table ${t}_bulk (id int primary key, v int)`);
  await src.exec(src.name === 'postgres'
    ? `insert into ${t}_bulk select g, 0 from generate_series(1, ${opts.changes}) g`
    : `insert into ${t}_bulk select seq, 0 from seq_1_to_${opts.changes}`);
  const create = async (table: string, extra: Record<string, unknown>) => {
    const { rows: [r] } = await sql(targetUrl, 'select cdb_connector_sync($1::jsonb) as s', [JSON.stringify({
      connector: { provider: src.name, connection: src.connection, table, mode: 'cdc', ...extra }, interval: 86400 })]);
    await waitForSync(targetUrl, r.s.id, null);
    return r.s.id as string;
  };
  const live = await create(`${t}_live`, { continuous: true });
  const latencies: number[] = [];
  for (let i = 1; i <= opts.latency; i++) {
    const t0 = performance.now();
    await src.exec(`insert into ${t}_live values (${i}, 'x')`);
    for (;;) {
      const { rows } = await sql(targetUrl, `select 1 from public.${t}_live where id = $1`, [i]);
      if (rows.length > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    latencies.push(performance.now() - t0);
  }
  await sql(targetUrl, 'select cdb_connector_unsync($1)', [live]);
  const bulk = await create(`${t}_bulk`, {});
  const runs: CdcSourceResult['runs'] = [];
  for (let i = 1; i <= opts.runs; i++) {
    for (let from = 1; from <= opts.changes; from += 1000) {
      await src.exec(`update ${t}_bulk set v = ${i} where id between ${from} and ${from + 999}`);
    }
    const { rows: [before] } = await sql(targetUrl, 'select last_import_id::text as job from cdb_connectors.syncs where id = $1', [bulk]);
    await sql(targetUrl, 'select cdb_connector_sync_now($1)', [bulk]);
    await waitForSync(targetUrl, bulk, before.job);
    const { rows: [job] } = await sql(targetUrl, `select rows_fetched::int as n, rows_updated::int as u, extract(epoch from finished_at - started_at)::float8 as s
      from cdb_connectors.jobs where sync_id = $1 order by created_at desc limit 1`, [bulk]);
    if (job.n !== opts.changes || job.u !== opts.changes) throw new Error(`run ${i} applied ${job.n} changes (${job.u} updates), expected ${opts.changes}`);
    const { rows: [check] } = await sql(targetUrl, `select count(*)::int as n from public.${t}_bulk where v = $1`, [i]);
    if (check.n !== opts.changes) throw new Error(`run ${i}: ${check.n} rows carry the new value, expected ${opts.changes}`);
    runs.push({ seconds: job.s, changesPerSecond: opts.changes / job.s });
    console.log(`      cdc ${src.name}: run ${i} ${opts.changes} changes in ${job.s.toFixed(2)} s`);
  }
  await sql(targetUrl, 'select cdb_connector_unsync($1)', [bulk]);
  return { source: src.name, changes: opts.changes, runs,
    latencyMs: { samples: latencies.length, p50: pct(latencies, 50), p90: pct(latencies, 90), max: Math.max(...latencies) } };
}

export async function measureCdc(targetUrl: string, remotePgUrl: string, remotePgPort: number, maria: MariaDbServer,
  opts: { runs: number; changes: number; latency: number }): Promise<CdcResult> {
  await sql(targetUrl, `update cdb_connectors.settings set value = '${Math.max(opts.changes * 2, 1_000_000)}' where name = 'max_rows'`);
  const child = await startSidecarProcess(targetUrl, { CONNECTOR_CONCURRENCY: '2' });
  const my = await mysql.createConnection({ host: '127.0.0.1', port: maria.port, user: 'root', multipleStatements: true });
  try {
    await my.query('create database if not exists bench_cdc; use bench_cdc');
    const sources: Source[] = [
      { name: 'postgres', exec: (text) => sql(remotePgUrl, text), connection: { server: '127.0.0.1', port: remotePgPort, database: 'postgres', username: 'postgres', sslmode: 'disable' } },
      { name: 'mysql', exec: (text) => my.query(text), connection: { server: '127.0.0.1', port: maria.port, database: 'bench_cdc', username: 'root', password: '' } },
    ];
    // the throwaway servers run with synchronous_commit off, and logical decoding sees only flushed
    // WAL: a run would leave the last commits to the next one (docs/providers/postgres.md#change-capture)
    await sql(remotePgUrl, 'alter system set synchronous_commit = on');
    await sql(remotePgUrl, 'select pg_reload_conf()');
    const results: CdcSourceResult[] = [];
    for (const src of sources) results.push(await measureSource(targetUrl, src, opts));
    return { sources: results, peakRssMb: peakRssMb(child.pid!) };
  } finally {
    await my.end();
    await stopProcess(child);
  }
}

export function printCdc(r: CdcResult): void {
  console.log(`\nchange capture: one sidecar process, peak RSS ${r.peakRssMb.toFixed(0)} MB over the whole flow`);
  const header = ['source', 'continuous latency ms p50 / p90 / max (samples)', 'bounded run: changes', 's median (min–max)', 'changes/s median'];
  console.log('\n| ' + header.join(' | ') + ' |\n|' + header.map(() => '---').join('|') + '|');
  for (const s of r.sources) {
    const secs = s.runs.map((x) => x.seconds);
    console.log('| ' + [s.source, `${s.latencyMs.p50.toFixed(0)} / ${s.latencyMs.p90.toFixed(0)} / ${s.latencyMs.max.toFixed(0)} (${s.latencyMs.samples})`,
      s.changes.toLocaleString('en'), `${median(secs).toFixed(2)} (${Math.min(...secs).toFixed(2)}–${Math.max(...secs).toFixed(2)})`,
      median(s.runs.map((x) => x.changesPerSecond)).toFixed(0)].join(' | ') + ' |');
  }
}
