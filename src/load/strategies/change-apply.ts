/**
 * A change-capture run (SPEC §16, `"mode": "cdc"`) after the first: the source's log since the
 * stored position, applied to the synced table by primary key in ONE transaction that also
 * stores the new position (exactly-once effect; a source transaction is never half visible,
 * because the sidecar's change sink closes only whole transactions, sidecar/change-sink.ts):
 *
 *   begin; set local role <owner>; create temp table <changes> (cdb$seq, cdb$op, cdb$unchanged,
 *     the planned columns) on commit drop; copy <changes> from stdin;
 *   the sidecar's own statements on the temp tables (before any owner frame, as in
 *     incremental-table.ts): drop what no commit closed, fill the columns an UPDATE did not send
 *     (PostgreSQL's unchanged TOAST) from the key's earlier change in this batch, keep the last
 *     change per key after the last TRUNCATE;
 *   in owner frames: TRUNCATE → every row deleted (soft: marked); deletes; updates of rows whose
 *     new version differs (unsent columns keep the table's value); inserts;
 *   reset role; <record the run and the position>; <mark the job complete>; commit.
 *
 * The log carries every delete, so unlike a merge nothing is inferred from a missing key and
 * max_delete_ratio does not apply. The first run and re-snapshots are merge runs (merge.ts).
 */
import type pg from 'pg';
import { ConnectorError } from '../../errors.js';
import { startCopy } from '../copy-session.js';
import { createTableSql, qi, qualified, type LocalColumn } from '../ddl.js';
import { assertNoDeferredUserCode, runAsOwner } from '../owner-frame.js';
import { columnsOf, findTable } from '../target-catalog.js';
import { DELETED_AT, TEMP_SCHEMA, type IncrementalLoad, type IncrementalPlan } from './incremental-table.js';
import { tableLoad } from './write-strategy.js';

/** The change table's own columns, in front of the planned ones. */
export const SEQ = 'cdb$seq';
export const OP = 'cdb$op';
export const UNCHANGED_COLUMNS = 'cdb$unchanged';
export const CHANGE_COLUMNS: readonly LocalColumn[] = [
  { name: SEQ, type: 'int8' }, { name: OP, type: 'text' }, { name: UNCHANGED_COLUMNS, type: 'int4[]' },
];

/** What the sidecar's change sink knows once the read ended. */
export interface ChangeBatch {
  /** The last seq a source commit closed; rows after it are dropped. */
  committedSeq(): number;
  /** Plan column indexes (0-based) some change left unsent. */
  unchangedColumns(): ReadonlySet<number>;
  /** The position after the last applied source commit; null when the read found nothing new. */
  position(): string | null;
  /** Changes the batch applies (closed by a commit). */
  changes(): number;
}

export interface ChangePlan extends IncrementalPlan {
  batch: ChangeBatch;
}

