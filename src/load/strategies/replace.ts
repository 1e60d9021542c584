/**
 * The replace sync strategy (issue 5, SPEC §5): the synced table refreshed in place, in ONE
 * transaction on one connection:
 *
 *   begin; set local role <owner>; create temp table <staging> (planned columns) on commit drop;
 *   compare the synced table's columns with the staged ones and the last run's, and decide
 *     (table-evolution.ts, SPEC §14 on_schema_change): a run that must stop (pause, fail) throws
 *     2013 here, before the COPY (or, with sync_rebuild_on_schema_change, drop … cascade and
 *     create it again after the COPY);
 *   copy <staging> from stdin (freeze); … rows …;
 *   checksum the staged rows; unchanged and no column change → leave the table alone (no churn,
 *   no dead tuples);
 *   else delete from <table>; the decided column changes (ADD COLUMN, ALTER COLUMN TYPE, each in
 *   a savepoint: a refused one pauses the sync); insert into <table> (cols) select cols from <staging>;
 *   reset role; <record the run on the sync>; <mark the job complete>; commit
 *
 * Readers are never blocked: DELETE and INSERT take ROW EXCLUSIVE, which does not conflict with
 * SELECT's ACCESS SHARE, and until the commit every reader sees the old rows through MVCC
 * (shared/notes/postgres-facts.md; a TRUNCATE would take ACCESS EXCLUSIVE and block them). Only a
 * run that changes columns takes ACCESS EXCLUSIVE (ALTER TABLE), and holds it until the commit;
 * it alters the table after the DELETE, so a type change rewrites no old row. A remote column
 * that disappeared stays in the table, NULL in every row (each refresh inserts every row anew). The
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
import { rejectsOf, startCopy } from '../copy-session.js';
import { createTableSql, qi, qualified } from '../ddl.js';
import { assertNoDeferredUserCode, runAsOwner } from '../owner-frame.js';
import type { SchemaChangePlan } from '../schema-policy.js';
import { applyTableChanges, assertSameColumns, planTableEvolution, type ColumnsRecord, type TableEvolution } from '../table-evolution.js';
import { columnsOf, findTable, oidOf } from '../target-catalog.js';
import { beginNewTable } from './new-table.js';
import { tableLoad, type LoadPlan, type TableLoad, type WriteStrategy } from './write-strategy.js';

export interface ReplacePlan extends LoadPlan {
  /** The table the last successful run left (its identity); null before the first success. */
  tableOid: number | null;
  previousChecksum: string | null;
  /** Setting sync_rebuild_on_schema_change: drop and recreate instead of pausing or failing with 2013. */
  rebuildOnSchemaChange: boolean;
  /** The sync's on_schema_change, last run's columns and the users' decisions (SPEC §14). */
  schemaChanges: SchemaChangePlan;
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
  /** The remote's columns as this run staged them, and the column changes it made. */
  columns: ColumnsRecord;
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
  let evolution: TableEvolution;
  await client.query('begin');
  try {
    await client.query(`set local role ${qi(plan.owner)}`);
    if (plan.carto) await plan.carto.createStaging(client, TEMP_SCHEMA, plan.stagingName, plan.owner, { temp: true });
    else await client.query(`${createTableSql(TEMP_SCHEMA, plan.stagingName, plan.columns, plan.postgisSchema)} on commit drop`);
    evolution = await planEvolution(client, plan, tableOid);
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
  const { carto } = plan;
  const copy = startCopy(client, {
    schema: TEMP_SCHEMA, table: plan.stagingName, columns: plan.columns, maxRows: plan.maxRows, format: evolution.textCopy ? 'text' : plan.format, ...rejectsOf(plan),
  }, carto ? { afterCopy: () => carto.afterCopy(client, TEMP_SCHEMA, plan.stagingName, plan.owner, { final: false }) } : {});
  return tableLoad(copy, async (_baseName, beforeCommit) => {
    const run = await switchData(client, plan, tableOid, evolution);
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
      run = { schema: plan.schema, tableName, tableOid, checksum, changed: true, columns: { remote: columns, applied: [] } };
    },
    beforeCommit: () => plan.recordRun(run!),
  });
}

