// CARTO dataset conventions (issue 12, SPEC §12): the cartodbfy setting and its rule, and the
// trigger function that keeps the_geom_webmercator in step with the_geom on formatted tables.
// Nothing here needs PostGIS: the sidecar formats a table only when the extension is installed.
// It re-applies settings-check (CREATE OR REPLACE) for the new setting's rule.
// Immutable once released: a change is a new migration.
import { applyReleasedSql } from './lib/apply-sql.js';

export const FILES = [
  'api/settings-check.sql',
  'schema/cartodbfy-settings.sql',
  'api/cartodb-webmercator-trigger.sql',
];

export const up = (pgm) => applyReleasedSql(pgm, import.meta.url, FILES);

// Not reversible: formatted tables keep triggers that call the function.
export const down = false;
