/**
 * Diff mode (SPEC §13, provider.ts hashBuckets / ReadWindow.keyRanges) against a real remote:
 * bucket numbers and counts checked against an independent BigInt computation (negative keys,
 * bigint ±2^63, numeric keys with a fraction), hashes stable across calls and physical order and
 * sensitive to exactly the changed bucket, and key-range reads on the text and binary paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../src/errors.js';
import { hashBucketsStatement, toBucketHashes, type BucketRow } from '../../../../src/providers/postgres/buckets.js';
import { describeTable } from '../../../../src/providers/postgres/catalog.js';
import { openConnection } from '../../../../src/providers/postgres/connection.js';
import { postgresProvider } from '../../../../src/providers/postgres/index.js';
import { cancellableQuery } from '../../../../src/providers/postgres/statement.js';
import { windowedCopySql } from '../../../../src/providers/postgres/window.js';
import type { BucketHash, KeyBuckets, ReadWindow, SourceSession } from '../../../../src/providers/provider.js';
import type { RowSink } from '../../../../src/rows/sink.js';
import { createTargetDb, type TargetDb } from '../../../helpers/target.js';
import { loadPlan, tableAsText } from '../load-helpers.js';
import { remoteRequest, remoteSql, sessionOptions, silentLog, type RemoteFactory, type RemotePostgres } from '../remote.js';

const DB = 'diff';
const INT8_MAX = 2n ** 63n - 1n;
const INT8_MIN = -(2n ** 63n);
/** -2000..2000 without the multiples of 7 (gaps inside buckets), plus int8's extremes: 3431 rows. */
const INT_KEYS = [
  ...Array.from({ length: 4001 }, (_, i) => BigInt(i - 2000)).filter((k) => k % 7n !== 0n),
  INT8_MIN, INT8_MIN + 1n, INT8_MAX - 1n, INT8_MAX,
];
/** numeric(12,3) keys in thousandths: every quarter from -100 to 100, and ±0.001. */
const NUM_KEYS = [...Array.from({ length: 801 }, (_, i) => BigInt((i - 400) * 250)), -1n, 1n];
const GONE_WITHIN_MS = 2_000;

type Source = { table: string } | { sqlQuery: string };
type Rows = Array<Array<string | null>>;

/** floor(a / b) for b > 0, in BigInt (which truncates). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}

/** Bucket → row count, as the remote must report it. */
function expectedCounts(keys: readonly bigint[], origin: bigint, width: bigint): Array<{ bucket: string; rows: number }> {
  const counts = new Map<bigint, number>();
  for (const k of keys) counts.set(floorDiv(k - origin, width), (counts.get(floorDiv(k - origin, width)) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([bucket, rows]) => ({ bucket: bucket.toString(), rows }));
}

const counts = (hashes: readonly BucketHash[]) => hashes.map(({ bucket, rows }) => ({ bucket, rows }));
const hashOf = (hashes: readonly BucketHash[], bucket: string) => hashes.find((h) => h.bucket === bucket)?.hash;
/** The buckets whose rows or hash differ between two answers. */
function changedBuckets(before: readonly BucketHash[], after: readonly BucketHash[]): string[] {
  const old = new Map(before.map((h) => [h.bucket, `${h.rows}:${h.hash}`]));
  const now = new Map(after.map((h) => [h.bucket, `${h.rows}:${h.hash}`]));
  return [...new Set([...old.keys(), ...now.keys()])].filter((b) => old.get(b) !== now.get(b)).sort();
}

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectorError);
  return err as ConnectorError;
}

