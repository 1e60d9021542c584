/**
 * The merge sync strategy (SPEC §13): the rows a run read (all of them, or those at or past the
 * mark minus lookback, plus NULL cursors) merged into the synced table by primary key, in the
 * transaction of incremental-table.ts. In owner frames, in this order:
 *
 *   deletes soft/hard: count the live rows, then delete (or set _deleted_at on) the rows whose
 *     key the remote no longer has — the key set is a second, key-only read into a temp table;
 *     more than max_delete_ratio of the live rows → 1511 and the transaction rolls back;
 *   soft: rows whose key came back get _deleted_at = NULL again;
 *   update the rows whose staged version differs (compared as row text: json, xml and other
 *     types without an equality operator compare too);
 *   insert the staged rows whose key the table does not have.
 *
 * With `"on_error": "reject"` the update and insert run over ranges of the staged rows and a row
 * the table refuses is rejected (isolate-rows.ts); a run that rejected rows in its COPY does not
 * look for deletes among the staged keys (a rejected row is not a deleted one).
 *
 * UPDATE then INSERT … WHERE NOT EXISTS rather than INSERT … ON CONFLICT: the same effect,
 * exact inserted/updated counts from ROW_COUNT, and no dependence on the unique index the first
 * run created (the owner may drop or replace it). Staged keys must be NOT NULL and unique (a
 * wrong primary_key would otherwise merge two remote rows into one): 1502 naming the column.
 */
import type pg from 'pg';
import { ConnectorError } from '../../errors.js';
import { quoteLiteral } from '../../db/pool.js';
import { cursorKindOf } from '../cursor-mark.js';
import { qi, type LocalColumn } from '../ddl.js';
import { runOverStagedRows } from '../isolate-rows.js';
import { runAsOwner } from '../owner-frame.js';
import { columnsOf, findTable } from '../target-catalog.js';
import {
  beginFirstRun, beginLaterRun, DELETED_AT, TEMP_SCHEMA,
  type IncrementalLoad, type IncrementalPlan, type IncrementalRun, type RunCounts, type StagedRun,
} from './incremental-table.js';
import type { WriteStrategy } from './write-strategy.js';

export const mergeStrategy: WriteStrategy<IncrementalPlan> = {
  name: 'merge',
  async begin(client, plan): Promise<IncrementalLoad> {
    const existing = plan.tableOid === null ? undefined : await findTable(client, plan.tableOid);
    if (!existing) {
      return beginFirstRun(client, plan, (table) => prepareNewTable(client, plan, table));
    }
    const keyColumns = plan.key.map((name) => plan.columns.find((c) => c.name === name)!);
    const keySet = plan.deletes !== 'keep' && plan.deleteScope?.kind === 'keyset' ? { columns: keyColumns, name: `${plan.stagingName}_keys` } : undefined;
    return beginLaterRun(client, plan, plan.tableOid!, merge, keySet, async ({ staging }) => {
      await assertUsableKey(client, staging, plan.key);
      if (keySet) await client.query(`analyze ${keysTable(plan)}`);
    });
  },
};

/** First run: the key is checked on the new table (still invisible) and gets its unique index; soft deletes get their column. */
async function prepareNewTable(client: pg.ClientBase, plan: IncrementalPlan, table: string): Promise<void> {
  await assertUsableKey(client, table, plan.key);
  if (plan.deletes === 'soft') {
    if (plan.columns.some((c) => c.name === DELETED_AT)) {
      throw new ConnectorError('INVALID_PARAMETERS', `The source has a column named ${DELETED_AT}, which "deletes": "soft" needs for itself; rename it with sql_query.`);
    }
    await client.query(`alter table ${table} add column ${qi(DELETED_AT)} pg_catalog.timestamptz`);
  }
  await client.query(`create unique index on ${table} (${plan.key.map(qi).join(', ')})`);
}

/** The key must identify rows: no NULL, no two staged rows with the same key. Reads only sidecar-made tables. */
async function assertUsableKey(client: pg.ClientBase, table: string, key: readonly string[]): Promise<void> {
  const cols = key.map((k) => `t.${qi(k)}`);
  for (const k of key) {
    const { rows } = await client.query(`select 1 from ${table} as t where t.${qi(k)} is null limit 1`);
    if (rows.length > 0) {
      throw new ConnectorError('INVALID_PARAMETERS', `The primary key column ${k} has NULL values in the source, so it cannot identify rows; choose another primary_key.`);
    }
  }
  const { rows } = await client.query<{ key: string }>(
    `select row(${cols.join(', ')})::pg_catalog.text as key from ${table} as t group by ${cols.join(', ')} having pg_catalog.count(*) operator(pg_catalog.>) 1 limit 1`);
  if (rows.length > 0) {
    throw new ConnectorError('INVALID_PARAMETERS',
      `The primary key (${key.join(', ')}) is not unique in the source: ${rows[0]!.key.slice(0, 100)} appears more than once; choose a primary_key that identifies rows.`);
  }
}

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/**
 * `t`'s key in one of the ranges read (diff mode). The column itself is compared, never a cast
 * of it, so its unique index finds the rows (a cast to numeric made PostgreSQL scan the whole
 * table once per run: 8.7 s for 1M rows and 100 ranges, 6 ms with the index). Integer keys take
 * int8 bounds (the integer operator family compares int2/int4/int8 across types); a bound past
 * int8 is no bound at all. Decimal keys take numeric bounds.
 */
