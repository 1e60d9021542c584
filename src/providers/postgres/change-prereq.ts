/**
 * ChangeCapture.check for PostgreSQL: every prerequisite of a cdc sync, before anything is created,
 * each failure naming what the remote DBA must change (1502 a setting, 1503 a privilege).
 *
 * Replica identity matters twice: the old key of an UPDATE/DELETE comes only from it, and a
 * publication on a table without one makes the SOURCE application's UPDATE/DELETE fail
 * (docs/change-capture-design.md §1b gotcha 2), so we refuse before publishing anything.
 */
import pg from 'pg';
import { ConnectorError } from '../../errors.js';
import type { ChangeLogNames } from '../../rows/changes.js';
import type { ReadTarget } from './change-reader.js';
import { TEXT_CAST, TEXT_CAST_FUNCTIONS_IDENTICAL } from './change-values.js';
import { publishesTable, type Query } from './slot-state.js';

const ROLE_SQL = `select rolsuper, rolreplication from pg_catalog.pg_roles where rolname = current_user`;
const SLOTS_SQL = `select current_setting('max_replication_slots')::int as max,
  (select count(*) from pg_catalog.pg_replication_slots where slot_name <> $1::pg_catalog.name)::int as used`;
const TABLE_SQL = `select c.oid::int8 as oid, c.relkind, c.relreplident, pg_catalog.pg_has_role(c.relowner, 'USAGE') as owned,
  c.relkind = 'r' and exists (select 1 from pg_catalog.pg_inherits i where i.inhparent = c.oid) as inherited,
  pg_catalog.has_database_privilege(current_database(), 'CREATE') as can_create
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname = $1::pg_catalog.name and c.relname = $2::pg_catalog.name`;
/** The replica identity's columns: the primary key (DEFAULT) or the REPLICA IDENTITY USING INDEX index. */
const IDENTITY_SQL = `select a.attname::text as name from pg_catalog.pg_index i
  join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey::int2[])
  where i.indrelid = $1::pg_catalog.oid and case when $2 = 'd' then i.indisprimary else i.indisreplident end`;
const GENERATED_SQL = `select attname::text as name from pg_catalog.pg_attribute
  where attrelid = $1::pg_catalog.oid and attnum > 0 and not attisdropped and attgenerated <> ''`;
/** Columns whose type has a cast FUNCTION to text: streamRows prints that function's result. */
const TEXT_FUNCTION_CASTS_SQL = `select a.attname::text as name, pg_catalog.format_type(a.atttypid, null) as type
  from pg_catalog.pg_attribute a join pg_catalog.pg_cast k on k.castsource = a.atttypid
  where a.attrelid = $1::pg_catalog.oid and a.attnum > 0 and not a.attisdropped
    and k.casttarget = 'pg_catalog.text'::pg_catalog.regtype and k.castmethod = 'f'`;
const PUBLISH_SQL = `select pubinsert, pubupdate, pubdelete, pubtruncate, (to_jsonb(p) ->> 'pubviaroot')::boolean as via_root
  from pg_catalog.pg_publication p where pubname = $1::pg_catalog.name`;

