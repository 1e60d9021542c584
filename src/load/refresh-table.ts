/**
 * Refreshes a sync table in place (issue 5, SPEC §5), in ONE transaction on one connection:
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
 * (shared/notes/postgres-facts.md; a TRUNCATE would take ACCESS EXCLUSIVE and block them). After
 * the commit they see all the new rows. Only a run that adds columns takes ACCESS EXCLUSIVE
 * (ALTER TABLE), and holds it until the commit. The table keeps its OID, so views, grants,
 * comments, indexes, triggers and RLS policies on it survive. A failed or cancelled run rolls
 * back: the old data stays.
 *
 * The first run, or a run whose table is gone (dropped by its owner), is an import: new-table.ts
 * creates the table under the requested name (or a free `_1`, `_2` variant) and the run records
 * its OID. The checksum is computed the same way in both paths, so the second run can already
 * skip an unchanged table.
 *
 * A table with CARTO columns (cartodbfy.ts) is refreshed the same way: the staging table computes
 * them during the COPY like an import's, the refresh inserts them with the rows, and the synced
 * table's key, indexes and triggers stay. Generated cartodb_ids are left out of the checksum.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { ConnectorError } from '../errors.js';
import { thenAfterCopy } from './after-copy.js';
import { startCopy } from './copy-session.js';
import { assertSafeType, createTableSql, qi, qualified } from './ddl.js';
import { CARTODB_ID } from './cartodbfy-plan.js';
import { beginNewTableLoad, type NewTableLoadOptions } from './new-table.js';
import { assertNoDeferredUserCode, runAsOwner } from './owner-frame.js';
import type { TableLoad } from './table-load.js';

export interface RefreshOptions extends NewTableLoadOptions {
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

interface TableColumn {
  name: string;
  /** format_type(), e.g. `character varying(20)`: the same spelling for staged and synced columns. */
  type: string;
}

const TEMP_SCHEMA = 'pg_temp';

