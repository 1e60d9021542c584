/**
 * MySQL/MariaDB change capture (SPEC §16) against a MariaDB writing a row-based binlog: the
 * snapshot and its position, each kind of change, whole transactions in commit order, bounds,
 * sink.full, backpressure, and schema changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectRows } from '../../helpers/collect-rows.js';
import { currentPosition, logNames, openSession, readAll, readOpts, RecordingSink, startBinlogMariaDb, type BinlogServer } from './change-capture-harness.js';
import { createTestDb, type MysqlTestDb } from './server.js';

let server: BinlogServer;
let db: MysqlTestDb;

beforeAll(async () => {
  server = await startBinlogMariaDb();
  db = await createTestDb(server);
});
afterAll(async () => {
  await db?.drop();
  await server?.stop();
});

describe('MySQL change capture', () => {
  it('snapshot(): the next streamRows reads the snapshot, readChanges(position) returns what committed after it', async () => {
    await db.exec('create table snap (id int primary key, v varchar(10)) engine=innodb; insert into snap values (1, \'a\'), (2, \'b\')');
    const session = await openSession(db, 'snap');
    try {
      const plan = await session.describe();
      const position = await session.changeCapture!.snapshot(plan, logNames(), readOpts());
      expect(JSON.parse(position)).toMatchObject({ file: expect.stringMatching(/^binlog\.\d+$/), pos: expect.any(Number), gtid: expect.stringMatching(/^0-1-\d+$/) });
      await db.exec("insert into snap values (3, 'c'); update snap set v = 'A' where id = 1");
      const { rows } = await collectRows(session, { plan });
      expect(rows).toEqual([['1', 'a'], ['2', 'b']]);
      // The snapshot ended with that read: the session now sees the new rows.
      expect((await collectRows(session, { plan })).rows).toEqual([['1', 'A'], ['2', 'b'], ['3', 'c']]);
      const sink = await readAll(db, 'snap', position);
      expect(sink.changes()).toEqual([
        [{ op: 'insert', row: ['3', 'c'] }],
        [{ op: 'update', row: ['1', 'A'], old: ['1', 'a'] }],
      ]);
      const positions = sink.transactions.map((t) => JSON.parse(t.position) as { pos: number });
      expect(positions[0]!.pos).toBeGreaterThan(JSON.parse(position).pos);
      expect(positions[1]!.pos).toBeGreaterThan(positions[0]!.pos);
    } finally {
      await session.close();
    }
  });

  it('delivers insert, update, key change, delete and truncate in order, with whole old rows', async () => {
    await db.exec('create table ops (id int primary key, v text, n decimal(10,2))');
    const from = await currentPosition(db, 'ops');
    await db.exec(`insert into ops values (1, 'one', 1.50), (2, 'two', null);
      update ops set v = 'uno' where id = 1;
      update ops set id = 10 where id = 2;
      delete from ops where id = 1;
      truncate table ops;
      insert into ops values (5, 'five', -0.01)`);
    const sink = await readAll(db, 'ops', from);
    expect(sink.changes()).toEqual([
      [{ op: 'insert', row: ['1', 'one', '1.50'] }, { op: 'insert', row: ['2', 'two', null] }],
      [{ op: 'update', row: ['1', 'uno', '1.50'], old: ['1', 'one', '1.50'] }],
      [{ op: 'update', row: ['10', 'two', null], old: ['2', 'two', null] }],
      [{ op: 'delete', old: ['1', 'uno', '1.50'] }],
      [{ op: 'truncate' }],
      [{ op: 'insert', row: ['5', 'five', '-0.01'] }],
    ]);
  });

  it('delivers a multi-statement transaction whole and in statement order, without other tables\' rows', async () => {
    await db.exec('create table tx (id int primary key, v int); create table other (id int primary key)');
    const from = await currentPosition(db, 'tx');
    await db.exec(`start transaction; insert into tx values (1, 1); insert into other values (1); update tx set v = 2 where id = 1;
      insert into tx values (2, 0); delete from other; commit; insert into other values (2)`);
    const sink = await readAll(db, 'tx', from);
    expect(sink.changes()).toEqual([[
      { op: 'insert', row: ['1', '1'] }, { op: 'update', row: ['1', '2'], old: ['1', '1'] }, { op: 'insert', row: ['2', '0'] },
    ]]);
    // The other table's last transaction still moves the position on, to the log's end.
    const [[, end]] = await db.exec('show master status', []).then((r: any[]) => r.map((x: any) => Object.values(x)));
    expect(JSON.parse(sink.lastPosition!).pos).toBe(Number(end));
  });

  it('skips transactions at or before `from`, and a read from the end returns nothing', async () => {
    await db.exec('create table skip (id int primary key)');
    const from = await currentPosition(db, 'skip');
    await db.exec('insert into skip values (1); insert into skip values (2); insert into skip values (3)');
    const first = await readAll(db, 'skip', from);
    const second = await readAll(db, 'skip', first.transactions[0]!.position);
    expect(second.changes()).toEqual([[{ op: 'insert', row: ['2'] }], [{ op: 'insert', row: ['3'] }]]);
    const none = await readAll(db, 'skip', first.lastPosition!);
    expect(none.transactions).toEqual([]);
  });

  it('stops at the log end as it was when the call started', async () => {
    await db.exec('create table bound (id int primary key)');
    const from = await currentPosition(db, 'bound');
    await db.exec('insert into bound values (1)');
    const session = await openSession(db, 'bound');
    try {
      const plan = await session.describe();
      let late: Promise<unknown> | undefined;
      const sink = new RecordingSink();
      const write = sink.write.bind(sink);
      sink.write = (change) => {
        late ??= db.exec('insert into bound values (2)');
        return write(change);
      };
      await session.changeCapture!.readChanges(plan, from, logNames(), sink, readOpts());
      await late;
      expect(sink.changes()).toEqual([[{ op: 'insert', row: ['1'] }]]);
      expect((await readAll(db, 'bound', sink.lastPosition!)).changes()).toEqual([[{ op: 'insert', row: ['2'] }]]);
    } finally {
      await session.close();
    }
  });

  it('reads across a binlog rotation and ends at the new file\'s end', async () => {
    await db.exec('create table rot (id int primary key)');
    const from = await currentPosition(db, 'rot');
    await db.exec('insert into rot values (1); flush binary logs; insert into rot values (2); flush binary logs');
    const sink = await readAll(db, 'rot', from);
    expect(sink.changes()).toEqual([[{ op: 'insert', row: ['1'] }], [{ op: 'insert', row: ['2'] }]]);
    const [{ File: file, Position: pos }] = (await db.exec('show master status')) as Array<{ File: string; Position: number }>;
    expect(JSON.parse(sink.lastPosition!)).toMatchObject({ file, pos: Number(pos) });
    expect((await readAll(db, 'rot', sink.lastPosition!)).transactions).toEqual([]);
  });

  it('stops at a commit once the sink is full, and the next read goes on from there', async () => {
    await db.exec('create table full (id int primary key)');
    const from = await currentPosition(db, 'full');
    for (let t = 0; t < 4; t++) await db.exec(`insert into full values (${t * 3 + 1}), (${t * 3 + 2}), (${t * 3 + 3})`);
    const first = await readAll(db, 'full', from, { fullAfter: 4 });
    expect(first.changes().map((c) => c.length)).toEqual([3, 3]);
    const rest = await readAll(db, 'full', first.lastPosition!);
    expect(rest.changes().flat().map((c) => c.row![0])).toEqual(['7', '8', '9', '10', '11', '12']);
  });

  it('streams 25k changes through a saturated sink with bounded buffering', async () => {
    await db.exec('create table bulk (id int primary key, pad varchar(100))');
    const from = await currentPosition(db, 'bulk');
    await db.exec("insert into bulk select seq, repeat('x', 100) from seq_1_to_20000; update bulk set pad = 'y' where id <= 5000");
    const sink = await readAll(db, 'bulk', from, { pauseEvery: 100, keep: false });
    expect(sink.committedChanges).toBe(25_000);
    expect(sink.transactions.filter((t) => t.position).length).toBeGreaterThanOrEqual(2);
    // After write() said false, the reader only finished the row event at hand (≤ 8 KiB of rows).
    expect(sink.maxSaturatedWrites).toBeGreaterThan(0);
    expect(sink.maxSaturatedWrites).toBeLessThan(200);
  });

  it('fails with SYNC_TABLE_INCOMPATIBLE (2013) on an ALTER of the table, naming it', async () => {
    await db.exec('create table alt (id int primary key, v int)');
    const session = await openSession(db, 'alt');
    try {
      const plan = await session.describe();
      const from = await session.changeCapture!.snapshot(plan, logNames(), readOpts());
      await db.exec('insert into alt values (1, 1)');
      const before = new RecordingSink();
      await session.changeCapture!.readChanges(plan, from, logNames(), before, readOpts());
      expect(before.changes()).toEqual([[{ op: 'insert', row: ['1', '1'] }]]);
      await db.exec('alter table alt add column w int; insert into alt values (2, 2, 2)');
      const sink = new RecordingSink();
      const err = await session.changeCapture!.readChanges(plan, before.lastPosition!, logNames(), sink, readOpts()).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'ConnectorError', code: 2013 });
      expect(String((err as Error).message)).toMatch(/\.alt was changed at the source \(alter table alt add column w int\)/);
      expect(sink.transactions).toEqual([]);
    } finally {
      await session.close();
    }
  });

  it('fails with 2013 when the table was altered after rows the read has not decoded yet', async () => {
    // zongji decodes row events with the table's columns as INFORMATION_SCHEMA has them now, so
    // rows written before an ALTER cannot be decoded safely after it: the sync re-snapshots.
    await db.exec('create table late (id int primary key, v int)');
    const session = await openSession(db, 'late');
    try {
      const plan = await session.describe();
      const from = await session.changeCapture!.snapshot(plan, logNames(), readOpts());
      await db.exec('insert into late values (1, 1); alter table late add column w int');
      const sink = new RecordingSink();
      const err = await session.changeCapture!.readChanges(plan, from, logNames(), sink, readOpts()).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 2013 });
      expect(String((err as Error).message)).toMatch(/\.late differ from the sync's \(new or changed: w int\(11\)\)/);
      expect(sink.transactions).toEqual([]);
    } finally {
      await session.close();
    }
  });

  it('fails with 2013 naming the columns when the binlog\'s table differs from the plan', async () => {
    await db.exec('create table drift (id int primary key, v int)');
    const session = await openSession(db, 'drift');
    try {
      const plan = await session.describe();
      const from = await session.changeCapture!.snapshot(plan, logNames(), readOpts());
      await db.exec('insert into drift values (1, 1)');
      const stale = { ...plan, columns: [plan.columns[0]!, { ...plan.columns[1]!, remoteName: 'old_v' }] };
      const err = await session.changeCapture!.readChanges(stale, from, logNames(), new RecordingSink(), readOpts()).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 2013 });
      expect(String((err as Error).message)).toMatch(/new or changed: v int.*gone: old_v/);
    } finally {
      await session.close();
    }
  });

  it('stops on cancel and leaves no socket or timer behind', async () => {
    await db.exec('create table cancel (id int primary key)');
    const from = await currentPosition(db, 'cancel');
    await db.exec('insert into cancel select seq from seq_1_to_5000');
    const session = await openSession(db, 'cancel');
    try {
      const plan = await session.describe();
      const handles = () => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
      const idle = handles();
      await session.changeCapture!.readChanges(plan, from, logNames(), new RecordingSink({ keep: false }), readOpts());
      expect(handles()).toBe(idle);
      const controller = new AbortController();
      const sink = new RecordingSink({ keep: false });
      const write = sink.write.bind(sink);
      sink.write = (change) => {
        if (sink.writes === 10) controller.abort();
        return write(change);
      };
      const err = await session.changeCapture!.readChanges(plan, from, logNames(), sink, { key: ['id'], signal: controller.signal }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 1509 });
      expect(sink.transactions).toEqual([]);
      expect(handles()).toBe(idle);
    } finally {
      await session.close();
    }
  });
});
