import type pg from 'pg';
import type { TargetCapabilities } from '../rows/plan.js';

/** What the target can store (PostGIS) and its version; read per job, extensions can change. */
export async function readTargetCapabilities(db: pg.Pool | pg.ClientBase): Promise<TargetCapabilities> {
  const { rows } = await db.query<{ postgis: boolean; v: number }>(
    "select exists (select 1 from pg_catalog.pg_extension where extname = 'postgis') as postgis, current_setting('server_version_num')::int as v");
  return { postgis: rows[0]!.postgis, serverVersionNum: rows[0]!.v };
}