export async function checkChangeCapture(query: Query, target: ReadTarget, names: ChangeLogNames, key: readonly string[], user: string): Promise<void> {
  const { schema, table } = target;
  const relation = `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`;
  const invalid = (message: string) => new ConnectorError('INVALID_PARAMETERS', message);

  const walLevel = (await query<{ wal_level: string }>('show wal_level'))[0]!.wal_level;
  if (walLevel !== 'logical') throw invalid(`Change capture needs wal_level = logical on the PostgreSQL source (it is ${walLevel}): set wal_level = logical in postgresql.conf and restart the server`);
  const role = (await query<{ rolsuper: boolean; rolreplication: boolean }>(ROLE_SQL))[0];
  if (!role?.rolsuper && !role?.rolreplication) {
    throw new ConnectorError('SOURCE_AUTH_FAILED', `Change capture needs the REPLICATION attribute for the PostgreSQL user ${pg.escapeIdentifier(user)}: run ALTER ROLE ${pg.escapeIdentifier(user)} REPLICATION as a superuser`);
  }
  const slots = (await query<{ max: number; used: number }>(SLOTS_SQL, [names.slot]))[0]!;
  if (slots.used >= slots.max) throw invalid(`The PostgreSQL source has no free replication slot (${slots.used} of max_replication_slots = ${slots.max} in use): raise max_replication_slots in postgresql.conf and restart, or drop unused slots`);

  const rel = (await query<{ oid: string; relkind: string; relreplident: string; owned: boolean; inherited: boolean; can_create: boolean }>(TABLE_SQL, [schema, table]))[0];
  if (!rel) throw new ConnectorError('SOURCE_NOT_FOUND', `Table ${relation} does not exist on the PostgreSQL source`);
  if (rel.relkind !== 'r' && rel.relkind !== 'p') throw invalid(`${relation} is not a table (a view, materialized view or foreign table): change capture follows tables only; use mode merge`);
  // The SELECT reads inheritance children too, but their changes carry their own relation: they would be missed.
  if (rel.inherited) throw invalid(`Table ${relation} has inheritance children, whose changes change capture would miss: use mode merge`);
  await checkIdentity(query, rel, relation, key);
  await checkColumns(query, rel.oid, target, relation);

  if (names.ownPublication) {
    if (!rel.owned || !rel.can_create) {
      throw new ConnectorError('SOURCE_AUTH_FAILED', `Creating the publication for change capture needs ownership of ${relation} and CREATE on the database: `
        + `have a DBA run CREATE PUBLICATION <name> FOR TABLE ${relation} and give its name in the "publication" parameter`);
    }
    return;
  }
  const pub = (await query<{ pubinsert: boolean; pubupdate: boolean; pubdelete: boolean; pubtruncate: boolean; via_root: boolean | null }>(PUBLISH_SQL, [names.publication]))[0];
  const pubName = pg.escapeIdentifier(names.publication);
  if (!pub) throw invalid(`The publication ${pubName} (parameter "publication") does not exist on the PostgreSQL source: CREATE PUBLICATION ${pubName} FOR TABLE ${relation}`);
  if (!(await publishesTable(query, names.publication, schema, table)).publishes) throw invalid(`The publication ${pubName} does not publish ${relation}: ALTER PUBLICATION ${pubName} ADD TABLE ${relation}`);
  if (!pub.pubinsert || !pub.pubupdate || !pub.pubdelete || !pub.pubtruncate) {
    throw invalid(`The publication ${pubName} does not publish every kind of change: ALTER PUBLICATION ${pubName} SET (publish = 'insert, update, delete, truncate')`);
  }
  // Without it a partition's changes name the partition, not the table we follow.
  if (rel.relkind === 'p' && pub.via_root !== true) throw invalid(`The publication ${pubName} publishes the partitioned table ${relation} by partition: ALTER PUBLICATION ${pubName} SET (publish_via_partition_root = true)`);
}

/** The merge key must be in every old tuple: the replica identity covers it (or is FULL). */
async function checkIdentity(query: Query, rel: { oid: string; relreplident: string }, relation: string, key: readonly string[]): Promise<void> {
  const fix = `ALTER TABLE ${relation} REPLICA IDENTITY FULL (or REPLICA IDENTITY USING INDEX <a unique index over the key>)`;
  if (rel.relreplident === 'f') return;
  if (rel.relreplident === 'n') throw new ConnectorError('INVALID_PARAMETERS', `Table ${relation} has REPLICA IDENTITY NOTHING, so its updates and deletes cannot be followed: ${fix}`);
  const identity = new Set((await query<{ name: string }>(IDENTITY_SQL, [rel.oid, rel.relreplident])).map((r) => r.name));
  if (identity.size === 0) throw new ConnectorError('INVALID_PARAMETERS', `Table ${relation} has no primary key and no replica identity index, so its updates and deletes cannot be followed: ${fix}`);
  const missing = key.filter((k) => !identity.has(k));
  if (missing.length > 0) {
    throw new ConnectorError('INVALID_PARAMETERS', `The replica identity of ${relation} does not include the primary_key column(s) ${missing.map((m) => pg.escapeIdentifier(m)).join(', ')}: ${fix}`);
  }
}

/** Columns whose changes cannot carry what streamRows reads: generated ones (not in pgoutput) and unverified text cast functions. */
async function checkColumns(query: Query, oid: string, target: ReadTarget, relation: string): Promise<void> {
  const { plan, described } = target;
  const planned = new Set(plan.columns.map((c) => c.remoteName));
  const generated = (await query<{ name: string }>(GENERATED_SQL, [oid])).map((r) => r.name).filter((name) => planned.has(name));
  if (generated.length > 0) {
    throw new ConnectorError('INVALID_PARAMETERS', `Generated column(s) ${generated.map((g) => pg.escapeIdentifier(g)).join(', ')} of ${relation} are not in the PostgreSQL change log: use mode merge for this table`);
  }
  const textCast = new Set(plan.columns.filter((_, i) => described.selected[i]?.selectCast === TEXT_CAST).map((c) => c.remoteName));
  const casts = (await query<{ name: string; type: string }>(TEXT_FUNCTION_CASTS_SQL, [oid])).filter((r) => textCast.has(r.name) && !TEXT_CAST_FUNCTIONS_IDENTICAL.has(r.type));
  if (casts.length > 0) {
    throw new ConnectorError('INVALID_PARAMETERS', `Column(s) ${casts.map((r) => `${pg.escapeIdentifier(r.name)} (${r.type})`).join(', ')} of ${relation} are read through a cast function to text `
      + 'whose result change capture cannot reproduce exactly: use mode merge for this table');
  }
}
