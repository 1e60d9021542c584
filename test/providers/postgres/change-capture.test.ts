/**
 * PostgreSQL change capture (SPEC §16, src/rows/changes.ts): snapshot + slot, decoded changes in
 * commit order, positions, the slot's life cycle.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceSession } from '../../../src/providers/provider.js';
import type { SourcePlan } from '../../../src/rows/plan.js';
import { confirmedFlush, logNames, lsnValue, openSession, readOpts, RecordingSink, sourceClient, streamedRows } from './change-capture-harness.js';
import { localRemoteFactory, type RemotePostgres } from './remote.js';

let remote: RemotePostgres;
let source: pg.Client;
const sessions: SourceSession[] = [];

beforeAll(async () => {
  remote = await localRemoteFactory.start();
  source = await sourceClient(remote);
});

afterAll(async () => {
  for (const s of sessions) await s.close();
  const { rows } = await source.query<{ n: string }>("select count(*) as n from pg_replication_slots");
  expect(rows[0]!.n).toBe('0'); // every test released its slot
  await source.end();
  await remote.stop();
});

/** A fresh table `name`, a session on it, and a snapshot: what a cdc sync's first run does. */
async function follow(name: string, ddl: string, tag = name) {
  await source.query(`drop table if exists ${name} cascade; create table ${name} ${ddl}`);
  const session = await openSession(remote, name);
  sessions.push(session);
  const plan = await session.describe();
  const names = logNames(tag);
  const capture = session.changeCapture!;
  await capture.check(plan, names, readOpts());
  const position = await capture.snapshot(plan, names, readOpts());
  return { session, plan, names, capture, position };
}

async function read(session: SourceSession, plan: SourcePlan, from: string, tag: string, sink = new RecordingSink()) {
  await session.changeCapture!.readChanges(plan, from, logNames(tag), sink, readOpts());
  return sink;
}

describe('snapshot', () => {
  it('the next streamRows reads the snapshot; a row committed after it comes only from readChanges', async () => {
    await source.query('drop table if exists snap; create table snap (id int primary key, v text); insert into snap values (1, \'a\'), (2, \'b\')');
    const session = await openSession(remote, 'snap');
    sessions.push(session);
    const plan = await session.describe();
    const capture = session.changeCapture!;
    const position = await capture.snapshot(plan, logNames('snap'), readOpts());
    await source.query("insert into snap values (3, 'c')");
    await source.query("update snap set v = 'B' where id = 2");
    // lookups between snapshot() and the read keep the snapshot
    await capture.check(plan, logNames('snap'), readOpts());
    expect(await capture.available(position, logNames('snap'), readOpts())).toBe(true);
    expect(await capture.lagBytes(position, logNames('snap'))).toBeGreaterThan(0);
    expect(await streamedRows(session)).toEqual([['1', 'a'], ['2', 'b']]);
    const sink = await read(session, plan, position, 'snap');
    expect(sink.transactions.map((t) => t.changes)).toEqual([
      [{ op: 'insert', row: ['3', 'c'] }],
      [{ op: 'update', row: ['2', 'B'] }],
    ]);
    expect(lsnValue(sink.transactions[0]!.position)).toBeGreaterThan(lsnValue(position));
    // after the change-capture call the session reads the present again
    expect((await streamedRows(session)).sort((a, b) => a[0]!.localeCompare(b[0]!))).toEqual([['1', 'a'], ['2', 'B'], ['3', 'c']]);
    await capture.release(logNames('snap'));
  });

  it('a re-snapshot drops the old slot and starts from a new position', async () => {
    const { session, plan, names, capture, position } = await follow('resnap', '(id int primary key)');
    await source.query('insert into resnap values (1)');
    const again = await capture.snapshot(plan, names, readOpts());
    expect(lsnValue(again)).toBeGreaterThan(lsnValue(position));
    expect(await streamedRows(session)).toEqual([['1']]);
    expect((await read(session, plan, again, 'resnap')).transactions).toEqual([]);
    await capture.release(names);
  });
});

async function binaryCopy(session: SourceSession, plan: SourcePlan): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = { write: (c: Buffer) => chunks.push(Buffer.from(c)) > 0, drained: async () => undefined, full: false };
  await session.streamBinaryCopy!(plan, sink, { limit: Number.MAX_SAFE_INTEGER, warnings: { count: () => undefined }, signal: new AbortController().signal });
  return Buffer.concat(chunks);
}

