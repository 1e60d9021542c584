/**
 * The replace sync strategy (issue 5, SPEC §5): the synced table refreshed in place, in ONE
 * transaction on one connection:
 *
 *   begin; set local role <owner>; create temp table <staging> (planned columns) on commit drop;
 *   copy <staging> from stdin (freeze); … rows …;
 *   compare the synced table's columns with the staged ones (names and format_type):
 *     identical → refresh · only new remote columns → alter table … add column, then refresh ·
 *     anything else → 2013, old data kept (or, with sync_rebuild_on_schema_change, drop … cascade
 *     and create it again);
 *   checksum the staged rows; unchanged → leave the table alone (no churn, no dead tuples);
 *   else delete from <table>; insert into <table> (cols) select cols from <staging>;
 *   reset role; <record the run on the sync>; <mark the job complete>; commit
 *
 * Readers are never blocked: DELETE and INSERT take ROW EXCLUSIVE, which does not conflict with
 * SELECT's ACCESS SHARE, and until the commit every reader sees the old rows through MVCC
 * (shared/notes/postgres-facts.md; a TRUNCATE would take ACCESS EXCLUSIVE and block them). Only a
 * run that adds columns takes ACCESS EXCLUSIVE (ALTER TABLE), and holds it until the commit. The
 * table keeps its OID, so views, grants, comments, indexes, triggers and RLS policies survive.
 *
 * The first run, or a run whose table is gone (dropped by its owner), is an import: new-table.ts
 * creates the table under the requested name (or a free variant) and the run records its OID
 * and checksum (checksum.ts, the same computation as a refresh's).
 *
 * A table with CARTO columns (cartodbfy.ts) is refreshed the same way: the staging table computes
 * them during the COPY like an import's, the refresh inserts them with the rows, and the synced
 * table's key, indexes and triggers stay. Generated cartodb_ids are left out of the checksum.
 */
import type pg from 'pg';
import { ConnectorError } from '../../errors.js';
import { CARTODB_ID } from '../cartodbfy-plan.js';
import { checksumOf } from '../checksum.js';
import { compareColumns } from '../column-changes.js';
import { startCopy } from '../copy-session.js';
import { assertSafeType, createTableSql, qi, qualified } from '../ddl.js';
import { assertNoDeferredUserCode, runAsOwner } from '../owner-frame.js';
import { columnsOf, findTable, oidOf } from '../target-catalog.js';
import { beginNewTable } from './new-table.js';
import { tableLoad, type LoadPlan, type TableLoad, type WriteStrategy } from './write-strategy.js';

export interface ReplacePlan extends LoadPlan {
  /** The table the last successful run left (its identity); null before the first success. */
  tableOid: number | null;
  previousChecksum: string | null;
  /** Setting sync_rebuild_on_schema_change: drop and recreate instead of failing with 2013. */
  rebuildOnSchemaChange: boolean;
  /** Records the run on the sync row inside the load transaction, with the sidecar's own role. */
  recordRun(run: RefreshedTable): Promise<void>;
}

export interface RefreshedTable {
  schema: string;
  tableName: string;
  tableOid: number;
  checksum: string;
  /** False when the fetched rows equal the last run's: the table was not written at all. */
  changed: boolean;
}

const TEMP_SCHEMA = 'pg_temp';

export const replaceStrategy: WriteStrategy<ReplacePlan> = {
  name: 'replace',
  async begin(client, plan) {
    const existing = plan.tableOid === null ? undefined : await findTable(client, plan.tableOid);
    return existing ? beginRefresh(client, plan, plan.tableOid!) : beginFirstRun(client, plan);
  },
};

