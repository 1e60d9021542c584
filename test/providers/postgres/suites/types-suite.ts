/**
 * Exact types and values (issue 4 §2, §5): the edge-value table, value by value, at provider level
 * and as stored by the target after the text path and after the binary path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresProvider } from '../../../../src/providers/postgres/index.js';
import { readTargetCapabilities } from '../../../../src/db/capabilities.js';
import type { SourceSession } from '../../../../src/providers/provider.js';
import type { TargetCapabilities } from '../../../../src/rows/plan.js';
import { collectRows } from '../../../helpers/collect-rows.js';
import { createTargetDb, type TargetDb } from '../../../helpers/target.js';
import { loadPlan, tableAsText } from '../load-helpers.js';
import { remoteRequest, remoteSql, sessionOptions, type RemoteFactory, type RemotePostgres } from '../remote.js';

const DB = 'edge';

/** Column → [declared type, expected local type]. */
const COLUMNS: Array<[string, string, string]> = [
  ['id', 'integer primary key', 'integer'],
  ['n', 'numeric(38,10)', 'numeric(38,10)'],
  ['n_plain', 'numeric', 'numeric'],
  ['big', 'bigint', 'bigint'],
  ['small', 'smallint', 'smallint'],
  ['r', 'real', 'real'],
  ['d', 'double precision', 'double precision'],
  ['tstz', 'timestamptz', 'timestamp with time zone'],
  ['ts6', 'timestamp(6)', 'timestamp(6) without time zone'],
  ['t', 'time(6)', 'time(6) without time zone'],
  ['ttz', 'timetz', 'time with time zone'],
  ['dt', 'date', 'date'],
  ['iv', 'interval', 'interval'],
  ['vc', 'varchar(20)', 'character varying(20)'],
  ['ch', 'char(5)', 'character(5)'],
  ['tx', 'text', 'text'],
  ['b', 'boolean', 'boolean'],
  ['u', 'uuid', 'uuid'],
  ['j', 'json', 'json'],
  ['jb', 'jsonb', 'jsonb'],
  ['by', 'bytea', 'bytea'],
  ['ip', 'inet', 'inet'],
  ['net', 'cidr', 'cidr'],
  ['mac', 'macaddr', 'macaddr'],
  ['bits', 'bit(4)', 'bit(4)'],
  ['vbits', 'varbit(8)', 'bit varying(8)'],
  ['m', 'money', 'numeric'],
  ['arr', 'int[]', 'integer[]'],
  ['e', 'mood', 'text'],
  ['dom', 'posint', 'integer'],
  ['comp', 'pair', 'text'],
  ['rng', 'int4range', 'int4range'],
  ['nm', 'name', 'text'],
];
const NAMES = COLUMNS.map((c) => c[0]);

