import { startMariaDb } from '/work/main/test/servers/mariadb.ts';
import { startPostgres } from '/work/main/test/servers/postgres.ts';
import pg from 'pg';
const m = await startMariaDb();
const p = await startPostgres();
try {
  console.log(await m.sql(`create database x; use x;
    set names binary;
    create table t (id int, s varchar(10) character set utf8mb4, d double, f float, g geometry, j json);
    insert into t values (1, x'61eda080', 1.7976931348623157e308, 3.4028234e38, ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'), '{"a":"\\\\u0000"}');
    select id, hex(s), d, f, hex(g), j from t;
    select hex(ST_AsWKB(ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 1))')));
    insert into t (id, g) values (2, ST_GeomFromWKB(x'01030000000100000004000000000000000000000000000000000000000000000000000000000000000000F03F000000000000F03F000000000000F03F000000000000F03F0000000000000040'));
    select id, hex(g) from t where id = 2;
    `, 'mysql'));
  const c = new pg.Client(p.url); await c.connect();
  console.log((await c.query("select postgis_version()").catch(e=>({rows:[e.message]}))).rows);
  await c.query('create extension if not exists postgis').catch(e=>console.log(e.message));
  for (const v of ["1.7976931348623157e308::float8", "'1.79769313486232e308'::float8", "'SRID=0;01030000000100000004000000000000000000000000000000000000000000000000000000000000000000F03F000000000000F03F000000000000F03F000000000000F03F0000000000000040'::geometry"]) {
    console.log(v, await c.query(`select ${v} as v`).then(r=>r.rows[0].v, e=>[e.code, e.message]));
  }
  await c.end();
} finally { await m.stop(); await p.stop(); }
