/**
 * A sync run's schema changes carried out in its load transaction (SPEC §14), for replace.ts and
 * incremental-table.ts alike:
 *
 *   before the COPY (the staging table exists, still empty): compare its columns with the synced
 *     table's and the last run's (column-changes.ts), decide (schema-policy.ts); a run that must
 *     stop throws 2013 here, before a single row is read; columns loaded into the table's own
 *     type (a rejected type change) are re-typed in the staging table, and the COPY then goes
 *     through text (binary COPY data carries the remote type: runner.ts follows `sink.format`);
 *   after the COPY: the table must still have the columns decided on (else the run fails and is
 *     retried), then ADD COLUMN / ALTER COLUMN TYPE as its owner, each in a savepoint: one
 *     PostgreSQL refuses (SQLSTATE 0A000 "cannot alter type of a column used by a view or rule",
 *     a value that does not convert) pauses the sync with PostgreSQL's reason, and the whole
 *     transaction rolls back — the table is never half changed.
 *
 * ALTER COLUMN TYPE of a widen uses PostgreSQL's own cast (a longer varchar, a larger numeric
 * precision at the same scale are catalog-only changes; int → bigint rewrites the table). An
 * approved retype converts through text (`USING col::text::new`) in a merge or append table,
 * whose rows stay; a replace sync has just deleted every row and inserts them all again, so it
 * takes `USING NULL` and no old value has to convert.
 */
import type pg from 'pg';
import { inClass } from '../db/sqlstate.js';
import { withSavepoint } from '../db/sql.js';
import { ConnectorError } from '../errors.js';
import { compareColumns, type ColumnChange } from './column-changes.js';
import { assertSafeType, qi } from './ddl.js';
import { runAsOwner } from './owner-frame.js';
import { blockedStop, resolveSchemaChanges, schemaStopMessage, type SchemaChangePlan, type SchemaResolution, type SchemaStop } from './schema-policy.js';
import { columnsOf, oidOf, type TableColumn } from './target-catalog.js';

export interface TableEvolution {
  resolution: SchemaResolution;
  /** The synced table's columns the decision was taken on. */
  table: TableColumn[];
  /** The remote's columns as staged, before any was re-typed: the next run's `previous`. */
  remote: TableColumn[];
  /** The COPY must be text: a staged column now has the table's type, not the remote's. */
  textCopy: boolean;
}

/** What a sync run records of its columns once it succeeded (sync-store.ts). */
export interface ColumnsRecord {
  remote: TableColumn[];
  applied: SchemaResolution['apply'];
}

/** SQLSTATE classes of an ALTER that PostgreSQL refused for this table's sake (not an outage): the run pauses. */
const REFUSED_CLASSES = ['0A', '22', '23', '42', '55'];
const SAVEPOINT = 'cdb_schema_change';

/**
 * Before the COPY, in the load transaction as the owner. `target` names the table in messages.
 * Throws 2013 when the run stops (after telling `plan.stopped`).
 */
export async function planTableEvolution(
  client: pg.ClientBase, plan: SchemaChangePlan, tableOid: number, staging: string, target: string,
  opts: { fullRefresh: boolean; rebuild: boolean },
): Promise<TableEvolution> {
  const table = await columnsOf(client, tableOid);
  const stagingOid = await oidOf(client, staging);
  const remote = await columnsOf(client, stagingOid);
  const resolution = resolveSchemaChanges(compareColumns(table, remote, plan.previous, opts), plan, { rebuild: opts.rebuild });
  if (resolution.stop) stopRun(plan, target, resolution.stop);
  if (resolution.stageAs.length > 0) {
    await assertBuiltInTypes(client, tableOid, resolution.stageAs, target);
    // the staging table is still empty: no value to convert
    await client.query(`alter table ${staging} ${resolution.stageAs.map((c) => `alter column ${qi(c.name)} type ${assertSafeType(c.type)} using null`).join(', ')}`);
  }
  return { resolution, table, remote, textCopy: resolution.stageAs.length > 0 };
}