function inRanges(column: LocalColumn, ranges: ReadonlyArray<{ from: string; to: string }>): string {
  const k = `t.${qi(column.name)}`;
  const integer = cursorKindOf(column.type) === 'integer';
  const bound = (op: string, value: string): string | undefined => {
    if (!integer) return `${k} operator(pg_catalog.${op}) ${quoteLiteral(value)}::pg_catalog.numeric`;
    const v = BigInt(value);
    if (v < INT8_MIN || v > INT8_MAX) return undefined;
    return `${k} operator(pg_catalog.${op}) ${quoteLiteral(value)}::pg_catalog.int8`;
  };
  return `(${ranges.map((r) => `(${[bound('>=', r.from), bound('<', r.to)].filter(Boolean).join(' and ') || 'true'})`).join(' or ')})`;
}

const keysTable = (plan: IncrementalPlan) => `${qi(TEMP_SCHEMA)}.${qi(`${plan.stagingName}_keys`)}`;

/** Only owner frames and catalog reads: the temp tables were checked before (beginLaterRun's `check`). */
async function merge(run: StagedRun): Promise<Omit<RunCounts, 'fetched'> & Pick<IncrementalRun, 'deletesSkipped'>> {
  const { client, plan, table, staging } = run;
  const soft = plan.deletes === 'soft' && (await columnsOf(client, run.tableOid)).some((c) => c.name === DELETED_AT);
  const match = (a: string, b: string) => plan.key.map((k) => `${a}.${qi(k)} operator(pg_catalog.=) ${b}.${qi(k)}`).join(' and ');
  const scope = plan.deleteScope;
  // a full read cut at max_rows does not hold every remote row, nor does one that rejected rows
  // (scope all or ranges: the staged rows are the key set): what it lacks is not gone
  const rejectedInCopy = plan.rejects?.count ?? 0;
  const deletesSkipped = plan.deletes === 'keep' || !scope ? undefined
    : scope.kind === 'all' && run.truncated ? 'row_limit' as const
      : scope.kind !== 'keyset' && rejectedInCopy > 0 ? 'rejects' as const : undefined;
  let deleted = 0;
  let revived = 0;
  if (plan.deletes !== 'keep' && scope && !deletesSkipped && !(scope.kind === 'ranges' && scope.ranges.length === 0)) {
    const keys = scope.kind === 'keyset' ? keysTable(plan) : staging;
    const keyColumn = scope.kind === 'ranges' ? plan.columns.find((c) => c.name === scope.column)! : undefined;
    const gone = `${scope.kind === 'ranges' ? `${inRanges(keyColumn!, scope.ranges)} and ` : ''}not exists (select from ${keys} as k where ${match('k', 't')})`;
    const live = soft ? `t.${qi(DELETED_AT)} is null` : 'true';
    const [total, removed] = await runAsOwner(client, plan.owner, [
      `select from ${table} as t where ${live}`,
      soft ? `update ${table} as t set ${qi(DELETED_AT)} = pg_catalog.statement_timestamp() where ${live} and ${gone}`
        : `delete from ${table} as t where ${gone}`,
    ]);
    deleted = removed!;
    if (deleted > 0 && deleted > plan.maxDeleteRatio * total!) {
      throw new ConnectorError('DELETE_GUARD',
        `The run would delete ${deleted} of the ${total} rows of ${run.target.schema}.${run.target.name} (more than max_delete_ratio ${plan.maxDeleteRatio}); nothing was changed. `
        + 'If the remote rows are really gone, raise the max_delete_ratio setting for this run.');
    }
    if (soft) {
      [revived] = await runAsOwner(client, plan.owner, [
        `update ${table} as t set ${qi(DELETED_AT)} = null where t.${qi(DELETED_AT)} is not null and not ${gone}`]);
    }
  }
  const names = run.staged.map((c) => qi(c.name));
  const rowText = (alias: string) => `row(${names.map((n) => `${alias}.${n}`).join(', ')})::pg_catalog.text`;
  // an updated row has no value for a column the remote dropped (SPEC §14): NULL, like a new row
  const nulled = [...(soft ? [DELETED_AT] : []), ...run.dropped].map(qi);
  // rows the table refuses (its owner's constraints and triggers) are rejected with "on_error": "reject" (isolate-rows.ts)
  const [updated, inserted] = await runOverStagedRows({
    client, owner: plan.owner, rowsRead: run.fetched, ...(plan.rejects ? { rejects: plan.rejects } : {}),
    statements: (rows) => [
      `update ${table} as t set (${[...names, ...nulled].join(', ')}) = row(${[...names.map((n) => `s.${n}`), ...nulled.map(() => 'null')].join(', ')})
         from ${staging} as s where ${match('t', 's')} and ${rowText('t')} is distinct from ${rowText('s')} and ${rows('s')}`,
      `insert into ${table} (${names.join(', ')}) select ${names.map((n) => `s.${n}`).join(', ')} from ${staging} as s
        where not exists (select from ${table} as t where ${match('t', 's')}) and ${rows('s')}`,
    ],
  });
  return {
    inserted: inserted!, updated: updated! + (revived ?? 0), deleted, unchanged: run.fetched - updated! - inserted! - (plan.rejects?.count ?? 0),
    ...(deletesSkipped ? { deletesSkipped } : {}),
  };
}
