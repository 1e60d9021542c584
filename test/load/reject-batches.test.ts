/**
 * RejectingCopy (src/load/reject-batches.ts) against a real PostgreSQL, in both COPY formats,
 * with batches of a few rows and data re-chunked at random (down to 1 byte): every good row is
 * stored exactly once and in order, every bad row is rejected once with its position in the
 * read, column, SQLSTATE and value; the identity columns count as if the bad rows were never
 * read (a CARTO-like id 1..n, the row-number column the read position); an error that names no
 * line is bisected; a job error stops the load; max_rejects throws 1512.
 */
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinaryRowFraming } from '../../src/load/binary-copy-rows.js';
import { textRowFraming, type RowFraming } from '../../src/load/copy-rows.js';
import { drained } from '../../src/load/drained.js';
import { RejectingCopy } from '../../src/load/reject-batches.js';
import { RejectLog, remoteValueText, type RejectedRow } from '../../src/load/reject-log.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;

function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COLUMNS = [{ name: 'id', type: 'integer' }, { name: 'day', type: 'date' }, { name: 'label', type: 'character varying(5)' }];
const ROWS = 300;

/** Row i (1-based) as COPY text; every 23rd id is not a number, every 31st day impossible, every 37th label too long, every 41st invalid UTF-8. */
function textRow(i: number): Buffer {
  const id = i % 23 === 0 ? `x${i}` : String(i);
  const day = i % 31 === 0 ? '2024-02-30' : `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`;
  const label = i % 37 === 0 ? 'far too long' : i % 41 === 0 ? Buffer.from([0x61, 0xed, 0xa0, 0x80]) : i % 5 === 0 ? '\\N' : `l\\t${i % 100}`;
  return Buffer.concat([Buffer.from(`${id}\t${day}\t`), Buffer.isBuffer(label) ? label : Buffer.from(label), Buffer.from('\n')]);
}

const isBad = (i: number) => i % 23 === 0 || i % 31 === 0 || i % 37 === 0 || i % 41 === 0;

function chunked(data: Buffer, nextSize: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos < data.length;) {
    const size = Math.max(1, Math.min(nextSize(), data.length - pos));
    out.push(data.subarray(pos, pos + size));
    pos += size;
  }
  return out;
}

interface Loaded { stored: number; rejects: RejectedRow[]; error?: Error }

/** COPYs `chunks` into `table` (created from `ddl`, or an existing one) through a RejectingCopy, in one transaction. */
async function load(table: string, ddl: string | undefined, chunks: Buffer[], framing: RowFraming, opts: { format?: 'binary'; maxRejects?: number; batchBytes?: number } = {}): Promise<Loaded> {
  const client = new pg.Client(db.url);
  await client.connect();
  const rejects: RejectedRow[] = [];
  const log = new RejectLog({ maxRejects: opts.maxRejects ?? 1000 }, { write: async (rows) => { rejects.push(...rows); } }, { importId: 'test', sync: false });
  try {
    await client.query('begin');
    if (ddl) await client.query(`create table ${table} (${ddl})`);
    const copy = new RejectingCopy(client, {
      table, copySql: `copy ${table} (id, day, label) from stdin with (format ${opts.format ?? 'text'})`, columns: COLUMNS, framing, rejects: log,
      rowNumberColumn: 'cdb$row', batchBytes: opts.batchBytes ?? 200,
    });
    const ended = new Promise<void>((resolve, reject) => { copy.on('finish', resolve); copy.on('error', reject); });
    try {
      for (const chunk of chunks) if (!copy.write(chunk)) await drained(copy);
      copy.end();
      await ended;
      await log.flush();
    } catch (error) {
      await client.query('rollback');
      return { stored: copy.stored, rejects, error: error as Error };
    }
    await client.query('commit');
    return { stored: copy.stored, rejects };
  } finally {
    await client.end();
  }
}

async function rowsOf(table: string): Promise<Array<{ n: number; id: number; row: number; label: string | null }>> {
  return (await db.query(`select n::int, id, "cdb$row"::int as row, label from ${table} order by n`)).rows;
}