/** After the COPY: the owner must not have changed the table's columns while the rows came in. */
export async function assertSameColumns(client: pg.ClientBase, tableOid: number, evolution: TableEvolution, target: string): Promise<TableColumn[]> {
  const now = await columnsOf(client, tableOid);
  if (JSON.stringify(now) !== JSON.stringify(evolution.table)) {
    throw new ConnectorError('INTERNAL', `The columns of ${target} changed while the sync ran (ALTER TABLE during the run); nothing was changed, the run is retried.`);
  }
  return now;
}

/**
 * The changes of `resolution.apply` on `table` (qualified), each as the owner in its own frame
 * and savepoint. Throws 2013 and pauses the sync when PostgreSQL refuses any of them.
 */
export async function applyTableChanges(
  client: pg.ClientBase, plan: SchemaChangePlan, owner: string, table: string, evolution: TableEvolution, opts: { fullRefresh: boolean; target: string },
): Promise<void> {
  const blocked: Array<{ change: ColumnChange; reason: string }> = [];
  for (const { change } of evolution.resolution.apply) {
    const statement = alterStatement(table, change, opts.fullRefresh);
    if (!statement) continue;
    try {
      await withSavepoint(client, SAVEPOINT, () => runAsOwner(client, owner, [statement]));
    } catch (err) {
      const e = err as { code?: string; message?: string; detail?: string };
      if (!REFUSED_CLASSES.some((c) => inClass(e.code, c))) throw err;
      blocked.push({ change, reason: `${e.message}${e.detail ? ` (${e.detail})` : ''}` });
    }
  }
  if (blocked.length > 0) stopRun(plan, opts.target, blockedStop(blocked));
}

/** Drops have no statement: the column stays and gets NULL in the rows this run writes. */
function alterStatement(table: string, change: ColumnChange, fullRefresh: boolean): string | undefined {
  const column = qi(change.column);
  switch (change.kind) {
    case 'add': return `alter table ${table} add column ${column} ${assertSafeType(change.newType!)}`;
    case 'widen': return `alter table ${table} alter column ${column} type ${assertSafeType(change.newType!)}`;
    case 'retype': {
      const type = assertSafeType(change.newType!);
      return `alter table ${table} alter column ${column} type ${type} using ${fullRefresh ? `null::${type}` : `${column}::pg_catalog.text::${type}`}`;
    }
    case 'drop': return undefined;
  }
}

function stopRun(plan: SchemaChangePlan, target: string, stop: SchemaStop): never {
  plan.stopped(stop);
  throw new ConnectorError('SYNC_TABLE_INCOMPATIBLE', schemaStopMessage(target, plan.syncId, stop));
}

/**
 * A column staged with the table's type must have a built-in base type (pg_catalog, or an array
 * of one): the COPY into the staging table runs outside any owner frame, and the input function
 * of a type or domain of the owner's would run there with more than the owner's rights.
 */
async function assertBuiltInTypes(client: pg.ClientBase, tableOid: number, columns: readonly TableColumn[], target: string): Promise<void> {
  const { rows } = await client.query<{ name: string; type: string }>(
    `select a.attname::pg_catalog.text as name, pg_catalog.format_type(a.atttypid, a.atttypmod) as type
       from pg_catalog.pg_attribute as a
       join pg_catalog.pg_type as t on t.oid = a.atttypid
       left join pg_catalog.pg_type as e on e.oid = t.typelem and t.typcategory = 'A'
      where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped and a.attname = any ($2::pg_catalog.name[])
        and not (coalesce(e.typnamespace, t.typnamespace) = 'pg_catalog'::pg_catalog.regnamespace and coalesce(e.typtype, t.typtype) = 'b')`,
    [tableOid, columns.map((c) => c.name)]);
  if (rows.length > 0) {
    throw new ConnectorError('SYNC_TABLE_INCOMPATIBLE',
      `Cannot sync table ${target}: the column ${rows[0]!.name} has the type ${rows[0]!.type}, which is not a built-in type, and the remote sends another type for it. `
      + 'Give the column a built-in type (ALTER TABLE … ALTER COLUMN … TYPE), or the remote type.');
  }
}
