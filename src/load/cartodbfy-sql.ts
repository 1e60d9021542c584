/**
 * SQL text of the CARTO columns (SPEC §12): the staging table's generated columns and the helper
 * functions they call. Everything is computed by PostGIS inside the target while COPY writes the
 * rows: the_geom and the_geom_webmercator are STORED generated columns of the staging table, so
 * the rows are written once (no UPDATE pass: 1,000,000 lat/lon rows load in 1.6 s instead of
 * 1.1 s plain; an UPDATE afterwards took 2.1 s more and doubled the table on disk). After the
 * COPY the expressions are dropped (`ALTER COLUMN … DROP EXPRESSION`, PostgreSQL 13+, no rewrite)
 * and the columns become ordinary, editable columns.
 *
 * PostgreSQL 15 has no "try" input functions, so parsing that may fail (WKT/WKB/GeoJSON text, an
 * SRID PROJ does not know) runs in small PL/pgSQL functions whose EXCEPTION block turns an error
 * into NULL. They are created in pg_temp for the load transaction only (nothing is installed in
 * the user's schemas) and dropped before the commit. The exception block costs a subtransaction
 * per value: 1,000,000 WKT values took 2.6 s instead of 1.1 s. Spatial values already in 4326 or
 * without SRID never enter it.
 *
 * Every PostGIS name is qualified with the extension's schema (postgis.ts).
 */
import pg from 'pg';
import { CARTODB_ID, THE_GEOM, THE_GEOM_WEBMERCATOR, type CartoTablePlan, type GeoSource } from './cartodbfy-plan.js';
import { qi, targetType, type LocalColumn } from './ddl.js';

export const WGS84_SRID = 4326;
export const WEBMERCATOR_SRID = 3857;
/** Latitude where web mercator's square world ends (atan(sinh(π))): beyond it y is infinite. */
export const WEBMERCATOR_MAX_LATITUDE = 85.0511287798066;

const TO_4326 = 'pg_temp.cdb_carto_to_4326';
const PARSE_TEXT = 'pg_temp.cdb_carto_parse_text';
const PARSE_WKB = 'pg_temp.cdb_carto_parse_wkb';
const TO_FLOAT = 'pg_temp.cdb_carto_float';
const WEBMERCATOR = 'pg_temp.cdb_carto_webmercator';

export class CartoSql {
  private readonly p: string;

  constructor(private readonly schema: string) {
    this.p = qi(schema);
  }

  /** `"public".geometry(Geometry,4326)` */
  geometryType(srid: number): string {
    return `${this.p}.geometry(Geometry,${srid})`;
  }

  /** The helper functions, created as the sidecar's role (they only compute). */
  createFunctions(): string[] {
    const p = this.p;
    const geometry = `${p}.geometry`;
    const fn = (signature: string, returns: string, body: string) =>
      `create function ${signature} returns ${returns} language plpgsql immutable as ${pg.escapeLiteral(body)}`;
    // One PL/pgSQL call per value and column: a parse function that also normalises the SRID ran
    // 1,000,000 WKT values in 3.1 s where separate parse and normalise calls took 4.5 s.
    const normalised = (g: string) => `
  if ${p}.st_srid(${g}) not in (0, ${WGS84_SRID}) then
    begin
      ${g} := ${p}.st_transform(${g}, ${WGS84_SRID});
    exception when others then
      return null;
    end;
  end if;
  ${g} := ${p}.st_setsrid(${g}, ${WGS84_SRID});
  if ${p}.st_isempty(${g}) or (${p}.st_xmin(${g}) >= -180 and ${p}.st_xmax(${g}) <= 180 and ${p}.st_ymin(${g}) >= -90 and ${p}.st_ymax(${g}) <= 90) then
    return ${g};
  end if;
  return null;`;
    return [
      // SRID 0 (unknown) is taken as WGS 84, as CARTO does; NaN and out-of-range bounds fail the range test.
      fn(`${TO_4326}(g ${geometry})`, geometry, `begin
  if g is null then return null; end if;${normalised('g')}
end`),
      // WKT, EWKT and hex WKB/EWKB go through geometry's own input function; `{…}` is GeoJSON (a Feature too).
      fn(`${PARSE_TEXT}(t text)`, geometry, `declare
  s text := btrim(t);
  j jsonb;
  g ${geometry};
begin
  if s is null or s = '' then return null; end if;
  begin
    if left(s, 1) = '{' then
      j := s::jsonb;
      if j ->> 'type' = 'Feature' then j := j -> 'geometry'; end if;
      g := ${p}.st_geomfromgeojson(j::text);
    else
      if s ~* '^(0x|\\\\x)[0-9a-f]+$' then s := substr(s, 3); end if;
      g := s::${geometry};
    end if;
  exception when others then
    return null;
  end;
  if g is null then return null; end if;${normalised('g')}
end`),
      fn(`${PARSE_WKB}(b bytea)`, geometry, `declare
  g ${geometry};
begin
  if b is null then return null; end if;
  begin
    g := ${p}.st_geomfromewkb(b);
  exception when others then
    return null;
  end;${normalised('g')}
end`),
      fn(`${TO_FLOAT}(t text)`, 'double precision', `begin
  return nullif(btrim(t), '')::double precision;
exception when others then
  return null;
end`),
      // Beyond ±85.05° web mercator has no y: the geometry is clipped first, as CARTO's CDB_TransformToWebmercator does.
      fn(`${WEBMERCATOR}(g ${geometry})`, geometry, `begin
  if g is null then return null; end if;
  if ${p}.st_ymin(g) >= -${WEBMERCATOR_MAX_LATITUDE} and ${p}.st_ymax(g) <= ${WEBMERCATOR_MAX_LATITUDE} then
    return ${p}.st_transform(g, ${WEBMERCATOR_SRID});
  end if;
  begin
    return ${p}.st_transform(${p}.st_intersection(g, ${p}.st_makeenvelope(-180, -${WEBMERCATOR_MAX_LATITUDE}, 180, ${WEBMERCATOR_MAX_LATITUDE}, ${WGS84_SRID})), ${WEBMERCATOR_SRID});
  exception when others then
    return null;
  end;
end`),
    ];
  }

