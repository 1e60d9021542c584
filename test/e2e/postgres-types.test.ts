/**
 * PostgreSQL sources keep arrays, ranges, multiranges, xml, the geometric and text-search types
 * (issue 22 §11, SPEC §8): imported from a separate remote server (its user types have other
 * OIDs than the target's) through the binary COPY and through the text COPY, with the local
 * types read back via format_type and every value compared as `col::text` remote against local.
 * Enums stay text and domains become their base type, each named in a warning.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localRemoteFactory, remoteConnector, remoteSql, type RemotePostgres } from '../providers/postgres/remote.js';
import { localRows, syncAndWait, syncFixture } from '../helpers/incremental.js';
import { queryOnce } from '../helpers/one-shot-sql.js';
import { changesOf, decideAll } from '../helpers/schema-changes.js';
import { importAndWait, startSidecar, type ImportStatus } from '../helpers/sidecar.js';
import { runSyncNow } from '../helpers/sync.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import type { TestRole } from '../sql/helpers.js';

let db: TargetDb;
let remote: RemotePostgres;
let alice: TestRole;

/** Column → [declared remote type, expected local type (format_type)]. */
const COLUMNS: Array<[string, string, string]> = [
  ['id', 'integer primary key', 'integer'],
  ['ints', 'int[]', 'integer[]'],
  ['texts', 'text[][]', 'text[]'],
  ['amounts', 'numeric(10,2)[]', 'numeric(10,2)[]'],
  ['stamps', 'timestamptz[]', 'timestamp with time zone[]'],
  ['r4', 'int4range', 'int4range'],
  ['rtz', 'tstzrange', 'tstzrange'],
  ['dm', 'datemultirange', 'datemultirange'],
  ['ranges', 'int8range[]', 'int8range[]'],
  ['doc', 'xml', 'xml'],
  ['pt', 'point', 'point'],
  ['bx', 'box', 'box'],
  ['poly', 'polygon', 'polygon'],
  ['ci', 'circle', 'circle'],
  ['ln', 'line', 'line'],
  ['seg', 'lseg', 'lseg'],
  ['pth', 'path', 'path'],
  ['tv', 'tsvector', 'tsvector'],
  ['tq', 'tsquery', 'tsquery'],
  ['lsn', 'pg_lsn', 'pg_lsn'],
  ['price', 'price', 'numeric(10,2)'],
  ['posints', 'posint[]', 'integer[]'],
  ['intarr', 'intarr', 'integer[]'],
  ['feeling', 'mood', 'text'],
  ['feelings', 'mood[]', 'text'],
];
const NAMES = COLUMNS.map(([n]) => n);

const FIXTURE = `
  create type mood as enum ('happy', 'sad', 'it''s, "fine"');
  create domain price as numeric(10,2) check (value >= 0);
  create domain posint as integer check (value > 0);
  create domain intarr as integer[] check (cardinality(value) < 10);
  create table kinds (${COLUMNS.map(([n, t]) => `"${n}" ${t}`).join(', ')});
  insert into kinds values
    (1, '{1,NULL,-2147483648}', '{{a,"b c"},{NULL,"\\"q\\\\"}}', '{1.50,-0.01,NULL,99999999.99}',
     '{"2024-03-10 02:30:00.123456-08",infinity,-infinity}', '[1,10)', '["2024-01-01 00:00:00+00","2024-06-01 00:00:00.5+05")',
     '{[2024-01-01,2024-02-01),[2024-03-01,2024-04-01)}', '{"[1,2)","(,0)",empty}', '<a x="1">t&amp;é</a>',
     '(1.5,-2.25)', '(3,4),(1,2)', '((0,0),(1,0),(1,1))', '<(0,0),2.5>', '{1,-1,0}', '[(0,0),(1e-300,1.7976931348623157e308)]',
     '[(0,0),(1,1),(2,0)]', 'a:1A b:2,3 ''c d'':4', '(a & !b) | c:*', '16/B374D848', 12.34, '{1,2}', '{{1,2},{3,4}}',
     'happy', '{happy,"it''s, \\"fine\\""}'),
    (2, ${NAMES.slice(1).map(() => 'null').join(', ')}),
    (3, '[0:1]={7,8}', '{}', '{}', '{}', 'empty', 'empty', '{}', '{}', '<!-- only a comment -->text',
     '(1e-300,-0)', '(0,0),(0,0)', '((1,1))', '<(1,2),0>', '{0,1,-3.5}', '[(1,1),(2,2)]', '((0,0),(3,4))', '', 'x', '0/0', 0, '{}', '{}',
     'sad', '{}')`;

const fixture = syncFixture(() => localRemoteFactory.start(), (r) => r.stop());
beforeAll(async () => {
  ({ db, source: remote, alice } = await fixture.setUp());
  await remoteSql(remote, FIXTURE);
});
afterAll(() => fixture.tearDown());

const connector = (extra: Record<string, unknown>) => remoteConnector(remote, extra);

