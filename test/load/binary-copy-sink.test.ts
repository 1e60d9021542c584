/**
 * BinaryCopyForwarder against a real PostgreSQL: `COPY src TO STDOUT (FORMAT binary)` bytes,
 * re-chunked at random (down to 1 byte), forwarded into `COPY dst FROM STDIN (FORMAT binary)`;
 * the stored rows must be identical, and the row limit exact.
 */
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinaryCopyForwarder } from '../../src/load/binary-copy-sink.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

const ROWS = 2_000;
const COLUMNS = 'id int, label text, payload bytea, amount numeric(20,6), at timestamptz, flag boolean, empty text';

let db: TargetDb;
let source: Buffer;

/** Mulberry32: a seeded PRNG so a failing chunking can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(db.url);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function readBinaryCopy(sql: string): Promise<Buffer> {
  return withClient(async (client) => {
    const parts: Buffer[] = [];
    const stream = client.query(copyTo(sql));
    for await (const chunk of stream) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  });
}

/** Feeds `data` in chunks of the sizes `nextSize` returns, honouring backpressure; returns the forwarder. */
async function forward(table: string, data: Buffer, maxRows: number, nextSize: () => number): Promise<{ forwarder: BinaryCopyForwarder; stored: number }> {
  return withClient(async (client) => {
    await client.query(`create table ${table} (${COLUMNS})`);
    const out = client.query(copyFrom(`copy ${table} from stdin (format binary)`));
    const done = new Promise<void>((resolve, reject) => { out.on('finish', resolve); out.on('error', reject); });
    const forwarder = new BinaryCopyForwarder(out, { maxRows });
    for (let pos = 0; pos < data.length && !forwarder.full;) {
      const size = Math.max(1, Math.min(nextSize(), data.length - pos));
      if (!forwarder.write(data.subarray(pos, pos + size))) await forwarder.drained();
      pos += size;
    }
    forwarder.finish();
    out.end();
    await done;
    return { forwarder, stored: Number(out.rowCount) };
  });
}

async function digest(table: string, limit?: number): Promise<string> {
  const { rows } = await db.query(`select md5(string_agg(t::text, '|' order by id)) as d, count(*)::int as n
    from (select * from ${table} order by id ${limit === undefined ? '' : `limit ${limit}`}) t`);
  return `${rows[0].n}:${rows[0].d}`;
}

beforeAll(async () => {
  db = await createTargetDb();
  await db.query(`create table src (${COLUMNS})`);
  // Every 97th label is 100 kB, so fields span many chunks; NULLs and empty values throughout.
  await db.query(`insert into src select g,
      case when g % 97 = 0 then repeat('long ', 20000) when g % 10 = 0 then null else 'label ' || g || E'\\t🎉' end,
      case when g % 7 = 0 then null else decode(lpad(to_hex(g), 8, '0') || '00ff00', 'hex') end,
      g * 1.000001, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second', g % 2 = 0, ''
    from generate_series(1, ${ROWS}) g`);
  source = await readBinaryCopy('copy (select * from src order by id) to stdout (format binary)');
});
afterAll(async () => {
  await db?.drop();
});

describe('BinaryCopyForwarder', () => {
  it('forwards random chunkings (1 to 70 000 bytes) unchanged: identical rows', async () => {
    const random = prng(42);
    const { forwarder, stored } = await forward('dst_random', source, ROWS + 10, () => 1 + Math.floor(random() ** 3 * 70_000));
    expect([forwarder.rows, forwarder.truncated, forwarder.complete, stored]).toEqual([ROWS, false, true, ROWS]);
    expect(forwarder.bytes).toBe(source.length);
    expect(await digest('dst_random')).toBe(await digest('src'));
  });

  it('forwards 1-byte chunks through the header and the first rows', async () => {
    const head = 4_096;
    let fed = 0;
    const { forwarder } = await forward('dst_bytes', source, ROWS, () => (fed++ < head ? 1 : 65_536));
    expect(forwarder.rows).toBe(ROWS);
    expect(await digest('dst_bytes')).toBe(await digest('src'));
  });

  for (const maxRows of [0, 1, 96, 97, ROWS - 1, ROWS]) {
    it(`cuts exactly at maxRows = ${maxRows} and ends the target COPY with a trailer`, async () => {
      const random = prng(maxRows + 7);
      const { forwarder, stored } = await forward(`dst_max_${maxRows}`, source, maxRows, () => 1 + Math.floor(random() * 3_000));
      expect([forwarder.rows, forwarder.truncated, stored]).toEqual([maxRows, maxRows < ROWS, maxRows]);
      expect(await digest(`dst_max_${maxRows}`)).toBe(await digest('src', maxRows));
    });
  }

  it('skips a header extension', async () => {
    const signatureAndFlags = 15;
    const extension = Buffer.from([0, 0, 0, 5, 1, 2, 3, 4, 5]);
    const withExtension = Buffer.concat([source.subarray(0, signatureAndFlags), extension, source.subarray(signatureAndFlags + 4)]);
    let fed = 0;
    const { forwarder } = await forward('dst_ext', withExtension, ROWS, () => (fed++ < 500 ? 3 : 65_536));
    expect(forwarder.rows).toBe(ROWS);
    expect(await digest('dst_ext')).toBe(await digest('src'));
  });

  it('rejects data that is not binary COPY, and a stream that ends without its trailer', async () => {
    const sink = new BinaryCopyForwarder(new (await import('node:stream')).PassThrough(), { maxRows: 10 });
    expect(() => sink.write(Buffer.from('id\tlabel\n1\tx\n2\ty\n3\tz\n4\tw\n'))).toThrow(/signature/);
    const cut = new BinaryCopyForwarder(new (await import('node:stream')).PassThrough(), { maxRows: ROWS });
    cut.write(source.subarray(0, source.length - 2));
    expect(cut.rows).toBe(ROWS);
    expect(() => cut.finish()).toThrow(/ended early/);
  });
});