export async function beginRefreshLoad(client: pg.PoolClient, opts: RefreshOptions): Promise<TableLoad> {
  const existing = opts.tableOid === null ? undefined : await findTable(client, opts.tableOid);
  if (!existing) return beginFirstLoad(client, opts);

  await client.query('begin');
  try {
    await client.query(`set local role ${qi(opts.owner)}`);
    if (opts.carto) await opts.carto.createStaging(client, TEMP_SCHEMA, opts.stagingName, opts.owner, { temp: true });
    else await client.query(`${createTableSql(TEMP_SCHEMA, opts.stagingName, opts.columns, opts.postgisSchema)} on commit drop`);
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
  const copy = startCopy(client, { schema: TEMP_SCHEMA, table: opts.stagingName, columns: opts.columns, maxRows: opts.maxRows, format: opts.format });
  const { carto } = opts;
  if (carto) thenAfterCopy(copy, () => carto.afterCopy(client, TEMP_SCHEMA, opts.stagingName, opts.owner, { final: false }));
  return Object.assign(copy, {
    async commit(_baseName: string, beforeCommit: (tableName: string) => Promise<void>) {
      const run = await switchData(client, opts, opts.tableOid!);
      await assertNoDeferredUserCode(client);
      await client.query('reset role');
      await opts.recordRun(run);
      await beforeCommit(run.tableName);
      await client.query('commit');
      return run.tableName;
    },
  });
}

/** First run, or the synced table is gone: an import that records the new table on the sync. */
async function beginFirstLoad(client: pg.PoolClient, opts: RefreshOptions): Promise<TableLoad> {
  const load = await beginNewTableLoad(client, opts);
  const commitNewTable = load.commit.bind(load);
  return Object.assign(load, {
    commit: (baseName: string, beforeCommit: (tableName: string) => Promise<void>) => {
      let run: RefreshedTable | undefined;
      return commitNewTable(baseName, async (tableName) => {
        await opts.recordRun(run!);
        await beforeCommit(tableName);
      }, async (tableName) => {
        const table = qualified(opts.schema, tableName);
        const tableOid = await oidOf(client, table);
        const columns = await columnsOf(client, tableOid);
        const checksum = await checksumOf(client, table, opts.carto ? opts.carto.checksumColumns(columns) : columns);
        run = { schema: opts.schema, tableName, tableOid, checksum, changed: true };
      });
    },
  });
}

/**
 * Runs after the COPY, in the load transaction. Everything that touches the synced table — it
 * belongs to the owner and may carry their triggers, rules, defaults and policies — runs inside
 * owner frames (owner-frame.ts); the catalog lookups and the staged rows' checksum do not.
 */
async function switchData(client: pg.ClientBase, opts: RefreshOptions, tableOid: number): Promise<RefreshedTable> {
  const target = await findTable(client, tableOid);
  if (!target) {
    throw new ConnectorError('INTERNAL', 'The synced table was dropped while the sync ran; the next run creates it again.');
  }
  const table = qualified(target.schema, target.name);
  const staging = qualified(TEMP_SCHEMA, opts.stagingName);
  const staged = await columnsOf(client, await oidOf(client, staging));
  const change = compareColumns(await columnsOf(client, tableOid), staged);
  let oid = tableOid;
  let rebuilt = false;
  if (change.incompatible.length > 0) {
    if (!opts.rebuildOnSchemaChange) {
      throw new ConnectorError('SYNC_TABLE_INCOMPATIBLE',
        `Cannot replace sync table ${target.schema}.${target.name}: columns changed (${change.incompatible.join('; ')}). The old data was kept. `
        + 'Recreate the sync, or set sync_rebuild_on_schema_change to true to rebuild the table (its dependent views are dropped).');
    }
    await runAsOwner(client, opts.owner, [
      `drop table ${table} cascade`,
      opts.carto ? opts.carto.createFinalTableSql(target.schema, target.name) : createTableSql(target.schema, target.name, opts.columns, opts.postgisSchema),
    ]);
    oid = await oidOf(client, table);
    rebuilt = true;
  } else {
    await runAsOwner(client, opts.owner, change.added.map((column) => `alter table ${table} add column ${qi(column.name)} ${assertSafeType(column.type)}`));
  }
  const checksum = await checksumOf(client, staging, opts.carto ? opts.carto.checksumColumns(staged) : staged);
  const changed = rebuilt || checksum !== opts.previousChecksum;
  if (changed) {
    const names = staged.map((c) => qi(c.name)).join(', ');
    const values = opts.carto ? staged.map((c) => (c.name === CARTODB_ID ? opts.carto!.refreshKeyExpression() : qi(c.name))).join(', ') : names;
    const insert = `insert into ${table} (${names}) select ${values} from ${staging}`;
    if (rebuilt) {
      // The table was created a statement ago in this transaction: nothing of the owner's is on it.
      await runAsOwner(client, opts.owner, [insert]);
      await opts.carto?.formatRebuiltTable(client, target.schema, target.name);
    } else {
      await runAsOwner(client, opts.owner, [`delete from ${table}`, insert, ...(await opts.carto?.afterRefreshInsertSql(client, table) ?? [])]);
    }
  }
  return { schema: target.schema, tableName: target.name, tableOid: oid, checksum, changed };
}

/**
 * Which staged columns are new, and why the synced table cannot take the staged rows (a column
 * it has that the source no longer sends — dropped or renamed remotely — or one whose type
 * changed). Column order does not matter: rows are inserted by name.
 */
export function compareColumns(current: readonly TableColumn[], staged: readonly TableColumn[]): { added: TableColumn[]; incompatible: string[] } {
  const stagedTypes = new Map(staged.map((c) => [c.name, c.type]));
  const currentNames = new Set(current.map((c) => c.name));
  const missing = current.filter((c) => !stagedTypes.has(c.name)).map((c) => c.name);
  const retyped = current.filter((c) => stagedTypes.has(c.name) && stagedTypes.get(c.name) !== c.type)
    .map((c) => `${c.name} ${c.type} → ${stagedTypes.get(c.name)}`);
  return {
    added: staged.filter((c) => !currentNames.has(c.name)),
    incompatible: [
      ...(missing.length ? [`no longer in the source: ${missing.join(', ')}`] : []),
      ...(retyped.length ? [`type changed: ${retyped.join(', ')}`] : []),
    ],
  };
}

/**
 * Order-independent content checksum: the row count and the sum of a 64-bit hash of each row's
 * text, over the columns in their planned order, plus the column names and types, as md5 hex.
 * A sum (not XOR) so that duplicated rows count. Computed on the staged rows of a refresh and on
 * the new table of a first run, which hold the same columns in the same order.
 */
async function checksumOf(client: pg.ClientBase, table: string, columns: readonly TableColumn[]): Promise<string> {
  const row = `row(${columns.map((c) => `t.${qi(c.name)}`).join(', ')})::text`;
  const { rows } = await client.query<{ n: string; h: string }>(
    `select pg_catalog.count(*)::text as n, coalesce(pg_catalog.sum(pg_catalog.hashtextextended(${row}, 0::bigint)), 0)::text as h from ${table} as t`);
  const signature = columns.map((c) => `${c.name} ${c.type}`).join(',');
  return crypto.createHash('md5').update(`${rows[0]!.n}:${rows[0]!.h}:${signature}`).digest('hex');
}

async function findTable(client: pg.ClientBase, oid: number): Promise<{ schema: string; name: string } | undefined> {
  const { rows } = await client.query<{ schema: string; name: string }>(
    `select n.nspname as schema, c.relname as name from pg_catalog.pg_class c
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.oid = $1 and c.relkind in ('r', 'p')`, [oid]);
  return rows[0];
}

async function oidOf(client: pg.ClientBase, qualifiedName: string): Promise<number> {
  const { rows } = await client.query<{ oid: number }>('select $1::pg_catalog.regclass::pg_catalog.oid as oid', [qualifiedName]);
  return Number(rows[0]!.oid);
}

async function columnsOf(client: pg.ClientBase, oid: number): Promise<TableColumn[]> {
  const { rows } = await client.query<TableColumn>(
    `select a.attname as name, pg_catalog.format_type(a.atttypid, a.atttypmod) as type from pg_catalog.pg_attribute a
      where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped order by a.attnum`, [oid]);
  return rows;
}

