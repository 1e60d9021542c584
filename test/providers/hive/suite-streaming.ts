/**
 * Issue 9 §3/§6, volume and cancel: a large table streams page by page with backpressure honoured
 * row by row and memory flat; an abort mid-stream sends CancelOperation and rejects with
 * CANCELLED at once. 1M rows with CDB_LONG_TESTS=1, 100k by default.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/errors.js';
import type { SourceSession, StreamOptions } from '../../../src/providers/provider.js';
import type { CopyValue, RowSink } from '../../../src/rows/sink.js';
import { bigTableHiveQL } from './fixtures.js';
import { hiveRequest, sessionOptions, tableSource, type HiveServerFactory, type HiveTestServer } from './server-factory.js';
import { withHiveSession } from './suite-values.js';

export const BIG_ROWS = process.env.CDB_LONG_TESTS ? 1_000_000 : 100_000;
const FETCH_ROWS = 5_000;
const PAUSE_EVERY_ROWS = 1_000;
/** Live heap allowed above the level after the first tenth of the rows (one page is ~1 MB; the whole table is 50+ MB). */
const HEAP_GROWTH_LIMIT_BYTES = 16 * 1024 * 1024;
const HEAP_CHECKPOINTS = 10;

/** A full GC before each heap reading measures what the stream retains, not garbage not yet collected. */
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;
const CANCEL_WITHIN_MS = 1_000;

const noWarnings = { count() { /* none expected */ } };

/** A sink that keeps nothing: it checks the stream instead (sum of ids, writes while paused, heap). */
class CheckingSink implements RowSink {
  rows = 0;
  idSum = 0n;
  writesWhilePaused = 0;
  heapBaseline = 0;
  heapPeak = 0;
  private paused = false;
  readonly full = false;

  constructor(private readonly totalRows: number) {}

  write(row: CopyValue[]): boolean {
    if (this.paused) this.writesWhilePaused++;
    this.rows++;
    this.idSum += BigInt(String(row[0]));
    if (this.rows % Math.floor(this.totalRows / HEAP_CHECKPOINTS) === 0) this.readHeap();
    if (this.rows % PAUSE_EVERY_ROWS !== 0) return true;
    this.paused = true;
    return false;
  }

  drained(): Promise<void> {
    return new Promise((resolve) => setTimeout(() => { this.paused = false; resolve(); }, 0));
  }

  private readHeap(): void {
    collectGarbage();
    const used = process.memoryUsage().heapUsed;
    if (this.heapBaseline === 0) this.heapBaseline = used;
    else this.heapPeak = Math.max(this.heapPeak, used);
  }
}

export function streamingSuite(factory: HiveServerFactory): void {
  describe(`hive provider: streaming ${BIG_ROWS} rows (${factory.name})`, () => {
    let server: HiveTestServer;

    beforeAll(async () => {
      server = await factory.start();
      await server.loadFixture(bigTableHiveQL('big_rows', BIG_ROWS));
    }, 600_000);
    afterAll(async () => { await server?.stop(); });

    it('streams every row page by page, pausing on backpressure, with flat memory', async () => {
      const sink = new CheckingSink(BIG_ROWS);
      const fetchesBefore = server.stats?.fetches ?? 0;
      const started = Date.now();
      await withHiveSession(hiveRequest(server, tableSource('big_rows')), async (session) => {
        const plan = await session.describe();
        expect(plan.columns.map((c) => c.localType)).toEqual(['bigint', 'text', 'numeric(12,2)', 'boolean']);
        await session.streamRows(plan, sink, { limit: Number.MAX_SAFE_INTEGER, warnings: noWarnings, signal: new AbortController().signal });
      }, sessionOptions({ fetchRows: FETCH_ROWS }));
      const seconds = (Date.now() - started) / 1000;
      console.log(`hive ${factory.name}: ${BIG_ROWS} rows in ${seconds.toFixed(1)} s (${Math.round(BIG_ROWS / seconds)} rows/s), live heap growth ${Math.max(0, Math.round((sink.heapPeak - sink.heapBaseline) / 1e6))} MB`);
      expect(sink.rows).toBe(BIG_ROWS);
      expect(sink.idSum).toBe(BigInt(BIG_ROWS) * BigInt(BIG_ROWS - 1) / 2n);
      expect(sink.writesWhilePaused).toBe(0);
      expect(sink.heapPeak - sink.heapBaseline).toBeLessThan(HEAP_GROWTH_LIMIT_BYTES);
      // One FetchResults per page plus the empty page that ends the stream.
      if (server.stats) expect(server.stats.fetches - fetchesBefore).toBe(Math.ceil(BIG_ROWS / FETCH_ROWS) + 1);
    }, 600_000);

    it('cancels mid-stream: CancelOperation reaches the server and the promise rejects with CANCELLED at once', async () => {
      const cancelsBefore = server.stats?.cancelledOperations ?? 0;
      const closesBefore = server.stats?.closedOperations ?? 0;
      const controller = new AbortController();
      let abortedAt = 0;
      let rows = 0;
      const sink: RowSink = {
        full: false,
        write() {
          rows++;
          return rows < 2_500;
        },
        drained() {
          setTimeout(() => { abortedAt = Date.now(); controller.abort(); }, 50);
          return new Promise<void>(() => undefined); // the target never drains: only the abort can end this
        },
      };
      const opts: StreamOptions = { limit: Number.MAX_SAFE_INTEGER, warnings: noWarnings, signal: controller.signal };
      const err = await withHiveSession(hiveRequest(server, tableSource('big_rows')), async (session: SourceSession) => {
        const plan = await session.describe();
        return session.streamRows(plan, sink, opts).then(() => undefined, (e: unknown) => e);
      });
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as ConnectorError).errorName).toBe('CANCELLED');
      expect(Date.now() - abortedAt).toBeLessThan(CANCEL_WITHIN_MS);
      expect(rows).toBe(2_500);
      if (server.stats) {
        expect(server.stats.cancelledOperations).toBe(cancelsBefore + 1);
        expect(server.stats.closedOperations).toBeGreaterThan(closesBefore);
      }
    });
  });
}
