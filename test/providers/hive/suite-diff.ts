/**
 * Diff mode (provider.ts `hashBuckets` and `ReadWindow.keyRanges`, SPEC §13) through hive-driver:
 * exact bucket numbers and counts (negative keys, BIGINT next to ±2^63 with arithmetic beyond
 * BIGINT, a DECIMAL key with a scale that a rounding CAST or a rounded quotient would misplace),
 * hashes that do not depend on row order or on the call, and that change in exactly the bucket of
 * one changed value, a deleted row, NULL vs '' vs 'NULL', two swapped values, a value that moves
 * across a column boundary, a sub-microsecond TIMESTAMP and one BINARY byte; sql_query sources;
 * key ranges that read exactly their rows (from included, to excluded); cancel and timeout.
 *
 * Plain HiveQL (CASTs from strings, unhex) that a real Hive 4 accepts too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/errors.js';
import type { BucketHash, KeyBuckets, ReadWindow, SourceRequest } from '../../../src/providers/provider.js';
import type { RowSink } from '../../../src/rows/sink.js';
import { hiveRequest, querySource, sessionOptions, tableSource, type HiveServerFactory, type HiveTestServer } from './server-factory.js';
import { withHiveSession } from './suite-values.js';

interface DiffRow { id: string | null; a: string | null; b: string | null; at?: string; raw?: string }

const MIN = '-9223372036854775808';
const MAX = '9223372036854775807';
const BASE_ROWS: DiffRow[] = [
  { id: MIN, a: 'min', b: 'x' }, { id: '-11', a: 'minus eleven', b: null }, { id: '-10', a: 'minus ten', b: '' },
  { id: '-1', a: 'minus one', b: 'NULL' }, { id: '0', a: 'zero', b: 'z', at: '2024-01-01 00:00:00.123456789', raw: 'FF' },
  { id: '1', a: 'one', b: 'o' }, { id: '9', a: 'p', b: 'q' }, { id: '10', a: 'ten', b: 't' }, { id: '15', a: 'fifteen', b: 'f' },
  { id: '9223372036854775806', a: 'max-1', b: 'm' }, { id: MAX, a: 'max', b: 'M' }, { id: null, a: 'no key', b: 'n' },
];

const edit = (id: string, change: Partial<DiffRow>) => BASE_ROWS.map((r) => (r.id === id ? { ...r, ...change } : r));
/** Each variant is its own table of the same columns; the table name does not enter the hash. */
const VARIANTS: Record<string, DiffRow[]> = {
  diff_base: BASE_ROWS,
  diff_shuffled: [...BASE_ROWS].reverse(),
  diff_changed: edit('15', { a: 'Fifteen' }),
  diff_null: edit('1', { a: null }),
  diff_empty: edit('1', { a: '' }),
  diff_null_text: edit('1', { a: 'NULL' }),
  diff_deleted: BASE_ROWS.filter((r) => r.id !== '10'),
  diff_swapped: edit('9', { a: 'q', b: 'p' }),
  // With a plain marker per value ('v' + text, 'n' for NULL) both would read `vp,vq,n`.
  diff_boundary_left: edit('9', { a: 'p,vq', b: null }),
  diff_boundary_right: edit('9', { a: 'p', b: 'q,n' }),
  diff_nanos: edit('0', { at: '2024-01-01 00:00:00.123456788' }),
  // Both bytes are invalid UTF-8: CAST(raw AS STRING) reads each as U+FFFD.
  diff_binary: edit('0', { raw: 'FE' }),
};