  dropFunctions(): string {
    const geometry = `${this.p}.geometry`;
    return `drop function ${TO_4326}(${geometry}), ${PARSE_TEXT}(text), ${PARSE_WKB}(bytea), ${TO_FLOAT}(text), ${WEBMERCATOR}(${geometry})`;
  }

  /** the_geom (SRID 4326, NULL when invalid) from the source columns of one row. */
  theGeomExpression(geo: GeoSource): string {
    const p = this.p;
    switch (geo.kind) {
      case 'spatial': return `${TO_4326}(${qi(geo.column)}${geo.geography ? `::${p}.geometry` : ''})`;
      case 'text': return `${PARSE_TEXT}(${qi(geo.column)}::text)`;
      case 'wkb': return `${PARSE_WKB}(${qi(geo.column)})`;
      case 'latlon': {
        const lat = geo.latIsText ? `${TO_FLOAT}(${qi(geo.lat)}::text)` : `${qi(geo.lat)}::double precision`;
        const lon = geo.lonIsText ? `${TO_FLOAT}(${qi(geo.lon)}::text)` : `${qi(geo.lon)}::double precision`;
        return `case when ${lat} between -90 and 90 and ${lon} between -180 and 180 then ${p}.st_setsrid(${p}.st_makepoint(${lon}, ${lat}), ${WGS84_SRID}) end`;
      }
    }
  }

  /** True for a row whose source holds something (so a NULL the_geom means "invalid"). */
  sourcePresent(geo: GeoSource): string {
    switch (geo.kind) {
      case 'text': return `nullif(btrim(${qi(geo.column)}::text), '') is not null`;
      case 'latlon': {
        const present = (column: string, isText: boolean) => (isText ? `nullif(btrim(${qi(column)}::text), '') is not null` : `${qi(column)} is not null`);
        return `(${present(geo.lat, geo.latIsText)} or ${present(geo.lon, geo.lonIsText)})`;
      }
      default: return `${qi(geo.column)} is not null`;
    }
  }

  /**
   * Column definitions of the staging table: cartodb_id first, the COPY columns, then the_geom
   * and the_geom_webmercator.
   */
  stagingColumns(carto: CartoTablePlan): string[] {
    const key = carto.key.kind === 'generated' ? `${qi(CARTODB_ID)} bigint generated by default as identity`
      : `${qi(CARTODB_ID)} bigint generated always as (${qi(carto.key.column)}::bigint) stored`;
    const geo = carto.geometry;
    const theGeom = geo ? this.theGeomExpression(geo) : undefined;
    return [
      key,
      ...carto.columns.map((c) => this.columnDef(c)),
      `${qi(THE_GEOM)} ${this.geometryType(WGS84_SRID)}${theGeom ? ` generated always as (${theGeom}) stored` : ''}`,
      `${qi(THE_GEOM_WEBMERCATOR)} ${this.geometryType(WEBMERCATOR_SRID)}${theGeom ? ` generated always as (${WEBMERCATOR}(${theGeom})) stored` : ''}`,
    ];
  }

  /** The same columns as plain ones, for a sync table rebuilt from a staged refresh. */
  finalColumns(carto: CartoTablePlan): string[] {
    return [
      `${qi(CARTODB_ID)} bigint generated by default as identity`,
      ...carto.columns.filter((c) => !carto.consumed.includes(c.name)).map((c) => this.columnDef(c)),
      `${qi(THE_GEOM)} ${this.geometryType(WGS84_SRID)}`,
      `${qi(THE_GEOM_WEBMERCATOR)} ${this.geometryType(WEBMERCATOR_SRID)}`,
    ];
  }

  private columnDef(c: LocalColumn): string {
    return `${qi(c.name)} ${targetType(c.type, this.schema)}`;
  }

  /** GiST index on a geometry column. */
  gistIndex(indexName: string, table: string, column: string): string {
    return `create index ${qi(indexName)} on ${table} using gist (${qi(column)})`;
  }

  /**
   * Keeps the_geom_webmercator equal to the transformed the_geom when users edit the table
   * (sql/api/cartodb-webmercator-trigger.sql). Loads write both columns themselves: the WHEN
   * conditions keep the trigger from firing for them.
   */
  webmercatorTriggers(table: string, postgisSchema: string): string[] {
    const call = `execute function cdb_connectors.update_the_geom_webmercator(${pg.escapeLiteral(postgisSchema)})`;
    return [
      `create trigger cdb_the_geom_webmercator_insert before insert on ${table} for each row
        when (new.${qi(THE_GEOM)} is not null and new.${qi(THE_GEOM_WEBMERCATOR)} is null) ${call}`,
      // IS DISTINCT FROM, spelled with PostGIS's own `=` so a PostGIS schema off the search_path works.
      `create trigger cdb_the_geom_webmercator_update before update of ${qi(THE_GEOM)} on ${table} for each row
        when ((new.${qi(THE_GEOM)} is null) <> (old.${qi(THE_GEOM)} is null)
              or not (new.${qi(THE_GEOM)} operator(${this.p}.=) old.${qi(THE_GEOM)})) ${call}`,
    ];
  }
}

