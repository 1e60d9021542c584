import { startPostgres } from '/work/main/test/servers/postgres.ts';
import pg from 'pg';
const p = await startPostgres();
try {
  const c = new pg.Client(p.url); await c.connect();
  await c.query('create extension if not exists postgis');
  const wkb = (pts: number[][]) => { const b = Buffer.alloc(13 + pts.length * 16); b.writeUInt8(1,0); b.writeUInt32LE(3,1); b.writeUInt32LE(1,5); b.writeUInt32LE(pts.length,9); pts.forEach((p,i)=>{b.writeDoubleLE(p[0],13+16*i); b.writeDoubleLE(p[1],21+16*i);}); return b.toString('hex'); };
  for (const v of [`'SRID=4326;${wkb([[0,0],[1,0],[1,1],[0,1]])}'`, `'SRID=4326;${wkb([[0,0],[1,0]])}'`, `'SRID=4326;${wkb([[0,0],[1,0],[0,0]])}'`, "'POLYGON((0 0,1 0,1 1))'", "'SRID=4326;0103000000'", "'{\"a\":\"\\\\u0000\"}'::jsonb"]) {
    console.log(v.slice(0,60), await c.query(`select (${v})::geometry::text as v`.replace('::jsonb)::geometry', '::jsonb)')).then(r=>r.rows[0].v, e=>[e.code, e.message]));
  }
  await c.end();
} finally { await p.stop(); }
