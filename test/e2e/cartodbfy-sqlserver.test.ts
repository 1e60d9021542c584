/**
 * Issue 12 with SQL Server geometry and geography through the TDS test server (whose backing
 * PostgreSQL stores them with PostGIS and answers `.STAsBinary()` / `.STSrid` with PostGIS's WKB
 * and SRID, test/servers/tds/spatial.ts): the provider reads `SRID=n;<hex WKB>` computed by the
 * remote, the target turns it into the_geom.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tdsTestServer, type SqlServerUnderTest } from '../providers/sqlserver/server.js';
import { importAndWait, startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
let ms: SqlServerUnderTest;
let sidecar: TestSidecar;

beforeAll(async () => {
  [db, ms] = await Promise.all([createTargetDb({ postgis: true }), tdsTestServer.start({ postgis: true })]);
  sidecar = await startSidecar(db);
  await ms.loadFixture(`
    create table dbo.sites (site_id int primary key, name nvarchar(20), shape geometry, spot geography);
    insert into dbo.sites values (1, N'merc', geometry::STGeomFromText('POLYGON((0 0, 222638.98 0, 222638.98 111325.14, 0 0))', 3857),
      geography::STGeomFromText('POINT(-3.7038 40.4168)', 4326));
    insert into dbo.sites values (2, N'none', null, null);
  `);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), ms?.stop()]);
});

const connection = () => ({ server: ms.host, port: ms.port, database: ms.database, username: ms.user, password: ms.password, encrypt: false });

describe('SQL Server spatial columns', () => {
  it('reads geometry and geography as WKB + SRID; the first spatial column makes the_geom', async () => {
    const s = await importAndWait(db, { connector: { provider: 'sqlserver', connection: connection(), table: 'sites' } });
    expect(s.state, s.error_message ?? '').toBe('complete');
    expect(s.warnings).toEqual([]);
    const cols = await db.query(`select attname || ' ' || format_type(atttypid, atttypmod) as c from pg_attribute
      where attrelid = 'sites'::regclass and attnum > 0 and not attisdropped order by attnum`);
    expect(cols.rows.map((r) => r.c)).toEqual(['cartodb_id bigint', 'site_id integer', 'name character varying(20)', 'shape geometry', 'spot geometry',
      'the_geom geometry(Geometry,4326)', 'the_geom_webmercator geometry(Geometry,3857)']);
    const { rows } = await db.query(`select cartodb_id::int, st_asewkt(spot) as spot, st_srid(shape) as shape_srid,
      st_astext(the_geom, 4) as g from sites order by site_id`);
    expect(rows).toEqual([
      { cartodb_id: 1, spot: 'SRID=4326;POINT(-3.7038 40.4168)', shape_srid: 3857, g: 'POLYGON((0 0,2 0,2 1,0 0))' },
      { cartodb_id: 2, spot: null, shape_srid: null, g: null },
    ]);
  });

  it('a sql_query with a geography column runs as a derived table that converts it remotely', async () => {
    const s = await importAndWait(db, { connector: { provider: 'sqlserver', connection: connection(), import_as: 'spots',
      sql_query: 'SELECT name, spot FROM dbo.sites WHERE site_id = 1' } });
    expect(s.state, s.error_message ?? '').toBe('complete');
    expect((await db.query('select name, st_astext(the_geom) as g from spots')).rows).toEqual([{ name: 'merc', g: 'POINT(-3.7038 40.4168)' }]);
  });
});
