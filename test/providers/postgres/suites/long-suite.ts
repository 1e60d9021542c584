/**
 * 1M rows × 14 columns (issue 7 §2 shape) through both paths into the target, compared by digest;
 * diff mode's bucket hashes and a key-range read over them, timed. Slow (~30 s on 2 cores): runs
 * only with CDB_LONG_TESTS=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresProvider } from '../../../../src/providers/postgres/index.js';
import type { SourceSession } from '../../../../src/providers/provider.js';
import { createTargetDb, type TargetDb } from '../../../helpers/target.js';
import { loadPlan } from '../load-helpers.js';
import { remoteRequest, remoteSql, sessionOptions, type RemoteFactory, type RemotePostgres } from '../remote.js';

const DB = 'long';
const ROWS = 1_000_000;
const DIGEST_SQL = (table: string) => `select count(*)::int as n, md5(string_agg(t::text, '|' order by id)) as d from ${table} t`;

export function longSuite(factory: RemoteFactory): void {
  describe.runIf(process.env.CDB_LONG_TESTS)(`postgres provider: 1M rows (${factory.name})`, () => {
    let remote: RemotePostgres;
    let target: TargetDb;
    let session: SourceSession;

    beforeAll(async () => {
      [remote, target] = await Promise.all([factory.start(), createTargetDb()]);
      await remoteSql(remote, `create database ${DB}`);
      await remoteSql(remote, `create table items as select n::bigint as id, ('name-' || n)::varchar(64) as name,
          ((array['Électronique', 'Bücher', '家具', 'Спорт', 'Jardín'])[1 + n % 5])::varchar(32) as category,
          ((n * 137 % 10000000) / 100.0)::numeric(12,2) as price, n / 7e0 as score, (n % 1000)::int as qty, (n % 32000)::smallint as rank_no,
          timestamp '2020-01-01' + n * interval '1.000001 second' as created_at, date '2020-01-01' + (n % 3650)::int as day,
          time '00:00' + (n % 86400) * interval '1 second' as at_time, n % 2 = 1 as active,
          -90 + (n % 180000) / 1000e0 as lat, -180 + (n % 360000) / 1000e0 as lon,
          case when n % 10 = 0 then null else 'note ' || n || E'\\t"quoted" \\\\ ''single'' — ünïcödé ✓ ' || repeat('x', (n % 40)::int) end as note
        from generate_series(1, ${ROWS}) n`, [], DB);
      session = await postgresProvider.connect(remoteRequest(remote, { database: DB, table: 'items' }), sessionOptions());
    }, 300_000);
    afterAll(async () => {
      await session?.close();
      await Promise.all([remote?.stop(), target?.drop()]);
    });

    it('text and binary paths store the same 1M rows as the remote has', async () => {
      const plan = await session.describe();
      expect(plan.binaryCopy).toBe(true);
      // No timestamptz column: the digest does not depend on the sessions' time zones.
      const [source] = await remoteSql<{ n: number; d: string }>(remote, DIGEST_SQL('items'), [], DB);
      for (const path of ['binary', 'text'] as const) {
        expect(await loadPlan(target.url, `items_${path}`, session, plan, path)).toEqual({ rows: ROWS, truncated: false });
        expect((await target.query(DIGEST_SQL(`items_${path}`))).rows[0]).toEqual(source);
      }
    }, 300_000);

    it('diff mode: hashBuckets over 1M rows with width 100, then a read of 100 changed buckets (timed)', async () => {
      const plan = await session.describe();
      const signal = new AbortController().signal;
      const started = performance.now();
      const hashes = await session.hashBuckets!(plan, { column: 'id', origin: '0', width: '100' }, { signal });
      const hashMs = performance.now() - started;
      // ids 1..1M: bucket 0 holds 1..99, bucket 10000 only 1000000.
      expect(hashes).toHaveLength(ROWS / 100 + 1);
      expect(hashes.reduce((n, h) => n + h.rows, 0)).toBe(ROWS);
      expect([hashes[0]!.rows, hashes[hashes.length - 1]!.rows]).toEqual([99, 1]);
      const ranges = Array.from({ length: 100 }, (_, i) => ({ from: String(i * 9_900), to: String(i * 9_900 + 100) }));
      const readStarted = performance.now();
      const loaded = await loadPlan(target.url, 'items_ranges', session, plan, 'binary', { window: { keyRanges: { column: 'id', ranges } } });
      const readMs = performance.now() - readStarted;
      expect(loaded.rows).toBe(100 * 100 - 1); // the first range starts at id 0, which does not exist
      console.log(`postgres diff mode, 1M rows × 14 columns: hashBuckets (width 100, ${hashes.length} buckets) ${Math.round(hashMs)} ms; `
        + `key-range read of 100 buckets (${loaded.rows} rows, no index on the key) ${Math.round(readMs)} ms`);
    }, 300_000);
  });
}
