/**
 * Issue 12 with a PostGIS source (the postgres provider, binary COPY path): geography and
 * geometry columns in other SRIDs, the remote primary key as cartodb_id, and a table that already
 * follows CARTO's conventions. The source is another database with PostGIS on the test cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAndWait, startSidecar, type ImportStatus, type TestSidecar } from '../helpers/sidecar.js';
import { allowTargetAsSource, createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
let source: TargetDb;
let sidecar: TestSidecar;

beforeAll(async () => {
  [db, source] = await Promise.all([createTargetDb({ postgis: true }), createTargetDb({ postgis: true })]);
  await allowTargetAsSource(db);
  await source.query(`
    create table parcels (gid serial primary key, name text, geog geography(Point,4326), area geometry(Polygon,3857));
    insert into parcels (name, geog, area) values
      ('madrid', 'SRID=4326;POINT(-3.7038 40.4168)', st_transform('SRID=4326;POLYGON((0 0,1 0,1 1,0 0))'::geometry, 3857)),
      ('empty', null, null);
    create table carto_like (cartodb_id integer primary key, the_geom geometry(Geometry,4326), the_geom_webmercator geometry(Geometry,3857), label text);
    insert into carto_like values (5, 'SRID=4326;POINT(1 2)', st_transform('SRID=4326;POINT(1 2)'::geometry, 3857), 'five'),
                                  (9, null, null, 'nine');`);
  sidecar = await startSidecar(db);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), source?.drop()]);
});

async function imported(table: string): Promise<ImportStatus> {
  const url = new URL(source.url);
  const status = await importAndWait(db, { connector: { provider: 'postgres', connection: {
    server: url.hostname, port: Number(url.port), database: source.name, username: 'postgres', sslmode: 'disable',
  }, table } });
  expect(status.state, status.error_message ?? '').toBe('complete');
  return status;
}

async function columns(table: string): Promise<string[]> {
  const { rows } = await db.query(`select attname || ' ' || format_type(atttypid, atttypmod) as c from pg_attribute
    where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`, [table]);
  return rows.map((r) => r.c);
}

describe('PostGIS source', () => {
  it('turns a geography column into the_geom, keeps the source columns and reuses the primary key', async () => {
    const status = await imported('parcels');
    expect(status.warnings).toEqual([]);
    const log = await db.query(`select message from cdb_connectors.import_log where job_id = $1 order by ts`, [status.id]);
    expect(log.rows.map((r) => r.message)).toEqual(expect.arrayContaining([
      expect.stringMatching(/\(binary COPY\)$/),
      expect.stringMatching(/^CARTO columns: cartodb_id from the remote primary key gid; the_geom from the geography column geog;/),
    ]));
    expect(await columns('parcels')).toEqual([
      'cartodb_id bigint', 'gid integer', 'name text', 'geog geography(Point,4326)', 'area geometry(Polygon,3857)',
      'the_geom geometry(Geometry,4326)', 'the_geom_webmercator geometry(Geometry,3857)',
    ]);
    const { rows } = await db.query(`select cartodb_id::int, name, st_astext(the_geom) as g, st_asewkt(area) as area,
      st_distancesphere(st_transform(the_geom_webmercator, 4326), the_geom) < 0.01 as merc_ok from parcels order by gid`);
    expect(rows).toEqual([
      { cartodb_id: 1, name: 'madrid', g: 'POINT(-3.7038 40.4168)', area: expect.stringMatching(/^SRID=3857;POLYGON\(\(0 0,111319\.49/), merc_ok: true },
      { cartodb_id: 2, name: 'empty', g: null, area: null, merc_ok: null },
    ]);
    const idx = await db.query(`select indexname from pg_indexes where tablename = 'parcels' order by 1`);
    expect(idx.rows.map((r) => r.indexname)).toEqual(['parcels_pkey', 'parcels_the_geom_idx', 'parcels_the_geom_webmercator_idx']);
  });

  it('a table already in CARTO form keeps its ids and geometries; its web mercator column is not the source', async () => {
    const status = await imported('carto_like');
    expect(status.warnings).toEqual([]);
    expect(await columns('carto_like')).toEqual([
      'cartodb_id bigint', 'the_geom_webmercator_1 geometry(Geometry,3857)', 'label text',
      'the_geom geometry(Geometry,4326)', 'the_geom_webmercator geometry(Geometry,3857)',
    ]);
    const { rows } = await db.query(`select cartodb_id::int, label, st_asewkt(the_geom) as g,
      st_equals(the_geom_webmercator, the_geom_webmercator_1) as same_merc from carto_like order by cartodb_id`);
    expect(rows).toEqual([
      { cartodb_id: 5, label: 'five', g: 'SRID=4326;POINT(1 2)', same_merc: true },
      { cartodb_id: 9, label: 'nine', g: null, same_merc: null },
    ]);
    const next = await db.query(`insert into carto_like (label) values ('new') returning cartodb_id::int`);
    expect(next.rows).toEqual([{ cartodb_id: 10 }]);
  });
});
