/**
 * Issue 12 end to end on MariaDB into a PostGIS target: spatial columns with SRIDs 4326 and 3857,
 * latitude/longitude pairs with bad values, WKT/GeoJSON text, cartodb_id from the remote key,
 * GiST indexes, the web mercator twin (also after user edits, through the trigger), and a sync
 * refresh that keeps cartodb_id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { importAndWait, type ImportStatus, type TestSidecar } from '../helpers/sidecar.js';
import { createSync, runSyncNow, startSyncSidecar, waitForSyncRun } from '../helpers/sync.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { roleFactory, type TestRole } from '../sql/helpers.js';

let db: TargetDb;
let my: MysqlDb;
let sidecar: TestSidecar;
let roles: ReturnType<typeof roleFactory>;
/** A plain API user: the table, its key sequence, indexes and triggers are created as this role. */
let alice: TestRole;

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb({ postgis: true }), createMysqlDb()]);
  roles = roleFactory(db);
  alice = await roles.create('alice', 'cdb_connector_user');
  await db.query(`grant create on schema public to "${alice.name}"`);
  sidecar = await startSyncSidecar(db);
});

afterAll(async () => {
  await sidecar?.stop();
  await my?.drop();
  await roles?.cleanup();
});

const params = (extra: Record<string, unknown>) => ({ connector: { provider: 'mysql', connection: my.connection(), ...extra } });

async function imported(extra: Record<string, unknown>, as?: TestRole): Promise<ImportStatus> {
  const status = await importAndWait(db, params(extra), as ? { url: db.urlAs(as.name) } : {});
  expect(status.state, status.error_message ?? '').toBe('complete');
  return status;
}

async function columnsOf(table: string): Promise<Array<{ name: string; type: string; notnull: boolean; identity: string }>> {
  const { rows } = await db.query(
    `select attname as name, format_type(atttypid, atttypmod) as type, attnotnull as notnull, attidentity as identity from pg_attribute
      where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`, [table]);
  return rows;
}

async function indexesOf(table: string): Promise<string[]> {
  const { rows } = await db.query('select indexdef from pg_indexes where tablename = $1 order by indexname', [table]);
  return rows.map((r) => r.indexdef.replace(/^CREATE (UNIQUE )?INDEX \S+ ON \S+ /, ''));
}

/** Rows where the_geom_webmercator is not the_geom in web mercator (to 1 mm). */
async function mercatorMismatches(table: string): Promise<number> {
  const { rows } = await db.query(`select count(*)::int as n from "${table}"
    where the_geom is not null and not st_equals(st_snaptogrid(the_geom_webmercator, 0.001), st_snaptogrid(st_transform(the_geom, 3857), 0.001))`);
  return rows[0].n;
}

