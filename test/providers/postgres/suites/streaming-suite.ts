/**
 * Streaming: exact row limit on both paths, backpressure, cancel (the remote query is gone within
 * 2 s), and the remote server stopped mid-stream (issue 4 §3–5).
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../src/errors.js';
import { BinaryCopyForwarder } from '../../../../src/load/binary-copy-sink.js';
import { postgresProvider } from '../../../../src/providers/postgres/index.js';
import type { SourceSession, StreamOptions } from '../../../../src/providers/provider.js';
import type { BinaryCopySink, CopyValue, RowSink } from '../../../../src/rows/sink.js';
import { collectRows } from '../../../helpers/collect-rows.js';
import { createTargetDb, type TargetDb } from '../../../helpers/target.js';
import { loadPlan, tableAsText } from '../load-helpers.js';
import { remoteRequest, remoteSql, sessionOptions, type RemoteFactory, type RemotePostgres } from '../remote.js';

const DB = 'streams';
const BIG_ROWS = 200_000;
const SMALL_ROWS = 1_000;
const GONE_WITHIN_MS = 2_000;

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectorError);
  return err as ConnectorError;
}

/** A sink that takes `before` rows (or chunks), then reports backpressure and never drains until `release()`. */
function stallingSinks(before: number) {
  let seen = 0;
  let release!: () => void;
  const released = new Promise<void>((r) => { release = r; });
  let stalled!: () => void;
  const stalledAt = new Promise<void>((r) => { stalled = r; });
  const write = () => {
    if (++seen < before) return true;
    stalled();
    return false;
  };
  const rowSink: RowSink = { write: (_row: CopyValue[]) => write(), drained: () => released, get full() { return false; } };
  const binarySink: BinaryCopySink = { write: (_chunk: Buffer) => write(), drained: () => released, get full() { return false; } };
  return { rowSink, binarySink, stalledAt, release, get seen() { return seen; } };
}

