import { startPostgres } from '/work/main/test/servers/postgres.ts';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { RejectingCopy } from '/work/main/src/load/reject-batches.ts';
import { textRowFraming } from '/work/main/src/load/copy-rows.ts';
import { RejectLog } from '/work/main/src/load/reject-log.ts';
import { drained } from '/work/main/src/load/drained.ts';
const p = await startPostgres();
const ROWS = 1_000_000;
const chunks: Buffer[] = []; let cur: string[] = []; let size = 0;
for (let i = 1; i <= ROWS; i++) { const line = `${i % 100000 === 50000 ? 'bad' : i}\tname-${i}\tcat\t${(i*137%10000000)/100}\t${i/7}\t${i%1000}\t2020-01-01 00:00:00\tnote ${i} ünïcödé ${'x'.repeat(i%40)}\n`; cur.push(line); size += line.length; if (size > 256*1024) { chunks.push(Buffer.from(cur.join(''))); cur = []; size = 0; } }
chunks.push(Buffer.from(cur.join('')));
const DDL = 'id bigint, name text, cat text, price numeric(12,2), score float8, qty int, at timestamp, note text';
const c = new pg.Client(p.url); await c.connect();
async function run(kind: string, batch?: number) {
  await c.query('begin'); await c.query(`create table t (${DDL})`);
  const t0 = process.hrtime.bigint();
  let out: any;
  if (kind === 'plain') out = c.query(copyFrom('copy t from stdin with (freeze)'));
  else out = new RejectingCopy(c, { table: 't', copySql: 'copy t from stdin', columns: [], framing: textRowFraming, rejects: new RejectLog({ maxRejects: 10 }, { write: async () => {} }, { importId: 'x', sync: false }), batchBytes: batch });
  const done = new Promise((res, rej) => { out.on('finish', res); out.on('error', rej); });
  for (const ch of chunks) if (!out.write(ch)) await drained(out);
  out.end(); await done;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await c.query('rollback');
  return ms;
}
const res: Record<string, number[]> = {};
for (let r = 0; r < 5; r++) for (const [k, b] of [['reject-2M', 2<<20], ['reject-8M', 8<<20], ['reject-32M', 32<<20]] as const) { (res[k] ??= []).push(await run(k.startsWith('plain') ? 'plain' : 'rej', b as number)); }
for (const [k, v] of Object.entries(res)) console.log(k, v.map(x=>x.toFixed(0)).join(' '), 'median', [...v].sort((a,b)=>a-b)[2].toFixed(0));
await c.end(); await p.stop();
