/**
 * ChangeCapture.readChanges for PostgreSQL: one bounded peek of the slot, decoded and handed to
 * the sink transaction by transaction (docs/change-capture-design.md §1b, §4).
 *
 * - The bound is pg_current_wal_lsn() at the start: transactions committing during the read
 *   stay for the next one. (The server decodes only flushed WAL, so a just-committed
 *   asynchronous commit may also wait for the next read.)
 * - The peek never advances the slot (confirm() does, after the target commit) and never splits
 *   a transaction (upto_nchanges is only checked at commits, and we pass none). Its result is
 *   materialised by the server (spilling to disk), and read through a cursor FETCH_ROWS
 *   messages at a time, so our memory does not grow with the backlog.
 * - Transactions whose commit ends at or before `from` were applied already: skipped. Commit
 *   records never overlap, so "ends ≤ from" is "begins (Begin.final_lsn) < from".
 */
import pg from 'pg';
import { ConnectorError } from '../../errors.js';
import type { Change, ChangeLogNames, ChangeSink, ChangeValue } from '../../rows/changes.js';
import type { CopyValue } from '../../rows/sink.js';
import type { SourcePlan } from '../../rows/plan.js';
import type { Described } from './catalog.js';
import { ChangeValues, oldValue } from './change-values.js';
import type { PgConnection } from './connection.js';
import { decodePgoutput, formatLsn, parseLsn, type PgoutputMessage, type TupleValue } from './pgoutput.js';
import { cancellableQuery, type StatementOptions } from './statement.js';
import { publishesTable, requireSlotAt } from './slot-state.js';

/** pgoutput messages per FETCH: one change each, so this bounds what one round trip holds. */
const FETCH_ROWS = 1_000;
const CURSOR = 'cdb_changes';
const DECLARE_SQL = `declare ${CURSOR} no scroll cursor for
  select data from pg_catalog.pg_logical_slot_peek_binary_changes($1::pg_catalog.name, $2::pg_catalog.pg_lsn, null,
    'proto_version', '1', 'publication_names', $3::pg_catalog.text)`;
const RELATION_OID_SQL = `select c.oid::int8 as oid from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname = $1::pg_catalog.name and c.relname = $2::pg_catalog.name`;
const FORMAT_TYPES_SQL = `select pg_catalog.format_type(u.o, u.m) as v
  from unnest($1::pg_catalog.oid[], $2::pg_catalog.int4[]) with ordinality as u(o, m, i) order by u.i`;

export interface ReadTarget {
  plan: SourcePlan;
  described: Described;
  schema: string;
  table: string;
}

/** Where each column of our table's Relation message goes in plan order (-1: a skipped column). */
type ColumnMap = number[];

export async function readChanges(conn: PgConnection, target: ReadTarget, from: string, names: ChangeLogNames, sink: ChangeSink, opts: StatementOptions): Promise<void> {
  const fromLsn = parseLsn(from);
  const query = <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => cancellableQuery<R>(conn, text, values, opts);
  await query('begin');
  try {
    await requireSlotAt(query, names.slot, from);
    const oid = (await query<{ oid: string }>(RELATION_OID_SQL, [target.schema, target.table]))[0]?.oid;
    if (oid === undefined) throw incompatible(target, 'no longer exists under that name');
    // A DROP emits no change; a table created again under the name is not in the publication (unless re-added).
    if (!(await publishesTable(query, names.publication, target.schema, target.table)).publishes) {
      throw incompatible(target, `is no longer in the publication "${names.publication}" (was it dropped and created again?)`);
    }
    const bound = (await query<{ lsn: string }>('select pg_catalog.pg_current_wal_lsn()::text as lsn'))[0]!.lsn;
    // publication_names is a list of identifiers (SplitIdentifierString): quoted, it keeps its case and commas.
    await query(DECLARE_SQL, [names.slot, bound, pg.escapeIdentifier(names.publication)]);
    await new Reading(target, Number(oid), fromLsn, sink, query).run();
    await query(`close ${CURSOR}`);
    await query('commit');
  } catch (err) {
    if (!conn.isClosed) await conn.query('rollback').catch(() => undefined);
    throw err;
  }
}

type Relation = Extract<PgoutputMessage, { tag: 'relation' }>;

function incompatible(target: ReadTarget, what: string): ConnectorError {
  return new ConnectorError('SYNC_TABLE_INCOMPATIBLE', `The PostgreSQL table "${target.schema}"."${target.table}" ${what}; its changes cannot be applied to the synced table, a new snapshot is needed`);
}

type Query = <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<R[]>;

class Reading {
  private readonly values: ChangeValues;
  /** The last Relation message of each relid (every peek sends them again, also inside skipped transactions). */
  private readonly relations = new Map<number, Relation>();
  /** Column maps, made at the first change that is applied: null for other tables. */
  private readonly maps = new Map<number, ColumnMap | null>();
  private skipping = false;

