/**
 * Issue 19 item 1 (SPEC §14) with a PostgreSQL source (a second real cluster), whose plain runs
 * take the binary COPY path: add, widen and retype on a replace and a merge sync, the rows
 * compared with the remote as text after every run. A rejected retype stages the column with the
 * table's type, so its run must leave the binary path (binary COPY data carries the remote's
 * type): the job log says which COPY each run took.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localRemoteFactory, remoteSql, type RemotePostgres } from '../providers/postgres/remote.js';
import { localRows, syncAndWait, syncFixture } from '../helpers/incremental.js';
import { queryOnce } from '../helpers/one-shot-sql.js';
import { changesOf, decideAll } from '../helpers/schema-changes.js';
import { runSyncNow, type SyncRow } from '../helpers/sync.js';
import type { TargetDb } from '../helpers/target.js';
import type { TestRole } from '../sql/helpers.js';

let db: TargetDb;
let remote: RemotePostgres;
let alice: TestRole;

const sync = (connector: Record<string, unknown>): Promise<SyncRow> => syncAndWait(db, alice, {
  connector: { provider: 'postgres', connection: { server: remote.host, port: remote.port, database: 'postgres', username: 'postgres', sslmode: 'disable' }, ...connector },
  interval: 3600,
});

const fixture = syncFixture(() => localRemoteFactory.start(), (r) => r.stop());
beforeAll(async () => {
  ({ db, source: remote, alice } = await fixture.setUp());
});
afterAll(() => fixture.tearDown());

async function expectSameRows(select: string): Promise<void> {
  const remoteRows = await queryOnce<Record<string, unknown>>(remote.adminUrl(), select);
  expect(await localRows(db, select)).toEqual(remoteRows.map((r) => JSON.stringify(Object.values(r).map((v) => (v === null ? null : String(v))))).sort());
}

async function typesOf(table: string): Promise<Record<string, string>> {
  const { rows } = await db.query<{ name: string; type: string }>(
    `select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
      where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`, [table]);
  return Object.fromEntries(rows.map((r) => [r.name, r.type]));
}

/** Which COPY the run took, from its log line `Importing n columns (… COPY)`. */
async function copyOf(run: SyncRow): Promise<string | undefined> {
  const { rows } = await db.query<{ message: string }>(`select message from cdb_connectors.import_log where job_id = $1 and message like 'Importing %'`, [run.last_import_id]);
  return /\((binary|text) COPY\)/.exec(rows[0]?.message ?? '')?.[1];
}

describe('replace sync from PostgreSQL', () => {
  let s: SyncRow;
  const ROWS = 'select id::text, qty::text, name, code::text, note from items';

  it('evolve: add and widen in place on the binary path', async () => {
    await remoteSql(remote, `create table items (id int primary key, qty int, name varchar(10), code int);
      insert into items values (1, 1, 'a', 10), (2, 2, 'b', 20);`);
    s = await sync({ table: 'items' });
    expect(await copyOf(s)).toBe('binary');
    await remoteSql(remote, `alter table items alter qty type bigint, alter name type varchar(50), add column note text;
      insert into items values (3, 9000000000, 'a name longer than ten', 30, 'new');`);
    const run = await runSyncNow(db, s.id);
    expect(run.state, run.error_message ?? '').toBe('success');
    expect(await copyOf(run)).toBe('binary');
    expect(await typesOf('items')).toEqual({ id: 'integer', qty: 'bigint', name: 'character varying(50)', code: 'integer', note: 'text' });
    await expectSameRows(ROWS);
    expect((await changesOf(db, s.id)).map((c) => `${c.kind} ${c.column_name} ${c.old_type ?? '-'} ${c.new_type} ${c.action}`)).toEqual([
      'widen name character varying(10) character varying(50) applied', 'add note - text applied', 'widen qty integer bigint applied',
    ]);
  });

  it('a retype (int → text) pauses; rejected, the values load into integer through text COPY', async () => {
    await remoteSql(remote, `alter table items alter code type text; insert into items values (4, 4, 'd', '40', null);`);
    expect(await runSyncNow(db, s.id)).toMatchObject({ state: 'paused', paused_reason: 'retype code integer → text: not a widening PostgreSQL can apply in place keeping every value' });
    const { run } = await decideAll(db, alice, s.id, 'reject');
    expect(run.state, run.error_message ?? '').toBe('success');
    expect(await copyOf(run)).toBe('text');
    expect((await typesOf('items')).code).toBe('integer');
    await expectSameRows(ROWS);
  });

  it('approved, a retype becomes the table\'s type and the binary path comes back', async () => {
    await remoteSql(remote, `alter table items alter code type numeric(12,3) using code::numeric(12,3); update items set code = code + 0.125;`);
    expect((await runSyncNow(db, s.id)).state).toBe('paused');
    const { run } = await decideAll(db, alice, s.id, 'approve');
    expect(run.state, run.error_message ?? '').toBe('success');
    expect((await typesOf('items')).code).toBe('numeric(12,3)');
    await expectSameRows(ROWS);
    expect(await copyOf(await runSyncNow(db, s.id))).toBe('binary');
  });
});

describe('merge sync from PostgreSQL', () => {
  it('add and widen in place, a retype approved and converted through text; the rows exact after each run', async () => {
    const ROWS = 'select id::text, v::text, amount::text, tag::text, extra from ledger';
    await remoteSql(remote, `create table ledger (id bigint primary key, v int, amount numeric(10,2), tag int);
      insert into ledger values (1, 1, 1.50, 7), (2, 1, 2.25, 8);`);
    const s = await sync({ table: 'ledger', mode: 'merge', cursor: 'v' });
    await remoteSql(remote, `alter table ledger alter amount type numeric(14,2), add column extra varchar(5);
      update ledger set v = 2, amount = 123456789012.34, extra = 'x' where id = 2;`);
    expect((await runSyncNow(db, s.id)).state).toBe('success');
    expect(await typesOf('ledger')).toMatchObject({ amount: 'numeric(14,2)', extra: 'character varying(5)' });
    await expectSameRows(ROWS);
    await remoteSql(remote, `alter table ledger alter tag type varchar(10); update ledger set v = 3, tag = 'T' || tag where id = 1;`);
    expect((await runSyncNow(db, s.id)).state).toBe('paused');
    const { run } = await decideAll(db, alice, s.id, 'approve');
    expect(run.state, run.error_message ?? '').toBe('success');
    expect((await typesOf('ledger')).tag).toBe('character varying(10)');
    // row 2 was not read again: its tag was converted in place, 8 → '8', as the remote did
    await expectSameRows(ROWS);
  });
});
