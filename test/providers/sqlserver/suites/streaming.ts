/**
 * Issue 8 §3/§6: cancel mid-stream (ATTENTION), backpressure (the server blocks instead of
 * buffering), row limit, statement timeout, and `encoding` for a CP1252 VARCHAR (€, é).
 * The 1M-row case runs with CDB_LONG_TESTS=1; the default suite streams 100k rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../src/errors.js';
import type { SourceRequest } from '../../../../src/providers/provider.js';
import type { CopyValue, RowSink } from '../../../../src/rows/sink.js';
import { sqlserverProvider } from '../../../../src/providers/sqlserver/index.js';
import { collectRows } from '../../../helpers/collect-rows.js';
import { sessionOptions, sqlserverRequest, type SqlServerFactory, type SqlServerUnderTest } from '../server.js';

const noWarnings = { count: () => undefined };
const seriesQuery = (n: number) => `SELECT value AS id, CONVERT(varchar(20), value) AS label, CAST(value AS decimal(12,2)) AS amount FROM GENERATE_SERIES(1, ${n})`;
/** Rows wide enough (~330 bytes) that the kernel's socket buffers cannot hide a server that does not stop. */
const PAD_CHARS = 300;
const wideQuery = (n: number) => `SELECT value AS id, CAST(value AS decimal(12,2)) AS amount, REPLICATE('x', ${PAD_CHARS}) AS pad FROM GENERATE_SERIES(1, ${n})`;

async function open(s: SqlServerUnderTest, extra: Partial<SourceRequest>, statementTimeoutMs = 60_000) {
  return sqlserverProvider.connect(sqlserverRequest(s, extra), sessionOptions({ statementTimeoutMs }));
}

/** A sink that stays saturated for `holdMs` once `holdAt` rows arrived, and counts rows. */
function slowSink(holdAt: number, holdMs: number, onHold: () => void): RowSink & { rows: number; last?: CopyValue[] } {
  let held = false;
  const sink = {
    rows: 0,
    last: undefined as CopyValue[] | undefined,
    full: false,
    write(row: CopyValue[]) {
      sink.rows++;
      sink.last = row;
      return !(sink.rows === holdAt && !held);
    },
    drained() {
      if (held || sink.rows < holdAt) return Promise.resolve();
      held = true;
      onHold();
      return new Promise<void>((resolve) => setTimeout(resolve, holdMs));
    },
  };
  return sink;
}

async function expectBackpressure(server: SqlServerUnderTest, total: number) {
  const session = await open(server, { source: { kind: 'query', sql: wideQuery(total) } });
  const samples: number[] = [];
  const baseline = server.stats!.rowsSent;
  const heapBefore = process.memoryUsage().heapUsed;
  try {
    const sink = slowSink(10_000, 800, () => {
      setTimeout(() => samples.push(server.stats!.rowsSent - baseline), 300);
      setTimeout(() => samples.push(server.stats!.rowsSent - baseline), 700);
    });
    const plan = await session.describe();
    await session.streamRows(plan, sink, { limit: total + 1, warnings: noWarnings, signal: new AbortController().signal });
    expect(sink.rows).toBe(total);
    expect(sink.last).toEqual([String(total), `${total}.00`, 'x'.repeat(PAD_CHARS)]);
  } finally {
    await session.close();
  }
  // While the sink held, the server was blocked on the socket: no more rows left it, far fewer than all were sent.
  expect(samples[0]).toBe(samples[1]);
  expect(samples[0]!).toBeLessThan(total / 2);
  expect(server.stats!.maxQueuedBytes).toBeLessThan(1024 * 1024);
  return process.memoryUsage().heapUsed - heapBefore;
}

