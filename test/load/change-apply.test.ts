/**
 * The change-capture apply (SPEC §16, load/strategies/change-apply.ts) on a real target, fed
 * through the sidecar's ChangeStream as a provider would: the last change per key wins in source
 * order, a key change moves the row, TRUNCATE resets what came before it, an unsent (unchanged
 * TOAST) column keeps the table's value or takes the key's earlier value in the same batch,
 * changes no commit closed are dropped, soft deletes mark and revive, and the owner's trigger
 * runs as the owner. The table is compared as a whole after each batch.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool.js';
import { UNCHANGED, type Change } from '../../src/rows/changes.js';
import { beginChangeRun } from '../../src/load/strategies/change-apply.js';
import type { IncrementalRun } from '../../src/load/strategies/incremental-table.js';
import { ChangeStream } from '../../src/sidecar/change-sink.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { withAlice, type RoleFactory, type TestRole } from '../sql/helpers.js';

let db: TargetDb;
let roles: RoleFactory;
let alice: TestRole;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTargetDb();
  ({ roles, alice } = await withAlice(db));
  pool = createPool({ connectionString: db.url, max: 2, applicationName: 'change-apply test' });
});
afterAll(async () => {
  await pool?.end();
  await roles?.cleanup();
});

const COLUMNS = [{ name: 'id', type: 'int8' }, { name: 'v', type: 'text' }, { name: 'big', type: 'text' }];

async function makeTable(name: string, soft = false): Promise<number> {
  await db.query(`create table public.${name} (id int8 primary key, v text, big text${soft ? ', _deleted_at timestamptz' : ''});
    alter table public.${name} owner to "${alice.name}";`);
  return (await db.query<{ oid: number }>(`select 'public.${name}'::regclass::oid::int as oid`)).rows[0]!.oid;
}

/** One run: `txs` are source transactions (changes, then whether a commit closes them). */
async function apply(table: string, oid: number, txs: Array<{ changes: Change[]; commit?: boolean }>, deletes: 'hard' | 'soft' | 'keep' = 'hard') {
  const client = await pool.connect();
  const stream = new ChangeStream(COLUMNS.length, [0], 1000);
  let recorded: IncrementalRun | undefined;
  try {
    const load = await beginChangeRun(client, {
      schema: 'public', owner: alice.name, columns: COLUMNS, maxRows: 1000, stagingName: `cdc_test_${table}`, format: 'text',
      tableOid: oid, key: ['id'], previousMark: '0/1', deletes, maxDeleteRatio: 0.5,
      schemaChanges: { syncId: '00000000-0000-0000-0000-000000000000', policy: 'evolve', previous: COLUMNS, decisions: [], droppedColumns: [], stopped: () => undefined },
      recordRun: async (run) => { recorded = run; },
      batch: stream,
    });
    if (load.sink.format === 'binary') throw new Error('text expected');
    stream.attach(load.sink.encoder);
    let lsn = 1;
    for (const tx of txs) {
      for (const c of tx.changes) stream.write(c);
      if (tx.commit !== false) stream.commit(`0/${++lsn}`);
    }
    await load.endCopy();
    await load.commit(table, async () => undefined);
  } finally {
    client.release(true);
  }
  return recorded!;
}

const rows = async (table: string, extra = '') => (await db.query(`select id::int, v, left(big, 12) as big${extra} from public.${table} order by id`)).rows;
const ins = (id: number, v: string, big: string | typeof UNCHANGED | null = null): Change => ({ op: 'insert', row: [String(id), v, big] });
const upd = (id: number, v: string, big: string | typeof UNCHANGED | null = UNCHANGED, oldId?: number): Change =>
  ({ op: 'update', row: [String(id), v, big], ...(oldId !== undefined ? { old: [String(oldId), null, null] } : {}) });
const del = (id: number): Change => ({ op: 'delete', old: [String(id), null, null] });