/** Before the COPY: what the remote's column changes mean for this run (throws 2013 when it stops). */
async function planEvolution(client: pg.ClientBase, plan: ReplacePlan, tableOid: number): Promise<TableEvolution> {
  const target = await findTable(client, tableOid);
  return planTableEvolution(client, plan.schemaChanges, tableOid, qualified(TEMP_SCHEMA, plan.stagingName),
    target ? `${target.schema}.${target.name}` : String(tableOid), { fullRefresh: true, rebuild: plan.rebuildOnSchemaChange });
}

/**
 * Runs after the COPY, in the load transaction. Everything that touches the synced table — it
 * belongs to the owner and may carry their triggers, rules, defaults and policies — runs inside
 * owner frames (owner-frame.ts); the catalog lookups and the staged rows' checksum do not.
 */
async function switchData(client: pg.ClientBase, plan: ReplacePlan, tableOid: number, evolution: TableEvolution): Promise<RefreshedTable> {
  const target = await findTable(client, tableOid);
  if (!target) {
    throw new ConnectorError('INTERNAL', 'The synced table was dropped while the sync ran; the next run creates it again.');
  }
  const name = `${target.schema}.${target.name}`;
  const table = qualified(target.schema, target.name);
  const staging = qualified(TEMP_SCHEMA, plan.stagingName);
  await assertSameColumns(client, tableOid, evolution, name);
  const { resolution } = evolution;
  const staged = (await columnsOf(client, await oidOf(client, staging))).filter((c) => !resolution.leaveOut.includes(c.name));
  let oid = tableOid;
  const rebuilt = resolution.rebuild;
  if (rebuilt) {
    await runAsOwner(client, plan.owner, [
      `drop table ${table} cascade`,
      plan.carto ? plan.carto.createFinalTableSql(target.schema, target.name) : createTableSql(target.schema, target.name, plan.columns, plan.postgisSchema),
    ]);
    oid = await oidOf(client, table);
  }
  const checksum = await checksumOf(client, staging, plan.carto ? plan.carto.checksumColumns(staged) : staged);
  const changed = rebuilt || resolution.apply.length > 0 || checksum !== plan.previousChecksum;
  if (changed) {
    const names = staged.map((c) => qi(c.name)).join(', ');
    const values = plan.carto ? staged.map((c) => (c.name === CARTODB_ID ? plan.carto!.refreshKeyExpression() : qi(c.name))).join(', ') : names;
    const insert = `insert into ${table} (${names}) select ${values} from ${staging}`;
    if (rebuilt) {
      // The table was created a statement ago in this transaction: nothing of the owner's is on it.
      await runAsOwner(client, plan.owner, [insert]);
      await plan.carto?.formatRebuiltTable(client, target.schema, target.name);
    } else if (resolution.apply.some((a) => a.change.kind !== 'drop')) {
      // altered between the DELETE and the INSERT: the type change rewrites none of the old rows
      await runAsOwner(client, plan.owner, [`delete from ${table}`]);
      await applyTableChanges(client, plan.schemaChanges, plan.owner, table, evolution, { fullRefresh: true, target: name });
      await runAsOwner(client, plan.owner, [insert, ...(await plan.carto?.afterRefreshInsertSql(client, table) ?? [])]);
    } else {
      await runAsOwner(client, plan.owner, [`delete from ${table}`, insert, ...(await plan.carto?.afterRefreshInsertSql(client, table) ?? [])]);
    }
  }
  return { schema: target.schema, tableName: target.name, tableOid: oid, checksum, changed, columns: { remote: evolution.remote, applied: resolution.apply } };
}
