/**
 * SPEC §13 diff mode against SQL Server (provider.ts KeyBuckets, BucketHash, ReadWindow.keyRanges):
 * bucket numbers and counts exact (negative keys, bigint at ±2^63 with offsets beyond bigint, a
 * decimal key with a scale, where rounding the key or the quotient would move rows), hashes
 * stable across calls and independent of row order, one changed value → exactly one bucket's
 * hash, NULL vs '' vs 'NULL', a deleted row, values swapped or moved between columns, every
 * importable type, a sql_query source, the per-row digest itself (SHA-256 of the row's UTF-16
 * text, computed here with node:crypto: the server hashes the same bytes), cancel and the
 * statement timeout; key-range reads return exactly the rows of the ranges (from included, to
 * excluded), with column subsets and sql_query sources.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../src/errors.js';
import type { BucketHash, KeyBuckets, ReadWindow, SessionOptions, SourceObject } from '../../../../src/providers/provider.js';
import type { CopyValue, RowSink } from '../../../../src/rows/sink.js';
import { sqlserverProvider } from '../../../../src/providers/sqlserver/index.js';
import { sessionOptions, sqlserverRequest, type SqlServerFactory, type SqlServerUnderTest } from '../server.js';

const BIG_MIN = '-9223372036854775808';
const BIG_MAX = '9223372036854775807';
const BIG_MAX_1 = '9223372036854775806';
/** 2.999999999 buckets of 1e9: SQL Server's rounded decimal(38,6) quotient would be 3.000000. */
const NEAR_3E9 = '2999999999';
const KEYS = [BIG_MIN, '-1001', '-1000', '-1', '0', '1', '99', '100', NEAR_3E9, BIG_MAX_1, BIG_MAX];


/** Each dbo.typed column: its fixture literal and a value beside it by the smallest step the type has (case and accents for text). */
const TYPED_CHANGES: Array<[string, string, string]> = [
  ['flag', '1', '0'], ['tiny', '7', '8'], ['small', '-7', '-8'], ['big', '70000000000', '70000000001'],
  ['amount', '12345678901234567890.0123456789', '12345678901234567890.0123456788'], ['cash', '12.3456', '12.3457'], ['little', '1.5', '1.5001'],
  ['ratio', '0.1', '0.10000000000000002'], ['approx', '0.5', '0.50000006'], ['day', "'2024-02-29'", "'2024-03-01'"],
  ['at', "'2024-01-31 10:00:00.1234567'", "'2024-01-31 10:00:00.1234568'"],
  ['dto', "'2024-01-31T10:00:00.1234567+05:30'", "'2024-01-31T10:00:00.1234567+05:31'"], ['t', "'10:00:00.1234567'", "'10:00:00.1234568'"],
  ['dtm', "'2024-01-31T10:00:00.003'", "'2024-01-31T10:00:00.007'"], ['sdt', "'2024-01-31T10:00:00'", "'2024-01-31T10:01:00'"],
  ['guid', "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'"], ['bytes', '0x00ff10', '0x00ff11'],
  ['fixed', "'ab'", "'aB'"], ['latin', "'café'", "'cafe'"], ['memo', "'memo'", "'Memo'"], ['nmemo', "N'nmemo'", "N'nmemO'"], ['pic', '0x0102', '0x0103'],
];

const FIXTURE = `
CREATE TABLE dbo.keyed (id bigint NOT NULL PRIMARY KEY, label nvarchar(20), note varchar(20), amount decimal(12,2));
INSERT INTO dbo.keyed VALUES ${KEYS.map((k, i) => `(${k}, N'label ${i}', 'note ${i}', ${i}.25)`).join(', ')};
CREATE TABLE dbo.keyed_reversed (id bigint NOT NULL PRIMARY KEY, label nvarchar(20), note varchar(20), amount decimal(12,2));
INSERT INTO dbo.keyed_reversed VALUES ${KEYS.map((k, i) => `(${k}, N'label ${i}', 'note ${i}', ${i}.25)`).reverse().join(', ')};
CREATE TABLE dbo.dec_keyed (k decimal(10,2) NOT NULL PRIMARY KEY, v nvarchar(10));
INSERT INTO dbo.dec_keyed VALUES (-2.50, N'a'), (-0.01, N'b'), (0.00, N'c'), (0.99, N'd'), (1.00, N'e'), (2.50, N'f'), (299.99, N'g');
CREATE TABLE dbo.pairs (id int NOT NULL PRIMARY KEY, a nvarchar(20), b nvarchar(20), c varchar(20));
INSERT INTO dbo.pairs VALUES (1, N'x', N'y', 'z');
CREATE TABLE dbo.digest (id int NOT NULL PRIMARY KEY, n nvarchar(20));
INSERT INTO dbo.digest VALUES (1, N'é€😀"x'), (2, NULL);
CREATE TABLE dbo.typed (
  id int NOT NULL PRIMARY KEY, flag bit, tiny tinyint, small smallint, big bigint, amount decimal(30,10), cash money, little smallmoney,
  ratio float, approx real, day date, at datetime2(7), dto datetimeoffset(7), t time(7), dtm datetime, sdt smalldatetime,
  guid uniqueidentifier, bytes varbinary(16), fixed char(4), latin varchar(20), memo text, nmemo ntext, pic image
);
INSERT INTO dbo.typed VALUES (1, ${TYPED_CHANGES.map(([, original]) => original).join(', ')});
`;

