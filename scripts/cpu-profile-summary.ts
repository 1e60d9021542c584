/**
 * Where a sidecar's time went, by stage (issue 21 item 6), from a V8 .cpuprofile written by
 * `BENCH_SIDECAR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench -- --only mysql --tools bridge --runs 1`:
 *
 *   npx tsx scripts/cpu-profile-summary.ts /tmp/prof/CPU.*.cpuprofile
 *
 * Self time of every sample is put in the stage of its function's file: remote read (the
 * driver and the provider's readers), convert (src/rows/ and the load's COPY encoder), COPY
 * framing and target socket (pg, pg-copy-streams, src/load/ otherwise), node internals (streams,
 * net, Buffer), GC, and idle (waiting on a socket: the remote or the target is the bottleneck).
 * Target ingest itself happens in the PostgreSQL server and shows here as idle.
 */
import fs from 'node:fs';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const STAGES: Array<[string, (url: string, fn: string) => boolean]> = [
  ['idle (waiting on a socket)', (url, fn) => fn === '(idle)'],
  ['V8 (program: compiling, runtime)', (url, fn) => fn === '(program)'],
  ['garbage collection', (url, fn) => fn === '(garbage collector)'],
  ['remote read: driver', (url) => /node_modules\/(mysql2|tedious|hive-driver|thrift)\//.test(url)],
  ['remote read: provider', (url) => /\/(?:src|dist)\/providers\//.test(url)],
  ['convert (rows → COPY text/binary)', (url) => /\/(?:src|dist)\/rows\/|\/(?:src|dist)\/load\/copy-encoder/.test(url)],
  ['COPY framing and target socket', (url) => /node_modules\/(pg|pg-protocol|pg-copy-streams|pg-pool)\/|\/(?:src|dist)\/load\//.test(url)],
  ['sidecar (job, logs, progress)', (url) => /\/(?:src|dist)\//.test(url)],
  ['node internals (streams, net, Buffer)', (url) => url.startsWith('node:') || url === ''],
];

function stageOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  return STAGES.find(([, test]) => test(url, functionName))?.[0] ?? 'other (tsx, pino, modules)';
}

function summarize(file: string): void {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const stage = stageOf(byId.get(id)!);
    totals.set(stage, (totals.get(stage) ?? 0) + us);
    all += us;
  });
  console.log(`${file}: ${(all / 1e6).toFixed(2)} s sampled`);
  console.log('| stage | seconds | share |\n|---|---|---|');
  for (const [stage, us] of [...totals].sort((a, b) => b[1] - a[1])) {
    console.log(`| ${stage} | ${(us / 1e6).toFixed(2)} | ${((100 * us) / all).toFixed(1)} % |`);
  }
}

for (const file of process.argv.slice(2)) summarize(file);
