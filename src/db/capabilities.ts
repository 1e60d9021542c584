/**
 * What a job needs to know about the target database, read ONCE per job (extensions can be
 * created or dropped at any time, so never cached across jobs): where PostGIS lives and which
 * version, and the server version. The provider's casts get the TargetCapabilities view of it;
 * the CARTO decision (load/cartodbfy.ts) and the PostGIS-qualified DDL get the whole.
 *
 * The schema matters because every PostGIS name the load sends is schema-qualified:
 * `CREATE EXTENSION postgis SCHEMA gis` is common, and the job owner's search_path need not
 * include it (SPEC §12).
 */
import type pg from 'pg';
import type { TargetCapabilities } from '../rows/plan.js';

export interface PostgisInfo {
  /** Schema of the postgis extension (its types and functions). */
  schema: string;
  /** Extension version, e.g. `3.3.2` (for the job log). */
  version: string;
}

export interface TargetFacts {
  postgis: PostgisInfo | undefined;
  /** server_version_num, e.g. 150018. */
  serverVersionNum: number;
}

export async function readTargetFacts(db: pg.Pool | pg.ClientBase): Promise<TargetFacts> {
  const { rows } = await db.query<{ schema: string | null; version: string | null; v: number }>(
    `select n.nspname as schema, e.extversion as version, pg_catalog.current_setting('server_version_num')::int as v
       from (select 1) as one
       left join pg_catalog.pg_extension as e on e.extname = 'postgis'
       left join pg_catalog.pg_namespace as n on n.oid = e.extnamespace`);
  const row = rows[0]!;
  return { postgis: row.schema !== null ? { schema: row.schema, version: row.version! } : undefined, serverVersionNum: row.v };
}

/** What the provider's cast rules may count on. */
export function capabilitiesOf(facts: TargetFacts): TargetCapabilities {
  return { postgis: facts.postgis !== undefined, serverVersionNum: facts.serverVersionNum };
}

/** For callers that need only the capabilities (answer-now previews, tests). */
export async function readTargetCapabilities(db: pg.Pool | pg.ClientBase): Promise<TargetCapabilities> {
  return capabilitiesOf(await readTargetFacts(db));
}
