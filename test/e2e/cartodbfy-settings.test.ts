/**
 * Issue 12: the `cartodbfy` setting. "auto" without PostGIS imports a plain table and says what
 * was missed; "on" without PostGIS fails with 1502 before touching the remote; "off" with PostGIS
 * imports plain tables (spatial columns still arrive as geometry); a sync table keeps the shape of
 * its first run whatever the setting says later.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { importAndWait, type TestSidecar } from '../helpers/sidecar.js';
import { createSync, runSyncNow, startSyncSidecar, waitForSyncRun } from '../helpers/sync.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let plain: TargetDb;
let gis: TargetDb;
let my: MysqlDb;
let sidecars: TestSidecar[] = [];

beforeAll(async () => {
  [plain, gis, my] = await Promise.all([createTargetDb(), createTargetDb({ postgis: true }), createMysqlDb()]);
  sidecars = await Promise.all([startSyncSidecar(plain), startSyncSidecar(gis)]);
  await my.exec(`create table spots (id int primary key, name varchar(10), pos point, lat double, lon double);
    insert into spots values (1, 'a', ST_GeomFromText('POINT(1 2)', 4326), 2, 1);
    create table words (id int primary key, word varchar(10));
    insert into words values (1, 'hello');`);
});

afterAll(async () => {
  await Promise.all(sidecars.map((s) => s.stop()));
  await Promise.all([my?.drop(), plain?.drop(), gis?.drop()]);
});

const params = (table: string) => ({ connector: { provider: 'mysql', connection: my.connection(), table } });
const setCartodbfy = (db: TargetDb, value: string) => db.query(`update cdb_connectors.settings set value = $1 where name = 'cartodbfy'`, [JSON.stringify(value)]);

async function columnNames(db: TargetDb, table: string): Promise<string[]> {
  const { rows } = await db.query(`select attname || ' ' || format_type(atttypid, atttypmod) as c from pg_attribute
    where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`, [table]);
  return rows.map((r) => r.c);
}

describe('cartodbfy setting', () => {
  it('is "auto" by default and only takes "auto", "on" or "off"', async () => {
    const { rows } = await plain.query(`select value from cdb_connectors.settings where name = 'cartodbfy'`);
    expect(rows).toEqual([{ value: 'auto' }]);
    await expect(setCartodbfy(plain, 'yes')).rejects.toThrow('Invalid value "yes" for setting cartodbfy: it must be "auto", "on" or "off"');
    await expect(plain.query(`update cdb_connectors.settings set value = 'true' where name = 'cartodbfy'`)).rejects.toThrow(/must be "auto", "on" or "off"/);
  });

  it('"auto" without PostGIS imports a plain table and warns that spatial data was left out', async () => {
    const status = await importAndWait(plain, params('spots'));
    expect(status.state, status.error_message ?? '').toBe('complete');
    expect(await columnNames(plain, 'spots')).toEqual(['id integer', 'name character varying(10)', 'lat double precision', 'lon double precision']);
    expect(status.warnings.map((w) => w.code)).toEqual(['skipped_columns', 'no_postgis']);
    expect(status.warnings[1]!.message).toMatch(/^PostGIS is not installed in the target database, so the spatial column pos \(point\) was skipped .*CREATE EXTENSION postgis/);
    const log = await plain.query(`select message from cdb_connectors.import_log where job_id = $1 and message like 'Plain table%'`, [status.id]);
    expect(log.rows).toEqual([{ message: 'Plain table, no CARTO columns: PostGIS is not installed in the target database' }]);
  });

  it('"auto" without PostGIS and nothing spatial: plain table, no warning', async () => {
    const status = await importAndWait(plain, params('words'));
    expect(status.state).toBe('complete');
    expect(status.warnings).toEqual([]);
    expect(await columnNames(plain, 'words')).toEqual(['id integer', 'word character varying(10)']);
  });

  it('"on" without PostGIS fails with 1502 before connecting, leaving no table', async () => {
    await setCartodbfy(plain, 'on');
    try {
      const status = await importAndWait(plain, { connector: { provider: 'mysql', connection: { ...my.connection(), server: 'unreachable.invalid' }, table: 'words', import_as: 'words_on' } });
      expect(status).toMatchObject({ state: 'failure', error_code: 1502 });
      expect(status.error_message).toBe('The cartodbfy setting is "on" but PostGIS is not installed in the target database: run CREATE EXTENSION postgis in it (as a superuser, with the postgis packages installed), or set cartodbfy to "auto" or "off".');
      expect((await plain.query(`select to_regclass('words_on') as t`)).rows).toEqual([{ t: null }]);
    } finally {
      await setCartodbfy(plain, 'auto');
    }
  });

  it('"off" with PostGIS imports a plain table whose spatial column is a geometry', async () => {
    await setCartodbfy(gis, 'off');
    try {
      const status = await importAndWait(gis, { ...params('spots'), connector: { ...params('spots').connector, import_as: 'spots_off' } });
      expect(status.state, status.error_message ?? '').toBe('complete');
      expect(status.warnings).toEqual([]);
      expect(await columnNames(gis, 'spots_off')).toEqual(['id integer', 'name character varying(10)', 'pos geometry', 'lat double precision', 'lon double precision']);
      expect((await gis.query('select st_asewkt(pos) as p from spots_off')).rows).toEqual([{ p: 'SRID=4326;POINT(1 2)' }]);
    } finally {
      await setCartodbfy(gis, 'auto');
    }
  });
});

describe('sync tables follow the shape of their first run', () => {
  it('a CARTO sync table keeps computing its columns after cartodbfy is turned off', async () => {
    await my.exec(`create table moving (id int primary key, lat double, lon double); insert into moving values (1, 10, 20);`);
    const created = await createSync(gis.url, { ...params('moving'), interval: 3600 });
    expect((await waitForSyncRun(gis, created.id)).state).toBe('success');
    await setCartodbfy(gis, 'off');
    try {
      await my.exec('update moving set lat = 11 where id = 1');
      const run = await runSyncNow(gis, created.id);
      expect(run.state, run.error_message ?? '').toBe('success');
      expect((await gis.query('select cartodb_id::int, st_astext(the_geom) as g from moving')).rows).toEqual([{ cartodb_id: 1, g: 'POINT(20 11)' }]);
    } finally {
      await setCartodbfy(gis, 'auto');
      await gis.query('select cdb_connector_unsync($1)', [created.id]);
    }
  });

  it('a plain sync table stays plain when cartodbfy is turned on (no 2013, no half-added columns)', async () => {
    await setCartodbfy(gis, 'off');
    const created = await createSync(gis.url, { ...params('words'), interval: 3600 });
    try {
      expect((await waitForSyncRun(gis, created.id)).state).toBe('success');
      await setCartodbfy(gis, 'on');
      await my.exec(`insert into words values (2, 'again')`);
      const run = await runSyncNow(gis, created.id);
      expect(run.state, run.error_message ?? '').toBe('success');
      expect(await columnNames(gis, 'words')).toEqual(['id integer', 'word character varying(10)']);
      expect((await gis.query('select count(*)::int as n from words')).rows).toEqual([{ n: 2 }]);
    } finally {
      await setCartodbfy(gis, 'auto');
      await gis.query('select cdb_connector_unsync($1)', [created.id]);
    }
  });
});
