/**
 * PostgreSQL change capture of a partitioned table (published through its root), and a table
 * renamed or dropped and re-created behind the sync's back (2013, never silently skipped).
 */
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SourceSession } from '../../../src/providers/provider.js';
import { logNames, openSession, readOpts, RecordingSink, sourceClient } from './change-capture-harness.js';
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
  const { rows } = await source.query<{ n: string }>('select count(*) as n from pg_replication_slots');
  expect(rows[0]!.n).toBe('0');
  await source.end();
  await remote.stop();
});

async function follow(table: string, tag: string) {
  const session = await openSession(remote, table);
  sessions.push(session);
  const plan = await session.describe();
  const names = logNames(tag);
  await session.changeCapture!.check(plan, names, readOpts());
  const position = await session.changeCapture!.snapshot(plan, names, readOpts());
  const read = async () => {
    const sink = new RecordingSink();
    await session.changeCapture!.readChanges(plan, position, names, sink, readOpts());
    return sink;
  };
  return { read, release: () => session.changeCapture!.release(names) };
}

it('the changes of every partition arrive as the partitioned table\'s', async () => {
  await source.query(`create table parts (id int primary key, v text) partition by range (id);
    create table parts_1 partition of parts for values from (0) to (10); create table parts_2 partition of parts for values from (10) to (20)`);
  const { read, release } = await follow('parts', 'parts');
  await source.query("insert into parts values (1, 'a'), (15, 'b')");
  await source.query('update parts set id = 5 where id = 15'); // moves between partitions: delete + insert
  expect((await read()).changes).toEqual([
    { op: 'insert', row: ['1', 'a'] }, { op: 'insert', row: ['15', 'b'] },
    { op: 'delete', old: ['15', null] }, { op: 'insert', row: ['5', 'b'] },
  ]);
  const { rows } = await source.query("select pubviaroot from pg_publication where pubname = 'cdb_parts'");
  expect(rows).toEqual([{ pubviaroot: true }]);
  await release();
});

it('a table renamed and back is followed; renamed away or dropped and created again fails the read with 2013', async () => {
  await source.query('create table moved (id int primary key); create table gone_t (id int primary key); create table remade (id int primary key)');
  const moved = await follow('moved', 'moved');
  await source.query('alter table moved rename to moved_away');
  await source.query('insert into moved_away values (1)');
  await source.query('alter table moved_away rename to moved');
  expect((await moved.read()).changes).toEqual([{ op: 'insert', row: ['1'] }]); // same relation all along
  await moved.release();

  const gone = await follow('gone_t', 'gone_t');
  await source.query('alter table gone_t rename to elsewhere');
  await expect(gone.read()).rejects.toMatchObject({ errorName: 'SYNC_TABLE_INCOMPATIBLE', message: expect.stringContaining('no longer exists under that name') });
  await gone.release();

  const remade = await follow('remade', 'remade');
  await source.query('insert into remade values (1)');
  await source.query('drop table remade; create table remade (id int primary key)');
  await expect(remade.read()).rejects.toMatchObject({ errorName: 'SYNC_TABLE_INCOMPATIBLE', message: expect.stringContaining('no longer in the publication "cdb_remade"') });
  await source.query('alter publication cdb_remade add table remade');
  await expect(remade.read()).rejects.toMatchObject({ errorName: 'SYNC_TABLE_INCOMPATIBLE', message: expect.stringContaining('was dropped and created again') });
  await remade.release();
});