export function streamingSuite(factory: SqlServerFactory): void {
  describe(`sqlserver provider: streaming (${factory.name})`, () => {
    let server: SqlServerUnderTest;

    beforeAll(async () => {
      server = await factory.start();
      await server.loadFixture(`
        CREATE TABLE dbo.texts (id int, v varchar(20), n nvarchar(20));
        INSERT INTO dbo.texts VALUES (1, 'café €', N'café €'), (2, 'cafÃ© â‚¬', N'x');`);
    });
    afterAll(async () => { await server?.stop(); });

    it('cancel mid-stream: sends ATTENTION and rejects with CANCELLED quickly', async () => {
      const session = await open(server, { source: { kind: 'query', sql: seriesQuery(1_000_000) } });
      const controller = new AbortController();
      const attentions = server.stats?.attentions ?? 0;
      let abortedAt = 0;
      try {
        const plan = await session.describe();
        const sink: RowSink = {
          full: false,
          write: (row) => { if (row[0] === '5000') { abortedAt = Date.now(); controller.abort(); } return true; },
          drained: () => Promise.resolve(),
        };
        const err = await session.streamRows(plan, sink, { limit: 2_000_000, warnings: noWarnings, signal: controller.signal }).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(ConnectorError);
        expect((err as ConnectorError).errorName).toBe('CANCELLED');
        expect(Date.now() - abortedAt).toBeLessThan(2_000);
        // The connection is still usable after the attention acknowledgement.
        expect((await session.listTables(10)).map((t) => t.name)).toContain('texts');
      } finally {
        await session.close();
      }
      if (server.stats) {
        expect(server.stats.attentions).toBe(attentions + 1);
        expect(server.stats.rowsSent).toBeLessThan(1_000_000);
      }
    });

    it('backpressure: 100k rows through a slow sink, the server never buffers ahead', async () => {
      if (!server.stats) return;
      await expectBackpressure(server, 100_000);
    });

    it.runIf(process.env.CDB_LONG_TESTS)('backpressure: 1M rows with flat memory', async () => {
      if (!server.stats) return;
      const heapGrowth = await expectBackpressure(server, 1_000_000);
      expect(heapGrowth).toBeLessThan(64 * 1024 * 1024);
    }, 300_000);

    it('stops at the row limit and resolves', async () => {
      const session = await open(server, { source: { kind: 'query', sql: seriesQuery(100_000) } });
      try {
        const got = await collectRows(session, { limit: 10 });
        expect(got.rows.map((r) => r[0])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
      } finally {
        await session.close();
      }
    });

    it('statement timeout covers the whole streamed SELECT → SOURCE_UNREACHABLE', async () => {
      const session = await open(server, { source: { kind: 'query', sql: seriesQuery(50_000_000) } }, 400);
      try {
        const err = await collectRows(session).then(() => undefined, (e: unknown) => e);
        expect([(err as ConnectorError).errorName, (err as ConnectorError).message]).toEqual(['SOURCE_UNREACHABLE', expect.stringContaining('statement timeout')]);
      } finally {
        await session.close();
      }
    });

    it('CP1252 VARCHAR: decoded by its collation by default, by `encoding` when given', async () => {
      const plain = await (async () => { const s = await open(server, { source: { kind: 'table', table: 'texts' } }); try { return await collectRows(s); } finally { await s.close(); } })();
      expect(plain.rows).toEqual([['1', 'café €', 'café €'], ['2', 'cafÃ© â‚¬', 'x']]);
      const asWin1252 = await (async () => { const s = await open(server, { source: { kind: 'table', table: 'texts' }, encoding: 'WIN1252' }); try { return await collectRows(s); } finally { await s.close(); } })();
      expect(asWin1252.rows).toEqual(plain.rows);
      const asUtf8 = await (async () => { const s = await open(server, { source: { kind: 'query', sql: 'SELECT id, v FROM dbo.texts WHERE id = 2' }, encoding: 'UTF8' }); try { return await collectRows(s); } finally { await s.close(); } })();
      expect(asUtf8.rows).toEqual([['2', 'café €']]);
      const s = await open(server, { source: { kind: 'table', table: 'texts' }, encoding: 'UTF8' });
      try {
        const err = await collectRows(s).then(() => undefined, (e: unknown) => e);
        expect([(err as ConnectorError).errorName, (err as ConnectorError).message]).toEqual(['ENCODING_ERROR', expect.stringContaining('Column "v", row 1')]);
      } finally {
        await s.close();
      }
    });
  });
}