describe('MySQL spatial columns', () => {
  it('imports POINT and POLYGON with SRIDs 4326 and 3857 into the_geom (4326) and the_geom_webmercator', async () => {
    await my.exec(`create table places (id int primary key, name varchar(20), geom geometry not null) engine=InnoDB;
      insert into places values
        (10, 'madrid', ST_GeomFromText('POINT(-3.7038 40.4168)', 4326)),
        (20, 'square', ST_GeomFromText('POLYGON((0 0, 2 0, 2 1, 0 1, 0 0))', 4326)),
        (30, 'merc', ST_GeomFromText('POINT(-412305.13 4926696.67)', 3857)),
        (40, 'mercpoly', ST_GeomFromText('POLYGON((0 0, 222638.98 0, 222638.98 111325.14, 0 111325.14, 0 0))', 3857)),
        (50, 'nosrid', ST_GeomFromText('POINT(10 20)'));`);
    const status = await imported({ table: 'places' });
    expect(status.rows_imported).toBe(5);
    expect(status.warnings).toEqual([]);
    expect(await columnsOf('places')).toEqual([
      { name: 'cartodb_id', type: 'bigint', notnull: true, identity: 'd' },
      { name: 'id', type: 'integer', notnull: false, identity: '' },
      { name: 'name', type: 'character varying(20)', notnull: false, identity: '' },
      { name: 'geom', type: 'geometry', notnull: false, identity: '' },
      { name: 'the_geom', type: 'geometry(Geometry,4326)', notnull: false, identity: '' },
      { name: 'the_geom_webmercator', type: 'geometry(Geometry,3857)', notnull: false, identity: '' },
    ]);
    const { rows } = await db.query(`select cartodb_id::int, name, st_srid(geom) as srid, st_astext(st_snaptogrid(the_geom, 0.0001)) as g,
      st_srid(the_geom) as g_srid, st_srid(the_geom_webmercator) as m_srid from places order by cartodb_id`);
    expect(rows).toEqual([
      { cartodb_id: 10, name: 'madrid', srid: 4326, g: 'POINT(-3.7038 40.4168)', g_srid: 4326, m_srid: 3857 },
      { cartodb_id: 20, name: 'square', srid: 4326, g: 'POLYGON((0 0,2 0,2 1,0 1,0 0))', g_srid: 4326, m_srid: 3857 },
      { cartodb_id: 30, name: 'merc', srid: 3857, g: 'POINT(-3.7038 40.4168)', g_srid: 4326, m_srid: 3857 },
      { cartodb_id: 40, name: 'mercpoly', srid: 3857, g: 'POLYGON((0 0,2 0,2 1,0 1,0 0))', g_srid: 4326, m_srid: 3857 },
      { cartodb_id: 50, name: 'nosrid', srid: 0, g: 'POINT(10 20)', g_srid: 4326, m_srid: 3857 },
    ]);
    expect(await mercatorMismatches('places')).toBe(0);
    expect(await indexesOf('places')).toEqual([
      'USING btree (cartodb_id)', 'USING gist (the_geom)', 'USING gist (the_geom_webmercator)',
    ]);
    const names = await db.query(`select indexname from pg_indexes where tablename = 'places' order by 1`);
    expect(names.rows.map((r) => r.indexname)).toEqual(['places_pkey', 'places_the_geom_idx', 'places_the_geom_webmercator_idx']);
    const seq = await db.query(`select pg_get_serial_sequence('places', 'cartodb_id') as s`);
    expect(seq.rows[0].s).toBe('public.places_cartodb_id_seq');
  });

  it('reads spatial columns of a sql_query too, and a non-source the_geom_webmercator gets a suffixed name', async () => {
    await my.exec(`create table shapes (code varchar(5), the_geom_webmercator point, shape linestring);
      insert into shapes values ('a', ST_GeomFromText('POINT(1 1)', 3857), ST_GeomFromText('LINESTRING(0 0, 1 1)', 4326)),
                                ('b', null, null);`);
    const status = await imported({ sql_query: 'select code, shape, the_geom_webmercator from shapes order by code', import_as: 'shapes_q' });
    expect(status.warnings).toEqual([]);
    expect((await columnsOf('shapes_q')).map((c) => `${c.name} ${c.type}`)).toEqual([
      'cartodb_id bigint', 'code character varying(5)', 'shape geometry', 'the_geom_webmercator_1 geometry',
      'the_geom geometry(Geometry,4326)', 'the_geom_webmercator geometry(Geometry,3857)',
    ]);
    const { rows } = await db.query(`select cartodb_id::int, code, st_astext(the_geom) as g, st_asewkt(the_geom_webmercator_1) as old
      from shapes_q order by code`);
    expect(rows).toEqual([
      { cartodb_id: 1, code: 'a', g: 'LINESTRING(0 0,1 1)', old: 'SRID=3857;POINT(1 1)' },
      { cartodb_id: 2, code: 'b', g: null, old: null },
    ]);
    expect(await mercatorMismatches('shapes_q')).toBe(0);
  });
});

