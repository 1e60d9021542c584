/**
 * The CARTO table of one load (SPEC §12, issue 12; decided in cartodbfy.ts): the hooks that
 * write strategies (strategies/new-table.ts, strategies/replace.ts) call inside their load transaction.
 *
 *   create staging   the_geom/the_geom_webmercator as generated columns and cartodb_id as an
 *                    identity (or generated from the remote key): COPY computes them
 *                    (cartodbfy-sql.ts);
 *   after the COPY   count invalid geometries, make the columns ordinary, drop consumed source
 *                    columns; a new table also gets its primary key, GiST indexes and the
 *                    web mercator triggers here (named after the staging table);
 *   commit           the primary key, indexes and sequence take names after the final table.
 *
 * cartodb_id from a remote key is that key (stable across refreshes). A key that turns out
 * duplicated or NULL in the data falls back to ids numbered 1..n in fetch order, with the warning
 * `cartodb_id_generated`.
 */
import pg from 'pg';
import { SQLSTATE } from '../db/sqlstate.js';
import { CARTODB_ID, THE_GEOM, THE_GEOM_WEBMERCATOR, type CartoTablePlan } from './cartodbfy-plan.js';
import { CartoSql } from './cartodbfy-sql.js';
import { qi, qualified, type LocalColumn } from './ddl.js';
import type { PostgisInfo } from '../db/capabilities.js';
import { findFreeTableName } from './target-catalog.js';

export interface LoadWarning {
  code: string;
  message: string;
}

const KEY_SAVEPOINT = 'cdb_carto_key';
/** PostgreSQL's NAMEDATALEN - 1. */
const MAX_NAME_BYTES = 63;

/** The CARTO table of one load: its plan, SQL, and the hooks the loads call in their transaction. */
export class CartoTable {
  readonly sql: CartoSql;
  private invalid = 0;
  private keyFallback?: string;
  /** Names (in the load's schema) of the objects to rename after the final table at commit. */
  private readonly provisional: { pkey?: string; indexes: Array<{ name: string; column: string }> } = { indexes: [] };

  constructor(readonly plan: CartoTablePlan, readonly postgis: PostgisInfo) {
    this.sql = new CartoSql(postgis.schema);
  }

  get columns(): LocalColumn[] {
    return this.plan.columns;
  }

  /**
   * Creates the staging table (as `owner`, whose role is set when called) with the CARTO columns
   * computed during the COPY. The helper functions are created as the sidecar's role, so a load
   * needs no TEMP privilege of the owner.
   */
  async createStaging(client: pg.ClientBase, schema: string, table: string, owner: string, opts: { temp: boolean }): Promise<void> {
    await client.query('reset role');
    for (const statement of this.sql.createFunctions()) await client.query(statement);
    await client.query(`set local role ${qi(owner)}`);
    await client.query(`create table ${qualified(schema, table)} (${this.sql.stagingColumns(this.plan).join(', ')})${opts.temp ? ' on commit drop' : ''}`);
  }

  /**
   * After the COPY, as the owner: counts invalid geometries, turns the generated columns into
   * ordinary ones, drops consumed source columns and the helpers. A `final` staging table (the
   * new table of an import) also gets its key, indexes and triggers; a refresh's staging only has
   * its key checked.
   */
  async afterCopy(client: pg.ClientBase, schema: string, table: string, owner: string, opts: { final: boolean }): Promise<void> {
    const t = qualified(schema, table);
    const geo = this.plan.geometry;
    if (geo) {
      const { rows } = await client.query<{ n: string }>(`select pg_catalog.count(*) as n from ${t} where ${this.sql.sourcePresent(geo)} and ${qi(THE_GEOM)} is null`);
      this.invalid = Number(rows[0]!.n);
    }
    const generated = [...(geo ? [THE_GEOM, THE_GEOM_WEBMERCATOR] : []), ...(this.plan.key.kind === 'copy' ? [CARTODB_ID] : [])];
    if (generated.length > 0) await client.query(`alter table ${t} ${generated.map((c) => `alter column ${qi(c)} drop expression`).join(', ')}`);
    await client.query('reset role');
    await client.query(this.sql.dropFunctions());
    await client.query(`set local role ${qi(owner)}`);
    let consumed = this.plan.consumed;
    if (opts.final) {
      if (!(await this.addKey(client, schema, table))) consumed = consumed.filter((c) => c !== this.keyColumn());
    } else if (this.plan.key.kind !== 'generated' && !(await keyUsable(client, t))) {
      this.fellBack();
    }
    if (consumed.length > 0) await client.query(`alter table ${t} ${consumed.map((c) => `drop column ${qi(c)}`).join(', ')}`);
    if (opts.final) await this.addIndexesAndTriggers(client, schema, table, false);
  }