describe('snapshot, binary and failure', () => {
  it('streamBinaryCopy reads the snapshot too', async () => {
    const { session, plan, names, capture } = await follow('bin', "(id int primary key, v text); insert into bin values (1, 'a')");
    const fresh = await openSession(remote, 'bin');
    sessions.push(fresh);
    const before = await binaryCopy(fresh, await fresh.describe());
    await source.query("insert into bin values (2, 'b')");
    expect(plan.binaryCopy).toBe(true);
    expect(await binaryCopy(session, plan)).toEqual(before);
    expect((await binaryCopy(fresh, await fresh.describe())).length).toBeGreaterThan(before.length);
    await capture.release(names);
  });

  it('a lost snapshot connection is an error, never a silent read outside the snapshot', async () => {
    const { session, plan, names, capture } = await follow('lost', '(id int primary key)');
    await source.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'pg-connector-bridge' and state like 'idle in transaction%'");
    await source.query('insert into lost values (1)');
    await expect(streamedRows(session, plan)).rejects.toMatchObject({ name: 'ConnectorError' }); // the dead socket itself
    await expect(streamedRows(session, plan)).rejects.toMatchObject({ message: expect.stringContaining('the snapshot must be taken again') });
    expect(await streamedRows(session, plan)).toEqual([['1']]); // later reads reconnect, as without a snapshot
    await capture.release(names);
  });
});

describe('changes', () => {
  it('insert, update, key-changing update, delete and truncate, with the key of old rows', async () => {
    const { session, plan, names, capture, position } = await follow('ops', '(id int primary key, a text, b int)');
    await source.query("insert into ops values (1, 'x', 10), (2, 'y', null)");
    await source.query("update ops set a = 'x2' where id = 1");
    await source.query('update ops set id = 20 where id = 2');
    await source.query('delete from ops where id = 1');
    await source.query('truncate ops');
    const sink = await read(session, plan, position, 'ops');
    expect(sink.transactions.map((t) => t.changes)).toEqual([
      [{ op: 'insert', row: ['1', 'x', '10'] }, { op: 'insert', row: ['2', 'y', null] }],
      [{ op: 'update', row: ['1', 'x2', '10'] }],
      [{ op: 'update', row: ['20', 'y', null], old: ['2', null, null] }],
      [{ op: 'delete', old: ['1', null, null] }],
      [{ op: 'truncate' }],
    ]);
    const positions = sink.transactions.map((t) => lsnValue(t.position));
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
    await capture.release(names);
  });

  it('REPLICA IDENTITY FULL gives whole old rows; an unchanged TOASTed value is UNCHANGED', async () => {
    const { session, plan, names, capture, position } = await follow('ri_full', '(id int primary key, big text, n int)');
    await source.query('alter table ri_full replica identity full');
    await source.query("insert into ri_full values (1, repeat('z', 10000), 1)");
    await source.query('update ri_full set n = 2');
    await source.query('delete from ri_full');
    const changes = (await read(session, plan, position, 'ri_full')).changes;
    expect(changes.map((c) => c.op)).toEqual(['insert', 'update', 'delete']);
    expect(changes[1]).toEqual({ op: 'update', row: ['1', 'z'.repeat(10000), '2'], old: ['1', 'z'.repeat(10000), '1'] });
    expect(changes[2]).toEqual({ op: 'delete', old: ['1', 'z'.repeat(10000), '2'] });
    await capture.release(names);

    const t = await follow('toast', '(id int primary key, big text, n int)');
    await source.query('alter table toast alter column big set storage external');
    await source.query("insert into toast values (1, repeat('q', 10000), 1)");
    await source.query('update toast set n = 2');
    const toast = (await read(t.session, t.plan, t.position, 'toast')).changes;
    expect(toast[1]).toEqual({ op: 'update', row: ['1', '<unchanged>', '2'] });
    await t.capture.release(t.names);
  });

  it('a multi-statement transaction arrives whole, in commit order, with only the followed table', async () => {
    const { session, plan, names, capture, position } = await follow('ours', '(id int primary key)');
    await source.query('drop table if exists theirs; create table theirs (id int primary key)');
    await source.query('alter publication cdb_ours add table theirs'); // published but not followed: still skipped
    const other = await sourceClient(remote);
    await source.query('begin; insert into ours values (1); insert into theirs values (1)');
    await other.query('insert into ours values (2)'); // commits first
    await source.query('insert into ours values (3); update theirs set id = 9; commit');
    await other.end();
    const sink = await read(session, plan, position, 'ours');
    expect(sink.transactions.map((t) => t.changes)).toEqual([
      [{ op: 'insert', row: ['2'] }],
      [{ op: 'insert', row: ['1'] }, { op: 'insert', row: ['3'] }],
    ]);
    await capture.release(names);
  });
});