describe('latitude/longitude pairs and geometry text', () => {
  it('makes points from lat/lon, NULL (counted) for out-of-range or unparsable values, keeping the originals', async () => {
    await my.exec(`create table stations (gid int not null, name varchar(10), lat decimal(9,6), lng varchar(20));
      insert into stations values
        (1, 'ok', 40.416800, '-3.7038'),
        (2, 'lat>90', 91.000000, '0'),
        (3, 'lon<-180', 10.000000, '-180.5'),
        (4, 'text', 10.000000, 'east'),
        (5, 'no lon', 10.000000, null),
        (6, 'nothing', null, null),
        (7, 'edge', -90.000000, '180'),
        (8, 'pole', 89.999000, '10'),
        (9, 'blank', null, '  ');`);
    const status = await imported({ table: 'stations' }, alice);
    const owners = await db.query(`select relname, pg_get_userbyid(relowner) = $1 as alice from pg_class
      where relname in ('stations', 'stations_pkey', 'stations_cartodb_id_seq', 'stations_the_geom_idx', 'stations_the_geom_webmercator_idx') order by relname`, [alice.name]);
    expect(owners.rows).toEqual(['stations', 'stations_cartodb_id_seq', 'stations_pkey', 'stations_the_geom_idx', 'stations_the_geom_webmercator_idx']
      .map((relname) => ({ relname, alice: true })));
    expect(status.warnings).toEqual([{ code: 'invalid_geometries', message: expect.stringMatching(/^4 value\(s\) of lat\/lng could not be turned into the_geom .*; the original columns are kept$/) }]);
    const { rows } = await db.query(`select cartodb_id::int, gid, name, lat::text, lng, st_astext(the_geom) as g,
      round(st_y(the_geom_webmercator)::numeric) as merc_y from stations order by gid`);
    expect(rows).toEqual([
      { cartodb_id: 1, gid: 1, name: 'ok', lat: '40.416800', lng: '-3.7038', g: 'POINT(-3.7038 40.4168)', merc_y: '4926697' },
      { cartodb_id: 2, gid: 2, name: 'lat>90', lat: '91.000000', lng: '0', g: null, merc_y: null },
      { cartodb_id: 3, gid: 3, name: 'lon<-180', lat: '10.000000', lng: '-180.5', g: null, merc_y: null },
      { cartodb_id: 4, gid: 4, name: 'text', lat: '10.000000', lng: 'east', g: null, merc_y: null },
      { cartodb_id: 5, gid: 5, name: 'no lon', lat: '10.000000', lng: null, g: null, merc_y: null },
      { cartodb_id: 6, gid: 6, name: 'nothing', lat: null, lng: null, g: null, merc_y: null },
      // Web mercator ends at ±85.0511°: points beyond are clipped away (empty), as CARTO does.
      { cartodb_id: 7, gid: 7, name: 'edge', lat: '-90.000000', lng: '180', g: 'POINT(180 -90)', merc_y: null },
      { cartodb_id: 8, gid: 8, name: 'pole', lat: '89.999000', lng: '10', g: 'POINT(10 89.999)', merc_y: null },
      { cartodb_id: 9, gid: 9, name: 'blank', lat: null, lng: '  ', g: null, merc_y: null },
    ]);
    const empties = await db.query('select gid from stations where st_isempty(the_geom_webmercator) order by gid');
    expect(empties.rows).toEqual([{ gid: 7 }, { gid: 8 }]);
  });

  it('parses WKT, EWKT, hex WKB/EWKB and GeoJSON text; a remote the_geom source becomes the_geom itself', async () => {
    await my.exec(`create table texts (cartodb_id int primary key, the_geom text, geojson json, note varchar(10));
      insert into texts values
        (7, 'POINT(1 2)', '{"type": "Point", "coordinates": [5, 6]}', 'wkt'),
        (8, 'SRID=3857;POINT(111319.49079327357 222684.20850554403)', '{"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}', 'ewkt'),
        (9, '0101000000000000000000F03F0000000000000040', null, 'hexwkb'),
        (10, '0101000020110F0000000000000000F03F0000000000000040', null, 'hexewkb'),
        (11, 'POINT(1 2', '{"type": "Point"}', 'broken'),
        (12, '   ', null, 'blank'),
        (13, 'MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))', null, 'multi');`);
    const status = await imported({ table: 'texts' });
    expect(status.warnings).toEqual([{ code: 'invalid_geometries', message: expect.stringMatching(/^1 value\(s\) of the_geom could not be turned into the_geom .* became NULL$/) }]);
    expect((await columnsOf('texts')).map((c) => `${c.name} ${c.type}`)).toEqual([
      'cartodb_id bigint', 'geojson jsonb', 'note character varying(10)', 'the_geom geometry(Geometry,4326)', 'the_geom_webmercator geometry(Geometry,3857)',
    ]);
    const { rows } = await db.query('select cartodb_id::int, note, st_astext(st_snaptogrid(the_geom, 0.000001)) as g from texts order by cartodb_id');
    expect(rows).toEqual([
      { cartodb_id: 7, note: 'wkt', g: 'POINT(1 2)' },
      { cartodb_id: 8, note: 'ewkt', g: 'POINT(1 2)' },
      { cartodb_id: 9, note: 'hexwkb', g: 'POINT(1 2)' },
      { cartodb_id: 10, note: 'hexewkb', g: 'POINT(0.000009 0.000018)' },
      { cartodb_id: 11, note: 'broken', g: null },
      { cartodb_id: 12, note: 'blank', g: null },
      { cartodb_id: 13, note: 'multi', g: 'MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))' },
    ]);
    expect(await mercatorMismatches('texts')).toBe(0);
    // New rows continue after the remote ids; the trigger fills the web mercator twin.
    await db.query(`insert into texts (note, the_geom) values ('new', 'SRID=4326;POINT(3 4)')`);
    const added = await db.query(`select cartodb_id::int, st_astext(st_snaptogrid(st_transform(the_geom_webmercator, 4326), 0.000001)) as back from texts where note = 'new'`);
    expect(added.rows).toEqual([{ cartodb_id: 14, back: 'POINT(3 4)' }]);
  });

  it('reads GeoJSON when no WKT column is there', async () => {
    await my.exec(`create table gj (name varchar(5), geojson json);
      insert into gj values ('a', '{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}'), ('b', '[1, 2]');`);
    const status = await imported({ table: 'gj' });
    expect(status.warnings.map((w) => w.code)).toEqual(['invalid_geometries']);
    const { rows } = await db.query('select name, st_astext(the_geom) as g, st_srid(the_geom) as srid from gj order by name');
    expect(rows).toEqual([{ name: 'a', g: 'POLYGON((0 0,1 0,1 1,0 0))', srid: 4326 }, { name: 'b', g: null, srid: null }]);
  });
});