/** Row values as SQL literals (inserted), and the exact text expected back (provider and target). */
const ROWS: Array<Record<string, [string, string | null]>> = [
  {
    id: ['1', '1'], n: ["'1234567890123456789012345678.1234567890'", '1234567890123456789012345678.1234567890'],
    n_plain: ["'NaN'", 'NaN'], big: ['9223372036854775807', '9223372036854775807'], small: ['32767', '32767'],
    r: ["'Infinity'", 'Infinity'], d: ["'-0'", '-0'],
    tstz: ["'2024-03-10 02:30:00.123456-08'", '2024-03-10 10:30:00.123456+00'],
    ts6: ["'2024-01-31 23:59:59.999999'", '2024-01-31 23:59:59.999999'], t: ["'23:59:59.999999'", '23:59:59.999999'],
    ttz: ["'10:00:00.5+05:30'", '10:00:00.5+05:30'], dt: ["'2024-02-29'", '2024-02-29'],
    iv: ["'1 year 2 mons 3 days 04:05:06.789'", '1 year 2 mons 3 days 04:05:06.789'],
    vc: ["E'tab\\there'", 'tab\there'], ch: ["'ab'", 'ab   '],
    tx: ["E'line1\\nline2\\r\\n\\\\back\\\\slash\\ttab 🎉 é'", 'line1\nline2\r\n\\back\\slash\ttab 🎉 é'],
    b: ['true', 't'], u: ["'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    j: [`'{"a": [1, 2.50],  "b": null}'`, '{"a": [1, 2.50],  "b": null}'],
    jb: [`'{"b": 1, "a": "x\\ty"}'`, '{"a": "x\\ty", "b": 1}'],
    by: ["'\\x00ff000a5c'", '\\x00ff000a5c'], ip: ["'192.168.0.1/24'", '192.168.0.1/24'], net: ["'10.0.0.0/8'", '10.0.0.0/8'],
    mac: ["'08:00:2b:01:02:03'", '08:00:2b:01:02:03'], bits: ["B'1010'", '1010'], vbits: ["B'101'", '101'],
    m: ["'1234.56'", '1234.56'], arr: ["'{1,NULL,3}'", '{1,NULL,3}'], e: ["'happy'", 'happy'], dom: ['42', '42'],
    comp: ["row('x y', 2)", '("x y",2)'], rng: ["'[1,10)'", '[1,10)'], nm: ["'a name'", 'a name'],
  },
  {
    id: ['2', '2'], n: ["'-0.0000000001'", '-0.0000000001'],
    n_plain: ["'-123456789012345678901234567890.123456789012345678901234567890'", '-123456789012345678901234567890.123456789012345678901234567890'],
    big: ['-9223372036854775808', '-9223372036854775808'], small: ['-32768', '-32768'],
    r: ["'-Infinity'", '-Infinity'], d: ["'NaN'", 'NaN'],
    tstz: ["'1999-12-31 23:59:59+14'", '1999-12-31 09:59:59+00'],
    ts6: ["'0044-03-15 12:00:00.000001 BC'", '0044-03-15 12:00:00.000001 BC'], t: ["'00:00:00'", '00:00:00'],
    ttz: ["'23:59:59.999999-15:59'", '23:59:59.999999-15:59'], dt: ["'infinity'", 'infinity'],
    iv: ["'-1 days -00:00:00.000001'", '-1 days -00:00:00.000001'],
    vc: ["''", ''], ch: ["''", '     '], tx: ["E'\\\\N'", '\\N'], b: ['false', 'f'],
    u: ["'00000000-0000-0000-0000-000000000000'", '00000000-0000-0000-0000-000000000000'],
    j: ["'[]'", '[]'], jb: [`'{"emoji": "🎉", "nested": {"k": [true, null]}}'`, '{"emoji": "🎉", "nested": {"k": [true, null]}}'],
    by: ["'\\x'", '\\x'], ip: ["'::1'", '::1'], net: ["'2001:db8::/32'", '2001:db8::/32'], mac: ["'ff:ff:ff:ff:ff:ff'", 'ff:ff:ff:ff:ff:ff'],
    bits: ["B'0000'", '0000'], vbits: ["B''", ''], m: ["'-92233720368547758.08'", '-92233720368547758.08'],
    arr: ["'{}'", '{}'], e: ["'sad'", 'sad'], dom: ['1', '1'], comp: ['row(null, null)', '(,)'], rng: ["'empty'", 'empty'], nm: ["''", ''],
  },
  {
    id: ['3', '3'], n: ['0', '0.0000000000'], n_plain: ["'1e-1000'", `0.${'0'.repeat(999)}1`],
    r: ["'3.4028235e+38'", '3.4028235e+38'], d: ["'5e-324'", '5e-324'],
    tx: ["E'\\\\.'", '\\.'], vc: ["E'a\\\\b'", 'a\\b'],
  },
  { id: ['4', '4'] },
  {
    id: ['5', '5'], tstz: ["'2024-06-30 23:59:59.999999+05:45'", '2024-06-30 18:14:59.999999+00'],
    d: ["'1.7976931348623157e+308'", '1.7976931348623157e+308'], r: ["'-0'", '-0'],
    j: ["E'{\\n\\t\"a\": 1\\n}'", '{\n\t"a": 1\n}'], tx: ["E'tab\\tnew\\nline'", 'tab\tnew\nline'],
    n: ["'99999999999999999999999999.9999999999'", '99999999999999999999999999.9999999999'],
  },
];

/** numeric ±Infinity exists from PostgreSQL 14 on (the containers suite also runs 12). */
const NUMERIC_INFINITY_VERSION = 140000;
const INFINITY_ROW: Record<string, [string, string | null]> = { id: ['6', '6'], n_plain: ["'-Infinity'", '-Infinity'] };

function rowsFor(versionNum: number): Array<Record<string, [string, string | null]>> {
  return versionNum >= NUMERIC_INFINITY_VERSION ? [...ROWS, INFINITY_ROW] : ROWS;
}

function expectedRows(rows: Array<Record<string, [string, string | null]>>): Array<Array<string | null>> {
  return rows.map((row) => NAMES.map((name) => row[name]?.[1] ?? null));
}

export function typesSuite(factory: RemoteFactory): void {
  describe(`postgres provider: exact types and values (${factory.name})`, () => {
    let remote: RemotePostgres;
    let target: TargetDb;
    let session: SourceSession;
    let rows: Array<Record<string, [string, string | null]>>;
    let capabilities: TargetCapabilities;
    let remoteVersion: number;

    beforeAll(async () => {
      [remote, target] = await Promise.all([factory.start(), createTargetDb()]);
      capabilities = await readTargetCapabilities(target.pool);
      remoteVersion = Number((await remoteSql<{ v: string }>(remote, "select current_setting('server_version_num') as v"))[0]!.v);
      rows = rowsFor(remoteVersion);
      await remoteSql(remote, `create database ${DB}`);
      await remoteSql(remote, `create type mood as enum ('happy', 'sad');
        create domain posint as integer check (value > 0);
        create type pair as (label text, n int);
        create table edge (${COLUMNS.map(([n, t]) => `"${n}" ${t}`).join(', ')});`, [], DB);
      for (const row of rows) {
        const names = Object.keys(row).filter((n) => NAMES.includes(n));
        await remoteSql(remote, `insert into edge (${names.map((n) => `"${n}"`).join(', ')}) values (${names.map((n) => row[n]![0]).join(', ')})`, [], DB);
      }
      session = await postgresProvider.connect(remoteRequest(remote, { database: DB, schema: 'public', table: 'edge' }), sessionOptions({ target: { ...capabilities, postgis: false } }));
    });
    afterAll(async () => {
      await session?.close();
      await Promise.all([remote?.stop(), target?.drop()]);
    });

    it('keeps the source types exactly, also arrays and ranges; enums, composites and name become text, money numeric, a domain its base type', async () => {
      const plan = await session.describe();
      expect(plan.columns.map((c) => [c.remoteName, c.localType])).toEqual(COLUMNS.map(([n, , local]) => [n, local]));
      expect(plan.columns.find((c) => c.remoteName === 'dom')!.remoteType).toBe('posint');
      expect(plan.skipped).toEqual([]);
      expect(plan.warnings?.map((w) => w.code)).toEqual(['enum_as_text', 'domain_as_base_type']);
      expect(plan.primaryKey).toBe('id');
      // Intervals from PostgreSQL 17 (infinite values) only go binary into a 17+ target.
      expect(plan.binaryCopy).toBe(remoteVersion < 170000 || capabilities.serverVersionNum >= 170000);
    });

    it('streams every edge value exactly (provider level)', async () => {
      const collected = await collectRows(session, { pauseEvery: 2 });
      const byId = [...collected.rows].sort((a, b) => Number(a[0]) - Number(b[0]));
      const expected = expectedRows(rows);
      expect(byId.length).toBe(expected.length);
      // Value by value, so a failure names the column.
      for (let r = 0; r < expected.length; r++) {
        for (let c = 0; c < NAMES.length; c++) expect({ row: r + 1, column: NAMES[c], value: byId[r]![c] }).toEqual({ row: r + 1, column: NAMES[c], value: expected[r]![c] });
      }
    });

    for (const path of ['text', 'binary'] as const) {
      it(`the target stores every edge value exactly (${path} path)`, async (ctx) => {
        const plan = await session.describe();
        if (path === 'binary' && !plan.binaryCopy) return ctx.skip();
        const loaded = await loadPlan(target.url, `edge_${path}`, session, plan, path);
        expect(loaded).toEqual({ rows: rows.length, truncated: false });
        const stored = await tableAsText(target.url, `edge_${path}`, NAMES);
        const expected = expectedRows(rows);
        expect(stored.length).toBe(expected.length);
        for (let r = 0; r < expected.length; r++) {
          for (let c = 0; c < NAMES.length; c++) expect({ row: r + 1, column: NAMES[c], value: stored[r]![c] }).toEqual({ row: r + 1, column: NAMES[c], value: expected[r]![c] });
        }
      });
    }

    it('the stored column types are the planned local types', async () => {
      const stored = await target.query<{ attname: string; t: string }>(
        `select attname, format_type(atttypid, atttypmod) as t from pg_attribute where attrelid = 'edge_text'::regclass and attnum > 0 order by attnum`);
      expect(stored.rows.map((r) => [r.attname, r.t])).toEqual(COLUMNS.map(([n, , local]) => [n, local]));
    });

    it('PostGIS geometry/geography: kept with their typmod when the target has PostGIS, else skipped', async (ctx) => {
      if (!remote.hasPostgis) return ctx.skip();
      await remoteSql(remote, `create extension if not exists postgis;
        create table places (id int, geom geometry(Point,4326), area geography, label text);
        insert into places values (1, 'SRID=4326;POINT(-3.7 40.4)', 'POLYGON((0 0,1 0,1 1,0 0))', 'x'), (2, null, null, null)`, [], DB);
      const request = remoteRequest(remote, { database: DB, table: 'places' });
      const without = await postgresProvider.connect(request, sessionOptions());
      try {
        const plan = await without.describe();
        expect(plan.columns.map((c) => c.remoteName)).toEqual(['id', 'label']);
        const reason = 'PostGIS geometry/geography skipped without PostGIS in the target';
        expect(plan.skipped).toEqual([{ remoteName: 'geom', remoteType: 'geometry(Point,4326)', reason }, { remoteName: 'area', remoteType: 'geography', reason }]);
      } finally {
        await without.close();
      }
      const gisTarget = await createTargetDb({ postgis: true });
      const withGis = await postgresProvider.connect(request, sessionOptions({ target: { ...capabilities, postgis: true } }));
      try {
        const plan = await withGis.describe();
        expect(plan.columns.map((c) => c.localType)).toEqual(['integer', 'geometry(Point,4326)', 'geography', 'text']);
        expect(plan.binaryCopy).toBe(true);
        for (const path of ['text', 'binary'] as const) {
          await loadPlan(gisTarget.url, `places_${path}`, withGis, plan, path);
          const { rows } = await gisTarget.query(`select id, st_asewkt(geom) as geom, st_astext(area) as area, st_srid(area) as srid, label from places_${path} order by id`);
          expect(rows).toEqual([
            { id: 1, geom: 'SRID=4326;POINT(-3.7 40.4)', area: 'POLYGON((0 0,1 0,1 1,0 0))', srid: 4326, label: 'x' },
            { id: 2, geom: null, area: null, srid: null, label: null },
          ]);
        }
        const { rows: types } = await gisTarget.query(`select format_type(atttypid, atttypmod) as t from pg_attribute where attrelid = 'places_binary'::regclass and attname = 'geom'`);
        expect(types[0].t).toBe('geometry(Point,4326)');
      } finally {
        await withGis.close();
        await gisTarget.drop();
      }
    });
  });
}