describe('positions', () => {
  it('skips what is at or before `from`, stops at a commit once full, and leaves later commits for the next read', async () => {
    const { session, plan, names, capture, position } = await follow('pos', '(id int primary key)');
    for (let i = 1; i <= 4; i++) await source.query(`insert into pos values (${i})`);
    const all = await read(session, plan, position, 'pos');
    expect(all.changes.map((c) => c.row)).toEqual([['1'], ['2'], ['3'], ['4']]);
    const after2 = await read(session, plan, all.transactions[1]!.position, 'pos');
    expect(after2.changes.map((c) => c.row)).toEqual([['3'], ['4']]);
    const full = await read(session, plan, position, 'pos', new RecordingSink({ fullAfter: 2 }));
    expect(full.changes.map((c) => c.row)).toEqual([['1'], ['2']]);
    // a transaction committed while a read runs waits for the next one (bound = WAL end at the start)
    await source.query('insert into pos values (5)');
    const bounded = new RecordingSink({ pauseEvery: 1, onDrain: async () => { if (bounded.pauses === 1) await source.query('insert into pos values (6)'); } });
    await read(session, plan, all.position!, 'pos', bounded);
    expect(bounded.changes.map((c) => c.row)).toEqual([['5']]);
    const next = await read(session, plan, bounded.position!, 'pos');
    expect(next.changes.map((c) => c.row)).toEqual([['6']]);
    await capture.release(names);
  });

  it('confirm advances confirmed_flush_lsn up to the position and never past it; lag is measured from a position', async () => {
    const { session, plan, names, capture, position } = await follow('conf', '(id int primary key)');
    await source.query('insert into conf values (1)');
    await source.query('insert into conf values (2)');
    const sink = await read(session, plan, position, 'conf');
    const first = sink.transactions[0]!.position;
    expect(await capture.available(position, names, readOpts())).toBe(true);
    await capture.confirm(first, names);
    expect(await confirmedFlush(source, names.slot)).toBe(first);
    await capture.confirm(position, names); // backwards: ignored
    expect(await confirmedFlush(source, names.slot)).toBe(first);
    expect(await capture.available(first, names, readOpts())).toBe(true);
    expect(await capture.available(position, names, readOpts())).toBe(false); // advanced past it
    expect((await read(session, plan, first, 'conf')).changes).toEqual([{ op: 'insert', row: ['2'] }]);
    expect(await capture.lagBytes(position, names)).toBeGreaterThan(0);
    await capture.confirm(first, logNames('nope')); // best effort: no throw for a missing slot
    await capture.release(names);
  });

  it('a dropped slot is not available and readChanges says the position is lost; release drops slot and publication', async () => {
    const { session, plan, names, capture, position } = await follow('gone', '(id int primary key)');
    await capture.release(names);
    const { rows } = await source.query("select (select count(*) from pg_replication_slots where slot_name = 'cdb_gone')::int as slots, (select count(*) from pg_publication where pubname = 'cdb_gone')::int as pubs");
    expect(rows[0]).toEqual({ slots: 0, pubs: 0 });
    expect(await capture.available(position, names, readOpts())).toBe(false);
    await expect(read(session, plan, position, 'gone')).rejects.toMatchObject({ errorName: 'SOURCE_NOT_FOUND', message: expect.stringContaining('does not exist') });
    await capture.release(names); // absent ones are fine
  });

  it('ALTER TABLE after describe fails the read with 2013 naming the columns', async () => {
    const { session, plan, names, capture, position } = await follow('alt', '(id int primary key, a int, b int)');
    await source.query('alter table alt add column c text, drop column b, alter column a type bigint');
    await source.query("insert into alt values (1, 2, 'x')");
    const err = await read(session, plan, position, 'alt').catch((e: unknown) => e);
    expect(err).toMatchObject({ errorName: 'SYNC_TABLE_INCOMPATIBLE' });
    expect((err as Error).message).toMatch(/added "c" \(text\); dropped "b"; retyped "a" \(integer → bigint\)/);
    await capture.release(names);
  });
});