  /** Import commit, after the rename (as the owner, like the rename): objects take names after the table. */
  async nameAfterTable(client: pg.ClientBase, schema: string, table: string): Promise<void> {
    const renames: Array<[string, string]> = [];
    if (this.provisional.pkey) renames.push([this.provisional.pkey, 'pkey']);
    for (const index of this.provisional.indexes) renames.push([index.name, `${index.column}_idx`]);
    for (const [from, suffix] of renames) {
      await client.query(`alter index ${qualified(schema, from)} rename to ${qi(await findFreeTableName(client, schema, relationName(table, suffix)))}`);
    }
    const seq = await identitySequence(client, qualified(schema, table));
    const seqName = relationName(table, `${CARTODB_ID}_seq`);
    if (seq && seq.name !== seqName) {
      await client.query(`alter sequence ${qualified(seq.schema, seq.name)} rename to ${qi(await findFreeTableName(client, seq.schema, seqName))}`);
    }
  }

  /** The select expression of cartodb_id in a refresh's `insert … select` from the staging table. */
  refreshKeyExpression(): string {
    return this.keyFallback ? 'row_number() over ()' : qi(CARTODB_ID);
  }

  /**
   * What a refresh runs after writing its rows, in the same owner frame (the synced table's
   * policies may apply to the read): new rows inserted by users continue after the largest id.
   */
  async afterRefreshInsertSql(client: pg.ClientBase, table: string): Promise<string[]> {
    const seq = await identitySequence(client, table);
    return seq ? [advanceIdentitySql(table, seq)] : [];
  }

  /** A sync table dropped and created again from a refresh (sync_rebuild_on_schema_change). */
  createFinalTableSql(schema: string, table: string): string {
    return `create table ${qualified(schema, table)} (${this.sql.finalColumns(this.plan).join(', ')})`;
  }

  /** After the rows of a rebuilt sync table are in (their ids are valid: checked after the COPY). */
  async formatRebuiltTable(client: pg.ClientBase, schema: string, table: string): Promise<void> {
    await this.addPrimaryKey(client, schema, table, true);
    await this.addIndexesAndTriggers(client, schema, table, true);
    await advanceIdentity(client, qualified(schema, table));
  }

  /** The checksum of a sync covers the content: generated ids are positions, not content. */
  checksumColumns<T extends { name: string }>(columns: readonly T[]): T[] {
    return this.plan.key.kind === 'generated' ? columns.filter((c) => c.name !== CARTODB_ID) : [...columns];
  }

  warnings(): LoadWarning[] {
    const out: LoadWarning[] = [];
    const geo = this.plan.geometry;
    if (geo && this.invalid > 0) {
      const source = geo.kind === 'latlon' ? `${geo.lat}/${geo.lon}` : geo.remoteName;
      const kept = this.plan.consumed.length > 0 ? '' : '; the original columns are kept';
      out.push({ code: 'invalid_geometries', message: `${this.invalid} value(s) of ${source} could not be turned into the_geom (unparsable, unknown SRID, or outside longitude -180..180 / latitude -90..90) and became NULL${kept}` });
    }
    if (this.keyFallback) out.push({ code: 'cartodb_id_generated', message: this.keyFallback });
    return out;
  }

  private fellBack(): void {
    const key = this.plan.key;
    const name = key.kind === 'generated' ? '' : key.remoteName;
    this.keyFallback = `The remote key ${name} has duplicate or NULL values in the fetched rows, so cartodb_id was numbered 1..n in fetch order instead`;
  }

  private keyColumn(): string | undefined {
    return this.plan.key.kind === 'copy' ? this.plan.key.column : undefined;
  }

