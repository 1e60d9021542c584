/**
 * Issue 12 at the load level (no remote, no sidecar): a CARTO table loaded with beginNewTable
 * into a target whose PostGIS lives in a schema off the search_path; nothing left behind by a
 * committed or an aborted load; the trigger that serves user edits computes exactly what the load
 * computed, including the clipping at web mercator's ±85.0511° edge.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CartoTable } from '../../src/load/cartodbfy-table.js';
import { planCartoTable } from '../../src/load/cartodbfy-plan.js';
import { beginNewTable } from '../../src/load/strategies/new-table.js';
import type { SourcePlan } from '../../src/rows/plan.js';
import type { CopyValue } from '../../src/rows/sink.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
const POSTGIS = { schema: 'gis', version: 'test' };

beforeAll(async () => {
  db = await createTargetDb();
  await db.query('create schema gis; create extension postgis schema gis');
});

afterAll(async () => {
  await db?.drop();
});

const plan = (columns: Array<[string, string]>, primaryKey?: string): SourcePlan => ({
  columns: columns.map(([remoteName, localType]) => ({ remoteName, remoteType: localType, localType })),
  skipped: [],
  ...(primaryKey ? { primaryKey } : {}),
});

/** Loads rows as the load of an import does; `abort` stops after the COPY instead of committing. */
async function load(name: string, source: SourcePlan, rows: CopyValue[][], opts: { abort?: boolean } = {}) {
  const carto = new CartoTable(planCartoTable(source, 63), POSTGIS);
  const client: pg.PoolClient = await db.pool.connect();
  try {
    const l = await beginNewTable(client, {
      schema: 'public', owner: 'postgres', columns: carto.columns, maxRows: 1000, stagingName: `stg_${name}`, format: 'text', carto,
    });
    if (l.sink.format !== 'text') throw new Error('text sink expected');
    for (const row of rows) l.sink.encoder.write(row);
    if (opts.abort) {
      await l.abort(new Error('test abort'));
      return { carto, table: undefined };
    }
    await l.endCopy();
    const table = await l.commit(name, async () => undefined);
    return { carto, table };
  } finally {
    client.release();
  }
}

const leftoverFunctions = async () => (await db.query(`select count(*)::int as n from pg_proc where proname like 'cdb_carto_%'`)).rows[0].n;

describe('CARTO load', () => {
  it('works with PostGIS in a schema that is not on the search_path', async () => {
    const { carto, table } = await load('trips', plan([['id', 'integer'], ['lat', 'double precision'], ['lon', 'double precision']], 'id'),
      [['1', '40.4168', '-3.7038'], ['2', '95', '0'], ['3', null, null]]);
    expect(table).toBe('trips');
    expect(carto.warnings().map((w) => w.code)).toEqual(['invalid_geometries']);
    const { rows } = await db.query(`select cartodb_id::int, gis.st_astext(the_geom) as g, gis.st_srid(the_geom_webmercator) as m from trips order by id`);
    expect(rows).toEqual([{ cartodb_id: 1, g: 'POINT(-3.7038 40.4168)', m: 3857 }, { cartodb_id: 2, g: null, m: null }, { cartodb_id: 3, g: null, m: null }]);
    const types = await db.query(`select format_type(atttypid, atttypmod) as t from pg_attribute where attrelid = 'trips'::regclass and attname like 'the_geom%' order by attnum`);
    expect(types.rows).toEqual([{ t: 'gis.geometry(Geometry,4326)' }, { t: 'gis.geometry(Geometry,3857)' }]);
    // An edit through the trigger, with a search_path that does not know PostGIS.
    await db.query(`set search_path = public; update trips set the_geom = gis.st_geomfromtext('POINT(1 1)', 4326) where id = 3`);
    const edited = await db.query(`select gis.st_astext(gis.st_snaptogrid(the_geom_webmercator, 0.01)) as m from trips where id = 3`);
    expect(edited.rows).toEqual([{ m: 'POINT(111319.49 111325.14)' }]);
    expect(await leftoverFunctions()).toBe(0);
    const staged = await db.query(`select count(*)::int as n from pg_class where relname like 'stg_%'`);
    expect(staged.rows).toEqual([{ n: 0 }]);
  });

  it('an aborted load leaves no table and no helper function', async () => {
    await load('aborted', plan([['wkt', 'text']]), [['POINT(1 2)']], { abort: true });
    expect((await db.query(`select to_regclass('aborted') as a, to_regclass('stg_aborted') as s`)).rows).toEqual([{ a: null, s: null }]);
    expect(await leftoverFunctions()).toBe(0);
  });

  it('the edit trigger computes the same web mercator geometry as the load, clipping at ±85.0511°', async () => {
    const shapes = [
      'POINT(10 20)', 'POINT(-180 85.05)', 'POINT(0 86)', 'POINT(0 -90)',
      'LINESTRING(0 80, 0 89)', 'POLYGON((-10 80,10 80,10 88,-10 88,-10 80))', 'MULTIPOINT((1 1),(2 89))',
      'GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,1 1))', 'POINT EMPTY',
    ];
    const { table } = await load('edges', plan([['label', 'text'], ['wkt', 'text']]), shapes.map((wkt, i) => [`s${i}`, wkt]));
    await db.query(`insert into ${table} (label, the_geom) select label || '_edited', the_geom from ${table}`);
    const { rows } = await db.query(`select l.label, gis.st_astext(l.the_geom_webmercator, 3) as merc,
        gis.st_equals(gis.st_snaptogrid(l.the_geom_webmercator, 0.001), gis.st_snaptogrid(e.the_geom_webmercator, 0.001))
          or (gis.st_isempty(l.the_geom_webmercator) and gis.st_isempty(e.the_geom_webmercator)) as same
      from ${table} l join ${table} e on e.label = l.label || '_edited' order by l.cartodb_id`);
    expect(rows.map((r) => r.same)).toEqual(shapes.map(() => true));
    expect(rows.map((r) => r.merc)).toEqual([
      'POINT(1113194.908 2273030.927)', 'POINT(-20037508.343 20036051.919)', 'POINT EMPTY', 'POINT EMPTY',
      'LINESTRING(0 15538711.096,0 20037508.343)',
      'POLYGON((1113194.908 15538711.096,-1113194.908 15538711.096,-1113194.908 20037508.343,1113194.908 20037508.343,1113194.908 15538711.096))',
      'POINT(111319.491 111325.143)', 'GEOMETRYCOLLECTION(POINT(111319.491 111325.143),LINESTRING(0 0,111319.491 111325.143))', 'POINT EMPTY',
    ]);
  });
});