export function streamingSuite(factory: RemoteFactory): void {
  describe(`postgres provider: streaming, limits, cancel, failures (${factory.name})`, () => {
    let remote: RemotePostgres;
    let target: TargetDb;
    const open: SourceSession[] = [];
    const session = async (o: { table?: string; sqlQuery?: string }): Promise<SourceSession> => {
      const s = await postgresProvider.connect(remoteRequest(remote, { database: DB, ...o }), sessionOptions());
      open.push(s);
      return s;
    };
    /** Our COPY statements still running on the remote (a cancelled backend is idle or gone). */
    const ourBackends = async () => (await remoteSql<{ n: number }>(remote,
      "select count(*)::int as n from pg_stat_activity where application_name = 'pg-connector-bridge' and state <> 'idle' and query ilike 'copy (%'"))[0]!.n;
    const waitUntilGone = async (): Promise<number> => {
      const started = Date.now();
      while (await ourBackends() > 0) {
        if (Date.now() - started > GONE_WITHIN_MS) throw new Error(`the remote query still runs after ${GONE_WITHIN_MS} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return Date.now() - started;
    };

    beforeAll(async () => {
      [remote, target] = await Promise.all([factory.start(), createTargetDb()]);
      await remoteSql(remote, `create database ${DB}`);
      await remoteSql(remote, `create table small as select g as id, 'row ' || g as label, (g * 2)::bigint as x from generate_series(1, ${SMALL_ROWS}) g;
        create table big as select g as id, md5(g::text) as h, repeat(E'x\\t', 50) as pad from generate_series(1, ${BIG_ROWS}) g;`, [], DB);
    });
    afterAll(async () => {
      await Promise.all(open.map((s) => s.close().catch(() => undefined)));
      await Promise.all([remote?.stop(), target?.drop()]);
    });

    for (const path of ['text', 'binary'] as const) {
      for (const maxRows of [0, 10, SMALL_ROWS - 1, SMALL_ROWS]) {
        it(`row limit ${maxRows} of ${SMALL_ROWS} is exact on the ${path} path`, async () => {
          const s = await session({ table: 'small' });
          const plan = await s.describe();
          const table = `small_${path}_${maxRows}`;
          const loaded = await loadPlan(target.url, table, s, plan, path, { maxRows });
          expect(loaded).toEqual({ rows: maxRows, truncated: maxRows < SMALL_ROWS });
          const stored = await tableAsText(target.url, table, ['id', 'label', 'x']);
          expect(stored.length).toBe(maxRows);
          if (maxRows > 0) expect(stored[maxRows - 1]).toEqual([String(maxRows), `row ${maxRows}`, String(maxRows * 2)]);
        });
      }
    }

    it('sql_query limits are exact too (the query is wrapped, its own LIMIT kept)', async () => {
      const s = await session({ sqlQuery: 'select id, label from small order by id desc limit 500' });
      const { rows } = await collectRows(s, { limit: 3 });
      expect(rows).toEqual([['1000', 'row 1000'], ['999', 'row 999'], ['998', 'row 998']]);
    });

    it('an error raised by the remote mid-COPY → SOURCE_QUERY_FAILED with its text; the session stays usable', async () => {
      const s = await session({ sqlQuery: 'select (1 / (g - 30000))::text as v from generate_series(1, 60000) g' });
      for (const path of ['text', 'binary'] as const) {
        const plan = await s.describe();
        const seen = { rows: 0, chunks: 0 };
        const sink = { write: () => { seen.rows++; seen.chunks++; return true; }, drained: async () => undefined, full: false };
        const err = await failure(path === 'text' ? s.streamRows(plan, sink, streamOptions(1e9)) : s.streamBinaryCopy!(plan, sink, streamOptions(1e9)));
        expect(err.errorName).toBe('SOURCE_QUERY_FAILED');
        expect(err.message).toMatch(/division by zero.*22012/);
        expect(seen.rows).toBeGreaterThan(0);
      }
      const again = await session({ table: 'small' });
      const plan = await again.describe();
      expect((await collectRows(again, { plan })).rows.length).toBe(SMALL_ROWS);
      expect((await collectRows(again, { plan })).rows.length).toBe(SMALL_ROWS);
    });

    it('a sink that is full before the stream limit (no LIMIT pushed) stops the remote query at once', async () => {
      const s = await session({ table: 'big' });
      const plan = await s.describe();
      const rows: CopyValue[][] = [];
      const sink: RowSink = { write: (row) => { rows.push(row); return true; }, drained: async () => undefined, get full() { return rows.length >= 10; } };
      const started = Date.now();
      await s.streamRows(plan, sink, streamOptions(Infinity));
      expect(rows.length).toBe(10);
      expect(Date.now() - started).toBeLessThan(GONE_WITHIN_MS);
      await waitUntilGone();
    });

    it('honours backpressure and reads a big table completely', async () => {
      const s = await session({ table: 'big' });
      const { rows, pauses } = await collectRows(s, { pauseEvery: 5_000 });
      expect(rows.length).toBe(BIG_ROWS);
      expect(pauses).toBeGreaterThan(BIG_ROWS / 5_000 - 2);
      expect(rows[BIG_ROWS - 1]![2]).toBe('x\t'.repeat(50));
    });

    it('binary progress: the forwarder counts the tuples it forwarded', async () => {
      const s = await session({ table: 'big' });
      const plan = await s.describe();
      let bytes = 0;
      const sinkOut = new Writable({ write(chunk: Buffer, _e, cb) { bytes += chunk.length; cb(); } });
      const forwarder = new BinaryCopyForwarder(sinkOut, { maxRows: 150_000 });
      await s.streamBinaryCopy!(plan, forwarder, streamOptions(150_001));
      forwarder.finish();
      expect([forwarder.rows, forwarder.truncated]).toEqual([150_000, true]);
      expect(forwarder.bytes).toBe(bytes);
    });

    for (const path of ['text', 'binary'] as const) {
      it(`cancel while the target is stalled (${path}): CANCELLED, and the remote backend is gone within 2 s`, async () => {
        const s = await session({ table: 'big' });
        const plan = await s.describe();
        const stall = stallingSinks(path === 'text' ? 1_000 : 3);
        const controller = new AbortController();
        const streaming = path === 'text'
          ? s.streamRows(plan, stall.rowSink, streamOptions(BIG_ROWS + 1, controller.signal))
          : s.streamBinaryCopy!(plan, stall.binarySink, streamOptions(BIG_ROWS + 1, controller.signal));
        await stall.stalledAt;
        await new Promise((r) => setTimeout(r, 100));
        expect(await ourBackends()).toBe(1);
        controller.abort();
        const err = await failure(streaming);
        expect(err.errorName).toBe('CANCELLED');
        await waitUntilGone();
      });
    }

    it('cancel while the remote is still computing (no row yet): the query is gone within 2 s', async () => {
      const s = await session({ sqlQuery: 'select pg_catalog.pg_sleep(30)::text as slept' });
      const plan = await s.describe();
      const controller = new AbortController();
      const streaming = s.streamRows(plan, stallingSinks(1).rowSink, streamOptions(2, controller.signal));
      await new Promise((r) => setTimeout(r, 200));
      controller.abort();
      expect((await failure(streaming)).errorName).toBe('CANCELLED');
      await waitUntilGone();
    });

    it('a session used again after a cancel reconnects', async () => {
      const s = await session({ table: 'small' });
      const plan = await s.describe();
      const controller = new AbortController();
      const streaming = s.streamRows(plan, stallingSinks(10).rowSink, streamOptions(SMALL_ROWS + 1, controller.signal));
      await new Promise((r) => setTimeout(r, 50));
      controller.abort();
      await failure(streaming);
      expect((await collectRows(s, { plan })).rows.length).toBe(SMALL_ROWS);
    });

    // Last: it stops the server.
    it('the remote server stopped mid-stream → SOURCE_UNREACHABLE', async () => {
      const s = await session({ table: 'big' });
      const plan = await s.describe();
      const stall = stallingSinks(1_000);
      const streaming = s.streamRows(plan, stall.rowSink, streamOptions(BIG_ROWS + 1));
      await stall.stalledAt;
      await remote.halt();
      stall.release();
      const err = await failure(streaming);
      expect(err.code).toBe(1504);
      expect(stall.seen).toBeLessThan(BIG_ROWS);
    });
  });
}

function streamOptions(limit: number, signal: AbortSignal = new AbortController().signal): StreamOptions {
  return { limit, warnings: { count: () => undefined }, signal };
}

