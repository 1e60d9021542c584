import pg from 'pg';
import { Writable } from 'node:stream';
import { CopyOutStream } from '/work/main/src/providers/postgres/copy-out-stream.js';
import { CopyTextParser } from '/work/main/src/providers/postgres/text-copy-parser.js';
import { CopyTextEncoder } from '/work/main/src/load/copy-encoder.js';
import { startPostgres } from '/work/main/test/servers/postgres.js';

const server = await startPostgres();
try {
  const c = new pg.Client(server.url); await c.connect();
  await c.query(`create table items as select n as id, 'name-' || n as name, (array['Électronique', 'Bücher', '家具', 'Спорт', 'Jardín'])[1 + n % 5] as category,
    ((n * 137 % 10000000) / 100.0)::numeric(12,2) as price, n / 7e0 as score, (n % 1000)::int as qty, (n % 32000)::smallint as rank_no,
    timestamp '2020-01-01' + n * interval '1 second' as created_at, date '2020-01-01' + (n % 3650)::int as day, time '00:00' + (n % 86400) * interval '1 second' as at_time, n % 2 = 1 as active,
    -90 + (n % 180000) / 1000e0 as lat, -180 + (n % 360000) / 1000e0 as lon,
    case when n % 10 = 0 then null else 'note ' || n || E'\\t"quoted" ''single'' — ünïcödé ✓ ' || repeat('x', (n % 40)::int) end as note
  from generate_series(1, 1000000) n`);
  const chunks: Buffer[] = [];
  const s = new CopyOutStream('copy (select * from items) to stdout');
  c.query(s as any);
  for await (const ch of s) chunks.push(ch as Buffer);
  console.log('bytes', chunks.reduce((a, b) => a + b.length, 0));
  for (let run = 0; run < 4; run++) {
    let t0 = process.hrtime.bigint();
    let n = 0;
    const p0 = new CopyTextParser(14, () => { n++; return true; });
    for (const ch of chunks) p0.push(ch);
    const parseOnly = Number(process.hrtime.bigint() - t0) / 1e6;
    t0 = process.hrtime.bigint();
    const enc = new CopyTextEncoder(new Writable({ write(_c, _e, cb) { cb(); } }), { maxRows: 1e9, columnCount: 14 });
    const p = new CopyTextParser(14, (row) => { enc.write(row); return true; });
    for (const ch of chunks) p.push(ch);
    const parseEncode = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log({ n, parseOnly, parseEncode });
  }
  await c.end();
} finally { await server.stop(); }