const hiveString = (v: string | null) => (v === null ? 'NULL' : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
const tuple = (r: DiffRow) => `(${r.id === null ? 'NULL' : `CAST('${r.id}' AS BIGINT)`}, ${hiveString(r.a)}, ${hiveString(r.b)}, `
  + `CAST('${r.at ?? '2024-02-29 12:00:00'}' AS TIMESTAMP), unhex('${r.raw ?? '5CC3A9'}'), CAST('12.50' AS DECIMAL(12,2)), true, CAST('0.1' AS DOUBLE), CAST('2024-02-29' AS DATE))`;

export const DIFF_HIVEQL = Object.entries(VARIANTS).map(([table, rows]) => `
DROP TABLE IF EXISTS ${table};
CREATE TABLE ${table} (id BIGINT, a STRING, b STRING, at TIMESTAMP, raw BINARY, amount DECIMAL(12,2), flag BOOLEAN, ratio DOUBLE, day DATE);
INSERT INTO ${table} VALUES ${rows.map(tuple).join(', ')};`).join('') + `
DROP TABLE IF EXISTS diff_dec;
CREATE TABLE diff_dec (k DECIMAL(30,2), v STRING);
INSERT INTO diff_dec VALUES (CAST('4.50' AS DECIMAL(30,2)), 'four and a half'), (CAST('-1.50' AS DECIMAL(30,2)), 'minus one and a half'),
 (CAST('0.99' AS DECIMAL(30,2)), 'almost one'), (CAST('2999999999999999999999.99' AS DECIMAL(30,2)), 'almost 3e21'),
 (CAST('-0.01' AS DECIMAL(30,2)), 'minus a cent'), (CAST('1.00' AS DECIMAL(30,2)), 'one'), (CAST('0.00' AS DECIMAL(30,2)), 'zero'), (NULL, 'no key');
DROP TABLE IF EXISTS diff_tags;
CREATE TABLE diff_tags (id BIGINT, tags ARRAY<STRING>);
INSERT INTO diff_tags VALUES (CAST('1' AS BIGINT), array('a'));
`;

/** Integers exactly (BIGINT keys next to 2^63 are one apart), decimals as numbers (small ones here). */
const numerically = (p: string, q: string) => (p.includes('.') || q.includes('.') ? Number(p) - Number(q) : BigInt(p) < BigInt(q) ? -1 : 1);

/** floor((k - o) / w) in BigInt: the reference the remote must match. */
function bucketOf(key: bigint, origin: bigint, width: bigint): bigint {
  const d = key - origin;
  return d >= 0n ? d / width : -((-d + width - 1n) / width);
}

function expectedBuckets(keys: Array<string | null>, buckets: KeyBuckets): Array<[string, number]> {
  const counts = new Map<bigint, number>();
  for (const k of keys) {
    if (k === null) continue;
    const b = bucketOf(BigInt(k), BigInt(buckets.origin), BigInt(buckets.width));
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([b, n]) => [b.toString(), n]);
}

/** Buckets of two answers whose count or hash differ (or that only one has). */
function differing(x: BucketHash[], y: BucketHash[]): string[] {
  const text = (answer: BucketHash[]) => new Map(answer.map((b) => [b.bucket, `${b.rows}:${b.hash}`]));
  const [mx, my] = [text(x), text(y)];
  return [...new Set([...mx.keys(), ...my.keys()])].filter((b) => mx.get(b) !== my.get(b)).sort();
}

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectorError);
  return err as ConnectorError;
}