async function beginRefresh(client: pg.PoolClient, plan: ReplacePlan, tableOid: number): Promise<TableLoad> {
  await client.query('begin');
  try {
    await client.query(`set local role ${qi(plan.owner)}`);
    if (plan.carto) await plan.carto.createStaging(client, TEMP_SCHEMA, plan.stagingName, plan.owner, { temp: true });
    else await client.query(`${createTableSql(TEMP_SCHEMA, plan.stagingName, plan.columns, plan.postgisSchema)} on commit drop`);
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
  const { carto } = plan;
  const copy = startCopy(client, { schema: TEMP_SCHEMA, table: plan.stagingName, columns: plan.columns, maxRows: plan.maxRows, format: plan.format },
    carto ? { afterCopy: () => carto.afterCopy(client, TEMP_SCHEMA, plan.stagingName, plan.owner, { final: false }) } : {});
  return tableLoad(copy, async (_baseName, beforeCommit) => {
    const run = await switchData(client, plan, tableOid);
    await assertNoDeferredUserCode(client);
    await client.query('reset role');
    await plan.recordRun(run);
    await beforeCommit(run.tableName);
    await client.query('commit');
    return run.tableName;
  });
}

/** First run, or the synced table is gone: an import that records the new table on the sync. */
function beginFirstRun(client: pg.PoolClient, plan: ReplacePlan): Promise<TableLoad> {
  let run: RefreshedTable | undefined;
  return beginNewTable(client, plan, {
    async asOwner(tableName) {
      const table = qualified(plan.schema, tableName);
      const tableOid = await oidOf(client, table);
      const columns = await columnsOf(client, tableOid);
      const checksum = await checksumOf(client, table, plan.carto ? plan.carto.checksumColumns(columns) : columns);
      run = { schema: plan.schema, tableName, tableOid, checksum, changed: true };
    },
    beforeCommit: () => plan.recordRun(run!),
  });
}

/**
 * Runs after the COPY, in the load transaction. Everything that touches the synced table — it
 * belongs to the owner and may carry their triggers, rules, defaults and policies — runs inside
 * owner frames (owner-frame.ts); the catalog lookups and the staged rows' checksum do not.
 */
async function switchData(client: pg.ClientBase, plan: ReplacePlan, tableOid: number): Promise<RefreshedTable> {
  const target = await findTable(client, tableOid);
  if (!target) {
    throw new ConnectorError('INTERNAL', 'The synced table was dropped while the sync ran; the next run creates it again.');
  }
  const table = qualified(target.schema, target.name);
  const staging = qualified(TEMP_SCHEMA, plan.stagingName);
  const staged = await columnsOf(client, await oidOf(client, staging));
  const change = compareColumns(await columnsOf(client, tableOid), staged);
  let oid = tableOid;
  let rebuilt = false;
  if (change.incompatible.length > 0) {
    if (!plan.rebuildOnSchemaChange) {
      throw new ConnectorError('SYNC_TABLE_INCOMPATIBLE',
        `Cannot replace sync table ${target.schema}.${target.name}: columns changed (${change.incompatible.join('; ')}). The old data was kept. `
        + 'Recreate the sync, or set sync_rebuild_on_schema_change to true to rebuild the table (its dependent views are dropped).');
    }
    await runAsOwner(client, plan.owner, [
      `drop table ${table} cascade`,
      plan.carto ? plan.carto.createFinalTableSql(target.schema, target.name) : createTableSql(target.schema, target.name, plan.columns, plan.postgisSchema),
    ]);
    oid = await oidOf(client, table);
    rebuilt = true;
  } else {
    await runAsOwner(client, plan.owner, change.added.map((column) => `alter table ${table} add column ${qi(column.name)} ${assertSafeType(column.type)}`));
  }
  const checksum = await checksumOf(client, staging, plan.carto ? plan.carto.checksumColumns(staged) : staged);
  const changed = rebuilt || checksum !== plan.previousChecksum;
  if (changed) {
    const names = staged.map((c) => qi(c.name)).join(', ');
    const values = plan.carto ? staged.map((c) => (c.name === CARTODB_ID ? plan.carto!.refreshKeyExpression() : qi(c.name))).join(', ') : names;
    const insert = `insert into ${table} (${names}) select ${values} from ${staging}`;
    if (rebuilt) {
      // The table was created a statement ago in this transaction: nothing of the owner's is on it.
      await runAsOwner(client, plan.owner, [insert]);
      await plan.carto?.formatRebuiltTable(client, target.schema, target.name);
    } else {
      await runAsOwner(client, plan.owner, [`delete from ${table}`, insert, ...(await plan.carto?.afterRefreshInsertSql(client, table) ?? [])]);
    }
  }
  return { schema: target.schema, tableName: target.name, tableOid: oid, checksum, changed };
}
