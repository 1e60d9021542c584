/**
 * The import strategy: rows land in a brand-new local table, in ONE transaction on one connection:
 *
 *   begin; set local role <owner>; create table <staging>; copy <staging> from stdin (freeze);
 *   … rows … ; pick a free name; alter table <staging> rename to <name>; reset role; <mark job complete>; commit
 *
 * Nothing is visible to anyone until the commit, and the commit makes the table and the job's
 * `complete` state visible together. COPY FREEZE is allowed because the table was created in the
 * same transaction, and saves the later hint-bit rewrite. The table is created and renamed as the
 * job's owner (SET LOCAL ROLE) so ownership and privileges are the caller's, never the sidecar's;
 * it is invisible to every other session until the commit, so no user code can be attached to it
 * and no owner frame is needed. With CARTO columns (cartodbfy.ts) the staging table computes them
 * during the COPY, gets its key and indexes right after it, and they take the final name at commit.
 */
import type pg from 'pg';
import { ConnectorError } from '../../errors.js';
import { rejectsOf, startCopy } from '../copy-session.js';
import { createTableSql, qi, qualified } from '../ddl.js';
import { findFreeTableName } from '../target-catalog.js';
import { tableLoad, type LoadPlan, type TableLoad, type WriteStrategy } from './write-strategy.js';

/** Advisory-lock namespace for "choose a free table name" (first key of the two-int form). */
const NAME_LOCK_NAMESPACE = 0x43444231; // 'CDB1'

/**
 * Extra commit steps for a strategy built on this one (replace.ts, a sync's first run), passed
 * in so that neither file patches the other's methods.
 */
export interface NewTableHooks {
  /**
   * Work on the new table, under its final name, that must run as its owner: a sidecar logged in
   * as cdb_connector_worker holds no rights on tenants' tables of its own (the role is
   * NOINHERIT), and the table is still invisible to every other session.
   */
  asOwner?(tableName: string, rows: number): Promise<void>;
  /** Runs with the sidecar's role just before the caller's own `beforeCommit`. */
  beforeCommit?(tableName: string): Promise<void>;
}

export async function beginNewTable(client: pg.PoolClient, plan: LoadPlan, hooks: NewTableHooks = {}): Promise<TableLoad> {
  await client.query('begin');
  try {
    await client.query(`set local role ${qi(plan.owner)}`);
    if (plan.carto) await plan.carto.createStaging(client, plan.schema, plan.stagingName, plan.owner, { temp: false });
    else await client.query(createTableSql(plan.schema, plan.stagingName, plan.columns, plan.postgisSchema));
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
  const { carto } = plan;
  const copy = startCopy(client, { schema: plan.schema, table: plan.stagingName, columns: plan.columns, maxRows: plan.maxRows, format: plan.format, ...rejectsOf(plan) },
    carto ? { afterCopy: () => carto.afterCopy(client, plan.schema, plan.stagingName, plan.owner, { final: true }) } : {});
  const load: TableLoad = tableLoad(copy, async (baseName, beforeCommit) => {
    // Still the owner's role: renaming needs ownership of the table, its indexes and sequence.
    await client.query('select pg_catalog.pg_advisory_xact_lock($1, pg_catalog.hashtext($2))', [NAME_LOCK_NAMESPACE, `${plan.schema}.${baseName}`]);
    const name = await findFreeTableName(client, plan.schema, baseName);
    if (name !== baseName && plan.ifExists === 'fail') {
      throw new ConnectorError('TABLE_EXISTS', `The schema ${plan.schema} already has a table (or another relation or type) named ${baseName}, and the import asked for "if_exists": "fail"; nothing was imported.`);
    }
    await client.query(`alter table ${qualified(plan.schema, plan.stagingName)} rename to ${qi(name)}`);
    await carto?.nameAfterTable(client, plan.schema, name);
    await hooks.asOwner?.(name, copy.rows);
    await client.query('reset role');
    await hooks.beforeCommit?.(name);
    load.createdTable = true;
    await beforeCommit(name);
    await client.query('commit');
    return name;
  });
  return load;
}

export const newTableStrategy: WriteStrategy<LoadPlan> = {
  name: 'new-table',
  begin: (client, plan) => beginNewTable(client, plan),
};
