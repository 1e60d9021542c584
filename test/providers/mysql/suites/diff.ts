/**
 * Diff mode (SPEC §13): hashBuckets (bucket numbers, counts, hashes that change exactly when a
 * row does) and the keyRanges read window, on table and sql_query sources.
 *
 * Bucket numbers are checked against BigInt arithmetic on keys chosen where a float or a
 * truncating division goes wrong: negative keys, BIGINT UNSIGNED around 2^63 and 2^64, DECIMAL
 * keys just below a bucket edge. With CDB_LONG_TESTS=1 a 1M-row table is built and hashed once
 * to print how long the statement takes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlProvider } from '../../../../src/providers/mysql/index.js';
import type { BucketHash, KeyBuckets, ReadWindow, SourceRequest, SourceSession } from '../../../../src/providers/provider.js';
import type { SourcePlan } from '../../../../src/rows/plan.js';
import type { CopyValue, FieldSink, RowSink } from '../../../../src/rows/sink.js';
import { createTestDb, sessionOptions, type MysqlTestDb, type MysqlTestServer } from '../server.js';

type Row = Array<string | null>;

const LONG = process.env.CDB_LONG_TESTS === '1';
/** Keys -1000 … 1999 in buckets of 100: buckets -10 … 19, 100 rows each. */
const FIRST_ID = -1000;
const ROWS = 3000;
const BIG_ROWS = 1_000_000;

const table = (name: string): Partial<SourceRequest> => ({ source: { kind: 'table', table: name } });
const query = (sql: string): Partial<SourceRequest> => ({ source: { kind: 'query', sql } });
const never = () => new AbortController().signal;

/** floor(a / b) for b > 0. */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** floor() of a decimal in plain digits. */
function floorDecimal(text: string): bigint {
  const [int, frac = ''] = text.split('.');
  const whole = BigInt(int!);
  return text.startsWith('-') && /[1-9]/.test(frac) ? whole - 1n : whole;
}

/** bucket → rows, as hashBuckets should count them. */
function expectedCounts(keys: string[], origin: bigint, width: bigint): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) {
    const bucket = floorDiv(floorDecimal(key) - origin, width).toString();
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return new Map([...counts].sort((a, b) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1)));
}

const byBucket = (hashes: BucketHash[]) => new Map(hashes.map((h) => [h.bucket, h]));
const counts = (hashes: BucketHash[]) => new Map(hashes.map((h) => [h.bucket, h.rows]));

/** The buckets whose hash or count differs between two answers. */
function changedBuckets(before: BucketHash[], after: BucketHash[]): string[] {
  const a = byBucket(before);
  const b = byBucket(after);
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k)?.hash !== b.get(k)?.hash || a.get(k)?.rows !== b.get(k)?.rows);
}

async function readRows(session: SourceSession, plan: SourcePlan, window: ReadWindow, fieldApi = true): Promise<Row[]> {
  const rows: Row[] = [];
  const text = (v: CopyValue) => (v === null ? null : Buffer.isBuffer(v) ? v.toString('utf8') : v);
  let current: Row = [];
  const fields: FieldSink = {
    beginRow() { current = []; return true; },
    putBytes(buf, start, end) { current.push(buf.toString('utf8', start, end)); },
    putNull() { current.push(null); },
    putValue(value) { current.push(text(value)); },
    endRow() { rows.push(current); return true; },
  };
  const sink: RowSink = {
    full: false,
    write: (row: CopyValue[]) => { rows.push(row.map(text)); return true; },
    drained: () => Promise.resolve(),
    ...(fieldApi ? { fields } : {}),
  };
  await session.streamRows(plan, sink, { limit: Number.MAX_SAFE_INTEGER, warnings: { count() {} }, signal: never(), window });
  return rows;
}

const ids = (rows: Row[]) => rows.map((r) => Number(r[0])).sort((a, b) => a - b);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

