/**
 * Issue 12: which remote columns make cartodb_id and the_geom (planCartoTable, pure), and how the
 * CARTO names are reserved.
 */
import { describe, expect, it } from 'vitest';
import { describeCartoPlan, describeGeoreference, planCartoTable } from '../../src/load/cartodbfy-plan.js';
import type { SourcePlan } from '../../src/rows/plan.js';

const plan = (columns: Array<[string, string]>, primaryKey?: string, skipped: Array<[string, string]> = []): SourcePlan => ({
  columns: columns.map(([remoteName, localType]) => ({ remoteName, remoteType: localType, localType })),
  skipped: skipped.map(([remoteName, remoteType]) => ({ remoteName, remoteType })),
  ...(primaryKey ? { primaryKey } : {}),
});

describe('cartodb_id', () => {
  it('comes from a remote integer cartodb_id column, which is consumed (staged under a suffixed name)', () => {
    const p = planCartoTable(plan([['id', 'integer'], ['CartoDB_ID', 'integer']], 'id'), 63);
    expect(p.key).toEqual({ kind: 'copy', column: 'cartodb_id_1', remoteName: 'CartoDB_ID', why: 'the remote column' });
    expect(p.columns.map((c) => c.name)).toEqual(['id', 'cartodb_id_1']);
    expect(p.consumed).toEqual(['cartodb_id_1']);
  });

  it('else from the remote primary key, before ogc_fid and gid, and only from integer columns', () => {
    expect(planCartoTable(plan([['gid', 'integer'], ['id', 'bigint']], 'id'), 63).key).toMatchObject({ column: 'id', why: 'the remote primary key' });
    expect(planCartoTable(plan([['code', 'text'], ['OGC_FID', 'smallint'], ['gid', 'integer']], 'code'), 63).key).toMatchObject({ column: 'ogc_fid', remoteName: 'OGC_FID' });
    expect(planCartoTable(plan([['gid', 'integer']]), 63).key).toMatchObject({ column: 'gid' });
    expect(planCartoTable(plan([['cartodb_id', 'text'], ['gid', 'numeric(20,0)']]), 63).key).toEqual({ kind: 'generated' });
  });

  it('a non-integer remote cartodb_id is kept under a suffixed name', () => {
    const p = planCartoTable(plan([['cartodb_id', 'text']]), 63);
    expect(p.columns.map((c) => c.name)).toEqual(['cartodb_id_1']);
    expect(p.consumed).toEqual([]);
  });
});

describe('the_geom source, first match wins', () => {
  it('a spatial column (one named the_geom first) beats text and coordinates', () => {
    const p = planCartoTable(plan([['wkt', 'text'], ['lat', 'real'], ['lon', 'real'], ['shape', 'geometry'], ['THE_GEOM', 'geography(Point,4326)']]), 63);
    expect(p.geometry).toEqual({ kind: 'spatial', column: 'the_geom_1', remoteName: 'THE_GEOM', geography: true });
    expect(p.consumed).toEqual(['the_geom_1']);
    expect(planCartoTable(plan([['shape', 'geometry(Point,3857)'], ['geom', 'text']]), 63).geometry).toMatchObject({ kind: 'spatial', column: 'shape', geography: false });
  });

  it('an array column (kept from a PostgreSQL source) is never a source: geometry[], text[] the_geom, numeric[] lat/lon', () => {
    expect(planCartoTable(plan([['shapes', 'geometry(Point,4326)[]'], ['geom', 'text']]), 63).geometry).toMatchObject({ kind: 'text', column: 'geom' });
    expect(planCartoTable(plan([['the_geom', 'text[]'], ['lat', 'numeric[]'], ['lon', 'double precision[]']]), 63).geometry).toBeUndefined();
  });

  it('then text/JSON/bytea columns by name, in CARTO\'s order', () => {
    expect(planCartoTable(plan([['geojson', 'jsonb'], ['wkt', 'character varying(200)']]), 63).geometry).toEqual({ kind: 'text', column: 'wkt', remoteName: 'wkt' });
    expect(planCartoTable(plan([['geojson', 'jsonb']]), 63).geometry).toEqual({ kind: 'text', column: 'geojson', remoteName: 'geojson' });
    expect(planCartoTable(plan([['wkb_geometry', 'bytea']]), 63).geometry).toEqual({ kind: 'wkb', column: 'wkb_geometry', remoteName: 'wkb_geometry' });
    expect(planCartoTable(plan([['geom', 'integer']]), 63).geometry).toBeUndefined();
  });

  it('then a latitude/longitude pair, numbers or text', () => {
    expect(planCartoTable(plan([['Latitude', 'numeric(9,6)'], ['LNG', 'text']]), 63).geometry)
      .toEqual({ kind: 'latlon', lat: 'latitude', lon: 'lng', latIsText: false, lonIsText: true });
    expect(planCartoTable(plan([['lat', 'double precision']]), 63).geometry).toBeUndefined();
    expect(planCartoTable(plan([['lat', 'boolean'], ['lon', 'real']]), 63).geometry).toBeUndefined();
  });

  it('reserves the CARTO names for remote columns that are not the source', () => {
    const p = planCartoTable(plan([['the_geom_webmercator', 'geometry'], ['the_geom', 'text'], ['x', 'integer']]), 63);
    expect(p.columns.map((c) => c.name)).toEqual(['the_geom_webmercator_1', 'the_geom_1', 'x']);
    expect(p.geometry).toMatchObject({ kind: 'spatial', column: 'the_geom_webmercator_1' });
    expect(p.consumed).toEqual(['the_geom_webmercator_1']);
  });
});

describe('descriptions', () => {
  it('say where each column comes from, for the job log', () => {
    expect(describeCartoPlan(planCartoTable(plan([['id', 'integer'], ['lat', 'real'], ['lon', 'real']], 'id'), 63)))
      .toBe('CARTO columns: cartodb_id from the remote primary key id; the_geom from the latitude/longitude columns lat, lon; the_geom_webmercator = ST_Transform(the_geom, 3857); GiST indexes on both');
    expect(describeCartoPlan(planCartoTable(plan([['name', 'text']]), 63))).toMatch(/^CARTO columns: cartodb_id generated \(no remote integer key\); the_geom empty/);
  });

  it('name what a target without PostGIS misses', () => {
    expect(describeGeoreference(plan([['id', 'integer']], undefined, [['pos', 'point']]), [{ remoteName: 'pos', remoteType: 'point' }], 63))
      .toBe('the spatial column pos (point) was skipped');
    expect(describeGeoreference(plan([['lat', 'real'], ['long', 'real']]), [], 63)).toBe('the columns lat/long were not turned into points');
    expect(describeGeoreference(plan([['id', 'integer'], ['blob', 'bytea']]), [{ remoteName: 'x', remoteType: 'xml' }], 63)).toBeUndefined();
  });
});