const table = (name: string): SourceObject => ({ kind: 'table', table: name });
const query = (sql: string): SourceObject => ({ kind: 'query', sql });
const noWarnings = { count: () => undefined };
const text = (v: CopyValue) => (v === null ? null : Buffer.isBuffer(v) ? v.toString('utf8') : v);

/** floor(a / b) for BigInt (b > 0). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** Bucket → row count, from the keys themselves. */
function expectedCounts(keys: readonly string[], origin: bigint, width: bigint): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) {
    const b = floorDiv(BigInt(k) - origin, width).toString();
    out[b] = (out[b] ?? 0) + 1;
  }
  return out;
}

const counts = (answer: BucketHash[]) => Object.fromEntries(answer.map((b) => [b.bucket, b.rows]));
const hashes = (answer: BucketHash[]) => Object.fromEntries(answer.map((b) => [b.bucket, b.hash]));

/** The per-row hash the provider asks SQL Server for: the first 7 bytes of SHA-256 over the row text's UTF-16LE bytes. */
function rowDigest(rowText: string): bigint {
  return BigInt(`0x${crypto.createHash('sha256').update(Buffer.from(rowText, 'utf16le')).digest().subarray(0, 7).toString('hex')}`);
}

export function diffSuite(factory: SqlServerFactory): void {
  describe(`sqlserver provider: diff mode (${factory.name})`, () => {
    let server: SqlServerUnderTest;

    beforeAll(async () => {
      server = await factory.start();
      await server.loadFixture(FIXTURE);
    });
    afterAll(async () => { await server?.stop(); });

    async function withSession<T>(source: SourceObject, fn: (s: Awaited<ReturnType<typeof sqlserverProvider.connect>>) => Promise<T>, options: Partial<SessionOptions> = {}): Promise<T> {
      const session = await sqlserverProvider.connect(sqlserverRequest(server, { source }), sessionOptions(options));
      try {
        return await fn(session);
      } finally {
        await session.close();
      }
    }

    const bucketsOf = (source: SourceObject, buckets: KeyBuckets, signal = new AbortController().signal) =>
      withSession(source, async (s) => s.hashBuckets!(await s.describe(), buckets, { signal }));

    async function read(source: SourceObject, window: ReadWindow): Promise<Array<Array<string | null>>> {
      return withSession(source, async (s) => {
        const rows: Array<Array<string | null>> = [];
        const sink: RowSink = { full: false, write: (row) => { rows.push(row.map(text)); return true; }, drained: () => Promise.resolve() };
        await s.streamRows(await s.describe(), sink, { limit: 1000, warnings: noWarnings, signal: new AbortController().signal, window });
        return rows;
      });
    }

    async function failure(p: Promise<unknown>): Promise<ConnectorError> {
      const err = await p.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      return err as ConnectorError;
    }

    it('bucket numbers and counts are exact: negative keys, bigint at ±2^63, offsets beyond bigint, a quotient just below an integer', async () => {
      const byHundred = await bucketsOf(table('keyed'), { column: 'id', origin: '0', width: '100' });
      expect(counts(byHundred)).toEqual(expectedCounts(KEYS, 0n, 100n));
      expect(counts(byHundred)).toMatchObject({ '-92233720368547759': 1, '-11': 1, '-10': 1, '-1': 1, 0: 3, 1: 1, 29999999: 1, '92233720368547758': 2 });
      // ascending, as plain digits, and hashes as digits
      expect(byHundred.map((b) => b.bucket)).toEqual(Object.keys(expectedCounts(KEYS, 0n, 100n)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)));
      expect(byHundred.every((b) => /^\d+$/.test(b.hash))).toBe(true);
      // (key - origin) reaches 2^64 - 1
      const wide = await bucketsOf(table('keyed'), { column: 'id', origin: BIG_MIN, width: '1000000000000000000' });
      expect(counts(wide)).toEqual(expectedCounts(KEYS, BigInt(BIG_MIN), 10n ** 18n));
      expect(counts(wide)['18']).toBe(2);
      const byBillion = await bucketsOf(table('keyed'), { column: 'id', origin: '0', width: '1000000000' });
      expect(counts(byBillion)).toEqual(expectedCounts(KEYS, 0n, 10n ** 9n));
      expect(counts(byBillion)).toMatchObject({ 2: 1, '-1': 3, 0: 4 });
      const negativeOrigin = await bucketsOf(table('keyed'), { column: 'id', origin: '-1001', width: '7' });
      expect(counts(negativeOrigin)).toEqual(expectedCounts(KEYS, -1001n, 7n));
    });

    it('a decimal key with a scale: the floor of the exact quotient (rounding 2.50 or 299.99 to an integer would move them)', async () => {
      expect(counts(await bucketsOf(table('dec_keyed'), { column: 'k', origin: '0', width: '1' }))).toEqual({ '-3': 1, '-1': 1, 0: 2, 1: 1, 2: 1, 299: 1 });
      expect(counts(await bucketsOf(table('dec_keyed'), { column: 'k', origin: '0', width: '3' }))).toEqual({ '-1': 2, 0: 4, 99: 1 });
      expect(counts(await bucketsOf(table('dec_keyed'), { column: 'k', origin: '-1', width: '3' }))).toEqual({ '-1': 1, 0: 4, 1: 1, 100: 1 });
    });

    it('hashes are stable across calls and sessions, and do not depend on the order of the rows', async () => {
      const buckets = { column: 'id', origin: '0', width: '100' };
      const first = await bucketsOf(table('keyed'), buckets);
      expect(await bucketsOf(table('keyed'), buckets)).toEqual(first);
      expect(await bucketsOf(table('keyed_reversed'), buckets)).toEqual(first);
      expect(new Set(first.map((b) => b.hash)).size).toBe(first.length);
    });

    it('one changed value changes exactly one bucket hash; a deleted row its bucket count and hash', async () => {
      const buckets = { column: 'id', origin: '0', width: '100' };
      const before = await bucketsOf(table('keyed'), buckets);
      await server.loadFixture(`UPDATE dbo.keyed SET amount = 5.26 WHERE id = 1`);
      const changed = await bucketsOf(table('keyed'), buckets);
      expect(counts(changed)).toEqual(counts(before));
      expect(Object.keys(hashes(changed)).filter((b) => hashes(changed)[b] !== hashes(before)[b])).toEqual(['0']);
      await server.loadFixture(`UPDATE dbo.keyed SET amount = 5.25 WHERE id = 1`);
      expect(await bucketsOf(table('keyed'), buckets)).toEqual(before);
      await server.loadFixture(`DELETE FROM dbo.keyed WHERE id = 99; DELETE FROM dbo.keyed WHERE id = -1`);
      const deleted = await bucketsOf(table('keyed'), buckets);
      const remaining: Record<string, number> = { ...counts(before), 0: 2 };
      delete remaining['-1'];
      expect(counts(deleted)).toEqual(remaining);
      expect(Object.keys(hashes(deleted)).filter((b) => hashes(deleted)[b] !== hashes(before)[b])).toEqual(['0']);
      await server.loadFixture(`INSERT INTO dbo.keyed VALUES (99, N'label 6', 'note 6', 6.25), (-1, N'label 3', 'note 3', 3.25)`);
      expect(await bucketsOf(table('keyed'), buckets)).toEqual(before);
    });

    it("NULL, '', 'NULL', 'N' and quotes are different values; values swapped or moved between columns change the hash", async () => {
      const hashOf = async (set: string) => {
        await server.loadFixture(`UPDATE dbo.pairs SET ${set} WHERE id = 1`);
        const answer = await bucketsOf(table('pairs'), { column: 'id', origin: '0', width: '10' });
        expect(answer).toHaveLength(1);
        return answer[0]!.hash;
      };
      const variants = [
        "a = NULL, b = N'y', c = 'z'", "a = N'', b = N'y', c = 'z'", "a = N'NULL', b = N'y', c = 'z'", "a = N'N', b = N'y', c = 'z'",
        "a = N'y', b = N'x', c = 'z'", "a = N'x', b = N'y', c = 'z'", "a = N'xy', b = N'', c = 'z'", "a = N'x', b = N'', c = 'yz'",
        "a = N'x,', b = N'y', c = 'z'", "a = N'x', b = N',y', c = 'z'", "a = N'\"', b = N'', c = 'z'", "a = N'', b = N'\"', c = 'z'",
        "a = N'x\", \"', b = N'y', c = 'z'", "a = N'x', b = N'\", \"y', c = 'z'", "a = NULL, b = NULL, c = NULL", "a = N'', b = N'', c = ''",
        "a = N'x', b = N'y', c = NULL", "a = N'x', b = N'y', c = ''", "a = N'x', b = N'y', c = 'NULL'", "a = N'x', b = N'y', c = 'z '",
      ];
      const seen: string[] = [];
      for (const v of variants) seen.push(await hashOf(v));
      expect(new Set(seen).size).toBe(variants.length);
      expect(await hashOf(variants[0]!)).toBe(seen[0]);
    });

    it('every importable type takes part: its smallest change changes the hash, and the old value gives the old hash back', async () => {
      const buckets = { column: 'id', origin: '0', width: '10' };
      const original = await bucketsOf(table('typed'), buckets);
      expect(counts(original)).toEqual({ 0: 1 });
      expect((await withSession(table('typed'), (s) => s.describe())).skipped).toEqual([]);
      for (const [column, old, changed] of TYPED_CHANGES) {
        await server.loadFixture(`UPDATE dbo.typed SET ${column} = ${changed} WHERE id = 1`);
        expect([column, (await bucketsOf(table('typed'), buckets))[0]!.hash === original[0]!.hash]).toEqual([column, false]);
        await server.loadFixture(`UPDATE dbo.typed SET ${column} = ${old} WHERE id = 1`);
      }
      expect(await bucketsOf(table('typed'), buckets)).toEqual(original);
    });

    it('the row hash is SHA-256 over the row text in UTF-16 (surrogate pairs included), summed per bucket', async () => {
      const [bucket] = await bucketsOf(table('digest'), { column: 'id', origin: '0', width: '10' });
      const expected = rowDigest('"1","é€😀""x",') + rowDigest('"2",N,');
      expect(bucket).toEqual({ bucket: '0', rows: 2, hash: expected.toString() });
    });

    it('a sql_query source: buckets of its rows, hashed over its columns', async () => {
      const q = query('SELECT k.id AS id, k.label AS label FROM dbo.keyed AS k WHERE k.id > -1000');
      const buckets = { column: 'id', origin: '0', width: '100' };
      const answer = await bucketsOf(q, buckets);
      expect(counts(answer)).toEqual(expectedCounts(KEYS.filter((k) => BigInt(k) > -1000n), 0n, 100n));
      expect(await bucketsOf(q, buckets)).toEqual(answer);
      // a column the query does not select does not take part
      await server.loadFixture(`UPDATE dbo.keyed SET note = 'other' WHERE id = 1`);
      expect(await bucketsOf(q, buckets)).toEqual(answer);
      await server.loadFixture(`UPDATE dbo.keyed SET note = 'note 5' WHERE id = 1`);
    });

    it('key ranges read exactly the rows of the ranges: from included, to excluded, bounds beyond the type', async () => {
      const ids = async (ranges: Array<{ from: string; to: string }>, source = table('keyed')) =>
        (await read(source, { columns: ['id'], keyRanges: { column: 'id', ranges } })).map((r) => r[0]).sort((a, b) => (BigInt(a!) < BigInt(b!) ? -1 : 1));
      expect(await ids([{ from: '-1001', to: '-999' }, { from: '0', to: '100' }, { from: BIG_MAX, to: '9223372036854775808' }]))
        .toEqual(['-1001', '-1000', '0', '1', '99', BIG_MAX]);
      expect(await ids([{ from: '-99999999999999999999', to: '-1000' }, { from: '100', to: '99999999999999999999' }]))
        .toEqual([BIG_MIN, '-1001', '100', NEAR_3E9, BIG_MAX_1, BIG_MAX]);
      expect(await ids([{ from: '9223372036854775808', to: '9999999999999999999999' }])).toEqual([]);
      expect(await ids([{ from: '-99999999999999999999', to: '99999999999999999999' }])).toHaveLength(KEYS.length);
      expect(await ids([])).toEqual([]);
      // adjacent ranges, and a sql_query source
      expect(await ids([{ from: '-1', to: '0' }, { from: '0', to: '1' }], query('SELECT id, label FROM dbo.keyed'))).toEqual(['-1', '0']);
      if (server.stats) {
        const last = server.stats.statements.filter((s) => s.includes('[cdb_q]')).at(-1)!;
        expect(last).toContain('CAST(@cdb_k0 AS bigint)');
        expect(last).not.toContain('@cdb_k2');
      }
      const decimal = async (ranges: Array<{ from: string; to: string }>) =>
        (await read(table('dec_keyed'), { columns: ['v', 'k'], keyRanges: { column: 'k', ranges } })).sort((a, b) => Number(a[1]) - Number(b[1]));
      expect(await decimal([{ from: '-3', to: '0' }, { from: '1', to: '3' }])).toEqual([['a', '-2.50'], ['b', '-0.01'], ['e', '1.00'], ['f', '2.50']]);
      expect(await decimal([{ from: '0', to: '1' }, { from: '299', to: '100000000' }])).toEqual([['c', '0.00'], ['d', '0.99'], ['g', '299.99']]);
    });

    it('binds origin, width and range bounds as parameters', async (ctx) => {
      if (!server.stats) return ctx.skip();
      await bucketsOf(table('keyed'), { column: 'id', origin: '-123456789', width: '987654321' });
      const sent = server.stats.statements.filter((s) => s.includes('HASHBYTES')).at(-1)!;
      expect(sent).toContain('CAST(@cdb_origin AS decimal(38,0))');
      expect(sent).not.toContain('123456789');
      await read(table('keyed'), { keyRanges: { column: 'id', ranges: [{ from: '-424242', to: '434343' }] } });
      const ranged = server.stats.statements.filter((s) => s.includes('[dbo].[keyed]')).at(-1)!;
      expect(ranged).not.toMatch(/424242|434343/);
    });

    it('refuses keys that are not integer or decimal columns, unknown columns and bad bucket parameters, before reading', async () => {
      const text = await failure(bucketsOf(table('pairs'), { column: 'a', origin: '0', width: '10' }));
      expect([text.errorName, text.message]).toEqual(['INVALID_PARAMETERS', expect.stringContaining('integer or decimal')]);
      const unknown = await failure(bucketsOf(table('pairs'), { column: 'nope', origin: '0', width: '10' }));
      expect([unknown.errorName, unknown.message]).toEqual(['INVALID_PARAMETERS', expect.stringContaining('"nope"')]);
      expect((await failure(bucketsOf(table('pairs'), { column: 'id', origin: '0', width: '0' }))).errorName).toBe('INVALID_PARAMETERS');
      expect((await failure(bucketsOf(table('pairs'), { column: 'id', origin: '1.5', width: '10' }))).errorName).toBe('INVALID_PARAMETERS');
      const range = await failure(read(table('pairs'), { keyRanges: { column: 'a', ranges: [{ from: '0', to: '1' }] } }));
      expect(range.errorName).toBe('INVALID_PARAMETERS');
    });

    it('cancel stops the hashing statement (ATTENTION) and rejects with CANCELLED; the statement timeout applies', async () => {
      const slow = query('SELECT value AS id, CONVERT(varchar(20), value) AS label FROM GENERATE_SERIES(1, 20000000)');
      const buckets = { column: 'id', origin: '0', width: '100' };
      const attentions = server.stats?.attentions ?? 0;
      await withSession(slow, async (s) => {
        const plan = await s.describe();
        const controller = new AbortController();
        const started = Date.now();
        setTimeout(() => controller.abort(), 300);
        const err = await failure(s.hashBuckets!(plan, buckets, { signal: controller.signal }));
        expect(err.errorName).toBe('CANCELLED');
        expect(Date.now() - started).toBeLessThan(3_000);
        expect((await s.listTables(100)).map((t) => t.name)).toContain('keyed');
        const already = new AbortController();
        already.abort();
        expect((await failure(s.hashBuckets!(plan, buckets, { signal: already.signal }))).errorName).toBe('CANCELLED');
      });
      if (server.stats) expect(server.stats.attentions).toBe(attentions + 1);
      const timeout = await failure(withSession(slow, async (s) => s.hashBuckets!(await s.describe(), buckets, { signal: new AbortController().signal }), { statementTimeoutMs: 400 }));
      expect([timeout.errorName, timeout.message]).toEqual(['SOURCE_UNREACHABLE', expect.stringContaining('statement timeout')]);
    });
  });
}
