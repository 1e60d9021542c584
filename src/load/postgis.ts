/**
 * Where PostGIS lives in the target (SPEC §12). Read per job: an extension can be created or
 * dropped at any time. The schema matters because every PostGIS name the load sends is
 * schema-qualified: `CREATE EXTENSION postgis SCHEMA gis` is common, and the job owner's
 * search_path need not include it.
 */
import type pg from 'pg';

export interface PostgisInfo {
  /** Schema of the postgis extension (its types and functions). */
  schema: string;
  /** Extension version, e.g. `3.3.2` (for the job log). */
  version: string;
}

export async function findPostgis(db: pg.Pool | pg.ClientBase): Promise<PostgisInfo | undefined> {
  const { rows } = await db.query<PostgisInfo>(
    `select n.nspname as schema, e.extversion as version from pg_catalog.pg_extension e
       join pg_catalog.pg_namespace n on n.oid = e.extnamespace where e.extname = 'postgis'`);
  return rows[0];
}