async function localTypes(table: string): Promise<Array<[string, string]>> {
  const { rows } = await db.query<{ name: string; type: string }>(`select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
    from pg_attribute a where a.attrelid = ('public.' || $1)::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`, [table]);
  return rows.map((r) => [r.name, r.type]);
}

/** Every column as its type's text, in UTC, ordered by id. */
async function asText(url: string, table: string, names: readonly string[]): Promise<unknown[][]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("set timezone = 'UTC'");
    const { rows } = await client.query({ text: `select ${names.map((n) => `"${n}"::text`).join(', ')} from ${table} order by id`, rowMode: 'array' });
    return rows as unknown[][];
  } finally {
    await client.end();
  }
}

async function copyPath(status: ImportStatus): Promise<string | undefined> {
  const { rows } = await db.query(`select message from cdb_connectors.import_log where job_id = $1 and message like 'Importing %'`, [status.id]);
  return /\((binary|text) COPY\)/.exec(rows[0]?.message ?? '')?.[1];
}

describe('PostgreSQL source types kept in the target', () => {
  // a user cast on id changes the plan, which sends the import down the text COPY path
  for (const [path, extra] of [['binary', {}], ['text', { casts: [{ column: 'id', to: 'bigint' }] }]] as const) {
    it(`arrays, ranges, multiranges, xml, geometric and text-search types keep their types and exact values (${path} COPY)`, async () => {
      const table = `kinds_${path}`;
      const status = await importAndWait(db, connector({ table: 'kinds', import_as: table, ...extra }));
      expect(status.state, status.error_message ?? '').toBe('complete');
      expect(status.rows_imported).toBe(3);
      expect(await copyPath(status)).toBe(path);
      const expectedTypes = COLUMNS.map(([n, , local]) => [n, n === 'id' && path === 'text' ? 'bigint' : local]);
      expect(await localTypes(table)).toEqual(expectedTypes);
      const remoteRows = await asText(remote.adminUrl(), 'kinds', NAMES);
      const localRows = await asText(db.url, table, NAMES);
      expect(localRows.length).toBe(3);
      // value by value, so a failure names the column
      for (let r = 0; r < remoteRows.length; r++) {
        for (let c = 0; c < NAMES.length; c++) {
          expect({ row: r + 1, column: NAMES[c], value: localRows[r]![c] }).toEqual({ row: r + 1, column: NAMES[c], value: remoteRows[r]![c] });
        }
      }
      // the array bounds, dimensions, NULL elements and empty values survive as values, not only as text
      const { rows } = await db.query(`select array_lower(ints, 1) as lower, array_ndims(intarr) as ndims, texts[2][2] as q, amounts[2] as cents,
          isempty(r4) as empty, upper(r4) as upper, cardinality(feelings::text[]) as moods from ${table} order by id`);
      expect(rows).toEqual([
        { lower: 1, ndims: 2, q: '"q\\', cents: '-0.01', empty: false, upper: 10, moods: 2 },
        { lower: null, ndims: null, q: null, cents: null, empty: null, upper: null, moods: null },
        { lower: 0, ndims: null, q: null, cents: null, empty: true, upper: null, moods: 0 },
      ]);
      const warnings = Object.fromEntries(status.warnings.map((w) => [w.code, w.message]));
      expect(warnings.enum_as_text).toBe('Enum columns were imported as text; the target does not check that values are among the enum\'s labels: feeling (mood), feelings (mood[])');
      expect(warnings.domain_as_base_type).toBe('Domain columns were imported as their base type, without the domain\'s CHECK and NOT NULL constraints: '
        + 'price (price → numeric(10,2)), posints (posint[] → integer[]), intarr (intarr → integer[])');
    });
  }

  it('a sql_query keeps the same types (result columns described by OID and typmod)', async () => {
    const status = await importAndWait(db, connector({ sql_query: 'select id, amounts, dm, posints, ranges, feelings from kinds', import_as: 'kinds_query' }));
    expect(status.state, status.error_message ?? '').toBe('complete');
    expect(await localTypes('kinds_query')).toEqual([
      ['id', 'integer'], ['amounts', 'numeric(10,2)[]'], ['dm', 'datemultirange'], ['posints', 'integer[]'], ['ranges', 'int8range[]'], ['feelings', 'text'],
    ]);
    expect(await copyPath(status)).toBe('binary');
    const names = ['id', 'amounts', 'dm', 'posints', 'ranges', 'feelings'];
    expect(await asText(db.url, 'kinds_query', names)).toEqual(await asText(remote.adminUrl(), 'kinds', names));
  });

  it('arrays of PostGIS geometry are kept when both sides have PostGIS, through the text COPY (PostGIS OIDs differ)', async (ctx) => {
    if (!remote.hasPostgis) return ctx.skip();
    const gisDb = await createTargetDb({ postgis: true });
    const gisSidecar = await startSidecar(gisDb);
    try {
      await remoteSql(remote, `create extension if not exists postgis;
        create table shapes (id int primary key, pts geometry(Point,4326)[], any_geo geography[]);
        insert into shapes values (1, array['SRID=4326;POINT(1 2)'::geometry, null], '{}'), (2, null, array['POINT(0 0)'::geography])`);
      const status = await importAndWait(gisDb, connector({ table: 'shapes' }));
      expect(status.state, status.error_message ?? '').toBe('complete');
      const { rows: types } = await gisDb.query(`select attname, format_type(atttypid, atttypmod) as t from pg_attribute
        where attrelid = 'shapes'::regclass and attnum > 0 order by attnum`);
      // cartodbfy adds an empty the_geom: an array of geometries is no geometry source
      expect(Object.fromEntries(types.map((r) => [r.attname, r.t]))).toMatchObject({ pts: 'geometry(Point,4326)[]', any_geo: 'geography[]', the_geom: 'geometry(Geometry,4326)' });
      expect((await gisDb.query('select count(*)::int as n from shapes where the_geom is not null')).rows[0].n).toBe(0);
      const log = await gisDb.query(`select message from cdb_connectors.import_log where job_id = $1 and message like 'Importing %'`, [status.id]);
      expect(log.rows[0].message).toContain('(text COPY)');
      const names = ['id', 'pts', 'any_geo'];
      expect(await asText(gisDb.url, 'shapes', names)).toEqual(await asText(remote.adminUrl(), 'shapes', names));
    } finally {
      await gisSidecar.stop();
      await gisDb.drop();
    }
  });
});