  constructor(private readonly target: ReadTarget, private readonly oid: number, private readonly fromLsn: bigint, private readonly sink: ChangeSink, private readonly query: Query) {
    this.values = new ChangeValues(target.plan, target.described);
  }

  async run(): Promise<void> {
    for (;;) {
      const rows = await this.query<{ data: Buffer }>(`fetch ${FETCH_ROWS} from ${CURSOR}`);
      const events: Array<Change | string> = [];
      for (const row of rows) await this.take(decodePgoutput(row.data), events);
      await this.values.convert(events.filter((e): e is Change => typeof e !== 'string'), (text, values) => this.query(text, values));
      for (const event of events) {
        if (typeof event === 'string') {
          this.sink.commit(event);
          if (this.sink.full) return;
        } else if (!this.sink.write(event)) {
          await this.sink.drained();
        }
      }
      if (rows.length < FETCH_ROWS) return;
    }
  }

  /** Adds what `msg` means for our table to `events`: changes, and commit positions (strings). */
  private async take(msg: PgoutputMessage, events: Array<Change | string>): Promise<void> {
    switch (msg.tag) {
      case 'begin':
        this.skipping = msg.finalLsn < this.fromLsn;
        return;
      case 'commit':
        if (!this.skipping) events.push(formatLsn(msg.endLsn));
        return;
      case 'relation':
        this.relations.set(msg.relid, msg);
        this.maps.delete(msg.relid);
        return;
      case 'truncate':
        if (this.skipping) return;
        for (const relid of msg.relids) {
          if (await this.mapFor(relid)) return void events.push({ op: 'truncate' });
        }
        return;
      case 'other':
        return;
    }
    if (this.skipping) return;
    const map = await this.mapFor(msg.relid);
    if (!map) return;
    if (msg.tag === 'insert') events.push({ op: 'insert', row: this.row(msg.row, map) });
    else if (msg.tag === 'update') events.push({ op: 'update', row: this.row(msg.row, map), ...(msg.old ? { old: this.old(msg.old, map) } : {}) });
    else events.push({ op: 'delete', old: this.old(msg.old, map) });
  }

  private row(tuple: TupleValue[], map: ColumnMap): ChangeValue[] {
    const row: ChangeValue[] = new Array<ChangeValue>(this.target.plan.columns.length).fill(null);
    tuple.forEach((v, i) => { if (map[i]! >= 0) row[map[i]!] = v; });
    return row;
  }

  private old(tuple: TupleValue[], map: ColumnMap): CopyValue[] {
    return this.row(tuple, map).map(oldValue);
  }

  /**
   * Our table is the relid its name has now (a rename in between changes nothing: same relid). A
   * Relation with our name but another relid is a table dropped and created again, whose DROP
   * took rows away without a change: 2013 like an altered column list.
   */
  private async mapFor(relid: number): Promise<ColumnMap | null> {
    const known = this.maps.get(relid);
    if (known !== undefined) return known;
    const msg = this.relations.get(relid);
    if (!msg) throw new ConnectorError('CONNECTOR_ERROR', `pgoutput sent a change of relation ${relid} before its Relation message`);
    const { schema, table } = this.target;
    const named = msg.namespace === schema && msg.name === table;
    if (relid !== this.oid && named) throw incompatible(this.target, 'was dropped and created again');
    const map = relid === this.oid ? await this.columnMap(msg) : null;
    this.maps.set(relid, map);
    return map;
  }

  /** The Relation's columns against the plan's: same names and types, or the table was altered (2013). */
  private async columnMap(msg: Relation): Promise<ColumnMap> {
    const { plan } = this.target;
    const expected = new Map<string, string>([...plan.columns, ...plan.skipped].map((c) => [c.remoteName, c.remoteType]));
    const types = await this.query<{ v: string }>(FORMAT_TYPES_SQL, [msg.columns.map((c) => c.typeOid), msg.columns.map((c) => c.typmod)]);
    const seen = new Set(msg.columns.map((c) => c.name));
    const added = msg.columns.flatMap((c, i) => (expected.has(c.name) ? [] : [`"${c.name}" (${types[i]!.v})`]));
    const dropped = [...expected.keys()].filter((name) => !seen.has(name)).map((name) => `"${name}"`);
    const retyped = msg.columns.flatMap((c, i) => {
      const was = expected.get(c.name);
      return was !== undefined && was !== types[i]!.v ? [`"${c.name}" (${was} → ${types[i]!.v})`] : [];
    });
    if (added.length + dropped.length + retyped.length > 0) {
      const parts = [added.length ? `added ${added.join(', ')}` : '', dropped.length ? `dropped ${dropped.join(', ')}` : '', retyped.length ? `retyped ${retyped.join(', ')}` : ''];
      throw incompatible(this.target, `changed since it was described (${parts.filter(Boolean).join('; ')})`);
    }
    return msg.columns.map((c) => plan.columns.findIndex((p) => p.remoteName === c.name));
  }
}
