/**
 * Issue 12 with Hive (no spatial types, no primary keys): WKT in a STRING column named geom and a
 * latitude/longitude pair become the_geom; an integer column named ogc_fid becomes cartodb_id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localHiveServerFactory, type HiveTestServer } from '../providers/hive/server-factory.js';
import { importAndWait, startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
let hive: HiveTestServer;
let sidecar: TestSidecar;

beforeAll(async () => {
  [db, hive] = await Promise.all([createTargetDb({ postgis: true }), localHiveServerFactory('PLAIN').start()]);
  sidecar = await startSidecar(db);
  await hive.loadFixture(`
    CREATE TABLE parks (ogc_fid INT, name STRING, geom STRING);
    INSERT INTO parks VALUES (3, 'retiro', 'POLYGON((-3.69 40.41, -3.68 40.41, -3.68 40.42, -3.69 40.41))'), (4, 'nowhere', 'not a geometry');
    CREATE TABLE pings (device STRING, latitude DOUBLE, longitude DOUBLE);
    INSERT INTO pings VALUES ('a', 51.5, -0.12), ('b', -91.0, 0.0);
  `);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), hive?.stop()]);
});

const connector = (table: string) => ({ connector: { provider: 'hive', connection: { server: hive.host, port: hive.port, database: 'default', username: hive.user, password: hive.password }, table } });

describe('Hive to a CARTO table', () => {
  it('reads WKT from a STRING column named geom, cartodb_id from ogc_fid', async () => {
    const s = await importAndWait(db, connector('parks'));
    expect(s.state, s.error_message ?? '').toBe('complete');
    expect(s.warnings.map((w) => w.code)).toEqual(['invalid_geometries']);
    const { rows } = await db.query('select cartodb_id::int, name, geom, st_astext(the_geom) as g, st_srid(the_geom_webmercator) as m from parks order by cartodb_id');
    expect(rows).toEqual([
      { cartodb_id: 3, name: 'retiro', geom: 'POLYGON((-3.69 40.41, -3.68 40.41, -3.68 40.42, -3.69 40.41))', g: 'POLYGON((-3.69 40.41,-3.68 40.41,-3.68 40.42,-3.69 40.41))', m: 3857 },
      { cartodb_id: 4, name: 'nowhere', geom: 'not a geometry', g: null, m: null },
    ]);
  });

  it('makes points from latitude/longitude DOUBLE columns', async () => {
    const s = await importAndWait(db, connector('pings'));
    expect(s.state, s.error_message ?? '').toBe('complete');
    expect(s.warnings).toEqual([{ code: 'invalid_geometries', message: expect.stringMatching(/^1 value\(s\) of latitude\/longitude /) }]);
    const { rows } = await db.query('select cartodb_id::int, device, st_astext(the_geom) as g from pings order by device');
    expect(rows).toEqual([{ cartodb_id: 1, device: 'a', g: 'POINT(-0.12 51.5)' }, { cartodb_id: 2, device: 'b', g: null }]);
  });
});