describe('hostile remote types named like built-ins', () => {
  it('user types called point, int4range, numeric, tsvector (and arrays of them) are not taken for the built-ins: text, a domain its base type', async () => {
    await remoteSql(remote, `create schema evil;
      create type evil.point as enum ('x', 'y');
      create function evil.sub(a float8, b float8) returns float8 language sql immutable as 'select a - b';
      create type evil.int4range as range (subtype = float8, subtype_diff = evil.sub);
      create domain evil."numeric" as text check (value <> '');
      create type evil.tsvector as (a int, "b)c" text);
      create table evil.fakes (id int primary key, p evil.point, ps evil.point[], r evil.int4range, rs evil.int4range[],
        n evil."numeric", ns evil."numeric"[], tv evil.tsvector);
      insert into evil.fakes values (1, 'x', '{x,y}', '[1.5,2.5)', '{"[0,1)"}', '1.239', '{1.239}', row(1, ')'))`);
    const status = await importAndWait(db, connector({ schema: 'evil', table: 'fakes', import_as: 'fakes' }));
    expect(status.state, status.error_message ?? '').toBe('complete');
    expect(await localTypes('fakes')).toEqual([
      ['id', 'integer'], ['p', 'text'], ['ps', 'text'], ['r', 'text'], ['rs', 'text'], ['n', 'text'], ['ns', 'text[]'], ['tv', 'text'],
    ]);
    const names = ['id', 'p', 'ps', 'r', 'rs', 'n', 'ns', 'tv'];
    expect(await asText(db.url, 'fakes', names)).toEqual(await asText(remote.adminUrl(), 'evil.fakes', names));
    expect(status.warnings.map((w) => w.code).sort()).toEqual(['domain_as_base_type', 'enum_as_text']);
  });
});

describe('a sync made when arrays were imported as text', () => {
  it('sees text → text[] as a retype and pauses; approved, the column is converted exactly', async () => {
    // what an earlier release made of a text[] column: the same text in a text column, with `text` as last run's type
    await remoteSql(remote, `create table tagged (id int primary key, v int, tags text);
      insert into tagged values (1, 1, '{a,"b c"}'), (2, 1, null), (3, 1, '{}')`);
    const s = await syncAndWait(db, alice, { ...remoteConnector(remote, { table: 'tagged', mode: 'merge', cursor: 'v' }), interval: 3600 });
    expect(s.state, s.error_message ?? '').toBe('success');
    await remoteSql(remote, 'alter table tagged alter tags type text[] using tags::text[]; update tagged set v = 2 where id = 3');
    const paused = await runSyncNow(db, s.id);
    expect(paused.state, paused.error_message ?? '').toBe('paused');
    expect((await changesOf(db, s.id)).map((c) => [c.kind, c.column_name, c.old_type, c.new_type])).toEqual([['retype', 'tags', 'text', 'text[]']]);
    const { run } = await decideAll(db, alice, s.id, 'approve');
    expect(run.state, run.error_message ?? '').toBe('success');
    expect((await db.query("select format_type(atttypid, atttypmod) as t from pg_attribute where attrelid = 'tagged'::regclass and attname = 'tags'")).rows[0].t).toBe('text[]');
    const select = 'select id::text, tags::text from tagged';
    const remoteRows = await queryOnce<Record<string, unknown>>(remote.adminUrl(), select);
    expect(await localRows(db, select)).toEqual(remoteRows.map((r) => JSON.stringify(Object.values(r))).sort());
  });
});