describe('cartodb_id', () => {
  it('falls back to generated ids when the named key is not unique, keeping the column', async () => {
    await my.exec(`create table visits (gid int, place varchar(5));
      insert into visits values (1, 'a'), (1, 'b'), (2, 'c');`);
    const status = await imported({ table: 'visits' });
    expect(status.warnings).toEqual([{ code: 'cartodb_id_generated', message: expect.stringContaining('The remote key gid has duplicate or NULL values') }]);
    const { rows } = await db.query('select cartodb_id::int, gid, place from visits order by cartodb_id');
    expect(rows.map((r) => r.cartodb_id)).toEqual([1, 2, 3]);
    expect(rows.map((r) => r.gid).sort()).toEqual([1, 1, 2]);
    expect(await indexesOf('visits')).toEqual(['USING btree (cartodb_id)', 'USING gist (the_geom)', 'USING gist (the_geom_webmercator)']);
    const next = await db.query(`insert into visits (place) values ('d') returning cartodb_id::int`);
    expect(next.rows).toEqual([{ cartodb_id: 4 }]);
  });

  it('keeps the_geom_webmercator in step when another role edits the_geom (trigger)', async () => {
    await db.query(`drop role if exists cdb_carto_editor; create role cdb_carto_editor;
      grant update, insert on visits to cdb_carto_editor; grant select on visits to cdb_carto_editor`);
    const client = await db.pool.connect();
    try {
      await client.query('set role cdb_carto_editor');
      await client.query(`update visits set the_geom = 'SRID=4326;POINT(-3.7038 40.4168)' where place = 'a'`);
      await client.query(`update visits set the_geom = 'SRID=4326;POINT(0 89.9)' where place = 'b'`);
      await client.query('reset role');
    } finally {
      client.release();
    }
    const { rows } = await db.query(`select place, round(st_x(the_geom_webmercator)::numeric) as x, round(st_y(the_geom_webmercator)::numeric) as y,
      st_isempty(the_geom_webmercator) as empty from visits where place in ('a', 'b') order by place`);
    expect(rows).toEqual([{ place: 'a', x: '-412305', y: '4926697', empty: false }, { place: 'b', x: null, y: null, empty: true }]);
    await db.query(`update visits set the_geom = null where place = 'a'`);
    expect((await db.query(`select the_geom_webmercator from visits where place = 'a'`)).rows).toEqual([{ the_geom_webmercator: null }]);
    await db.query('drop owned by cdb_carto_editor; drop role cdb_carto_editor');
  });
});

