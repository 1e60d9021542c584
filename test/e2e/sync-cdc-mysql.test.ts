/**
 * Issue 23 / SPEC §16 end to end with a MariaDB source writing a row-based binlog (its own
 * server: the shared one runs without a binlog): a "mode": "cdc" sync loads a consistent
 * snapshot with its binlog position, then each run applies the binlog since the stored position
 * by key. Compared as a whole with the remote after every run: inserts, updates (a key change
 * too), deletes, TRUNCATE, a multi-statement transaction, a purged binlog (re-snapshot), a
 * source restart, "continuous": true (the table follows without sync_now), and missing
 * prerequisites (binlog_format, privileges) as 1502 / 1503.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asSortedText, lastRun, localRows, syncAndWait } from '../helpers/incremental.js';
import { queryOnce } from '../helpers/one-shot-sql.js';
import { readSync, runSyncNow, startSyncSidecar, type SyncRow } from '../helpers/sync.js';
import type { TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { withAlice, type RoleFactory, type TestRole } from '../sql/helpers.js';
import { startMariaDb, type MariaDbServer } from '../servers/mariadb.js';
import { waitFor } from '../reliability/helpers/wait.js';

let db: TargetDb;
let roles: RoleFactory;
let alice: TestRole;
let sidecar: TestSidecar;
let maria: MariaDbServer;
let root: mysql.Connection;

const DB = 'shop';
const connection = (username = 'root', password = '') => ({ server: maria.host, port: maria.port, database: DB, username, password });
const exec = (sql: string, values?: unknown[]) => root.query(sql, values as any[]);
const sync = (connector: Record<string, unknown>, as = alice): Promise<SyncRow> =>
  syncAndWait(db, as, { connector: { provider: 'mysql', connection: connection(), mode: 'cdc', ...connector }, interval: 3600 });

async function remoteRows(sql: string): Promise<string[]> {
  const [rows] = await exec(sql) as unknown as [Record<string, unknown>[]];
  return asSortedText(rows.map((r) => Object.values(r)));
}

const REMOTE = "select id, name, cast(amount as char) as amount, date_format(at, '%Y-%m-%d %H:%i:%s.%f') as at from orders";
const LOCAL = "select id, name, amount::text, to_char(at, 'YYYY-MM-DD HH24:MI:SS.US') as at from orders";
const same = async () => expect(await localRows(db, LOCAL)).toEqual(await remoteRows(REMOTE));

async function connectRoot(): Promise<void> {
  root = await mysql.createConnection({ host: maria.host, port: maria.port, user: maria.rootUser, multipleStatements: true, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  await root.query(`create database if not exists ${DB}`);
  await root.query(`use ${DB}`);
}

beforeAll(async () => {
  [db, maria] = await Promise.all([createTargetDb(), startMariaDb({ binlog: true })]);
  ({ roles, alice } = await withAlice(db));
  await connectRoot();
  sidecar = await startSyncSidecar(db);
}, 60_000);
afterAll(async () => {
  await sidecar?.stop();
  await root?.end().catch(() => undefined);
  await maria?.stop();
  await roles?.cleanup();
});

describe('a cdc sync of a MariaDB table', () => {
  let s: SyncRow;

  it('the first run loads a consistent snapshot and stores the binlog position', async () => {
    await exec(`create table orders (id int primary key, name varchar(40), amount decimal(30,10), at datetime(6)) engine=innodb;
      insert into orders select seq, concat('o', seq), seq / 7, '2026-01-01 00:00:00.000001' from seq_1_to_300;`);
    s = await sync({ table: 'orders' });
    expect(s.state, s.error_message ?? '').toBe('success');
    await same();
    const { rows } = await db.query<{ position: string }>('select position from cdb_connectors.sync_state where sync_id = $1', [s.id]);
    expect(JSON.parse(rows[0]!.position)).toMatchObject({ file: expect.stringMatching(/binlog/), pos: expect.any(Number) });
  });

  it('inserts, updates, a key change, deletes and a multi-statement transaction arrive exactly', async () => {
    await exec(`insert into orders values (301, 'new', 1.0000000001, '2026-02-02 02:02:02.123456');
      update orders set amount = amount + 1 where id <= 10;
      update orders set id = 1000 where id = 11;
      delete from orders where id in (12, 13);
      start transaction; update orders set name = 'moved' where id = 20; delete from orders where id = 21; insert into orders values (302, 'tx', 2, null); commit;`);
    const run = await runSyncNow(db, s.id);
    expect(run.state, run.error_message ?? '').toBe('success');
    await same();
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_inserted: 3, rows_updated: 11, rows_deleted: 4 });
  });

  it('TRUNCATE empties the table; nothing new changes nothing', async () => {
    await exec(`truncate table orders; insert into orders values (1, 'again', 1, null);`);
    await runSyncNow(db, s.id);
    await same();
    await runSyncNow(db, s.id);
    expect(await lastRun(db, s.id)).toMatchObject({ state: 'complete', rows_fetched: 0, rows_inserted: 0, rows_updated: 0, rows_deleted: 0 });
  });

  it('a source restart: the next run continues from the stored position', async () => {
    // a clean shutdown (the harness does not flush every commit, so a SIGKILL would lose some), then the same data directory again
    await exec('shutdown');
    await root.end().catch(() => undefined);
    await waitFor('the server down', () => mysql.createConnection({ host: maria.host, port: maria.port, user: maria.rootUser })
      .then((c) => c.end().then(() => false), () => true), 30_000, 200);
    await maria.start();
    await connectRoot();
    await exec(`insert into orders values (2, 'after restart', 2, null)`);
    const run = await runSyncNow(db, s.id);
    expect(run.state, run.error_message ?? '').toBe('success');
    await same();
  });

  it('a purged binlog: the next run takes a new snapshot and says so', async () => {
    await exec(`insert into orders values (3, 'lost', 3, null); flush binary logs;`);
    const { rows: [st] } = await db.query<{ position: string }>('select position from cdb_connectors.sync_state where sync_id = $1', [s.id]);
    const stored = JSON.parse(st!.position).file as string;
    // MariaDB keeps a binlog until InnoDB's checkpoint passed it: purge until the stored one is gone
    await waitFor('the stored binlog purged', async () => {
      const [logs] = await exec('show binary logs') as unknown as [Array<{ Log_name: string }>];
      await exec(`purge binary logs to '${logs[logs.length - 1]!.Log_name}'`);
      const [left] = await exec('show binary logs') as unknown as [Array<{ Log_name: string }>];
      return !left.some((l) => l.Log_name === stored);
    }, 20_000, 200);
    const run = await runSyncNow(db, s.id);
    expect(run.state, run.error_message ?? '').toBe('success');
    await same();
    expect((await lastRun(db, s.id)).warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'cdc_resnapshot' })]));
  });

  it('"continuous": true follows the binlog without sync_now; unsync stops it', async () => {
    await exec(`create table ticks (id int primary key, v int)`);
    const c = await sync({ table: 'ticks', continuous: true });
    expect(c.state, c.error_message ?? '').toBe('success');
    const latencies: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const t0 = Date.now();
      await exec('insert into ticks values (?, ?)', [i, i * 10]);
      await waitFor(`row ${i} in the target`, async () => (await db.query('select 1 from public.ticks where id = $1', [i])).rows.length === 1, 20_000, 20);
      latencies.push(Date.now() - t0);
    }
    latencies.sort((a, b) => a - b);
    expect(latencies[2]).toBeLessThan(2000);
    await queryOnce(db.urlAs(alice.name), 'select cdb_connector_unsync($1)', [c.id]);
    await waitFor('the continuous job ended', async () => (await db.query(
      "select count(*)::int as n from cdb_connectors.jobs where params ->> 'table' = 'ticks' and state in ('enqueued', 'importing')")).rows[0].n === 0, 20_000);
  });
});

describe('prerequisites', () => {
  it('binlog_format STATEMENT is a 1502 naming the setting; a user without REPLICATION SLAVE a 1503', async () => {
    await exec(`create table pre (id int primary key); insert into pre values (1)`);
    await exec(`set global binlog_format = 'STATEMENT'`);
    try {
      const bad = await sync({ table: 'pre' });
      expect(bad).toMatchObject({ state: 'failure', error_code: 1502, error_message: expect.stringMatching(/binlog_format/) });
    } finally {
      await exec(`set global binlog_format = 'ROW'`);
    }
    await exec(`create user 'reader'@'%' identified by 'pw'; grant select on ${DB}.* to 'reader'@'%';`);
    const s = await syncAndWait(db, alice, {
      connector: { provider: 'mysql', connection: connection('reader', 'pw'), mode: 'cdc', table: 'pre', import_as: 'pre2' }, interval: 3600,
    });
    expect(s).toMatchObject({ state: 'failure', error_code: 1503, error_message: expect.stringMatching(/REPLICATION/) });
    expect(s.error_message).not.toContain('pw');
    expect((await readSync(db, s.id)).state).toBe('failure');
  });
});