describe('change apply', () => {
  it('last change per key wins, a key change moves the row, counts and position are the batch\'s', async () => {
    const oid = await makeTable('t1');
    let run = await apply('t1', oid, [{ changes: [ins(1, 'a', 'A'.repeat(20)), ins(2, 'b'), ins(3, 'c')] }, { changes: [upd(1, 'a2'), del(2)] }]);
    expect(await rows('t1')).toEqual([{ id: 1, v: 'a2', big: 'AAAAAAAAAAAA' }, { id: 3, v: 'c', big: null }]);
    expect(run.counts).toEqual({ fetched: 5, inserted: 2, updated: 0, deleted: 0, unchanged: 0 });
    expect(run.mark?.mark).toBe('0/3');
    run = await apply('t1', oid, [{ changes: [upd(10, 'moved', UNCHANGED, 3), upd(1, 'a3')] }]);
    expect(await rows('t1')).toEqual([{ id: 1, v: 'a3', big: 'AAAAAAAAAAAA' }, { id: 10, v: 'moved', big: null }]);
    expect(run.counts).toMatchObject({ inserted: 1, updated: 1, deleted: 1 });
  });

  it('an unsent column takes the key\'s earlier value in the batch, else keeps the table\'s', async () => {
    const oid = await makeTable('t2');
    await apply('t2', oid, [{ changes: [ins(1, 'a', 'first')] }]);
    await apply('t2', oid, [{ changes: [ins(2, 'b', 'second'), upd(2, 'b2'), upd(2, 'b3'), upd(1, 'a2')] }]);
    expect(await rows('t2')).toEqual([{ id: 1, v: 'a2', big: 'first' }, { id: 2, v: 'b3', big: 'second' }]);
  });

  it('TRUNCATE deletes what came before it; changes no commit closed are not applied', async () => {
    const oid = await makeTable('t3');
    await apply('t3', oid, [{ changes: [ins(1, 'a'), ins(2, 'b')] }]);
    const run = await apply('t3', oid, [
      { changes: [ins(3, 'c'), { op: 'truncate' }, ins(4, 'd')] },
      { changes: [ins(5, 'uncommitted'), del(4)], commit: false },
    ]);
    expect(await rows('t3')).toEqual([{ id: 4, v: 'd', big: null }]);
    expect(run.counts).toMatchObject({ fetched: 3, inserted: 1, deleted: 2 });
    expect(run.mark?.mark).toBe('0/2');
  });

  it('soft deletes mark the row and a re-insert revives it; keep ignores deletes', async () => {
    const oid = await makeTable('t4', true);
    await apply('t4', oid, [{ changes: [ins(1, 'a'), ins(2, 'b')] }], 'soft');
    await apply('t4', oid, [{ changes: [del(1)] }], 'soft');
    expect(await rows('t4', ', _deleted_at is not null as gone')).toEqual([{ id: 1, v: 'a', big: null, gone: true }, { id: 2, v: 'b', big: null, gone: false }]);
    await apply('t4', oid, [{ changes: [ins(1, 'back')] }], 'soft');
    expect(await rows('t4', ', _deleted_at is not null as gone')).toEqual([{ id: 1, v: 'back', big: null, gone: false }, { id: 2, v: 'b', big: null, gone: false }]);
    await apply('t4', oid, [{ changes: [del(2), { op: 'truncate' }, ins(3, 'c')] }], 'keep');
    expect((await rows('t4')).map((r) => r.id)).toEqual([1, 2, 3]);
  });

  it('the owner\'s trigger on the table runs as the owner, not as the sidecar', async () => {
    const oid = await makeTable('t5');
    await db.query(`create table public.t5_audit (who text, id int8); alter table public.t5_audit owner to "${alice.name}";
      create function public.t5_who() returns trigger language plpgsql as $$ begin insert into public.t5_audit values (current_user, new.id); return new; end $$;
      alter function public.t5_who() owner to "${alice.name}";
      create trigger t5_who after insert on public.t5 for each row execute function public.t5_who();`);
    await apply('t5', oid, [{ changes: [ins(1, 'a')] }]);
    expect((await db.query('select who, id::int from public.t5_audit')).rows).toEqual([{ who: alice.name, id: 1 }]);
  });
});
