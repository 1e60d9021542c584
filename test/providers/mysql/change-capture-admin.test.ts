/**
 * MySQL change capture, the source side: requirement checks (1502 settings, 1503 grants), a
 * purged binlog, lag, the no-op retention calls, and hostile table and column names. A MariaDB
 * of its own, since these tests change global settings and purge the binlog.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSnapshot } from '../../../src/providers/mysql/binlog-status.js';
import { MysqlConnection, openConnection } from '../../../src/providers/mysql/connection.js';
import { collectRows } from '../../helpers/collect-rows.js';
import { currentPosition, logNames, openSession, readAll, readOpts, RecordingSink, startBinlogMariaDb, type BinlogServer } from './change-capture-harness.js';
import { createTestDb, sessionOptions, type MysqlTestDb } from './server.js';

let server: BinlogServer;
let db: MysqlTestDb;

beforeAll(async () => {
  server = await startBinlogMariaDb();
  db = await createTestDb(server);
  await db.exec('create table t (id int primary key, v int)');
});
afterAll(async () => {
  await db?.drop();
  await server?.stop();
});

async function checkError(o: Parameters<typeof openSession>[2] = {}, key = ['id']): Promise<unknown> {
  const session = await openSession(db, 't', o);
  try {
    const plan = await session.describe();
    await session.changeCapture!.check(plan, logNames(), readOpts(key));
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await session.close();
  }
}

describe('MySQL change capture: the source side', () => {
  it('check() passes on a ROW/FULL binlog for root, and names a key that is not a column (1502)', async () => {
    expect(await checkError()).toBeUndefined();
    const err = await checkError({}, ['id', 'nope']);
    expect(err).toMatchObject({ code: 1502, message: expect.stringMatching(/primary_key.*nope/) });
  });

  it('check() fails with 1502 naming the setting when binlog_format is STATEMENT or the row image not FULL', async () => {
    try {
      await db.exec("set global binlog_format = 'STATEMENT'");
      expect(await checkError()).toMatchObject({ code: 1502, message: expect.stringMatching(/binlog_format is STATEMENT.*binlog_format=ROW.*SET GLOBAL binlog_format = 'ROW'/) });
      await db.exec("set global binlog_format = 'ROW'; set global binlog_row_image = 'MINIMAL'");
      expect(await checkError()).toMatchObject({ code: 1502, message: expect.stringMatching(/binlog_row_image is MINIMAL.*binlog_row_image=FULL/) });
    } finally {
      await db.exec("set global binlog_format = 'ROW'; set global binlog_row_image = 'FULL'");
    }
  });

  it('fails with 1503 naming the GRANT for a user without REPLICATION SLAVE / REPLICATION CLIENT', async () => {
    await db.createUser('cdc_reader', 'pw-1');
    const user = { user: { username: 'cdc_reader', password: 'pw-1' } };
    const bare = await checkError(user);
    expect(bare).toMatchObject({ code: 1503, message: expect.stringMatching(/"cdc_reader" lacks REPLICATION SLAVE and REPLICATION CLIENT.*GRANT REPLICATION SLAVE, REPLICATION CLIENT ON \*\.\*/) });
    expect(String((bare as Error).message)).not.toContain('pw-1');
    await db.exec("grant replication client on *.* to 'cdc_reader'@'%'");
    expect(await checkError(user)).toMatchObject({ code: 1503, message: expect.stringMatching(/lacks REPLICATION SLAVE for/) });
    // The dump itself refuses the same way.
    const from = await currentPosition(db, 't');
    await db.exec('insert into t values (1, 1)');
    const session = await openSession(db, 't', user);
    try {
      const plan = await session.describe();
      const err = await session.changeCapture!.readChanges(plan, from, logNames(), new RecordingSink(), readOpts()).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 1503, message: expect.stringMatching(/GRANT REPLICATION SLAVE/) });
      expect(await session.changeCapture!.lagBytes(from, logNames())).toBeGreaterThan(0);
    } finally {
      await session.close();
    }
    await db.exec("grant replication slave on *.* to 'cdc_reader'@'%'");
    expect(await checkError(user)).toBeUndefined();
  });

  it('lagBytes() counts the bytes to the log end, also across files; confirm() and release() do nothing', async () => {
    const from = await currentPosition(db, 't');
    const session = await openSession(db, 't');
    try {
      const cc = session.changeCapture!;
      expect(await cc.lagBytes(from, logNames())).toBe(0);
      await db.exec('insert into t values (2, 2)');
      const sameFile = (await cc.lagBytes(from, logNames()))!;
      expect(sameFile).toBeGreaterThan(0);
      await db.exec('flush binary logs; insert into t values (3, 3)');
      expect(await cc.lagBytes(from, logNames())).toBeGreaterThan(sameFile);
      await cc.confirm(from, logNames());
      await cc.release(logNames());
      expect(await cc.available(from, logNames(), { signal: new AbortController().signal })).toBe(true);
    } finally {
      await session.close();
    }
  });

  it('a purged binlog: available() is false and readChanges fails with 1505 saying to re-snapshot', async () => {
    const from = await currentPosition(db, 't');
    await db.exec('insert into t values (4, 4); flush binary logs');
    const [{ Log_name: newest }] = ((await db.exec('show binary logs')) as Array<{ Log_name: string }>).slice(-1);
    // MariaDB keeps a file until InnoDB checkpointed its transactions (binlog checkpoint): retry.
    const fromFile = JSON.parse(from).file as string;
    for (let i = 0; i < 50; i++) {
      await db.exec(`purge binary logs to '${newest}'`);
      if (!((await db.exec('show binary logs')) as Array<{ Log_name: string }>).some((l) => l.Log_name === fromFile)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const session = await openSession(db, 't');
    try {
      const plan = await session.describe();
      expect(await session.changeCapture!.available(from, logNames(), { signal: new AbortController().signal })).toBe(false);
      const err = await session.changeCapture!.readChanges(plan, from, logNames(), new RecordingSink(), readOpts()).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 1505, message: expect.stringMatching(/no longer on the source.*re-snapshot/) });
    } finally {
      await session.close();
    }
  });

  it('follows tables and columns with hostile names, and sees their TRUNCATE', async () => {
    const table = 'we"ird` t.x; --';
    const q = (s: string) => '`' + s.replace(/`/g, '``') + '`';
    await db.exec(`create table ${q(table)} (${q('i`d "1"')} int primary key, ${q('v.al;ue')} varchar(5))`);
    await db.exec(`create table ${q('we"ird')} (id int primary key)`);
    const from = await currentPosition(db, table);
    await db.exec(`insert into ${q(table)} values (1, 'a'); insert into ${q('we"ird')} values (1);
      truncate table ${q('we"ird')}; truncate ${q(db.name)}.${q(table)}; insert into ${q(table)} values (2, 'b')`);
    const sink = await readAll(db, table, from, {}, ['i`d "1"']);
    expect(sink.changes()).toEqual([[{ op: 'insert', row: ['1', 'a'] }], [{ op: 'truncate' }], [{ op: 'insert', row: ['2', 'b'] }]]);
    const session = await openSession(db, table);
    try {
      expect((await collectRows(session)).rows).toEqual([['2', 'b']]);
    } finally {
      await session.close();
    }
  });

  it('MySQL\'s snapshot sequence (read lock, snapshot, SHOW MASTER STATUS) gives the position its snapshot sees; without RELOAD 1503', async () => {
    // The MySQL branch, run here on MariaDB, which has the same statements.
    const asMysql = async (user?: { username: string; password: string }) => {
      const conn = await openConnection(db.request({ source: { kind: 'table', table: 't' } }, user), sessionOptions());
      return new MysqlConnection(conn.raw, 'mysql', conn.version, conn.connectionId, conn.ctx, conn.config);
    };
    const conn = await asMysql();
    try {
      const position = await startSnapshot(conn);
      const [{ File: file, Position: pos }] = (await db.exec('show master status')) as Array<{ File: string; Position: number }>;
      expect(position).toEqual({ file, pos: Number(pos) });
      await db.exec('insert into t values (100, 100)');
      expect(await conn.query('select count(*) from t where id = 100')).toEqual([['0']]);
      await conn.query('commit');
      expect(await conn.query('select count(*) from t where id = 100')).toEqual([['1']]);
    } finally {
      await conn.close();
    }
    await db.createUser('no_reload', 'pw-2');
    const weak = await asMysql({ username: 'no_reload', password: 'pw-2' });
    try {
      await expect(startSnapshot(weak)).rejects.toMatchObject({ code: 1503, message: expect.stringMatching(/lacks the RELOAD privilege.*GRANT RELOAD ON \*\.\*/) });
    } finally {
      await weak.close();
    }
  });
});
