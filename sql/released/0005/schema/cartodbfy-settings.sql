-- The cartodbfy setting (issue 12, SPEC §12), added to cdb_connectors.settings (SPEC §6).
-- Applied after sql/api/settings-check.sql, which holds its rule. ON CONFLICT keeps a DBA's
-- value on re-apply.
-- Parameters: none. Locks: row locks on settings.
insert into cdb_connectors.settings (name, value, description) values
  ('cartodbfy', '"auto"', 'CARTO dataset columns (cartodb_id, the_geom, the_geom_webmercator, GiST indexes) on imported and synced tables: "auto" = when PostGIS is installed in this database, "on" = always (jobs fail with 1502 without PostGIS), "off" = never.')
on conflict (name) do nothing;