export function diffSuite(server: () => MysqlTestServer): void {
  describe('MySQL diff mode: hashBuckets and key ranges', () => {
    let db: MysqlTestDb;
    let copies = 0;

    beforeAll(async () => {
      db = await createTestDb(server());
      await db.exec(`
        create table digits (n int primary key);
        insert into digits values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
        create table h (id int primary key, a varchar(20) null, b varchar(20) null,
          note varchar(20) character set latin1 null, amount decimal(12,2) null, f float null,
          body text null, bin varbinary(8) null, at datetime(6) null, e enum('x', 'y') null);
        insert into h select n + ${FIRST_ID}, concat('a', n), concat('b', n), concat('é', n % 7), n / 4, n / 3,
            repeat('t', n % 40), unhex(hex(n)), '2024-01-01' + interval n second, if(n % 2 = 0, 'x', 'y')
          from (select a.n + 10 * b.n + 100 * c.n + 1000 * d.n as n from digits a, digits b, digits c, digits d) s
          where n < ${ROWS};
        update h set a = null, note = null, f = null, body = null where id = 7;
        create table u (k bigint unsigned primary key, v varchar(10));
        insert into u values (0, 'zero'), (1, 'one'), (999, 'a'), (1000, 'b'), (9223372036854775807, 'c'), (9223372036854775808, 'd'),
          (18446744073709550999, 'e'), (18446744073709551000, 'f'), (18446744073709551614, 'g'), (18446744073709551615, 'h');
        create table dk (k decimal(30,10) primary key, v int);
        insert into dk values (-2.5, 1), (-0.0000000001, 2), (0, 3), (99.9999999999, 4), (100, 5), (-100, 6),
          (-100.0000000001, 7), (-199.5, 8), (12345678901234567890.0123456789, 9), (12345678901234567899.9999999999, 10);`);
    });
    afterAll(async () => { await db?.drop(); });

    async function withSession<T>(extra: Partial<SourceRequest>, fn: (session: SourceSession, plan: SourcePlan) => Promise<T>, statementTimeoutMs?: number): Promise<T> {
      const session = await mysqlProvider.connect(db.request(extra), sessionOptions(statementTimeoutMs === undefined ? {} : { statementTimeoutMs }));
      try {
        return await fn(session, await session.describe());
      } finally {
        await session.close();
      }
    }

    async function hashes(source: Partial<SourceRequest>, buckets: KeyBuckets): Promise<BucketHash[]> {
      return withSession(source, (session, plan) => session.hashBuckets!(plan, buckets, { signal: never() }));
    }

    /** A private copy of `h` for a test that changes rows. */
    async function copyOfH(): Promise<string> {
      const name = `h_${++copies}`;
      await db.exec(`create table ${name} like h; insert into ${name} select * from h`);
      return name;
    }

    const HUNDREDS: KeyBuckets = { column: 'id', origin: '0', width: '100' };

    it('counts every row in its bucket floor((id - origin) / width), negative keys included', async () => {
      const keys = range(FIRST_ID, FIRST_ID + ROWS).map(String);
      for (const buckets of [HUNDREDS, { column: 'id', origin: '-5', width: '7' }, { column: 'id', origin: '123', width: '1000' }, { column: 'id', origin: '0', width: '1' }]) {
        const result = await hashes(table('h'), buckets);
        expect(counts(result)).toEqual(expectedCounts(keys, BigInt(buckets.origin), BigInt(buckets.width)));
        expect(result.map((r) => r.bucket)).toEqual([...expectedCounts(keys, BigInt(buckets.origin), BigInt(buckets.width)).keys()]);
        for (const r of result) expect(r.hash).toMatch(/^[0-9]+$/);
      }
      const hundreds = await hashes(table('h'), HUNDREDS);
      expect(hundreds.map((r) => r.bucket)).toEqual(range(-10, 20).map(String));
      expect(hundreds.every((r) => r.rows === 100)).toBe(true);
    });

    it('BIGINT UNSIGNED keys above 2^63 and up to 2^64 - 1 get exact bucket numbers', async () => {
      const keys = (await db.exec('select cast(k as char) as k from u')).map((r: { k: string }) => r.k);
      for (const buckets of [
        { column: 'k', origin: '0', width: '1000' },
        { column: 'k', origin: '0', width: '1' },
        { column: 'k', origin: '-9223372036854775808', width: '7' },
        // quotients like -1 / 10^20, which the server rounds to -0.0000: a plain FLOOR(d / w) says bucket 0
        { column: 'k', origin: '18446744073709551615', width: '100000000000000000000' },
      ]) {
        expect(counts(await hashes(table('u'), buckets))).toEqual(expectedCounts(keys, BigInt(buckets.origin), BigInt(buckets.width)));
      }
      const ones = await hashes(table('u'), { column: 'k', origin: '0', width: '1' });
      expect(ones.map((r) => r.bucket)).toEqual(keys.sort((x: string, y: string) => (BigInt(x) < BigInt(y) ? -1 : 1)));
    });

    it('a DECIMAL key with a scale: the floor of the exact quotient', async () => {
      const keys = (await db.exec('select cast(k as char) as k from dk')).map((r: { k: string }) => r.k);
      const result = await hashes(table('dk'), { column: 'k', origin: '0', width: '100' });
      expect(counts(result)).toEqual(expectedCounts(keys, 0n, 100n));
      expect(counts(result)).toEqual(new Map([['-2', 2], ['-1', 3], ['0', 2], ['1', 1], ['123456789012345678', 2]]));
      const tens = await hashes(table('dk'), { column: 'k', origin: '-3', width: '10' });
      expect(counts(tens)).toEqual(expectedCounts(keys, -3n, 10n));
    });

    it('gives the same hashes on every call and after a no-op UPDATE', async () => {
      const name = await copyOfH();
      const first = await hashes(table(name), HUNDREDS);
      expect(await hashes(table(name), HUNDREDS)).toEqual(first);
      await db.exec(`update ${name} set a = a, note = note, f = f, body = concat(body, '') where id between 0 and 500`);
      expect(await hashes(table(name), HUNDREDS)).toEqual(first);
      // The hash is computed over the rows, not their order: a rebuilt table hashes the same.
      await db.exec(`create table ${name}_r like ${name}; insert into ${name}_r select * from ${name} order by id desc`);
      expect(await hashes(table(`${name}_r`), HUNDREDS)).toEqual(first);
    });

    it.each([
      ['a text value', "a = 'changed'", 250],
      ['a value to NULL', 'b = null', 250],
      ['NULL to a value', "a = 'x'", 7],
      ['a latin1 text', "note = 'è0'", -250],
      ['a DECIMAL in its last digit', 'amount = amount + 0.01', 1999],
      ['a FLOAT beyond the 6 digits MySQL prints', 'f = 1.0000002', 1234],
      ['a TEXT value', "body = concat(body, 'x')", 42],
      ['a binary value', 'bin = unhex(\'00ff\')', -1],
      ['a DATETIME by one microsecond', 'at = at + interval 1 microsecond', 0],
      ['an ENUM', "e = if(e = 'x', 'y', 'x')", 99],
    ])('changing %s changes exactly the hash of its bucket, counts equal', async (_what, set, id) => {
      const name = await copyOfH();
      if (set.startsWith('f = 1.0000002')) await db.exec(`update ${name} set f = 1.0000001 where id = ?`, [id]);
      const before = await hashes(table(name), HUNDREDS);
      await db.exec(`update ${name} set ${set} where id = ?`, [id]);
      const after = await hashes(table(name), HUNDREDS);
      expect(changedBuckets(before, after)).toEqual([String(Math.floor(id / 100))]);
      expect(counts(after)).toEqual(counts(before));
    });

    it("tells NULL from '' and from the text 'NULL'", async () => {
      const name = await copyOfH();
      const seen = new Set<string>();
      for (const value of ['', null, 'NULL', "'NULL'", 'null']) {
        await db.exec(`update ${name} set a = ? where id = 150`, [value]);
        seen.add(byBucket(await hashes(table(name), HUNDREDS)).get('1')!.hash);
      }
      expect(seen.size).toBe(5);
    });

    it('a value moved into the next column changes the hash (column boundaries are part of it)', async () => {
      const name = await copyOfH();
      await db.exec(`update ${name} set a = 'ab', b = 'c' where id = 300`);
      const before = await hashes(table(name), HUNDREDS);
      await db.exec(`update ${name} set a = 'a', b = 'bc' where id = 300`);
      const moved = await hashes(table(name), HUNDREDS);
      expect(changedBuckets(before, moved)).toEqual(['3']);
      await db.exec(`update ${name} set a = 'bc', b = 'a' where id = 300`);
      expect(changedBuckets(moved, await hashes(table(name), HUNDREDS))).toEqual(['3']);
      await db.exec(`update ${name} set a = null, b = 'x' where id = 301`);
      const nullFirst = await hashes(table(name), HUNDREDS);
      await db.exec(`update ${name} set a = 'x', b = null where id = 301`);
      expect(changedBuckets(nullFirst, await hashes(table(name), HUNDREDS))).toEqual(['3']);
    });

    it('a deleted row changes its bucket count and hash; a re-inserted one restores them', async () => {
      const name = await copyOfH();
      const before = await hashes(table(name), HUNDREDS);
      await db.exec(`delete from ${name} where id = -999`);
      const after = await hashes(table(name), HUNDREDS);
      expect(changedBuckets(before, after)).toEqual(['-10']);
      expect(byBucket(after).get('-10')!.rows).toBe(99);
      await db.exec(`insert into ${name} select * from h where id = -999`);
      expect(await hashes(table(name), HUNDREDS)).toEqual(before);
      await db.exec(`delete from ${name} where id between 1900 and 1999`);
      expect(byBucket(await hashes(table(name), HUNDREDS)).has('19')).toBe(false);
    });

    it('a sql_query source: the same hashes as its table, NULL keys left out', async () => {
      expect(await hashes(query('select * from h'), HUNDREDS)).toEqual(await hashes(table('h'), HUNDREDS));
      const some = await hashes(query('select id, a, amount from h where id < 250 -- trailing comment'), HUNDREDS);
      expect(counts(some)).toEqual(expectedCounts(range(FIRST_ID, 250).map(String), 0n, 100n));
      const nullable = await hashes(query('select if(id < 0, null, id) as k, a from h'), { column: 'k', origin: '0', width: '1000' });
      expect(counts(nullable)).toEqual(new Map([['0', 1000], ['1', 1000]]));
    });

    it('hashes in one statement; a key that is not an integer or DECIMAL column is refused', async () => {
      await withSession(table('h'), async (session, plan) => {
        for (const column of ['a', 'f', 'at', 'nope']) {
          await expect(session.hashBuckets!(plan, { column, origin: '0', width: '10' }, { signal: never() }))
            .rejects.toMatchObject({ errorName: 'INVALID_PARAMETERS', message: expect.stringContaining(`"${column}"`) });
        }
        for (const bad of [{ origin: '1 or 1', width: '10' }, { origin: '0', width: '0' }, { origin: '0', width: "1'" }, { origin: '1.5', width: '10' }]) {
          await expect(session.hashBuckets!(plan, { column: 'id', ...bad }, { signal: never() })).rejects.toMatchObject({ errorName: 'INTERNAL' });
        }
      });
    });

    it('cancel stops the remote statement (KILL QUERY) and the session is usable again', async () => {
      const slow = query('select id, a from h where sleep(0.002) = 0');
      await withSession(slow, async (session, plan) => {
        const controller = new AbortController();
        const started = Date.now();
        const pending = session.hashBuckets!(plan, HUNDREDS, { signal: controller.signal });
        setTimeout(() => controller.abort(), 300);
        await expect(pending).rejects.toMatchObject({ errorName: 'CANCELLED', code: 1509 });
        expect(Date.now() - started).toBeLessThan(3_000);
        // KILL QUERY is asynchronous on the server: under load the statement may take a moment to go
        let still: unknown = [];
        for (let i = 0; i < 40; i++) {
          still = await db.exec("select ID from information_schema.PROCESSLIST where INFO like '%cdb_buckets%' and INFO not like '%PROCESSLIST%'");
          if (Array.isArray(still) && still.length === 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(still).toEqual([]);
        const aborted = new AbortController();
        aborted.abort();
        await expect(session.hashBuckets!(plan, HUNDREDS, { signal: aborted.signal })).rejects.toMatchObject({ errorName: 'CANCELLED' });
        // the cancel dropped the connection; the session opens a new one
        expect((await session.listTables(100)).map((t) => t.name)).toContain('h');
      });
    }, 30_000);

    it('the statement timeout applies: error 1504', async () => {
      await withSession(query('select id, a from h where sleep(0.002) = 0'), async (session, plan) => {
        await expect(session.hashBuckets!(plan, HUNDREDS, { signal: never() }))
          .rejects.toMatchObject({ errorName: 'SOURCE_UNREACHABLE', code: 1504, message: expect.stringContaining('timed out') });
      }, 500);
    });

    describe('keyRanges reads', () => {
      for (const fieldApi of [true, false]) {
        it(`reads exactly the rows of the ranges, from included, to excluded (${fieldApi ? 'field' : 'row'} sink)`, async () => {
          await withSession(table('h'), async (session, plan) => {
            const window: ReadWindow = { keyRanges: { column: 'id', ranges: [{ from: '-5', to: '3' }, { from: '3', to: '10' }, { from: '100', to: '101' }, { from: '1999', to: '2100' }] } };
            const rows = await readRows(session, plan, window, fieldApi);
            expect(ids(rows)).toEqual([...range(-5, 10), 100, 1999]);
            expect(rows[0]!.length).toBe(plan.columns.length);
          });
        });
      }

      it('reads the rows hashBuckets counted in a bucket: [origin + b·width, origin + (b+1)·width)', async () => {
        await withSession(table('h'), async (session, plan) => {
          const buckets: KeyBuckets = { column: 'id', origin: '-5', width: '7' };
          const result = await session.hashBuckets!(plan, buckets, { signal: never() });
          for (const b of ['-143', '-1', '0', '285']) {
            const from = BigInt(b) * 7n - 5n;
            const rows = await readRows(session, plan, { columns: ['id'], keyRanges: { column: 'id', ranges: [{ from: String(from), to: String(from + 7n) }] } });
            expect(rows.length).toBe(byBucket(result).get(b)!.rows);
          }
        });
      });

      it('with window.columns, an empty range list, and a cursor', async () => {
        await withSession(table('h'), async (session, plan) => {
          const rows = await readRows(session, plan, { columns: ['a', 'id'], keyRanges: { column: 'id', ranges: [{ from: '10', to: '12' }] } });
          expect(rows).toEqual([['a1010', '10'], ['a1011', '11']]);
          expect(await readRows(session, plan, { columns: ['id'], keyRanges: { column: 'id', ranges: [] } })).toEqual([]);
          const both = await readRows(session, plan, { columns: ['id'], cursor: { column: 'id', from: '15' }, keyRanges: { column: 'id', ranges: [{ from: '10', to: '20' }] } });
          expect(both).toEqual(range(15, 20).map((i) => [String(i)]));
        });
      });

      it('BIGINT UNSIGNED and DECIMAL keys compare exactly', async () => {
        await withSession(table('u'), async (session, plan) => {
          const rows = await readRows(session, plan, { columns: ['k'], keyRanges: { column: 'k', ranges: [{ from: '-5', to: '1' }, { from: '9223372036854775808', to: '9223372036854775809' }, { from: '18446744073709551615', to: '18446744073709551616' }] } });
          expect(rows.map((r) => r[0])).toEqual(['0', '9223372036854775808', '18446744073709551615']);
        });
        await withSession(table('dk'), async (session, plan) => {
          const rows = await readRows(session, plan, { columns: ['v'], keyRanges: { column: 'k', ranges: [{ from: '-1', to: '0' }, { from: '100', to: '101' }, { from: '-200', to: '-199' }] } });
          expect(ids(rows)).toEqual([2, 5, 8]);
          const edge = await readRows(session, plan, { columns: ['v'], keyRanges: { column: 'k', ranges: [{ from: '-101', to: '-100' }, { from: '-200', to: '-190' }] } });
          expect(ids(edge)).toEqual([7, 8]);
        });
      });

      it('a sql_query source reads its ranges as a derived table', async () => {
        await withSession(query('select id, b from h where id <> 5'), async (session, plan) => {
          const rows = await readRows(session, plan, { keyRanges: { column: 'id', ranges: [{ from: '4', to: '7' }] } });
          expect(rows).toEqual([['4', 'b1004'], ['6', 'b1006']]);
        });
      });

      it.each([
        ['a text key', { column: 'a', ranges: [{ from: '1', to: '2' }] }, 'INVALID_PARAMETERS'],
        ['a bound that is not an integer', { column: 'id', ranges: [{ from: "1' or '1", to: '2' }] }, 'INTERNAL'],
        ['a fractional bound', { column: 'id', ranges: [{ from: '1.5', to: '2' }] }, 'INTERNAL'],
      ] as Array<[string, NonNullable<ReadWindow['keyRanges']>, string]>)('%s is refused before any query', async (_what, keyRanges, errorName) => {
        await withSession(table('h'), async (session, plan) => {
          await expect(readRows(session, plan, { keyRanges })).rejects.toMatchObject({ errorName });
        });
      });
    });

    describe.skipIf(!LONG)(`${BIG_ROWS} rows (CDB_LONG_TESTS=1)`, () => {
      beforeAll(async () => {
        await db.exec(`
          create table big (id bigint primary key, name varchar(40), amount decimal(14,2), ratio double, at datetime(6), note text);
          insert into big select n, concat('name ', n), n / 3, n / 7, '2024-01-01' + interval n second, repeat('x', n % 50)
            from (select a.n + 10 * b.n + 100 * c.n + 1000 * d.n + 10000 * e.n + 100000 * f.n as n
                  from digits a, digits b, digits c, digits d, digits e, digits f) s`);
      }, 600_000);

      it('hashBuckets with width 100: how long it takes', async () => {
        await withSession(table('big'), async (session, plan) => {
          const started = process.hrtime.bigint();
          const result = await session.hashBuckets!(plan, { column: 'id', origin: '0', width: '100' }, { signal: never() });
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          console.log(`hashBuckets over ${BIG_ROWS} rows (${plan.columns.length} columns), width 100: ${ms.toFixed(0)} ms, ${result.length} buckets`);
          expect(result.length).toBe(BIG_ROWS / 100);
          expect(result.reduce((n, r) => n + r.rows, 0)).toBe(BIG_ROWS);
        }, 600_000);
      }, 600_000);
    });
  });
}