export function diffSuite(factory: RemoteFactory): void {
  describe(`postgres provider: diff mode, bucket hashes and key ranges (${factory.name})`, () => {
    let remote: RemotePostgres;
    let target: TargetDb;
    const open: SourceSession[] = [];
    let loads = 0;
    const session = async (source: Source, overrides: Parameters<typeof sessionOptions>[0] = {}): Promise<SourceSession> => {
      const s = await postgresProvider.connect(remoteRequest(remote, { database: DB, ...source }), sessionOptions(overrides));
      open.push(s);
      return s;
    };
    const bucketsOf = async (source: Source, buckets: KeyBuckets): Promise<BucketHash[]> => {
      const s = await session(source);
      return s.hashBuckets!(await s.describe(), buckets, { signal: new AbortController().signal });
    };
    const sql = (text: string) => remoteSql(remote, text, [], DB);
    /** The rows of one key-range read, loaded into the target with the production encoders. */
    const read = async (source: Source, path: 'text' | 'binary', window: ReadWindow): Promise<Rows> => {
      const s = await session(source);
      const plan = await s.describe();
      const table = `d${++loads}_${path}`;
      await loadPlan(target.url, table, s, plan, path, { window });
      return tableAsText(target.url, table, window.columns ?? plan.columns.map((c) => c.remoteName));
    };
    const ints = { table: 'ints' };
    const nums = { table: 'nums' };

    beforeAll(async () => {
      [remote, target] = await Promise.all([factory.start(), createTargetDb()]);
      await remoteSql(remote, `create database ${DB}`);
      await sql(`create table ints (id bigint primary key, a text, b text, n int);
        create table nums (id numeric(12,3) primary key, v text);
        insert into nums values ('NaN', 'not a number');
        create table smalls (id smallint primary key, v text);
        insert into smalls values (-32768, 'min'), (-32767, 'min+1'), (0, 'zero'), (32766, 'max-1'), (32767, 'max');
        create table cells (id int primary key, a text, b text, f float8, t timestamptz, c char(3));
        insert into cells select g, 'x' || g, 'y' || g, g / 10.0, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 second', 'c' from generate_series(1, 40) g;`);
      await remoteSql(remote, `insert into ints select k, 'a' || k, case when k % 5 = 0 then null else 'b' || k end, (k % 1000)::int from unnest($1::int8[]) k`,
        [INT_KEYS.map(String)], DB);
      await remoteSql(remote, "insert into nums select k / 1000.0, 'v' || k from unnest($1::int8[]) k", [NUM_KEYS.map(String)], DB);
    });
    afterAll(async () => {
      await Promise.all(open.map((s) => s.close().catch(() => undefined)));
      await Promise.all([remote?.stop(), target?.drop()]);
    });

    describe('hashBuckets', () => {
      it('bucket numbers and counts are exact: negative keys, keys near ±2^63, origin and width as given', async () => {
        for (const [origin, width] of [[0n, 100n], [-1000n, 100n], [37n, 1n], [-5n, 3n], [INT8_MIN, 2n ** 62n], [0n, 10n ** 30n]]) {
          const hashes = await bucketsOf(ints, { column: 'id', origin: origin.toString(), width: width.toString() });
          expect(counts(hashes), `origin ${origin} width ${width}`).toEqual(expectedCounts(INT_KEYS, origin, width));
          for (const h of hashes) expect(h.hash).toMatch(/^-?[0-9]+$/);
        }
        // Beyond 2^53: JavaScript numbers would have merged these buckets.
        const ones = await bucketsOf(ints, { column: 'id', origin: '0', width: '1' });
        expect(ones.slice(-2).map((h) => h.bucket)).toEqual(['9223372036854775806', '9223372036854775807']);
        expect(ones[0]!.bucket).toBe('-9223372036854775808');
        // Origin -1 with width 1 does not fit int8 arithmetic (2^63 - 1 - (-1)): the numeric form
        // must give the same one-row buckets, shifted by one, with the same hashes.
        const shifted = await bucketsOf(ints, { column: 'id', origin: '-1', width: '1' });
        expect(shifted).toEqual(ones.map((h) => ({ ...h, bucket: (BigInt(h.bucket) + 1n).toString() })));
        const smallKeys = [-32768n, -32767n, 0n, 32766n, 32767n];
        for (const [origin, width] of [[-32768n, 1n], [40000n, 7n], [-(2n ** 63n), 1n]]) {
          const hashes = await bucketsOf({ table: 'smalls' }, { column: 'id', origin: origin.toString(), width: width.toString() });
          expect(counts(hashes), `smallint origin ${origin} width ${width}`).toEqual(expectedCounts(smallKeys, origin, width));
        }
      });

      it('integer keys use int8 arithmetic only where no value of the type can overflow it', async () => {
        const conn = await openConnection(remoteRequest(remote, { database: DB }), sessionOptions());
        try {
          const forms = async (table: string, origin: bigint, width: bigint) => {
            const described = await describeTable(conn, 'public', table, undefined);
            const { text } = hashBucketsStatement(described.plan, described, { column: 'id', origin: origin.toString(), width: width.toString() }, 150_000);
            return /pg_catalog\.div\(/.test(text) ? 'numeric' : 'int8';
          };
          expect(await forms('ints', 0n, 1n)).toBe('int8');
          expect(await forms('ints', INT8_MIN, 2n)).toBe('int8');
          expect(await forms('ints', INT8_MAX, 2n ** 62n)).toBe('int8');
          expect(await forms('ints', 1n, 1n)).toBe('numeric');
          expect(await forms('ints', 0n, 2n ** 62n + 1n)).toBe('numeric');
          expect(await forms('ints', INT8_MAX + 1n, 100n)).toBe('numeric');
          expect(await forms('smalls', -(2n ** 62n), 1n)).toBe('int8');
          expect(await forms('nums', 0n, 100n)).toBe('numeric');
        } finally {
          await conn.close();
        }
      });

      it('a numeric key with a scale: fractions floor downwards (-0.25 → -1), NaN belongs to no bucket', async () => {
        const scale = 1000n;
        for (const [origin, width] of [[0n, 1n], [-3n, 7n], [100n, 1000n]]) {
          const hashes = await bucketsOf(nums, { column: 'id', origin: origin.toString(), width: width.toString() });
          expect(counts(hashes), `origin ${origin} width ${width}`).toEqual(expectedCounts(NUM_KEYS, origin * scale, width * scale));
        }
        const ones = await bucketsOf(nums, { column: 'id', origin: '0', width: '1' });
        expect(ones.reduce((n, h) => n + h.rows, 0)).toBe(NUM_KEYS.length);
        expect(ones.find((h) => h.bucket === '-1')!.rows).toBe(5); // -1, -0.75, -0.5, -0.25, -0.001
      });

      it('the same rows give the same hashes: two calls, two sessions, a no-op UPDATE, another physical order', async () => {
        const buckets = { column: 'id', origin: '-1000', width: '100' };
        const s = await session(ints);
        const plan = await s.describe();
        const signal = new AbortController().signal;
        const first = await s.hashBuckets!(plan, buckets, { signal });
        expect(await s.hashBuckets!(plan, buckets, { signal })).toEqual(first);
        expect(await bucketsOf(ints, buckets)).toEqual(first);
        await sql('update ints set a = a, n = n');
        expect(await bucketsOf(ints, buckets)).toEqual(first);
        await sql('create table ints_shuffled as select * from ints order by md5(id::text)');
        expect(await bucketsOf({ table: 'ints_shuffled' }, buckets)).toEqual(first);
      });

      it('one changed value changes exactly its bucket; changing it back restores the hash', async () => {
        const buckets = { column: 'id', origin: '0', width: '100' };
        const before = await bucketsOf(ints, buckets);
        await sql("update ints set b = 'changed' where id = 1234");
        const after = await bucketsOf(ints, buckets);
        expect(changedBuckets(before, after)).toEqual(['12']);
        expect(counts(after)).toEqual(counts(before));
        await sql("update ints set b = 'b1234' where id = 1234");
        expect(await bucketsOf(ints, buckets)).toEqual(before);
        // The last bucket of the key's range too.
        await sql('update ints set n = n + 1 where id = 9223372036854775807');
        expect(changedBuckets(before, await bucketsOf(ints, buckets))).toEqual(['92233720368547758']);
        await sql('update ints set n = n - 1 where id = 9223372036854775807');
      });

      it('a deleted row: its bucket counts one row less and hashes differently; re-inserted, the same again', async () => {
        const buckets = { column: 'id', origin: '0', width: '100' };
        const before = await bucketsOf(ints, buckets);
        await sql('delete from ints where id = -1999');
        const after = await bucketsOf(ints, buckets);
        expect(changedBuckets(before, after)).toEqual(['-20']);
        expect(after.find((h) => h.bucket === '-20')!.rows).toBe(before.find((h) => h.bucket === '-20')!.rows - 1);
        await sql("insert into ints values (-1999, 'a-1999', 'b-1999', -999)");
        expect(await bucketsOf(ints, buckets)).toEqual(before);
      });

      it("NULL, '' and 'NULL' hash differently; so do values swapped between columns or across a column boundary", async () => {
        const buckets = { column: 'id', origin: '0', width: '1' };
        /** The hash of row 7's bucket with the row as loaded, then changed by `update`. */
        const hashWith = async (update: string) => {
          await sql(`update cells set a = 'x7', b = 'y7', f = 0.7, t = '2024-01-01 00:00:07+00', c = 'c' where id = 7;
            update cells set ${update} where id = 7`);
          return hashOf(await bucketsOf({ table: 'cells' }, buckets), '7')!;
        };
        const original = await hashWith('a = a');
        const distinct = [
          original,
          await hashWith('a = null'), await hashWith("a = ''"), await hashWith("a = 'NULL'"), await hashWith("a = '\"\"'"), await hashWith("a = '()'"),
          await hashWith("a = 'y7', b = 'x7'"), // swapped
          await hashWith("a = 'x', b = '7y7'"), await hashWith("a = 'x7y', b = '7'"), // the same characters, another boundary
          await hashWith("a = 'x7,y7', b = null"), await hashWith("a = 'x7', b = ',y7'"), await hashWith("a = null, b = 'x7,y7'"),
          await hashWith('f = 0.7000000000000001'), // one ulp above 0.7: only exact float output tells them apart
          await hashWith("t = t + interval '1 microsecond'"),
        ];
        expect(new Set(distinct).size).toBe(distinct.length);
        // char(3) stores 'c  ' and 'c' as the same value.
        expect(await hashWith("c = 'c  '")).toBe(original);
        expect(await hashWith('id = id')).toBe(original);
      });

      it('a sql_query source: its result columns are hashed like a table with the same columns', async () => {
        const buckets = { column: 'id', origin: '0', width: '500' };
        const table = await bucketsOf(ints, buckets);
        expect(await bucketsOf({ sqlQuery: 'select * from ints order by id desc;' }, buckets)).toEqual(table);
        const doubled = await bucketsOf({ sqlQuery: 'select i.id * 2 as k, i.a, i.a as "A" from ints i where i.id between -500 and 500' }, { column: 'k', origin: '0', width: '100' });
        expect(counts(doubled)).toEqual(expectedCounts(INT_KEYS.filter((k) => k >= -500n && k <= 500n).map((k) => k * 2n), 0n, 100n));
      });

      it('PostgreSQL 10 form (md5 instead of hashtextextended): the same buckets, stable, change-sensitive', async () => {
        const conn = await openConnection(remoteRequest(remote, { database: DB }), sessionOptions());
        try {
          const described = await describeTable(conn, 'public', 'cells', undefined);
          const run = async () => {
            const { text, values } = hashBucketsStatement(described.plan, described, { column: 'id', origin: '0', width: '10' }, 100_000);
            expect(text).not.toMatch(/hashtextextended/);
            return toBucketHashes(await cancellableQuery<BucketRow>(conn, text, values, { signal: new AbortController().signal, log: silentLog }));
          };
          const before = await run();
          expect(counts(before)).toEqual(expectedCounts(Array.from({ length: 40 }, (_, i) => BigInt(i + 1)), 0n, 10n));
          expect(await run()).toEqual(before);
          await sql("update cells set b = 'z' where id = 25");
          expect(changedBuckets(before, await run())).toEqual(['2']);
          await sql("update cells set b = 'y25' where id = 25");
        } finally {
          await conn.close();
        }
      });

      it('an empty source has no buckets', async () => {
        expect(await bucketsOf({ sqlQuery: 'select id, a from ints where false' }, { column: 'id', origin: '0', width: '10' })).toEqual([]);
      });

      it('refused: a key that is not an integer or numeric plan column, a bad origin or width → INVALID_PARAMETERS', async () => {
        const s = await session(ints);
        const plan = await s.describe();
        const signal = new AbortController().signal;
        const cases: Array<[KeyBuckets, RegExp]> = [
          [{ column: 'a', origin: '0', width: '10' }, /key column "a" has type text/],
          [{ column: 'nope', origin: '0', width: '10' }, /column "nope" is not an imported column/],
          [{ column: 'id', origin: '0', width: '0' }, /width 0 must be at least 1/],
          [{ column: 'id', origin: '1.5', width: '10' }, /origin "1.5" is not an integer/],
          [{ column: 'id', origin: "0'; select 1; --", width: '10' }, /origin .* is not an integer/],
          [{ column: 'id', origin: '0', width: '' }, /width "" is not an integer/],
        ];
        for (const [buckets, message] of cases) {
          const err = await failure(s.hashBuckets!(plan, buckets, { signal }));
          expect(err.errorName).toBe('INVALID_PARAMETERS');
          expect(err.message).toMatch(message);
        }
        const f = await session({ sqlQuery: 'select 1.5::float8 as x' });
        expect((await failure(f.hashBuckets!(await f.describe(), { column: 'x', origin: '0', width: '1' }, { signal }))).message).toMatch(/type double precision/);
      });

      it('cancel stops the remote statement at once; the statement timeout applies', async () => {
        // 1000 rows × 5 ms of sleep: a statement of 5 s that returns nothing before it ends.
        const slow = { sqlQuery: "select g as id from generate_series(1, 1000) g where pg_sleep(0.005)::text = ''" };
        const buckets = { column: 'id', origin: '0', width: '10' };
        const running = async () => (await remoteSql<{ n: number }>(remote,
          "select count(*)::int as n from pg_stat_activity where application_name = 'pg-connector-bridge' and state = 'active' and query like '%pg_sleep%'"))[0]!.n;
        const s = await session(slow);
        const plan = await s.describe();
        const abort = new AbortController();
        const pending = s.hashBuckets!(plan, buckets, { signal: abort.signal });
        await new Promise((r) => setTimeout(r, 300));
        expect(await running()).toBe(1);
        abort.abort();
        expect((await failure(pending)).errorName).toBe('CANCELLED');
        const started = Date.now();
        while (await running() > 0) {
          if (Date.now() - started > GONE_WITHIN_MS) throw new Error(`the remote statement still runs after ${GONE_WITHIN_MS} ms`);
          await new Promise((r) => setTimeout(r, 25));
        }
        expect((await failure(s.hashBuckets!(plan, buckets, { signal: abort.signal }))).errorName).toBe('CANCELLED');

        const timed = await session(slow, { statementTimeoutMs: 300 });
        const err = await failure(timed.hashBuckets!(await timed.describe(), buckets, { signal: new AbortController().signal }));
        expect(err.errorName).toBe('SOURCE_UNREACHABLE');
        expect(err.message).toMatch(/statement timed out after 0.3 s/);
      });

      it('a remote error is a ConnectorError, and the session stays usable', async () => {
        const s = await session({ sqlQuery: 'select g as id, 1 / (g - 3) as x from generate_series(1, 5) g' });
        const plan = await s.describe();
        const signal = new AbortController().signal;
        const err = await failure(s.hashBuckets!(plan, { column: 'id', origin: '0', width: '10' }, { signal }));
        expect(err.errorName).toBe('SOURCE_QUERY_FAILED');
        expect(err.message).toMatch(/division by zero/);
        expect(await s.listTables(1)).toHaveLength(1);
      });
    });

    describe('keyRanges', () => {
      const idsIn = (keys: readonly bigint[], ranges: Array<[bigint, bigint]>) =>
        keys.filter((k) => ranges.some(([from, to]) => k >= from && k < to)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
      const asRanges = (ranges: Array<[bigint, bigint]>) => ranges.map(([from, to]) => ({ from: from.toString(), to: to.toString() }));

      for (const path of ['text', 'binary'] as const) {
        it(`exactly the rows of the ranges, from included and to excluded; ranges beyond bigint (${path})`, async () => {
          const ranges: Array<[bigint, bigint]> = [[-(2n ** 70n), INT8_MIN + 1n], [-1000n, -990n], [5n, 6n], [6n, 8n], [1990n, 2100n], [INT8_MAX - 1n, 2n ** 64n]];
          const rows = await read(ints, path, { keyRanges: { column: 'id', ranges: asRanges(ranges) } });
          expect(rows.map((r) => r[0])).toEqual(idsIn(INT_KEYS, ranges));
          expect(rows.find((r) => r[0] === '-999')).toEqual(['-999', 'a-999', 'b-999', '-999']);
        });

        it(`a numeric key with a scale; a smallint key with bounds beyond its range; combined with columns (${path})`, async () => {
          const ranges: Array<[bigint, bigint]> = [[-3n, -1n], [0n, 1n], [99n, 1000n]];
          const rows = await read(nums, path, { columns: ['v', 'id'], keyRanges: { column: 'id', ranges: asRanges(ranges) } });
          const expected = NUM_KEYS.filter((k) => ranges.some(([from, to]) => k >= from * 1000n && k < to * 1000n)).map((k) => `v${k}`).sort();
          expect(rows.map((r) => r[0]).sort()).toEqual(expected);
          expect(rows.map((r) => r[1])).toContain('-1.250');
          expect(rows.map((r) => r[1])).not.toContain('-1.000');
          const smalls = async (r: Array<[bigint, bigint]>) => (await read({ table: 'smalls' }, path, { columns: ['id'], keyRanges: { column: 'id', ranges: asRanges(r) } })).map((x) => x[0]);
          expect(await smalls([[-99999n, -32767n], [32767n, 99999n]])).toEqual(['-32768', '32767']);
          expect(await smalls([[-99999n, 99999n]])).toEqual(['-32768', '-32767', '0', '32766', '32767']);
          expect(await smalls([[40000n, 50000n], [-50000n, -40000n], [1n, 1n]])).toEqual([]);
        });

        it(`a sql_query source; no ranges read no row (${path})`, async () => {
          const query = { sqlQuery: 'select i.id * 2 as k, i.a from ints i where i.id between -100 and 100' };
          const rows = await read(query, path, { keyRanges: { column: 'k', ranges: asRanges([[-10n, 11n]]) } });
          expect(rows.map((r) => r[0])).toEqual(['-10', '-8', '-6', '-4', '-2', '0', '2', '4', '6', '8', '10'].filter((k) => BigInt(k) % 14n !== 0n));
          expect(await read(ints, path, { keyRanges: { column: 'id', ranges: [] } })).toEqual([]);
        });

        it(`key ranges and a cursor together: a row must pass both (${path})`, async () => {
          const rows = await read(ints, path, { columns: ['id'], cursor: { column: 'n', from: '995' }, keyRanges: { column: 'id', ranges: asRanges([[0n, 1000n], [1990n, 1998n]]) } });
          const expected = INT_KEYS.filter((k) => ((k >= 0n && k < 1000n) || (k >= 1990n && k < 1998n)) && k % 1000n >= 995n);
          expect(rows.map((r) => r[0])).toEqual(expected.map(String));
        });
      }

      it('the key column is compared as itself: the primary key index serves the ranges', async () => {
        const conn = await openConnection(remoteRequest(remote, { database: DB }), sessionOptions());
        try {
          for (const table of ['ints', 'nums', 'smalls']) {
            const described = await describeTable(conn, 'public', table, undefined);
            const window: ReadWindow = { keyRanges: { column: 'id', ranges: asRanges([[-99999n, -1000n], [5n, 6n], [1900n, 2n ** 64n]]) } };
            const { sql: copy } = windowedCopySql(described.plan, described, 100, window, 'text');
            const select = copy.replace(/^copy \(/, '').replace(/\) to stdout$/, '');
            await conn.query('set enable_seqscan = off');
            const plan = (await conn.query<{ 'QUERY PLAN': string }>(`explain ${select}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
            expect(plan, table).toMatch(/Index/);
            expect(plan, table).not.toMatch(/Seq Scan/);
          }
        } finally {
          await conn.close();
        }
      });

      it('refused ranges → INVALID_PARAMETERS; nothing is pasted', async () => {
        const s = await session(ints);
        const plan = await s.describe();
        const sink: RowSink = { write: () => true, drained: async () => undefined, full: false };
        const attempt = (window: ReadWindow) => failure(s.streamRows(plan, sink, { limit: 10, warnings: { count: () => undefined }, signal: new AbortController().signal, window }));
        const cases: Array<[ReadWindow, RegExp]> = [
          [{ keyRanges: { column: 'a', ranges: [{ from: '0', to: '1' }] } }, /key column "a" has type text/],
          [{ keyRanges: { column: 'id', ranges: [{ from: "0' or ''='", to: '1' }] } }, /key range bound .* is not an integer/],
          [{ keyRanges: { column: 'id', ranges: [{ from: '0', to: '1e3' }] } }, /key range bound "1e3"/],
        ];
        for (const [window, message] of cases) {
          const err = await attempt(window);
          expect(err.errorName).toBe('INVALID_PARAMETERS');
          expect(err.message).toMatch(message);
        }
      });
    });
  });
}
