-- cdb_connectors.update_the_geom_webmercator(): BEFORE INSERT/UPDATE trigger of the tables the
-- sidecar formats as CARTO datasets (SPEC §12, issue 12; created by src/load/cartodbfy.ts).
-- Keeps the_geom_webmercator equal to the_geom in web mercator (EPSG:3857) when users edit
-- the_geom; a load writes both columns itself and the triggers' WHEN conditions skip it.
-- Latitudes beyond ±85.0511° (where web mercator's y is infinite) are clipped first, as CARTO's
-- CDB_TransformToWebmercator does; the same expression as the load's (src/load/cartodbfy-sql.ts).
-- Parameters: tg_argv[0] = schema of the postgis extension, recorded when the trigger is created.
-- It is installed without PostGIS (the embedded default has none), so PostGIS is called through
-- dynamic SQL naming that schema: a few microseconds per edited row, nothing on loads.
-- Locks: none of its own.
create or replace function cdb_connectors.update_the_geom_webmercator()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  if new.the_geom is null then
    new.the_geom_webmercator := null;
  else
    execute format(
      'select case when %1$I.st_ymin($1) >= -85.0511287798066 and %1$I.st_ymax($1) <= 85.0511287798066'
      ' then %1$I.st_transform($1, 3857)'
      ' else %1$I.st_transform(%1$I.st_intersection($1, %1$I.st_makeenvelope(-180, -85.0511287798066, 180, 85.0511287798066, 4326)), 3857) end',
      tg_argv[0])
      into new.the_geom_webmercator using new.the_geom;
  end if;
  return new;
exception when others then
  -- as on loads: a geometry PROJ/GEOS cannot transform gets no web mercator twin, the edit is kept
  new.the_geom_webmercator := null;
  return new;
end
$$;

-- Whoever may edit a CARTO table fires it, not only members of cdb_connector_user; it only
-- writes the row being stored.
grant execute on function cdb_connectors.update_the_geom_webmercator() to public;

comment on function cdb_connectors.update_the_geom_webmercator() is
  'Trigger of CARTO-formatted tables: the_geom_webmercator := ST_Transform(the_geom, 3857), clipped to ±85.0511° latitude.';