beforeAll(async () => {
  db = await createTargetDb();
});
afterAll(async () => {
  await db?.drop();
});

describe('RejectingCopy, text format', () => {
  const data = Buffer.concat(Array.from({ length: ROWS }, (_, k) => textRow(k + 1)));
  const good = Array.from({ length: ROWS }, (_, k) => k + 1).filter((i) => !isBad(i));

  for (const [name, seed, max] of [['random chunks up to 2 kB', 1, 2048], ['1-byte chunks', 2, 1]] as const) {
    it(`stores every good row once, in order, and rejects each bad one (${name})`, async () => {
      const random = prng(seed);
      const table = `t_text_${seed}`;
      const { stored, rejects, error } = await load(table, 'n bigint generated by default as identity, id int, day date, label varchar(5)',
        chunked(data, () => 1 + Math.floor(random() * max)), textRowFraming);
      expect(error).toBeUndefined();
      expect(stored).toBe(good.length);
      const rows = await rowsOf(table);
      expect(rows.map((r) => r.id)).toEqual(good);
      expect(rows.map((r) => r.row)).toEqual(good);
      expect(rows.map((r) => r.n)).toEqual(good.map((_, k) => k + 1));
      expect(rows.find((r) => r.id === 2)!.label).toBe('l\t2');
      expect(rows.find((r) => r.id === 5)!.label).toBeNull();
      expect(rejects.map((r) => r.rowNumber)).toEqual(Array.from({ length: ROWS }, (_, k) => k + 1).filter(isBad));
      expect(rejects.find((r) => r.rowNumber === 23)).toEqual({ rowNumber: 23, column: 'id', errorCode: '22P02', message: 'invalid input syntax for type integer: "x23"', remoteValue: 'x23' });
      expect(rejects.find((r) => r.rowNumber === 31)).toMatchObject({ column: 'day', errorCode: '22008', remoteValue: '2024-02-30' });
      expect(rejects.find((r) => r.rowNumber === 37)).toMatchObject({ column: 'label', errorCode: '22001', remoteValue: 'far too long' });
      expect(rejects.find((r) => r.rowNumber === 41)).toMatchObject({ column: 'label', errorCode: '22021', remoteValue: '\\x61eda080' });
    });
  }

  it('bisects an error that names no line (an AFTER STATEMENT trigger)', async () => {
    const table = 't_text_statement';
    await db.query(`create function refuse_77() returns trigger language plpgsql as $$
      begin if exists (select from new_rows where id = 77) then raise exception 'no 77 here'; end if; return null; end $$`);
    const client = new pg.Client(db.url);
    await client.connect();
    await client.query(`create table ${table} (n bigint generated by default as identity, id int, day date, label varchar(5))`);
    await client.query(`create trigger refuse after insert on ${table} referencing new table as new_rows for each statement execute function refuse_77()`);
    await client.end();
    const clean = Buffer.concat(Array.from({ length: 100 }, (_, k) => Buffer.from(`${k + 1}\t2024-01-01\tok\n`)));
    const result = await load(table, undefined, chunked(clean, () => 97), textRowFraming, { batchBytes: 10_000 });
    expect(result.error).toBeUndefined();
    expect(result.rejects).toEqual([{ rowNumber: 77, column: null, errorCode: 'P0001', message: 'no 77 here', remoteValue: null }]);
    expect((await rowsOf(table)).map((r) => r.id)).toEqual(Array.from({ length: 100 }, (_, k) => k + 1).filter((i) => i !== 77));
  });

  it('throws 1512 past max_rejects, after handing over the rejects it found', async () => {
    const { error, rejects } = await load('t_text_limit', 'id int, day date, label varchar(5)', [data], textRowFraming, { maxRejects: 3 });
    expect(error).toMatchObject({ errorName: 'REJECT_LIMIT_EXCEEDED', code: 1512 });
    expect(error!.message).toMatch(/^4 rows were rejected, more than max_rejects \(3\); the first: row 23, column id: invalid input syntax for type integer: "x23" \(SQLSTATE 22P02\)\. Nothing was imported/);
    expect(rejects.map((r) => r.rowNumber)).toEqual([23, 31, 37, 41]);
  });

  it('stops at a job error (a privilege) instead of rejecting', async () => {
    await db.query('create table t_text_denied (id int, day date, label varchar(5)); create role reject_nobody; grant reject_nobody to current_user');
    const client = new pg.Client(db.url);
    await client.connect();
    try {
      await client.query('begin');
      await client.query('set local role reject_nobody');
      const log = new RejectLog({ maxRejects: 10 }, { write: async () => undefined }, { importId: 'x', sync: false });
      const copy = new RejectingCopy(client, { table: 't_text_denied', copySql: 'copy t_text_denied (id, day, label) from stdin', columns: COLUMNS, framing: textRowFraming, rejects: log });
      const ended = new Promise<void>((resolve, reject) => { copy.on('finish', resolve); copy.on('error', reject); });
      copy.end(data);
      await expect(ended).rejects.toMatchObject({ code: '42501' });
      expect(log.count).toBe(0);
    } finally {
      await client.end();
    }
  });
});

