/**
 * Which remote columns make the CARTO columns of a table (SPEC §12, issue 12): pure decisions on
 * the described columns, made before the load so that the staging table can compute everything
 * while COPY writes the rows (cartodbfy-sql.ts).
 *
 * - cartodb_id: the first of a remote integer column named `cartodb_id`, the remote single-column
 *   integer primary key, an integer column named `ogc_fid` or `gid`; otherwise generated. (The
 *   primary key comes before ogc_fid/gid because the source guarantees its uniqueness.) A named
 *   column's uniqueness is only known once the rows are loaded: if it turns out duplicated or
 *   NULL, cartodb_id is generated after all (cartodbfy.ts).
 * - the_geom, first match wins: a spatial column (one named `the_geom` first), a text, JSON or
 *   bytea column named the_geom, geom, geometry, wkb_geometry, wkt, geojson (in that order), a
 *   latitude/longitude pair.
 * - The names cartodb_id, the_geom and the_geom_webmercator belong to these columns. A remote
 *   column with one of these names gets a suffixed local name (`the_geom_1`) unless it is the
 *   source: a source named `cartodb_id` or `the_geom` is staged under the suffixed name and
 *   dropped after the load, its values living on in the CARTO column (the_geom transformed).
 */
import type { SkippedColumn, SourcePlan } from '../rows/plan.js';
import type { LocalColumn } from './ddl.js';
import { toLocalIdentifier, uniqueLocalIdentifiers } from './identifiers.js';

export const CARTODB_ID = 'cartodb_id';
export const THE_GEOM = 'the_geom';
export const THE_GEOM_WEBMERCATOR = 'the_geom_webmercator';
export const CARTO_COLUMN_NAMES: readonly string[] = [CARTODB_ID, THE_GEOM, THE_GEOM_WEBMERCATOR];

/** Names of an integer key column after `cartodb_id`, in CARTO's order (ogr2ogr's and shp2pgsql's ids). */
const NAMED_KEYS = ['ogc_fid', 'gid'];
/** Text columns that may hold WKT, hex WKB/EWKB or GeoJSON, in order of preference. */
const GEOMETRY_TEXT_NAMES = ['the_geom', 'geom', 'geometry', 'wkb_geometry', 'wkt', 'geojson'];
const LATITUDE_NAMES = ['lat', 'latitude'];
const LONGITUDE_NAMES = ['lon', 'lng', 'long', 'longitude'];

const INTEGER_TYPE = /^(smallint|integer|bigint)$/;
// Arrays (`geometry(Point,4326)[]`, `text[]`, `numeric[]`, kept from PostgreSQL sources) hold no single geometry or coordinate.
const SPATIAL_TYPE = /^(geometry|geography)\b(?!.*\[\]$)/;
const GEOGRAPHY_TYPE = /^geography\b/;
const TEXT_TYPE = /^(text|varchar|character varying|character|json|jsonb)\b(?!.*\[\]$)/;
const BYTEA_TYPE = /^bytea$/;
const NUMBER_TYPE = /^(smallint|integer|bigint|numeric|decimal|real|double precision)\b(?!.*\[\]$)/;
/** Remote spatial types a provider skips when the target has no PostGIS (for the `no_postgis` warning). */
const REMOTE_SPATIAL_TYPE = /\b(geometry|geography|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection|geomcollection)\b/i;

export type KeyPlan =
  /**
   * cartodb_id holds the values of this staged integer column. A remote column named cartodb_id
   * is staged under a suffixed name and consumed (it becomes cartodb_id); any other key column
   * stays as it is. Staging keeps the remote integer type, so binary COPY data still fits.
   */
  | { kind: 'copy'; column: string; remoteName: string; why: string }
  /** No usable remote key: an identity column numbers the rows 1..n in fetch order. */
  | { kind: 'generated' };

export type GeoSource =
  | { kind: 'spatial'; column: string; remoteName: string; geography: boolean }
  /** WKT, EWKT, hex WKB/EWKB or GeoJSON text (also json/jsonb columns, read as text). */
  | { kind: 'text'; column: string; remoteName: string }
  /** Binary WKB/EWKB. */
  | { kind: 'wkb'; column: string; remoteName: string }
  | { kind: 'latlon'; lat: string; lon: string; latIsText: boolean; lonIsText: boolean };

export interface CartoTablePlan {
  /** The columns COPY writes, with their local names (CARTO names reserved). */
  columns: LocalColumn[];
  key: KeyPlan;
  geometry?: GeoSource;
  /** Staged columns dropped once the CARTO columns are computed (a source that had a CARTO name). */
  consumed: string[];
}

interface Candidate {
  index: number;
  base: string;
  remoteName: string;
  localType: string;
}

export function planCartoTable(plan: SourcePlan, maxBytes: number): CartoTablePlan {
  const candidates: Candidate[] = plan.columns.map((c, index) => ({ index, base: toLocalIdentifier(c.remoteName, maxBytes), remoteName: c.remoteName, localType: c.localType }));
  const names = uniqueLocalIdentifiers(plan.columns.map((c) => c.remoteName), CARTO_COLUMN_NAMES, maxBytes);
  const columns: LocalColumn[] = plan.columns.map((c, i) => ({ name: names[i]!, type: c.localType }));
  const found = chooseKey(candidates, plan.primaryKey);
  const consumed: string[] = [];
  let key: KeyPlan = { kind: 'generated' };
  if (found) {
    const column = columns[found.at.index]!.name;
    key = { kind: 'copy', column, remoteName: found.at.remoteName, why: found.why };
    if (found.at.base === CARTODB_ID) consumed.push(column);
  }
  const source = chooseGeoSource(candidates);
  let geometry: GeoSource | undefined;
  if (source) {
    geometry = localGeoSource(source, columns);
    if (source.kind !== 'latlon' && CARTO_COLUMN_NAMES.includes(source.at.base)) consumed.push(columns[source.at.index]!.name);
  }
  return { columns, key, geometry, consumed };
}

