/**
 * Loads rows into a brand-new local table, all in ONE transaction on one connection:
 *
 *   begin; set local role <owner>; create table <staging>; copy <staging> from stdin (freeze);
 *   … rows … ; pick a free name; alter table <staging> rename to <name>; reset role; <mark job complete>; commit
 *
 * Nothing is visible to anyone until the commit, and the commit makes the table and the job's
 * `complete` state visible together. A crash, a cancel or a failed COPY rolls everything back,
 * so no half-loaded or orphaned table can exist (SPEC §4.4, §9). COPY FREEZE is allowed because
 * the table was created in the same transaction, and saves the later hint-bit rewrite.
 * The table is created as the job's owner (SET LOCAL ROLE) so ownership and privileges are the
 * caller's, never the sidecar's. With CARTO columns (cartodbfy.ts) the staging table computes them
 * during the COPY, gets its key and indexes right after it, and they take the final name at commit.
 */
import type pg from 'pg';
import { thenAfterCopy } from './after-copy.js';
import type { CartoTable } from './cartodbfy-table.js';
import { startCopy, type CopyFormat } from './copy-session.js';
import { createTableSql, qi, qualified, type LocalColumn } from './ddl.js';
import { findFreeTableName } from './target-catalog.js';
import type { TableLoad } from './table-load.js';

export interface NewTableLoadOptions {
  schema: string;
  owner: string;
  columns: LocalColumn[];
  maxRows: number;
  /** Unique per job, so concurrent loads never share a staging name. */
  stagingName: string;
  /** `binary` when the provider streams binary COPY data (postgres → postgres). */
  format: CopyFormat;
  /** Schema PostGIS lives in, to qualify geometry/geography column types; absent without PostGIS. */
  postgisSchema?: string;
  /** CARTO columns, keys and indexes (SPEC §12), computed in this same transaction; absent = plain table. */
  carto?: CartoTable;
}

/** Advisory-lock namespace for "choose a free table name" (first key of the two-int form). */
const NAME_LOCK_NAMESPACE = 0x43444231; // 'CDB1'

/**
 * A new-table load's commit also takes `asOwner`: work on the new table (under its final name)
 * that must run as its owner — a sidecar logged in as cdb_connector_worker holds no rights on
 * tenants' tables of its own (the role is NOINHERIT), and the table is still invisible to every
 * other session, so no user code can be attached to it yet.
 */
export interface NewTableLoad extends TableLoad {
  commit(baseName: string, beforeCommit: (tableName: string) => Promise<void>, asOwner?: (tableName: string) => Promise<void>): Promise<string>;
}

export async function beginNewTableLoad(client: pg.PoolClient, opts: NewTableLoadOptions): Promise<NewTableLoad> {
  await client.query('begin');
  try {
    await client.query(`set local role ${qi(opts.owner)}`);
    if (opts.carto) await opts.carto.createStaging(client, opts.schema, opts.stagingName, opts.owner, { temp: false });
    else await client.query(createTableSql(opts.schema, opts.stagingName, opts.columns, opts.postgisSchema));
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
  const copy = startCopy(client, { schema: opts.schema, table: opts.stagingName, columns: opts.columns, maxRows: opts.maxRows, format: opts.format });
  const { carto } = opts;
  if (carto) thenAfterCopy(copy, () => carto.afterCopy(client, opts.schema, opts.stagingName, opts.owner, { final: true }));
  // Object.assign, not a spread: the session's progress counters are getters.
  return Object.assign(copy, {
    async commit(baseName: string, beforeCommit: (tableName: string) => Promise<void>, asOwner?: (tableName: string) => Promise<void>) {
      // Still the owner's role: renaming needs ownership of the table, its indexes and sequence.
      await client.query('select pg_catalog.pg_advisory_xact_lock($1, pg_catalog.hashtext($2))', [NAME_LOCK_NAMESPACE, `${opts.schema}.${baseName}`]);
      const name = await findFreeTableName(client, opts.schema, baseName);
      await client.query(`alter table ${qualified(opts.schema, opts.stagingName)} rename to ${qi(name)}`);
      await carto?.nameAfterTable(client, opts.schema, name);
      await asOwner?.(name);
      await client.query('reset role');
      await beforeCommit(name);
      await client.query('commit');
      return name;
    },
  });
}