  /**
   * Primary key and identity of an import's table (still under its staging name). False when the
   * remote key was duplicated or NULL and cartodb_id was generated instead: its source column
   * is then kept, even a remote `cartodb_id` (as `cartodb_id_1`).
   */
  private async addKey(client: pg.ClientBase, schema: string, table: string): Promise<boolean> {
    const t = qualified(schema, table);
    if (this.plan.key.kind === 'generated') {
      await this.addPrimaryKey(client, schema, table);
      return true;
    }
    await client.query(`savepoint ${KEY_SAVEPOINT}`);
    try {
      await this.addPrimaryKey(client, schema, table);
      await client.query(`release savepoint ${KEY_SAVEPOINT}`);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== SQLSTATE.UNIQUE_VIOLATION && code !== SQLSTATE.NOT_NULL_VIOLATION) throw err;
      await client.query(`rollback to savepoint ${KEY_SAVEPOINT}`);
      await client.query(`release savepoint ${KEY_SAVEPOINT}`);
      this.fellBack();
      // Rewrites the table once, numbering the rows: only for a key that was not a key after all.
      await client.query(`alter table ${t} drop column ${qi(CARTODB_ID)}, add column ${qi(CARTODB_ID)} bigint generated by default as identity`);
      await this.addPrimaryKey(client, schema, table);
      return false;
    }
    await client.query(`alter table ${t} alter column ${qi(CARTODB_ID)} add generated by default as identity`);
    await advanceIdentity(client, t);
    return true;
  }

  private async addPrimaryKey(client: pg.ClientBase, schema: string, table: string, finalNames = false): Promise<void> {
    const name = await findFreeTableName(client, schema, relationName(table, 'pkey'));
    await client.query(`alter table ${qualified(schema, table)} add constraint ${qi(name)} primary key (${qi(CARTODB_ID)})`);
    if (!finalNames) this.provisional.pkey = name;
  }

  private async addIndexesAndTriggers(client: pg.ClientBase, schema: string, table: string, finalNames: boolean): Promise<void> {
    const t = qualified(schema, table);
    for (const column of [THE_GEOM, THE_GEOM_WEBMERCATOR]) {
      const name = await findFreeTableName(client, schema, relationName(table, `${column}_idx`));
      await client.query(this.sql.gistIndex(name, t, column));
      if (!finalNames) this.provisional.indexes.push({ name, column });
    }
    for (const statement of this.sql.webmercatorTriggers(t, this.postgis.schema)) await client.query(statement);
  }
}

/** `<table>_<suffix>` cut to 63 bytes (table names are ASCII: identifiers.ts). */
function relationName(table: string, suffix: string): string {
  const tail = `_${suffix}`;
  return table.slice(0, MAX_NAME_BYTES - tail.length) + tail;
}

async function keyUsable(client: pg.ClientBase, table: string): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>(
    `select not exists (select from ${table} where ${qi(CARTODB_ID)} is null)
        and not exists (select from ${table} group by ${qi(CARTODB_ID)} having pg_catalog.count(*) > 1) as ok`);
  return rows[0]!.ok;
}

async function identitySequence(client: pg.ClientBase, table: string): Promise<{ schema: string; name: string } | undefined> {
  const { rows } = await client.query<{ schema: string; name: string }>(
    `select n.nspname as schema, c.relname as name from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.oid = pg_catalog.pg_get_serial_sequence($1, $2)::pg_catalog.regclass`, [table, CARTODB_ID]);
  return rows[0];
}

/** The identity continues after the largest cartodb_id (a user's INSERT never collides). */
async function advanceIdentity(client: pg.ClientBase, table: string): Promise<void> {
  const seq = await identitySequence(client, table);
  if (!seq) return; // the owner replaced the column's default: leave it alone
  await client.query(advanceIdentitySql(table, seq));
}

function advanceIdentitySql(table: string, seq: { schema: string; name: string }): string {
  return `select pg_catalog.setval(${pg.escapeLiteral(qualified(seq.schema, seq.name))}::pg_catalog.regclass, coalesce(pg_catalog.max(${qi(CARTODB_ID)}), 0) + 1, false) from ${table}`;
}
