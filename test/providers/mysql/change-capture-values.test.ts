/**
 * Exactness of binlog values: an edge-value corpus read both ways, streamRows (the SELECT text
 * protocol) and readChanges of the inserts (the binlog through zongji), must give the same
 * CopyValues, value by value; update before-images too. Plus the DOUBLE printer against the
 * server's own text for thousands of doubles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlDouble } from '../../../src/providers/mysql/change-values.js';
import { collectRows } from '../../helpers/collect-rows.js';
import { logNames, openSession, readOpts, RecordingSink, startBinlogMariaDb, type BinlogServer } from './change-capture-harness.js';
import { createTestDb, type MysqlTestDb } from './server.js';

const TABLE_SQL = `
create table corpus (
  id int not null primary key,
  dec65 decimal(65,30), dec38 decimal(38,10), ubig bigint unsigned, big bigint, i int, iu int unsigned, si smallint, ti tinyint, tiu tinyint unsigned, mi mediumint,
  dbl double, flt float, dt6 datetime(6), dt datetime, ts6 timestamp(6) null default null, ts timestamp null default null,
  d date, tm time, tm3 time(6), y year, b1 bit(1), b12 bit(12), en enum('small','medium','large'), st set('a','b','c'),
  j json, bl blob, vb varbinary(8), bin binary(3), txt text, vc varchar(20), ch char(4), l1 varchar(20) character set latin1, lt text character set latin1,
  p point, g geometry
)`;

const ROWS_SQL = `
set session sql_mode = 'ALLOW_INVALID_DATES', session time_zone = '+00:00';
insert into corpus values
 (1, 99999999999999999999999999999999999.999999999999999999999999999999, 1234567890123456789012345678.0123456789, 18446744073709551615, 9223372036854775807, 2147483647, 4294967295, 32767, 127, 255, 8388607,
  1.7976931348623157e308, 1e0/3, '9999-12-31 23:59:59.999999', '2024-02-29 12:34:56', '2038-01-19 03:14:07.999999', '1970-01-01 00:00:01',
  '9999-12-31', '838:59:59', '-838:59:59.000000', 2155, b'1', b'101010101010', 'large', 'a,c',
  '{"k": [1, 2.5, "x\\\\ty"], "big": 12345678901234567890, "u": "é😀"}', x'00ff0000', x'000102', x'01', ?, ?, 'ab  ', 'café ÿ', 'Grüße',
  ST_GeomFromText('POINT(1.5 -2.25)'), ST_GeomFromText('LINESTRING(0 0, 1 1, 2 0)', 4326)),
 (2, -0.000000000000000000000000000001, -0.0000000001, 0, -9223372036854775808, -2147483648, 0, -32768, -128, 0, -8388608,
  -2.2250738585072014e-308, 16777217, '1000-01-01 00:00:00.000001', '1000-01-01 00:00:00', '1970-01-01 00:00:01.000001', '2024-02-29 23:59:59',
  '1000-01-01', '-00:00:01', '23:59:59.999999', 1901, b'0', b'000000000000', 'small', '',
  'null', '', '', x'000000', '', '', '', '', '',
  ST_GeomFromText('POINT(0 0)', 3857), ST_GeomFromText('POLYGON((0 0, 4 0, 4 4, 0 0))')),
 (3, 0, 0, null, null, null, null, null, null, null, null,
  1e15, 0.1, '0000-00-00 00:00:00', '2024-00-10 00:00:00', '0000-00-00 00:00:00', null,
  '0000-00-00', '24:00:00', '100:00:00.5', 0, null, null, '', null,
  null, null, null, null, 'tab\\there nl\\n bs\\\\ q'' \\\\N', 'a\\0b', null, null, null,
  null, null),
 (4, 1.5, 12.5, 1, 0, 0, 0, 0, 0, 0, 0,
  123456789012345678, 1.5e-5, '2024-01-02 03:04:05.5', '2024-02-30 10:00:00', '2024-01-02 03:04:05.123456', '2000-01-01 00:00:00',
  '2024-02-30', '-00:00:00.5', '00:00:00', 1999, b'1', b'000000000001', 'medium', 'a,b,c',
  '[]', x'ff', x'ffffffffffffffff', x'ffffff', ?, 'ü', 'x', 'ÿ€', ?,
  null, null),
 (5, null, null, null, null, null, null, null, null, null, null,
  null, null, null, null, null, null,
  null, null, null, null, null, null, null, null,
  null, null, null, null, null, null, null, null, null,
  null, null)`;

const UNICODE_TEXT = '😀👍🏽 中文 ü Ελληνικά';
const LONG_TEXT = 'x'.repeat(60_000);

let server: BinlogServer;
let db: MysqlTestDb;

beforeAll(async () => {
  server = await startBinlogMariaDb();
  db = await createTestDb(server);
  await db.exec(TABLE_SQL);
});
afterAll(async () => {
  await db?.drop();
  await server?.stop();
});

describe('MySQL change capture values', () => {
  it('gives exactly the values streamRows gives, for every column of the edge corpus, in inserts and update before-images', async () => {
    const session = await openSession(db, 'corpus', { opts: { target: { postgis: true, serverVersionNum: 150000 } } });
    try {
      const plan = await session.describe();
      expect(plan.skipped).toEqual([]);
      const from = await session.changeCapture!.snapshot(plan, logNames(), readOpts());
      await collectRows(session, { plan }); // ends the snapshot
      await db.exec(ROWS_SQL, ['tricky', UNICODE_TEXT, UNICODE_TEXT, 'Grüße']);
      await db.exec(`update corpus set txt = ? where id = 3`, [LONG_TEXT]);
      await db.exec('delete from corpus where id = 5');
      const { rows } = await collectRows(session, { plan });
      const sink = new RecordingSink({ pauseEvery: 2 });
      await session.changeCapture!.readChanges(plan, from, logNames(), sink, readOpts());
      const [inserts, [update], [del]] = sink.changes() as [any[], any[], any[]];
      expect(inserts).toHaveLength(5);
      const names = plan.columns.map((c) => c.remoteName);
      const streamed = new Map(rows.map((r) => [r[0], r]));
      const before = new Map(inserts.map((c: any) => [c.row[0], c.row]));
      // The rows as they are now: the inserts with row 3's update applied and row 5 deleted.
      const binlogNow = [...before.entries()].filter(([id]) => id !== '5').map(([id, r]) => (id === '3' ? update.row : r));
      for (const [k, name] of names.entries()) {
        expect({ name, values: binlogNow.map((r: any) => r[k]) }).toEqual({ name, values: binlogNow.map((r: any) => streamed.get(r[0])![k]) });
      }
      expect(update.old).toEqual(before.get('3'));
      expect(del).toEqual({ op: 'delete', old: before.get('5') });
      // Spot checks that the comparison is about real values.
      const col = (name: string, id: string) => streamed.get(id)![names.indexOf(name)];
      expect([col('ubig', '1'), col('dec65', '2'), col('ts6', '1'), col('d', '3'), col('y', '3')]).toEqual(['18446744073709551615', '-0.000000000000000000000000000001', '2038-01-19 03:14:07.999999+00', null, '0000']);
      expect([col('dbl', '4'), col('flt', '2'), col('en', '3'), col('b12', '1'), col('vb', '1')]).toEqual(['1.2345678901234568e17', '16777216', '', '101010101010', '\\x000102']);
      expect(col('p', '1')).toMatch(/^SRID=0;0101000000/);
      expect(col('g', '1')).toMatch(/^SRID=4326;0102000000/);
      expect([col('vc', '1'), col('l1', '1'), col('lt', '4'), col('l1', '4')]).toEqual([UNICODE_TEXT, 'café ÿ', 'Grüße', 'ÿ€']);
      expect(col('txt', '3') === LONG_TEXT).toBe(true);
    } finally {
      await session.close();
    }
  });

  it('prints doubles exactly as the server does', async () => {
    const values: number[] = [];
    for (let e = -330; e <= 308; e += 1) for (const m of [1, 1.5, 1.2345678901234567, 9.999999999999998]) values.push(m * 10 ** e, -m * 10 ** e);
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    for (let i = 0; i < 2000; i++) {
      words[0] = (Math.random() * 2 ** 32) >>> 0;
      words[1] = (Math.random() * 2 ** 32) >>> 0;
      values.push(bits[0]!, Math.fround(Math.random() * 10 ** (Math.floor(Math.random() * 20) - 10)));
    }
    const finite = values.filter((v) => Number.isFinite(v) && v !== 0);
    await db.exec('create table dbl (i int primary key, v double)');
    for (let k = 0; k < finite.length; k += 500) {
      await db.exec(`insert into dbl values ${finite.slice(k, k + 500).map((v, j) => `(${k + j}, ${v.toExponential()})`).join(',')}`);
    }
    const printed = (await db.exec('select cast(v + 0e0 as char) as s from dbl order by i')) as Array<{ s: string }>;
    const mismatches = finite.map((v, i) => [v, printed[i]!.s, mysqlDouble(v)]).filter(([, server, ours]) => server !== ours);
    expect(mismatches).toEqual([]);
  });
});
