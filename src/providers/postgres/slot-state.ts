/**
 * The replication slot and publication of a cdc sync, in SQL on an ordinary connection
 * (docs/change-capture-design.md §1b): status, advance, drop; create/drop of our own publication.
 *
 * Slot functions need superuser or REPLICATION and there is no slot owner, so every statement
 * names the sync's own slot. The session is `default_transaction_read_only` (connection.ts):
 * publication DDL runs in an explicit READ WRITE transaction; slot functions are not DDL and
 * work in read-only transactions (verified on 15.18).
 */
import pg from 'pg';
import { ConnectorError } from '../../errors.js';
import { sqlstateOf } from './errors.js';

export type Query = <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<R[]>;

/** Slot names the sidecar derives (`cdb_<32 hex>`); anything else is refused before SQL. */
const SLOT_NAME = /^[a-z0-9_]{1,63}$/;
const SLOT_SQL = `select wal_status, confirmed_flush_lsn::text as confirmed, confirmed_flush_lsn <= $2::pg_catalog.pg_lsn as behind
  from pg_catalog.pg_replication_slots where slot_name = $1::pg_catalog.name`;
const ADVANCE_SQL = `select pg_catalog.pg_replication_slot_advance(slot_name, $2::pg_catalog.pg_lsn)
  from pg_catalog.pg_replication_slots where slot_name = $1::pg_catalog.name and confirmed_flush_lsn < $2::pg_catalog.pg_lsn`;
const DROP_SLOT_SQL = `select pg_catalog.pg_drop_replication_slot(slot_name) from pg_catalog.pg_replication_slots where slot_name = $1::pg_catalog.name`;
const PUBLICATION_SQL = 'select 1 from pg_catalog.pg_publication where pubname = $1::pg_catalog.name';
/** The table, or (a partitioned table published by leaf) one of its partitions, is in the publication (PostgreSQL 12+). */
const PUBLISHES_SQL = `with t as (select c.oid from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = $2::pg_catalog.name and c.relname = $3::pg_catalog.name)
  select 1 from pg_catalog.pg_publication_tables pt
  join pg_catalog.pg_namespace n on n.nspname = pt.schemaname join pg_catalog.pg_class c on c.relnamespace = n.oid and c.relname = pt.tablename
  cross join t where pt.pubname = $1::pg_catalog.name and (c.oid = t.oid or t.oid in (select relid from pg_catalog.pg_partition_ancestors(c.oid)))`;
const PARTITIONED_SQL = `select 1 from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname = $1::pg_catalog.name and c.relname = $2::pg_catalog.name and c.relkind = 'p'`;
export const SQLSTATE_OBJECT_IN_USE = '55006';

export function checkSlotName(slot: string): void {
  if (!SLOT_NAME.test(slot)) throw new ConnectorError('INVALID_PARAMETERS', `The replication slot name ${JSON.stringify(slot)} is not valid: use 1 to 63 characters a-z, 0-9 and _`);
}

/** Whether the slot still keeps every change after `position` (exists, not invalidated, not advanced past it). */
export async function slotKeeps(query: Query, slot: string, position: string): Promise<boolean> {
  const row = (await query<{ wal_status: string | null; behind: boolean | null }>(SLOT_SQL, [slot, position]))[0];
  return row !== undefined && row.wal_status !== 'lost' && row.behind === true;
}

/**
 * The "position lost" failure of readChanges (SOURCE_NOT_FOUND, not retried): the changes since
 * `position` cannot be read any more; the sidecar re-snapshots (also tells it available() false).
 */
export async function requireSlotAt(query: Query, slot: string, position: string): Promise<void> {
  const row = (await query<{ wal_status: string | null; confirmed: string | null; behind: boolean | null }>(SLOT_SQL, [slot, position]))[0];
  const lost = (why: string) => new ConnectorError('SOURCE_NOT_FOUND', `The PostgreSQL replication slot "${slot}" ${why}: the changes since ${position} are lost and the sync needs a new snapshot`);
  if (!row) throw lost('does not exist');
  if (row.wal_status === 'lost') throw lost('was invalidated (wal_status lost, max_slot_wal_keep_size)');
  if (row.behind !== true) throw lost(`was advanced past the sync's position (confirmed_flush_lsn ${row.confirmed ?? 'null'})`);
}

export async function advanceSlot(query: Query, slot: string, position: string): Promise<void> {
  await query(ADVANCE_SQL, [slot, position]);
}

/** Drops the slot if it exists; an active one (a walsender or a peek holds it) is a clear error. */
export async function dropSlot(query: Query, slot: string): Promise<void> {
  try {
    await query(DROP_SLOT_SQL, [slot]);
  } catch (err) {
    if (sqlstateOf(err) === SQLSTATE_OBJECT_IN_USE) {
      throw new ConnectorError('SOURCE_QUERY_FAILED', `The PostgreSQL replication slot "${slot}" is in use by another connection and cannot be dropped now: ${(err as Error).message}`, { cause: err });
    }
    throw err;
  }
}

export async function publishesTable(query: Query, publication: string, schema: string, table: string): Promise<{ exists: boolean; publishes: boolean }> {
  const exists = (await query(PUBLICATION_SQL, [publication])).length > 0;
  return { exists, publishes: exists && (await query(PUBLISHES_SQL, [publication, schema, table])).length > 0 };
}

/**
 * Creates our publication for the table, or adds the table to it (a re-snapshot keeps it). A
 * partitioned table is published through its root, so that its partitions' changes carry its name.
 */
export async function ensurePublication(query: Query, publication: string, schema: string, table: string): Promise<void> {
  const relation = `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`;
  const name = pg.escapeIdentifier(publication);
  await inReadWrite(query, async () => {
    const partitioned = (await query(PARTITIONED_SQL, [schema, table])).length > 0;
    const { exists, publishes } = await publishesTable(query, publication, schema, table);
    if (!exists) await query(`create publication ${name} for table ${relation}${partitioned ? ' with (publish_via_partition_root = true)' : ''}`);
    else {
      if (!publishes) await query(`alter publication ${name} add table ${relation}`);
      if (partitioned) await query(`alter publication ${name} set (publish_via_partition_root = true)`);
    }
  });
}

export async function dropPublication(query: Query, publication: string): Promise<void> {
  await inReadWrite(query, () => query(`drop publication if exists ${pg.escapeIdentifier(publication)}`));
}

async function inReadWrite(query: Query, body: () => Promise<unknown>): Promise<void> {
  await query('begin read write');
  try {
    await body();
    await query('commit');
  } catch (err) {
    await query('rollback').catch(() => undefined);
    throw err;
  }
}
