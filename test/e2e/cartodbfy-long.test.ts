/**
 * Issue 12, measured: what the CARTO columns cost on a 1,000,000-row import (PostgreSQL source,
 * binary COPY path) — the same table with cartodbfy "off", with a latitude/longitude pair, and
 * with WKT text (the parse runs in a PL/pgSQL function with an exception block per value).
 * Opt-in (CDB_LONG_TESTS=1): three million-row loads take most of a minute on 2 cores. The
 * numbers are printed for the README.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAndWait, startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

const ROWS = 1_000_000;
const LONG = process.env.CDB_LONG_TESTS === '1';

let db: TargetDb;
let source: TargetDb;
let sidecar: TestSidecar;

beforeAll(async () => {
  if (!LONG) return;
  [db, source] = await Promise.all([createTargetDb({ postgis: true }), createTargetDb()]);
  await source.query(`create table big as
    select i as id, 'name ' || i as name, round((random() * 170 - 85)::numeric, 6)::float8 as lat, round((random() * 360 - 180)::numeric, 6)::float8 as lon
      from generate_series(1, ${ROWS}) as i;
    alter table big add primary key (id);
    create view big_wkt as select id, name, format('POINT(%s %s)', lon, lat) as wkt from big;`);
  sidecar = await startSidecar(db);
}, 300_000);

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), source?.drop()]);
});

async function timedImport(table: string, importAs: string): Promise<number> {
  const url = new URL(source.url);
  const status = await importAndWait(db, { connector: { provider: 'postgres', import_as: importAs, table, connection: {
    server: url.hostname, port: Number(url.port), database: source.name, username: 'postgres', sslmode: 'disable' } } }, { timeoutMs: 300_000 });
  expect(status.state, status.error_message ?? '').toBe('complete');
  expect(status.rows_imported).toBe(ROWS);
  const { rows } = await db.query('select extract(epoch from finished_at - started_at)::float8 as s from cdb_connectors.imports where id = $1', [status.id]);
  return rows[0].s;
}

describe.skipIf(!LONG)('1,000,000-row import with CARTO columns', () => {
  it('measures plain, lat/lon and WKT loads', async () => {
    await db.query(`update cdb_connectors.settings set value = '"off"' where name = 'cartodbfy'`);
    const plain = await timedImport('big', 'big_plain');
    await db.query(`update cdb_connectors.settings set value = '"auto"' where name = 'cartodbfy'`);
    const latlon = await timedImport('big', 'big_latlon');
    const wkt = await timedImport('big_wkt', 'big_wkt');
    const check = await db.query(`select count(the_geom)::int as geoms, count(*) filter (where the_geom_webmercator is null)::int as no_merc,
      (select count(*)::int from pg_indexes where tablename = 'big_latlon') as indexes from big_latlon`);
    expect(check.rows).toEqual([{ geoms: ROWS, no_merc: 0, indexes: 3 }]);
    const sizes = await db.query(`select pg_size_pretty(pg_total_relation_size('big_plain')) as plain, pg_size_pretty(pg_total_relation_size('big_latlon')) as latlon`);
    console.log(`cartodbfy, ${ROWS} rows: plain ${plain.toFixed(1)} s, lat/lon ${latlon.toFixed(1)} s, WKT ${wkt.toFixed(1)} s; sizes`, sizes.rows[0]);
  }, 600_000);
});