export async function beginChangeRun(client: pg.PoolClient, plan: ChangePlan): Promise<IncrementalLoad> {
  const target = plan.tableOid === null ? undefined : await findTable(client, plan.tableOid);
  if (!target) throw new ConnectorError('INTERNAL', 'A change-capture run needs the table of the first run');
  const columns = [...CHANGE_COLUMNS, ...plan.columns];
  await client.query('begin');
  try {
    await client.query(`set local role ${qi(plan.owner)}`);
    await client.query(`${createTableSql(TEMP_SCHEMA, plan.stagingName, columns, plan.postgisSchema)} on commit drop`);
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
  const copy = startCopy(client, { schema: TEMP_SCHEMA, table: plan.stagingName, columns, maxRows: Number.MAX_SAFE_INTEGER, format: 'text' });
  return tableLoad(copy, async (_baseName, beforeCommit) => {
    const tableOid = plan.tableOid!;
    const now = await findTable(client, tableOid);
    if (!now) throw new ConnectorError('SYNC_TABLE_INCOMPATIBLE', `The synced table ${target.schema}.${target.name} was dropped during the run.`);
    const table = qualified(now.schema, now.name);
    const staging = qualified(TEMP_SCHEMA, plan.stagingName);
    const latest = qualified(TEMP_SCHEMA, `${plan.stagingName}_latest`);
    const truncated = await prepareBatch(client, plan, staging, latest);
    const counts = await applyBatch(client, plan, table, tableOid, latest, truncated);
    await assertNoDeferredUserCode(client);
    await client.query('reset role');
    const position = plan.batch.position();
    await plan.recordRun({
      schema: now.schema, tableName: now.name, tableOid,
      ...(position !== null ? { mark: { mark: position, rowsAtMark: 0, nullRows: 0 } } : {}),
      counts: { fetched: plan.batch.changes(), ...counts },
      columns: { remote: plan.schemaChanges.previous ?? await columnsOf(client, tableOid), applied: [] },
    });
    await beforeCommit(now.name);
    await client.query('commit');
    return now.name;
  });
}

const match = (key: readonly string[], a: string, b: string) => key.map((k) => `${a}.${qi(k)} operator(pg_catalog.=) ${b}.${qi(k)}`).join(' and ');

/**
 * The sidecar's statements on its temp tables (no owner frame has run yet): the batch reduced to
 * the last change per key after the last TRUNCATE, in `latest`. True when the batch truncates.
 */
async function prepareBatch(client: pg.ClientBase, plan: ChangePlan, staging: string, latest: string): Promise<boolean> {
  const seq = qi(SEQ);
  const op = qi(OP);
  const mask = qi(UNCHANGED_COLUMNS);
  await client.query(`delete from ${staging} as s where s.${seq} operator(pg_catalog.>) $1::pg_catalog.int8`, [plan.batch.committedSeq()]);
  const { rows } = await client.query<{ last: string | null }>(
    `select pg_catalog.max(s.${seq})::pg_catalog.text as last from ${staging} as s where s.${op} operator(pg_catalog.=) 'T'`);
  const lastTruncate = rows[0]?.last ?? '-1';
  for (const k of plan.key) {
    const { rows: nulls } = await client.query(`select 1 from ${staging} as s where s.${op} operator(pg_catalog.<>) 'T' and s.${qi(k)} is null limit 1`);
    if (nulls.length > 0) {
      throw new ConnectorError('INVALID_PARAMETERS', `A change in the source's log has a NULL in the primary key column ${k}, so it cannot be applied by key; choose another primary_key.`);
    }
  }
  // an UPDATE that did not send a column (unchanged TOAST) takes it from the key's latest earlier
  // change in this batch that did; with none, the table's own value stays (applyBatch)
  for (const i of plan.batch.unchangedColumns()) {
    const column = qi(plan.columns[i]!.name);
    const earlier = `from ${staging} as p where ${match(plan.key, 'p', 's')} and p.${seq} operator(pg_catalog.<) s.${seq}
        and p.${seq} operator(pg_catalog.>) ${Number(lastTruncate)} and p.${op} operator(pg_catalog.<>) 'D'
        and not coalesce(${i + 1} operator(pg_catalog.=) any (p.${mask}), false)`;
    await client.query(
      `update ${staging} as s set ${column} = (select p.${column} ${earlier} order by p.${seq} desc limit 1),
              ${mask} = pg_catalog.array_remove(s.${mask}, ${i + 1})
        where ${i + 1} operator(pg_catalog.=) any (s.${mask}) and exists (select ${earlier})`);
  }
  await client.query(
    `create temp table ${qi(`${plan.stagingName}_latest`)} on commit drop as
       select distinct on (${plan.key.map((k) => `s.${qi(k)}`).join(', ')}) s.* from ${staging} as s
        where s.${seq} operator(pg_catalog.>) ${Number(lastTruncate)} and s.${op} operator(pg_catalog.<>) 'T'
        order by ${plan.key.map((k) => `s.${qi(k)}`).join(', ')}, s.${seq} desc`);
  await client.query(`analyze ${latest}`);
  return Number(lastTruncate) >= 0;
}

/** Owner frames only: the table is the owner's and may carry their triggers. */
async function applyBatch(client: pg.ClientBase, plan: ChangePlan, table: string, tableOid: number, latest: string, truncated: boolean) {
  const soft = plan.deletes === 'soft' && (await columnsOf(client, tableOid)).some((c) => c.name === DELETED_AT);
  const op = `l.${qi(OP)}`;
  const mask = `l.${qi(UNCHANGED_COLUMNS)}`;
  const names = plan.columns.map((c) => qi(c.name));
  // a column the change did not send keeps the table's value
  const newValue = (n: string, i: number) => `case when ${i + 1} operator(pg_catalog.=) any (${mask}) then t.${n} else l.${n} end`;
  const deletedAt = qi(DELETED_AT);
  const statements: string[] = [];
  if (truncated && plan.deletes !== 'keep') {
    statements.push(soft ? `update ${table} as t set ${deletedAt} = pg_catalog.statement_timestamp() where t.${deletedAt} is null` : `delete from ${table} as t`);
  } else {
    statements.push('select where false');
  }
  if (plan.deletes === 'keep') statements.push('select where false');
  else if (soft) {
    statements.push(`update ${table} as t set ${deletedAt} = pg_catalog.statement_timestamp() from ${latest} as l
      where ${op} operator(pg_catalog.=) 'D' and ${match(plan.key, 't', 'l')} and t.${deletedAt} is null`);
  } else {
    statements.push(`delete from ${table} as t using ${latest} as l where ${op} operator(pg_catalog.=) 'D' and ${match(plan.key, 't', 'l')}`);
  }
  const set = [...names, ...(soft ? [deletedAt] : [])];
  const values = [...names.map(newValue), ...(soft ? ['null'] : [])];
  const current = `row(${set.map((n) => `t.${n}`).join(', ')})::pg_catalog.text`;
  statements.push(
    `update ${table} as t set (${set.join(', ')}) = row(${values.join(', ')}) from ${latest} as l
      where ${op} operator(pg_catalog.<>) 'D' and ${match(plan.key, 't', 'l')} and ${current} is distinct from row(${values.join(', ')})::pg_catalog.text`,
    `insert into ${table} (${names.join(', ')}) select ${names.map((n, i) => `case when ${i + 1} operator(pg_catalog.=) any (${mask}) then null else l.${n} end`).join(', ')}
       from ${latest} as l where ${op} operator(pg_catalog.<>) 'D' and not exists (select from ${table} as t where ${match(plan.key, 't', 'l')})`,
    `select from ${latest} as l where ${op} operator(pg_catalog.<>) 'D'`,
  );
  const [emptied, deleted, updated, inserted, upserts] = await runAsOwner(client, plan.owner, statements);
  return { inserted: inserted!, updated: updated!, deleted: emptied! + deleted!, unchanged: upserts! - updated! - inserted! };
}
