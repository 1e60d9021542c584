/**
 * PostgreSQL change capture: the prerequisites check() names (1502 a setting, 1503 a privilege),
 * a DBA-made publication, hostile identifiers, the slot-creation wait, and 25k changes through a
 * sink that applies backpressure.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceSession } from '../../../src/providers/provider.js';
import { queryOnce } from '../../helpers/one-shot-sql.js';
import { startPostgres } from '../../servers/postgres.js';
import { logNames, openSession, readOpts, RecordingSink, sourceClient, type SessionChoice } from './change-capture-harness.js';
import { localRemoteFactory, type RemotePostgres } from './remote.js';

let remote: RemotePostgres;
let source: pg.Client;
const sessions: SourceSession[] = [];

beforeAll(async () => {
  remote = await localRemoteFactory.start();
  source = await sourceClient(remote);
  await source.query(`create table plain_t (id int primary key, v text);
    create role plain login; grant select on plain_t to plain;
    create role repl login replication; grant select on plain_t to repl`);
});

afterAll(async () => {
  for (const s of sessions) await s.close();
  const { rows } = await source.query<{ n: string }>('select count(*) as n from pg_replication_slots');
  expect(rows[0]!.n).toBe('0');
  await source.end();
  await remote.stop();
});

async function checkOf(table: string, o: SessionChoice & { publication?: string; key?: string[] } = {}) {
  const session = await openSession(remote, table, o);
  sessions.push(session);
  const plan = await session.describe();
  return session.changeCapture!.check(plan, logNames('chk', o.publication), readOpts(o.key));
}

describe('check()', () => {
  it('passes for a table with a primary key, as a superuser', async () => {
    await expect(checkOf('plain_t')).resolves.toBeUndefined();
  });

  it('a role without REPLICATION → 1503 naming ALTER ROLE … REPLICATION', async () => {
    await expect(checkOf('plain_t', { username: 'plain' })).rejects.toMatchObject({ code: 1503, message: expect.stringContaining('ALTER ROLE "plain" REPLICATION') });
  });

  it('creating our own publication needs the table\'s owner → 1503 suggesting a DBA-made publication', async () => {
    await expect(checkOf('plain_t', { username: 'repl' })).rejects.toMatchObject({ code: 1503, message: expect.stringContaining('"publication" parameter') });
  });

  it('replica identity NOTHING, or no key at all → 1502 naming ALTER TABLE … REPLICA IDENTITY', async () => {
    await source.query('create table ri_nothing (id int primary key); alter table ri_nothing replica identity nothing; create table no_key (id int)');
    await expect(checkOf('ri_nothing')).rejects.toMatchObject({ code: 1502, message: expect.stringContaining('ALTER TABLE "public"."ri_nothing" REPLICA IDENTITY FULL') });
    await expect(checkOf('no_key')).rejects.toMatchObject({ code: 1502, message: expect.stringContaining('REPLICA IDENTITY') });
  });

  it('a merge key outside the replica identity → 1502', async () => {
    await source.query('create table other_key (id int primary key, code int not null unique)');
    await expect(checkOf('other_key', { key: ['code'] })).rejects.toMatchObject({ code: 1502, message: expect.stringContaining('"code"') });
  });

  it('a DBA-made publication must exist, publish the table and every kind of change', async () => {
    await expect(checkOf('plain_t', { publication: 'dba_pub' })).rejects.toMatchObject({ code: 1502, message: expect.stringContaining('does not exist') });
    await source.query('create table elsewhere (id int primary key); create publication dba_pub for table elsewhere');
    await expect(checkOf('plain_t', { publication: 'dba_pub' })).rejects.toMatchObject({ code: 1502, message: expect.stringContaining('ALTER PUBLICATION "dba_pub" ADD TABLE "public"."plain_t"') });
    await source.query("alter publication dba_pub add table plain_t; alter publication dba_pub set (publish = 'insert, update')");
    await expect(checkOf('plain_t', { publication: 'dba_pub' })).rejects.toMatchObject({ code: 1502, message: expect.stringContaining("publish = 'insert, update, delete, truncate'") });
    await source.query("alter publication dba_pub set (publish = 'insert, update, delete, truncate')");
    await expect(checkOf('plain_t', { publication: 'dba_pub', username: 'repl' })).resolves.toBeUndefined();
  });

  it('a sql_query or a generated column cannot be followed → 1502', async () => {
    await expect(checkOf('', { sqlQuery: 'select 1 as id' })).rejects.toMatchObject({ code: 1502, message: expect.stringContaining('sql_query') });
    await source.query('create table gen (id int primary key, twice int generated always as (id * 2) stored)');
    await expect(checkOf('gen')).rejects.toMatchObject({ code: 1502, message: expect.stringContaining('"twice"') });
  });

  it('a view, or a table with inheritance children → 1502', async () => {
    await source.query('create view a_view as select * from plain_t; create table parent_t (id int primary key); create table child_t () inherits (parent_t)');
    await expect(checkOf('a_view')).rejects.toMatchObject({ code: 1502, message: expect.stringContaining('is not a table') });
    await expect(checkOf('parent_t')).rejects.toMatchObject({ code: 1502, message: expect.stringContaining('inheritance children') });
  });

  it('a partitioned table needs a DBA-made publication to publish via the root → 1502', async () => {
    await source.query(`create table parts (id int primary key) partition by range (id); create table parts_1 partition of parts for values from (0) to (10);
      create publication by_leaf for table parts`);
    await expect(checkOf('parts', { publication: 'by_leaf' })).rejects.toMatchObject({ code: 1502, message: expect.stringContaining('publish_via_partition_root = true') });
    await source.query('alter publication by_leaf set (publish_via_partition_root = true)');
    await expect(checkOf('parts', { publication: 'by_leaf' })).resolves.toBeUndefined();
  });

  it('wal_level = replica → 1502 naming the setting (a throwaway server, ≈ 1.5 s)', async () => {
    const replica = await startPostgres({ settings: { wal_level: 'replica' } });
    try {
      await queryOnce(replica.url, 'create table t (id int primary key)');
      const session = await openSession(replica, 't');
      try {
        const plan = await session.describe();
        await expect(session.changeCapture!.check(plan, logNames('chk'), readOpts())).rejects.toMatchObject({
          code: 1502, message: expect.stringContaining('set wal_level = logical in postgresql.conf and restart'),
        });
      } finally {
        await session.close();
      }
    } finally {
      await replica.stop();
    }
  });
});

describe('reading', () => {
  it('a DBA-made publication is used and kept by release; hostile identifiers work end to end', async () => {
    await source.query(`create schema "s p"; create table "s p"."we""ird t" ("Key ""K""" int primary key, "my col" text);
      create publication "Pub ""X""" for table "s p"."we""ird t"`);
    const session = await openSession(remote, 'we"ird t', { schema: 's p' });
    sessions.push(session);
    const plan = await session.describe();
    const names = logNames('weird', 'Pub "X"');
    const capture = session.changeCapture!;
    await capture.check(plan, names, readOpts(['Key "K"']));
    const position = await capture.snapshot(plan, names, readOpts(['Key "K"']));
    await source.query(`insert into "s p"."we""ird t" values (1, 'a'); update "s p"."we""ird t" set "Key ""K""" = 2; delete from "s p"."we""ird t"`);
    const sink = new RecordingSink();
    await capture.readChanges(plan, position, names, sink, readOpts(['Key "K"']));
    expect(sink.changes).toEqual([
      { op: 'insert', row: ['1', 'a'] }, { op: 'update', row: ['2', 'a'], old: ['1', null] }, { op: 'delete', old: ['2', null] },
    ]);
    await capture.release(names);
    expect((await source.query(`select 1 from pg_publication where pubname = 'Pub "X"'`)).rows).toHaveLength(1);
  });

  it('slot creation waiting on a running source transaction is bounded by statement_timeout', async () => {
    await source.query('create table waits (id int primary key)');
    const blocker = await sourceClient(remote);
    await blocker.query('begin; insert into waits values (1)');
    try {
      const session = await openSession(remote, 'waits', { options: { statementTimeoutMs: 1_000 } });
      sessions.push(session);
      const plan = await session.describe();
      await expect(session.changeCapture!.snapshot(plan, logNames('waits'), readOpts())).rejects.toMatchObject({ message: expect.stringContaining('every transaction already running') });
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }
    await expect.poll(async () => (await source.query("select 1 from pg_replication_slots where slot_name = 'cdb_waits'")).rows.length).toBe(0);
    await source.query('drop publication cdb_waits');
  });

  it('25k changes go through a sink that pauses every 100, in order and whole', async () => {
    await source.query('create table many (id int primary key, v text)');
    const session = await openSession(remote, 'many');
    sessions.push(session);
    const plan = await session.describe();
    const names = logNames('many');
    const position = await session.changeCapture!.snapshot(plan, names, readOpts());
    await source.query("insert into many select g, 'v' || g from generate_series(1, 20000) g");
    await source.query("update many set v = 'u' where id <= 5000");
    const sink = new RecordingSink({ pauseEvery: 100 });
    await session.changeCapture!.readChanges(plan, position, names, sink, readOpts());
    expect(sink.transactions.map((t) => t.changes.length)).toEqual([20000, 5000]);
    expect(sink.changes[19999]).toEqual({ op: 'insert', row: ['20000', 'v20000'] });
    expect(sink.changes[20000]).toEqual({ op: 'update', row: ['1', 'u'] });
    expect(sink.pauses).toBe(250);
    await session.changeCapture!.release(names);
  });
});
