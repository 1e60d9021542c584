/**
 * The last step of a whole-database run (SPEC §15), once none of its tables is queued or running:
 * one transaction, holding the run's row lock, that
 *   - atomic run, every table complete: moves each table from the staging schema into the target
 *     (under a free name: a run never overwrites a table, SPEC §4.4, and says so with `renamed`),
 *     applies the remote structure (apply-structure.ts), drops the staging schema, and records
 *     `complete` — the tables, their keys and the run's state become visible at one commit;
 *   - atomic run with a failed or cancelled table: drops the staging schema (nothing was ever
 *     visible) and records `failure` (or `cancelled`), naming the tables and their errors;
 *   - non-atomic run: the completed tables are in place already; the structure is applied to them
 *     and the run records `complete`, or `failure` naming the tables that failed (the others stay).
 * Everything that touches the owner's tables runs as the owner inside an owner frame
 * (owner-frame.ts): the staging schema and the tables are the owner's, and so is any code they
 * carry (a trigger planted on a staged table fires with the owner's rights, never the sidecar's).
 */
import type pg from 'pg';
import { ERROR_CODES } from '../errors.js';
import { qi } from '../load/ddl.js';
import { uniqueLocalIdentifiers } from '../load/identifiers.js';
import { assertNoDeferredUserCode, runAsOwner } from '../load/owner-frame.js';
import { applyStructure } from '../load/apply-structure.js';
import { planStructure, type LoadedTable } from '../load/structure-ddl.js';
import { findFreeTableName } from '../load/target-catalog.js';
import { readChildren, recordPublished, type RunChild, type RunEnd, type RunRow, type RunWarning } from './run-store.js';

/** Failed tables named in the run's error message at most. */
const FAILURES_SHOWN = 10;

export async function publishRun(client: pg.ClientBase, run: RunRow, maxIdentifierBytes: number): Promise<RunEnd> {
  const children = await readChildren(client, run.id);
  const complete = children.filter((c) => c.state === 'complete');
  const failed = children.filter((c) => c.state !== 'complete');
  const warnings: RunWarning[] = [...run.warnings];
  if (run.options.atomic && (failed.length > 0 || run.cancel_requested)) {
    await dropStaging(client, run);
    await markNotPublished(client, run.id);
    return ended(run, children, failed, warnings);
  }
  const loaded = new Map<string, LoadedTable>();
  for (const child of complete) {
    const name = run.options.atomic ? await moveIntoTarget(client, run, child, warnings) : child.table_name!;
    loaded.set(child.remote_table, await loadedTable(client, run.target_schema, name, child, maxIdentifierBytes));
  }
  if (run.structure && loaded.size > 0) {
    const s = run.options.structure;
    const taken = new Map([[run.target_schema, await relationsIn(client, run.target_schema)]]);
    const plan = planStructure(run.structure, loaded, { primaryKeys: s.primary_keys, indexes: s.indexes, notNull: s.not_null, foreignKeys: s.foreign_keys }, taken);
    const applied = await applyStructure(client, run.owner, plan);
    await client.query('reset role');
    for (const w of applied.warnings) warnings.push({ code: 'structure', table: w.table, message: w.message });
  }
  await dropStaging(client, run);
  await assertNoDeferredUserCode(client);
  return ended(run, children, failed, warnings);
}

/** Staging → target in three steps, so that no name of either schema can get in the way. */
async function moveIntoTarget(client: pg.ClientBase, run: RunRow, child: RunChild, warnings: RunWarning[]): Promise<string> {
  const staged = child.table_name!;
  const transit = `cdb_publish_${child.id.replace(/-/g, '')}`;
  await runAsOwner(client, run.owner, [
    `alter table ${qi(run.staging_schema!)}.${qi(staged)} rename to ${qi(transit)}`,
    `alter table ${qi(run.staging_schema!)}.${qi(transit)} set schema ${qi(run.target_schema)}`,
  ]);
  await client.query('reset role');
  const name = await findFreeTableName(client, run.target_schema, staged);
  await runAsOwner(client, run.owner, [`alter table ${qi(run.target_schema)}.${qi(transit)} rename to ${qi(name)}`]);
  await client.query('reset role');
  await recordPublished(client, child.id, run.target_schema, name);
  if (name !== staged) {
    warnings.push({ code: 'renamed', table: child.remote_table,
      message: `"${child.remote_table}" was imported as ${run.target_schema}.${name}: a table (or other relation) named "${staged}" already exists there.` });
  }
  return name;
}