function chooseKey(candidates: Candidate[], primaryKey: string | undefined): { at: Candidate; why: string } | undefined {
  const integer = (c: Candidate | undefined) => (c && INTEGER_TYPE.test(c.localType) ? c : undefined);
  const own = integer(candidates.find((c) => c.base === CARTODB_ID));
  if (own) return { at: own, why: 'the remote column' };
  const pk = integer(candidates.find((c) => c.remoteName === primaryKey));
  if (pk) return { at: pk, why: 'the remote primary key' };
  for (const name of NAMED_KEYS) {
    const named = integer(candidates.find((c) => c.base === name));
    if (named) return { at: named, why: 'the remote column' };
  }
  return undefined;
}

type FoundSource =
  | { kind: 'spatial' | 'text' | 'wkb'; at: Candidate }
  | { kind: 'latlon'; at: { lat: Candidate; lon: Candidate } };

function chooseGeoSource(candidates: Candidate[]): FoundSource | undefined {
  const spatial = candidates.filter((c) => SPATIAL_TYPE.test(c.localType));
  const firstSpatial = spatial.find((c) => c.base === THE_GEOM) ?? spatial[0];
  if (firstSpatial) return { kind: 'spatial', at: firstSpatial };
  for (const name of GEOMETRY_TEXT_NAMES) {
    const c = candidates.find((x) => x.base === name && (TEXT_TYPE.test(x.localType) || BYTEA_TYPE.test(x.localType)));
    if (c) return { kind: BYTEA_TYPE.test(c.localType) ? 'wkb' : 'text', at: c };
  }
  const coordinate = (names: string[]) => {
    for (const name of names) {
      const c = candidates.find((x) => x.base === name && (NUMBER_TYPE.test(x.localType) || TEXT_TYPE.test(x.localType)));
      if (c) return c;
    }
    return undefined;
  };
  const lat = coordinate(LATITUDE_NAMES);
  const lon = coordinate(LONGITUDE_NAMES);
  return lat && lon ? { kind: 'latlon', at: { lat, lon } } : undefined;
}

function localGeoSource(found: FoundSource, columns: LocalColumn[]): GeoSource {
  if (found.kind === 'latlon') {
    const { lat, lon } = found.at;
    return { kind: 'latlon', lat: columns[lat.index]!.name, lon: columns[lon.index]!.name, latIsText: TEXT_TYPE.test(lat.localType), lonIsText: TEXT_TYPE.test(lon.localType) };
  }
  const column = columns[found.at.index]!.name;
  if (found.kind === 'spatial') return { kind: 'spatial', column, remoteName: found.at.remoteName, geography: GEOGRAPHY_TYPE.test(found.at.localType) };
  return { kind: found.kind, column, remoteName: found.at.remoteName };
}

/**
 * What the source offers for the_geom when the target cannot store it (no PostGIS): a spatial
 * column the provider skipped, a geometry text column or a latitude/longitude pair. Undefined
 * when nothing looks spatial (then the plain table misses nothing).
 */
export function describeGeoreference(plan: SourcePlan, skipped: readonly SkippedColumn[], maxBytes: number): string | undefined {
  const spatial = skipped.find((c) => REMOTE_SPATIAL_TYPE.test(c.remoteType));
  if (spatial) return `the spatial column ${spatial.remoteName} (${spatial.remoteType}) was skipped`;
  const found = chooseGeoSource(plan.columns.map((c, index) => ({ index, base: toLocalIdentifier(c.remoteName, maxBytes), remoteName: c.remoteName, localType: c.localType })));
  if (!found) return undefined;
  return found.kind === 'latlon'
    ? `the columns ${found.at.lat.remoteName}/${found.at.lon.remoteName} were not turned into points`
    : `the column ${found.at.remoteName} was not turned into geometries`;
}

/** One line for the job log: where each CARTO column comes from. */
export function describeCartoPlan(carto: CartoTablePlan): string {
  const key = carto.key.kind === 'copy' ? `cartodb_id from ${carto.key.why} ${carto.key.remoteName}` : 'cartodb_id generated (no remote integer key)';
  const g = carto.geometry;
  const geom = !g ? 'the_geom empty (no spatial column, geometry text column or latitude/longitude pair)'
    : g.kind === 'latlon' ? `the_geom from the latitude/longitude columns ${g.lat}, ${g.lon}`
      : g.kind === 'spatial' ? `the_geom from the ${g.geography ? 'geography' : 'spatial'} column ${g.remoteName}`
        : `the_geom from the ${g.kind === 'wkb' ? 'WKB' : 'WKT/WKB/GeoJSON'} column ${g.remoteName}`;
  return `CARTO columns: ${key}; ${geom}; the_geom_webmercator = ST_Transform(the_geom, 3857); GiST indexes on both`;
}
