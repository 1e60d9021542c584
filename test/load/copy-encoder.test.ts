/**
 * The COPY text encoder against a real PostgreSQL: what goes in must come out byte for byte.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { from as copyFrom } from 'pg-copy-streams';
import { CopyTextEncoder } from '../../src/load/copy-encoder.js';
import type { CopyValue } from '../../src/rows/sink.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
beforeAll(async () => { db = await createTargetDb(); });
afterAll(async () => { await db?.drop(); });

async function roundTrip(rows: CopyValue[][], maxRows = 1_000_000): Promise<{ stored: Array<Array<string | null>>; encoder: CopyTextEncoder }> {
  const client = await db.pool.connect();
  try {
    await client.query('drop table if exists rt; create table rt (i int, a text, b bytea)');
    const stream = client.query(copyFrom('copy rt (i, a, b) from stdin'));
    const encoder = new CopyTextEncoder(stream, { maxRows, columnCount: 3 });
    for (const row of rows) {
      if (encoder.full) break;
      if (!encoder.write(row)) await encoder.drained();
    }
    encoder.flush();
    await new Promise<void>((resolve, reject) => { stream.once('finish', resolve); stream.once('error', reject); stream.end(); });
    const { rows: out } = await client.query<{ a: string | null; b: string | null }>("select a, encode(b, 'hex') as b from rt order by i");
    return { stored: out.map((r) => [r.a, r.b]), encoder };
  } finally {
    client.release();
  }
}

describe('CopyTextEncoder', () => {
  const tricky = ['', 'plain', 'tab\there', 'new\nline', 'cr\rlf\r\n', 'back\\slash', '\\N', '\\.', 'quote "\' `', 'emoji 😀 ü 中文', '\\x41'];

  it('round-trips tricky text given as strings and as UTF-8 buffers', async () => {
    const rows: CopyValue[][] = [];
    tricky.forEach((t, i) => rows.push([String(i * 2), t, null], [String(i * 2 + 1), Buffer.from(t, 'utf8'), null]));
    const { stored } = await roundTrip(rows);
    expect(stored.map((r) => r[0])).toEqual(tricky.flatMap((t) => [t, t]));
  });

  it('keeps NULL and empty string apart', async () => {
    const { stored } = await roundTrip([['1', null, null], ['2', '', null], ['3', Buffer.alloc(0), null]]);
    expect(stored).toEqual([[null, null], ['', null], ['', null]]);
  });

  it('drops NUL bytes and counts them per column', async () => {
    const { stored, encoder } = await roundTrip([['1', 'a\0b', null], ['2', Buffer.from([0x63, 0, 0, 0x64]), null]]);
    expect(stored.map((r) => r[0])).toEqual(['ab', 'cd']);
    expect(encoder.nulBytesRemoved).toEqual([0, 3, 0]);
  });

  it('writes bytea hex text through the escaper', async () => {
    const { stored } = await roundTrip([['1', null, '\\x00ff5c0a'], ['2', null, Buffer.from('\\x0d09', 'utf8')]]);
    expect(stored.map((r) => r[1])).toEqual(['00ff5c0a', '0d09']);
  });

  it('handles values bigger than a chunk', async () => {
    const big = 'x\t'.repeat(300_000);
    const { stored } = await roundTrip([['1', big, null], ['2', Buffer.from(big), null]]);
    expect(stored[0]![0]).toBe(big);
    expect(stored[1]![0]).toBe(big);
  });

  it('stops at maxRows and marks the probe row as truncation', async () => {
    const rows: CopyValue[][] = Array.from({ length: 10 }, (_, i) => [String(i), 'r', null]);
    const exact = await roundTrip(rows.slice(0, 5), 5);
    expect(exact.stored).toHaveLength(5);
    expect(exact.encoder.truncated).toBe(false);
    const cut = await roundTrip(rows, 5);
    expect(cut.stored).toHaveLength(5);
    expect(cut.encoder.truncated).toBe(true);
  });

  it('signals backpressure and resumes on drain', async () => {
    const slow = new PassThrough({ highWaterMark: 1024 });
    const encoder = new CopyTextEncoder(slow, { maxRows: 1e9, columnCount: 1 });
    let paused = 0;
    const received: Buffer[] = [];
    const consumer = (async () => { for await (const chunk of slow) { received.push(chunk as Buffer); await new Promise((r) => setTimeout(r, 1)); } })();
    for (let i = 0; i < 50_000; i++) {
      if (!encoder.write([`row ${i} ${'y'.repeat(20)}`])) { paused++; await encoder.drained(); }
    }
    encoder.flush();
    slow.end();
    await consumer;
    expect(paused).toBeGreaterThan(0);
    const text = Buffer.concat(received).toString('utf8');
    expect(text.split('\n').length - 1).toBe(50_000);
  });
});