/** The local table as planStructure sees it: remote column → local name and type. */
async function loadedTable(client: pg.ClientBase, schema: string, table: string, child: RunChild, maxIdentifierBytes: number): Promise<LoadedTable> {
  const { rows } = await client.query<{ name: string; type: string; primary: boolean }>(
    // PostGIS types by their bare name: format_type qualifies them under the pinned search_path
    `select a.attname::pg_catalog.text as name,
            case when t.typname in ('geometry', 'geography') then t.typname::pg_catalog.text
                 else pg_catalog.format_type(a.atttypid, a.atttypmod) end as type,
            exists (select from pg_catalog.pg_index i where i.indrelid = c.oid and i.indisprimary) as primary
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       join pg_catalog.pg_type t on t.oid = a.atttypid
      where n.nspname = $1 and c.relname = $2 order by a.attnum`, [schema, table]);
  const types = new Map(rows.map((r) => [r.name, r.type]));
  const remote = child.remote_columns ?? [];
  const local = uniqueLocalIdentifiers(remote, [], maxIdentifierBytes);
  const columns = new Map<string, { name: string; type: string }>();
  remote.forEach((r, i) => {
    const type = types.get(local[i]!);
    if (type !== undefined) columns.set(r, { name: local[i]!, type });
  });
  return { schema, table, columns, hasPrimaryKey: rows.some((r) => r.primary) };
}

/** Every relation name of `schema` (tables, indexes, sequences, views…), whoever owns it. */
async function relationsIn(client: pg.ClientBase, schema: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `select c.relname::pg_catalog.text as name from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1`, [schema]);
  return rows.map((r) => r.name);
}

/** The completed tables of an atomic run that published nothing say so in their own warnings (imports view). */
async function markNotPublished(client: pg.ClientBase, runId: string): Promise<void> {
  const warning = [{ code: 'not_published', message: 'This table loaded, but its atomic whole-database run failed or was cancelled, so it was dropped with the run\'s staging schema.' }];
  await client.query(`update cdb_connectors.jobs set warnings = warnings || $2::jsonb where run_id = $1 and state = 'complete'`, [runId, JSON.stringify(warning)]);
}

/** Drops an atomic run's staging schema as its owner (it and everything in it are the owner's). */
export async function dropStaging(client: pg.ClientBase, run: RunRow): Promise<void> {
  if (!run.staging_schema) return;
  await runAsOwner(client, run.owner, [`drop schema if exists ${qi(run.staging_schema)} cascade`]);
  await client.query('reset role');
}

function ended(run: RunRow, children: RunChild[], failed: RunChild[], warnings: RunWarning[]): RunEnd {
  const kept = children.length - failed.length;
  if (run.cancel_requested) {
    return { state: 'cancelled', errorCode: ERROR_CODES.CANCELLED.code, warnings,
      errorMessage: run.options.atomic
        ? 'The run was cancelled with cdb_connector_cancel_run; no table of it was published.'
        : `The run was cancelled with cdb_connector_cancel_run; the ${kept} table(s) that had completed stay.` };
  }
  if (failed.length === 0) return { state: 'complete', warnings };
  // a table the run itself cancelled (an atomic run stops the others once one failed) is not the cause
  const causes = failed.filter((c) => c.state === 'failure');
  const named = (causes.length > 0 ? causes : failed).slice(0, FAILURES_SHOWN)
    .map((c) => `${c.remote_table} (${c.error_code ?? '?'}: ${c.error_message ?? c.state})`).join('; ');
  const more = causes.length > FAILURES_SHOWN ? `; … ${causes.length - FAILURES_SHOWN} more` : '';
  return {
    state: 'failure', warnings,
    errorCode: (causes[0] ?? failed[0])!.error_code ?? ERROR_CODES.CONNECTOR_ERROR.code,
    errorMessage: run.options.atomic
      ? `${causes.length || failed.length} of ${children.length} tables failed, so nothing was published (atomic run): ${named}${more}. Fix the cause and run again, or use "atomic": false to keep the tables that load.`
      : `${failed.length} of ${children.length} tables failed; the other ${kept} were imported: ${named}${more}.`,
  };
}
