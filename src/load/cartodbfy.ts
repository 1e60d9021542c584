/**
 * CARTO dataset conventions (SPEC §12, issue 12): every imported or synced table gets
 * `cartodb_id bigint` primary key, `the_geom geometry(Geometry,4326)` and
 * `the_geom_webmercator geometry(Geometry,3857)` with GiST indexes, inside the load transaction
 * (nothing is visible before the commit). This file decides whether a job does it; the plan is in
 * cartodbfy-plan.ts, the SQL in cartodbfy-sql.ts, the load steps in cartodbfy-table.ts.
 *
 * When (setting `cartodbfy`): "auto" (default) = when PostGIS is installed in the target; "on" =
 * always, a job fails with 1502 without PostGIS; "off" = never. A sync refresh follows its table:
 * a table that has the CARTO columns keeps them up to date, a plain one stays plain, whatever the
 * setting says now (switching the setting never strips or half-adds columns of existing tables).
 */
import type pg from 'pg';
import { ConnectorError } from '../errors.js';
import type { SourcePlan } from '../rows/plan.js';
import { CARTODB_ID, describeCartoPlan, describeGeoreference, planCartoTable, THE_GEOM, THE_GEOM_WEBMERCATOR } from './cartodbfy-plan.js';
import { CartoTable, type LoadWarning } from './cartodbfy-table.js';
import type { LocalColumn } from './ddl.js';
import type { PostgisInfo, TargetFacts } from '../db/capabilities.js';

export { CartoTable, type LoadWarning } from './cartodbfy-table.js';

export type CartodbfySetting = 'auto' | 'on' | 'off';

/** ALTER COLUMN … DROP EXPRESSION (generated → ordinary column) exists since PostgreSQL 13. */
const MIN_SERVER_VERSION_NUM = 130000;

/**
 * The cartodbfy decision of one job, made before the remote is contacted (so "on" without PostGIS
 * fails at once), then the plan of its table once the columns are known.
 */
export class Cartodbfy {
  /** The formatted table's plan and load hooks; undefined for a plain table. */
  table?: CartoTable;
  private missed?: string;

  private constructor(readonly setting: CartodbfySetting, private readonly postgis: PostgisInfo | undefined, readonly enabled: boolean, private readonly reason: string) {}

  /**
   * @param facts the job's one read of the target (db/capabilities.ts)
   * @param syncedTableOid the table a sync refresh will write (null for imports and first runs):
   * a refresh follows that table's shape.
   */
  /** A plain table whatever the setting says (incremental sync tables, SPEC §13). */
  static plain(facts: TargetFacts, reason: string): Cartodbfy {
    return new Cartodbfy('off', facts.postgis, false, reason);
  }

  static async decide(db: pg.Pool | pg.ClientBase, facts: TargetFacts, settingValue: unknown, syncedTableOid: number | null): Promise<Cartodbfy> {
    const setting = parseSetting(settingValue);
    const { postgis } = facts;
    const usable = postgis !== undefined && facts.serverVersionNum >= MIN_SERVER_VERSION_NUM;
    if (setting === 'on' && !usable) {
      throw new ConnectorError('INVALID_PARAMETERS', postgis
        ? `The cartodbfy setting is "on" but the target PostgreSQL is older than 13 (ALTER COLUMN … DROP EXPRESSION is needed); set cartodbfy to "auto" or "off".`
        : 'The cartodbfy setting is "on" but PostGIS is not installed in the target database: run CREATE EXTENSION postgis in it (as a superuser, with the postgis packages installed), or set cartodbfy to "auto" or "off".');
    }
    const shape = syncedTableOid === null ? undefined : await tableShape(db, syncedTableOid);
    if (shape !== undefined) {
      const enabled = shape === 'carto' && usable;
      return new Cartodbfy(setting, postgis, enabled, enabled ? 'the synced table has the CARTO columns' : 'the synced table is a plain table');
    }
    if (setting === 'off') return new Cartodbfy(setting, postgis, false, 'the cartodbfy setting is "off"');
    if (!usable) return new Cartodbfy(setting, postgis, false, postgis ? 'the target PostgreSQL is older than 13' : 'PostGIS is not installed in the target database');
    return new Cartodbfy(setting, postgis, true, `PostGIS ${postgis!.version} in schema ${postgis!.schema}`);
  }

  /** Schema of the PostGIS extension in the target, to qualify its types; undefined without it. */
  get postgisSchema(): string | undefined {
    return this.postgis?.schema;
  }

  /** The columns COPY writes: CARTO-reserved names when enabled, else the plain ones given. */
  columnsFor(plan: SourcePlan, plainColumns: LocalColumn[], maxBytes: number): LocalColumn[] {
    if (!this.enabled) {
      this.missed = this.postgis ? undefined : describeGeoreference(plan, plan.skipped, maxBytes);
      return plainColumns;
    }
    this.table = new CartoTable(planCartoTable(plan, maxBytes), this.postgis!);
    return this.table.columns;
  }

  /** A line for the job log. */
  note(): string {
    if (this.table) return `${describeCartoPlan(this.table.plan)} (${this.reason})`;
    return `Plain table, no CARTO columns: ${this.reason}`;
  }

  warnings(): LoadWarning[] {
    if (this.table) return this.table.warnings();
    if (this.missed && this.setting === 'auto') {
      return [{ code: 'no_postgis', message: `PostGIS is not installed in the target database, so ${this.missed} and the table has no cartodb_id, the_geom or the_geom_webmercator (setting cartodbfy "auto"). Install PostGIS (CREATE EXTENSION postgis) and import again to get them.` }];
    }
    return [];
  }
}

function parseSetting(value: unknown): CartodbfySetting {
  // The settings trigger admits only these three; anything else (an old row) means the default.
  return value === 'on' || value === 'off' ? value : 'auto';
}

/** 'carto' when the table has the three CARTO columns, 'plain' otherwise, undefined when it is gone. */
async function tableShape(db: pg.Pool | pg.ClientBase, oid: number): Promise<'carto' | 'plain' | undefined> {
  const { rows } = await db.query<{ n: number | null }>(
    `select (select pg_catalog.count(*)::int from pg_catalog.pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
              and a.attname = any ($2::name[])) as n
       from pg_catalog.pg_class c where c.oid = $1 and c.relkind in ('r', 'p')`, [oid, [CARTODB_ID, THE_GEOM, THE_GEOM_WEBMERCATOR]]);
  if (rows.length === 0) return undefined;
  return rows[0]!.n === 3 ? 'carto' : 'plain';
}