describe('sync tables', () => {
  it('keep cartodb_id from the remote key across refreshes, and their columns, indexes and triggers', async () => {
    await my.exec(`create table shops (id int primary key, name varchar(10), lat double, lon double);
      insert into shops values (101, 'a', 40, -3), (102, 'b', 41, -4), (103, 'c', 42, -5);`);
    const created = await createSync(db.urlAs(alice.name), { ...params({ table: 'shops' }), interval: 3600 });
    const first = await waitForSyncRun(db, created.id);
    expect(first.state).toBe('success');
    const oid = (await db.query(`select 'shops'::regclass::oid::int as oid`)).rows[0].oid;
    await my.exec(`update shops set name = 'B', lat = 45 where id = 102; delete from shops where id = 101; insert into shops values (104, 'd', 43, -6);`);
    const second = await runSyncNow(db, created.id);
    expect(second.state, second.error_message ?? '').toBe('success');
    const { rows } = await db.query(`select cartodb_id::int, id, name, st_astext(the_geom) as g from shops order by cartodb_id`);
    expect(rows).toEqual([
      { cartodb_id: 102, id: 102, name: 'B', g: 'POINT(-4 45)' },
      { cartodb_id: 103, id: 103, name: 'c', g: 'POINT(-5 42)' },
      { cartodb_id: 104, id: 104, name: 'd', g: 'POINT(-6 43)' },
    ]);
    expect((await db.query(`select 'shops'::regclass::oid::int as oid`)).rows[0].oid).toBe(oid);
    expect(await indexesOf('shops')).toEqual(['USING btree (cartodb_id)', 'USING gist (the_geom)', 'USING gist (the_geom_webmercator)']);
    expect(await mercatorMismatches('shops')).toBe(0);
    const triggers = await db.query(`select tgname from pg_trigger where tgrelid = 'shops'::regclass and not tgisinternal order by 1`);
    expect(triggers.rows.map((r) => r.tgname)).toEqual(['cdb_the_geom_webmercator_insert', 'cdb_the_geom_webmercator_update']);
    const next = await db.query(`insert into shops (name) values ('local') returning cartodb_id::int`);
    expect(next.rows).toEqual([{ cartodb_id: 105 }]);
    // Unchanged remote content: the table is not written (modified_at stays).
    await db.query(`delete from shops where name = 'local'`);
    const third = await runSyncNow(db, created.id);
    expect(third.checksum).toBe(second.checksum);
    expect(third.modified_at).toEqual(second.modified_at);
    await db.query('select cdb_connector_unsync($1)', [created.id]);
  });

  it('number generated ids 1..n again on each refresh, and a later run with the same rows changes nothing', async () => {
    await my.exec(`create table notes (body varchar(10), wkt text);
      insert into notes values ('x', 'POINT(1 1)'), ('y', 'POINT(2 2)');`);
    const created = await createSync(db.url, { ...params({ table: 'notes' }), interval: 3600 });
    const first = await waitForSyncRun(db, created.id);
    expect(first.state, first.error_message ?? '').toBe('success');
    const unchanged = await runSyncNow(db, created.id);
    expect(unchanged.modified_at).toEqual(first.modified_at);
    await my.exec(`insert into notes values ('z', 'POINT(3 3)')`);
    const second = await runSyncNow(db, created.id);
    expect(second.state, second.error_message ?? '').toBe('success');
    const { rows } = await db.query('select cartodb_id::int, body, st_astext(the_geom) as g from notes order by cartodb_id');
    expect(rows).toEqual([
      { cartodb_id: 1, body: 'x', g: 'POINT(1 1)' }, { cartodb_id: 2, body: 'y', g: 'POINT(2 2)' }, { cartodb_id: 3, body: 'z', g: 'POINT(3 3)' },
    ]);
    const next = await db.query(`insert into notes (body) values ('local') returning cartodb_id::int`);
    expect(next.rows).toEqual([{ cartodb_id: 4 }]);
    await db.query('select cdb_connector_unsync($1)', [created.id]);
  });

  it('fall back to numbered ids when the remote key turns duplicated, with a warning', async () => {
    await my.exec(`create table tags (gid int, tag varchar(10)); insert into tags values (1, 'a'), (2, 'b');`);
    const created = await createSync(db.url, { ...params({ table: 'tags' }), interval: 3600 });
    expect((await waitForSyncRun(db, created.id)).state).toBe('success');
    expect((await db.query('select cartodb_id::int, gid from tags order by gid')).rows).toEqual([{ cartodb_id: 1, gid: 1 }, { cartodb_id: 2, gid: 2 }]);
    await my.exec(`insert into tags values (2, 'c')`);
    const run = await runSyncNow(db, created.id);
    expect(run.state, run.error_message ?? '').toBe('success');
    const job = await db.query('select warnings from cdb_connectors.imports where id = $1', [run.last_import_id]);
    expect(job.rows[0].warnings).toEqual([{ code: 'cartodb_id_generated', message: expect.stringContaining('The remote key gid has duplicate or NULL values') }]);
    const { rows } = await db.query('select cartodb_id::int, gid, tag from tags order by cartodb_id');
    expect(rows.map((r) => r.cartodb_id)).toEqual([1, 2, 3]);
    expect(rows.map((r) => r.tag).sort()).toEqual(['a', 'b', 'c']);
    await db.query('select cdb_connector_unsync($1)', [created.id]);
  });

  it('rebuilt after a remote column change (sync_rebuild_on_schema_change) are CARTO tables again', async () => {
    await my.exec(`create table towns (id int primary key, name varchar(10), pop int, geom point);
      insert into towns values (7, 'x', 100, ST_GeomFromText('POINT(3 4)', 4326));`);
    const created = await createSync(db.url, { ...params({ table: 'towns' }), interval: 3600 });
    expect((await waitForSyncRun(db, created.id)).state).toBe('success');
    await db.query(`update cdb_connectors.settings set value = 'true' where name = 'sync_rebuild_on_schema_change'`);
    try {
      // a retype: a dropped column would only stay, NULL (on_schema_change evolve), with no rebuild
      await my.exec('alter table towns modify pop varchar(10)');
      const run = await runSyncNow(db, created.id);
      expect(run.state, run.error_message ?? '').toBe('success');
      expect((await columnsOf('towns')).map((c) => `${c.name} ${c.type} ${c.identity}`)).toEqual([
        'cartodb_id bigint d', 'id integer ', 'name character varying(10) ', 'pop character varying(10) ', 'geom geometry ',
        'the_geom geometry(Geometry,4326) ', 'the_geom_webmercator geometry(Geometry,3857) ',
      ]);
      expect((await db.query('select cartodb_id::int, st_astext(the_geom) as g from towns')).rows).toEqual([{ cartodb_id: 7, g: 'POINT(3 4)' }]);
      expect(await indexesOf('towns')).toEqual(['USING btree (cartodb_id)', 'USING gist (the_geom)', 'USING gist (the_geom_webmercator)']);
      expect(await mercatorMismatches('towns')).toBe(0);
      const next = await db.query(`insert into towns (name, the_geom) values ('new', 'SRID=4326;POINT(5 6)') returning cartodb_id::int, the_geom_webmercator is not null as merc`);
      expect(next.rows).toEqual([{ cartodb_id: 8, merc: true }]);
    } finally {
      await db.query(`update cdb_connectors.settings set value = 'false' where name = 'sync_rebuild_on_schema_change'`);
      await db.query('select cdb_connector_unsync($1)', [created.id]);
    }
  });
});