describe('RejectingCopy, binary format', () => {
  let data: Buffer;
  beforeAll(async () => {
    // label as bytea: its binary form is the raw bytes, so a text column reads them as text
    await db.query(`create table b_src as select g as id, (date '2024-01-01' + g % 28) as day,
        case when g % 41 = 0 then '\\x61eda080'::bytea when g % 37 = 0 then convert_to('far too long', 'UTF8')
             when g % 5 = 0 then null else convert_to('l' || g % 100, 'UTF8') end as label
      from generate_series(1, ${ROWS}) g`);
    const client = new pg.Client(db.url);
    await client.connect();
    const parts: Buffer[] = [];
    for await (const chunk of client.query(copyTo('copy (select * from b_src order by id) to stdout (format binary)'))) parts.push(chunk as Buffer);
    await client.end();
    data = Buffer.concat(parts);
  });
  const bad = (i: number) => i % 37 === 0 || i % 41 === 0;

  for (const [name, seed, max] of [['random chunks up to 3 kB', 3, 3000], ['1-byte chunks', 4, 1]] as const) {
    it(`splits tuples, keeps the header for every batch, rejects the refused ones (${name})`, async () => {
      const random = prng(seed);
      const table = `t_bin_${seed}`;
      const { stored, rejects, error } = await load(table, 'n bigint generated by default as identity, id int, day date, label varchar(5)',
        chunked(data, () => 1 + Math.floor(random() * max)), new BinaryRowFraming(), { format: 'binary' });
      expect(error).toBeUndefined();
      const good = Array.from({ length: ROWS }, (_, k) => k + 1).filter((i) => !bad(i));
      expect(stored).toBe(good.length);
      const rows = await rowsOf(table);
      expect(rows.map((r) => r.id)).toEqual(good);
      expect(rows.map((r) => r.n)).toEqual(good.map((_, k) => k + 1));
      expect(rejects.map((r) => [r.rowNumber, r.column, r.errorCode])).toEqual(
        Array.from({ length: ROWS }, (_, k) => k + 1).filter(bad).map((i) => [i, 'label', i % 41 === 0 ? '22021' : '22001']));
      expect(rejects.find((r) => r.rowNumber === 41)!.remoteValue).toBe('\\x61eda080');
      expect(rejects.find((r) => r.rowNumber === 37)!.remoteValue).toBe('far too long');
    });
  }
});

describe('remote_value', () => {
  it('keeps valid UTF-8 as text, shows other bytes as hex, cuts long values at 1000 characters', () => {
    expect(remoteValueText(Buffer.from('añ🎉'))).toBe('añ🎉');
    expect(remoteValueText(Buffer.from([0xff, 0x41]))).toBe('\\xff41');
    expect(remoteValueText(Buffer.from('🎉'.repeat(1200)))).toBe(`${'🎉'.repeat(1000)}…`);
    expect(remoteValueText(Buffer.from('a'.repeat(1000)))).toBe('a'.repeat(1000));
    expect(remoteValueText(Buffer.alloc(600, 0xff))).toBe(`\\x${'ff'.repeat(499)}…`);
  });
});