export function diffSuite(factory: HiveServerFactory): void {
  describe(`hive provider: diff mode (${factory.name})`, () => {
    let server: HiveTestServer;
    const request = (table: string) => hiveRequest(server, tableSource(table));
    const hashes = (req: SourceRequest, buckets: KeyBuckets, opts = sessionOptions()) => withHiveSession(req, async (session) => {
      const plan = await session.describe();
      return session.hashBuckets!(plan, buckets, { signal: new AbortController().signal });
    }, opts);
    const byTen = (table: string) => hashes(request(table), { column: 'id', origin: '0', width: '10' });
    const read = (req: SourceRequest, window: ReadWindow) => withHiveSession(req, async (session) => {
      const plan = await session.describe();
      const rows: Array<Array<string | null>> = [];
      const sink: RowSink = { full: false, write: (row) => { rows.push(row.map((v) => (v === null ? null : String(v)))); return true; }, drained: async () => undefined };
      await session.streamRows(plan, sink, { limit: Number.MAX_SAFE_INTEGER, warnings: { count() { /* none */ } }, signal: new AbortController().signal, window });
      return rows;
    });
    const ids = async (req: SourceRequest, ranges: Array<{ from: string; to: string }>, column = 'id') =>
      (await read(req, { columns: [column], keyRanges: { column, ranges } })).map((r) => r[0]!).sort(numerically);

    beforeAll(async () => {
      server = await factory.start();
      await server.loadFixture(DIFF_HIVEQL);
    }, 600_000);
    afterAll(async () => { await server?.stop(); });

    it('numbers buckets exactly: negative keys, BIGINT at ±2^63, arithmetic beyond BIGINT; NULL keys in none', async () => {
      const keys = BASE_ROWS.map((r) => r.id);
      const geometries: KeyBuckets[] = [
        { column: 'id', origin: '0', width: '10' },
        { column: 'id', origin: '5', width: '3' },
        { column: 'id', origin: MIN, width: '1000000000000000000' }, // key - origin up to 2^64 - 1
        { column: 'id', origin: MAX, width: '1' },
      ];
      for (const buckets of geometries) {
        const answer = await hashes(request('diff_base'), buckets);
        expect({ buckets, got: answer.map((b) => [b.bucket, b.rows]) }).toEqual({ buckets, got: expectedBuckets(keys, buckets) });
        for (const b of answer) expect(b.hash).toMatch(/^[1-9][0-9]*$/);
      }
      expect((await byTen('diff_base')).map((b) => [b.bucket, b.rows])).toEqual([
        ['-922337203685477581', 1], ['-2', 1], ['-1', 2], ['0', 3], ['1', 2], ['922337203685477580', 2],
      ]);
      expect((await hashes(request('diff_base'), { column: 'id', origin: MIN, width: '1000000000000000000' })).map((b) => [b.bucket, b.rows]))
        .toEqual([['0', 1], ['9', 8], ['18', 2]]);
      if (server.stats) expect(server.stats.statements.at(-1)).toMatch(/pmod\(`cdb_offset`, CAST\('1000000000000000000' AS DECIMAL\(38,0\)\)\)/);
    });

    it('floors a DECIMAL key with a scale exactly (no rounding CAST, no rounded quotient)', async () => {
      const dec = request('diff_dec');
      expect((await hashes(dec, { column: 'k', origin: '0', width: '1' })).map((b) => [b.bucket, b.rows])).toEqual([
        ['-2', 1], ['-1', 1], ['0', 2], ['1', 1], ['4', 1], ['2999999999999999999999', 1],
      ]);
      // 2999999999999999999999.99 / 10^21 is 2.99…: rounding either the key or the quotient would say 3.
      expect((await hashes(dec, { column: 'k', origin: '0', width: '1000000000000000000000' })).map((b) => [b.bucket, b.rows]))
        .toEqual([['-1', 2], ['0', 4], ['2', 1]]);
      expect((await hashes(dec, { column: 'k', origin: '-3', width: '2' })).map((b) => [b.bucket, b.rows]))
        .toEqual([['0', 1], ['1', 3], ['2', 1], ['3', 1], ['1500000000000000000001', 1]]);
    });

    it('gives the same hashes on every call and for any row order', async () => {
      const first = await byTen('diff_base');
      expect(await byTen('diff_base')).toEqual(first);
      expect(await byTen('diff_shuffled')).toEqual(first);
    });

    it('changes exactly the bucket of a changed value, a deleted row, a sub-microsecond TIMESTAMP or one BINARY byte', async () => {
      const base = await byTen('diff_base');
      const changed = await byTen('diff_changed');
      expect(differing(base, changed)).toEqual(['1']);
      expect(changed.map((b) => b.rows)).toEqual(base.map((b) => b.rows));
      const deleted = await byTen('diff_deleted');
      expect(differing(base, deleted)).toEqual(['1']);
      expect(deleted.find((b) => b.bucket === '1')!.rows).toBe(1);
      expect(differing(base, await byTen('diff_nanos'))).toEqual(['0']);
      expect(differing(base, await byTen('diff_binary'))).toEqual(['0']);
    });

    it('tells NULL from \'\' from \'NULL\', two swapped values, and a value that moves across a column boundary', async () => {
      const base = await byTen('diff_base');
      const variants = await Promise.all(['diff_null', 'diff_empty', 'diff_null_text', 'diff_swapped', 'diff_boundary_left', 'diff_boundary_right'].map(byTen));
      const [nul, empty, nullText, swapped, boundaryLeft, boundaryRight] = variants;
      for (const [x, y] of [[nul, empty], [nul, nullText], [empty, nullText], [nul, base], [empty, base], [nullText, base]] as const) {
        expect(differing(x!, y!)).toEqual(['0']);
      }
      expect(differing(base, swapped!)).toEqual(['0']);
      expect(differing(boundaryLeft!, boundaryRight!)).toEqual(['0']);
      expect(differing(base, boundaryLeft!)).toEqual(['0']);
    });

    it('hashes a sql_query source (a derived table): all columns give the table\'s answer; a filter, its own counts', async () => {
      const table = await byTen('diff_base');
      const geometry: KeyBuckets = { column: 'id', origin: '0', width: '10' };
      expect(await hashes(hiveRequest(server, querySource('SELECT id, a, b, at, raw, amount, flag, ratio, day FROM diff_base')), geometry)).toEqual(table);
      const joined = querySource('SELECT t.a, d.id FROM diff_base d JOIN diff_changed t ON d.id = t.id WHERE d.id >= 0 -- keys from zero;');
      const filtered = await hashes(hiveRequest(server, joined), { ...geometry, column: 'd.id' });
      expect(filtered.map((b) => [b.bucket, b.rows])).toEqual([['0', 3], ['1', 2], ['922337203685477580', 2]]);
    });

    it('reads exactly the rows of the key ranges (from included, to excluded), with a column subset', async () => {
      const base = request('diff_base');
      expect(await ids(base, [{ from: '-10', to: '1' }])).toEqual(['-10', '-1', '0']);
      expect(await ids(base, [{ from: MIN, to: '-9223372036854775807' }, { from: '9', to: '11' }, { from: '9223372036854775800', to: '9223372036854775810' }]))
        .toEqual([MIN, '9', '10', '9223372036854775806', MAX]);
      expect(await ids(base, [{ from: '2', to: '9' }])).toEqual([]);
      expect(await ids(base, [])).toEqual([]);
      expect(await read(base, { columns: ['a', 'id'], keyRanges: { column: 'id', ranges: [{ from: '15', to: '16' }] } })).toEqual([['fifteen', '15']]);
      const dec = request('diff_dec');
      // A CAST(k AS DECIMAL(38,0)) would round 4.50 into [5, 6) and 0.99 into [1, 2).
      expect(await ids(dec, [{ from: '4', to: '5' }, { from: '0', to: '1' }], 'k')).toEqual(['0.00', '0.99', '4.50']);
      expect(await ids(dec, [{ from: '-2', to: '0' }], 'k')).toEqual(['-1.50', '-0.01']);
      // One qualifier on every column: the plan names them without it.
      const query = hiveRequest(server, querySource('SELECT d.id, d.a FROM diff_base d WHERE d.id <> 1'));
      expect(await ids(query, [{ from: '0', to: '10' }])).toEqual(['0', '9']);
    });

    it('reads no statement for no range, and every bucket read by its range gives back its count', async () => {
      const statementsBefore = server.stats?.statements.length ?? 0;
      expect(await read(request('diff_base'), { keyRanges: { column: 'id', ranges: [] } })).toEqual([]);
      if (server.stats) expect(server.stats.statements.length).toBe(statementsBefore + 1); // describe() only
      for (const b of await byTen('diff_base')) {
        const from = BigInt(b.bucket) * 10n;
        expect((await ids(request('diff_base'), [{ from: String(from), to: String(from + 10n) }])).length).toBe(b.rows);
      }
    });

    it('refuses a key or a column it cannot bucket or hash before sending anything (1502)', async () => {
      const statementsBefore = server.stats?.statements.length ?? 0;
      const refusals: Array<[SourceRequest, KeyBuckets, RegExp]> = [
        [request('diff_base'), { column: 'a', origin: '0', width: '10' }, /"a" \(Hive string\) cannot be the key of a merge without a cursor/],
        [request('diff_base'), { column: 'id', origin: '0', width: '0' }, /width 0 must be at least 1/],
        [request('diff_base'), { column: 'id', origin: "0' OR ''='", width: '1' }, /origin must be an integer/],
        [request('diff_tags'), { column: 'id', origin: '0', width: '10' }, /"tags" \(Hive array\) cannot be hashed by Hive/],
      ];
      for (const [req, buckets, message] of refusals) {
        const err = await failure(hashes(req, buckets));
        expect({ buckets, name: err.errorName, message: err.message }).toEqual({ buckets, name: 'INVALID_PARAMETERS', message: expect.stringMatching(message) });
      }
      if (server.stats) expect(server.stats.statements.length).toBe(statementsBefore + refusals.length);
    });

    it('honours the signal and statement_timeout, cancelling the operation on the server', async () => {
      if (!server.hooks || !server.stats) return; // fault hooks exist only on the local test server
      const geometry: KeyBuckets = { column: 'id', origin: '0', width: '10' };
      const slowly = async (work: (run: (signal: AbortSignal) => Promise<unknown>) => Promise<unknown>, opts = sessionOptions()) =>
        withHiveSession(request('diff_base'), async (session) => {
          const plan = await session.describe();
          server.hooks!.executeDelayMs = 10_000;
          try {
            return await work((signal) => session.hashBuckets!(plan, geometry, { signal }));
          } finally {
            server.hooks!.executeDelayMs = 0;
          }
        }, opts);
      let cancels = server.stats.cancelledOperations;
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const cancelled = await slowly((run) => failure(run(controller.signal))) as ConnectorError;
      expect(cancelled.errorName).toBe('CANCELLED');
      expect(server.stats.cancelledOperations).toBe(++cancels);
      const timedOut = await slowly((run) => failure(run(new AbortController().signal)), sessionOptions({ statementTimeoutMs: 500 })) as ConnectorError;
      expect(timedOut.errorName).toBe('SOURCE_UNREACHABLE');
      expect(timedOut.message).toMatch(/statement_timeout/);
      expect(server.stats.cancelledOperations).toBe(++cancels);
    });
  });
}
