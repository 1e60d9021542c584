/**
 * MySQL rows encoded as binary COPY (issue 21 item 1, load/binary-copy-encoder.ts): an edge-value
 * corpus of every type with a binary writer, imported through binary COPY (CONNECTOR_BINARY_ROWS=on)
 * and through text COPY (the default); the two tables must hold the same values bit for
 * bit (doubles compared by float8send, numerics by their text with the scale, the rest by
 * text), and the NUL bytes dropped from text are counted the same. Types without a binary writer,
 * user casts and rejects keep the text COPY.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { importAndWait, startSidecar, type ImportStatus, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
let my: MysqlDb;
let sidecar: TestSidecar;

const COLUMNS = ['id', 'ti', 'si', 'yr', 'mi', 'i', 'iu', 'bi', 'bu', 'd0', 'd2', 'd5', 'dbig', 'fl', 'dt', 'ts', 'tm', 'vc', 'tx'];

beforeAll(async () => {
  [db, my] = await Promise.all([createTargetDb(), createMysqlDb()]);
  sidecar = await startSidecar(db);
  await my.exec(`set session sql_mode = 'ALLOW_INVALID_DATES';
    create table corpus (id int primary key, ti tinyint, si smallint, yr year, mi mediumint unsigned, i int, iu int unsigned,
      bi bigint, bu bigint unsigned, d0 decimal(10,0), d2 decimal(12,2), d5 decimal(5,5), dbig decimal(65,30), fl double,
      dt date, ts datetime(6), tm time(3), vc varchar(20), tx text);
    insert into corpus values
      (1, -128, -32768, 1901, 0, -2147483648, 0, -9223372036854775808, 0, 0, -99999.99, 0.00001, -12345678901234567890123456789012345.123456789012345678901234567890,
        1.7976931348623157e308, '1000-01-01', '1000-01-01 00:00:00.000000', '00:00:00', '', 'a\\tb\\nc\\\\d'),
      (2, 127, 32767, 2155, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615, 9999999999, 1234567890.12, 0.99999,
        99999999999999999999999999999999999.999999999999999999999999999999, 2.2250738585072014e-308, '9999-12-31', '9999-12-31 23:59:59.999999', '23:59:59.999', 'ünïcödé ✓ 家具', repeat('long ', 2000)),
      (3, 0, 0, 0, 1, 0, 1, 123456789012345, 1234567890123456, -1, 0.00, 0.00000, 0.000000000000000000000000000001,
        5e-324, '2000-02-29', '2000-01-01 00:00:00.5', '12:34:56.789', concat('n', char(0), 'ul'), concat(char(0), 'x', char(0))),
      (4, 1, 1, 2024, 2, 1, 2, 1234567890123456, 12345678901234567890, 10000, 0.01, 0.10000, 10000.000100000000000000000000000001,
        -0e0, '1970-01-01', '2038-01-19 03:14:07.123000', '838:59:59', 'x', 'y'),
      (5, null, null, null, null, null, null, null, null, null, null, null, null, null, '2024-02-30', '0000-00-00 00:00:00', '-01:00:00', null, null),
      (6, 5, 5, 2000, 5, 5, 5, 5, 5, 5, 5, 0.5, 5, 0.1, '0001-01-01', '0001-01-01 00:00:00', '00:00:00.001', 'tab\\there', '\\\\N'),
      (7, 7, 7, 2001, 7, 7, 7, -1, 7, 7, -0.01, 0.01, -0.5, 123456789012345680000, '2024-12-31', '2024-12-31 23:59:59', '24:00:00', 'z', 'last'),
      (8, 8, 8, 2002, 8, 8, 8, 8, 8, 8, 8, 0, 8, 0.3333333333333333, '1582-10-10', '1900-03-01 12:00:00.000001', '01:02:03', 'é', 'é');`);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), my?.drop()]);
});

async function importCorpus(as: string, binary: boolean, extra: Record<string, unknown> = {}): Promise<{ status: ImportStatus; log: string }> {
  const before = process.env.CONNECTOR_BINARY_ROWS;
  process.env.CONNECTOR_BINARY_ROWS = binary ? 'on' : 'off';
  try {
    const status = await importAndWait(db, { connector: { provider: 'mysql', connection: my.connection(), table: 'corpus', import_as: as, ...extra } });
    expect(status.state, status.error_message ?? '').toBe('complete');
    const { rows } = await db.query('select string_agg(message, E\'\\n\' order by ts) as log from cdb_connectors.import_log where job_id = $1', [status.id]);
    return { status, log: rows[0].log as string };
  } finally {
    if (before === undefined) delete process.env.CONNECTOR_BINARY_ROWS;
    else process.env.CONNECTOR_BINARY_ROWS = before;
  }
}

/** Every value as text, doubles as their 8 bytes, numerics with their scale: one text per row. */
async function values(table: string): Promise<string[]> {
  const exprs = COLUMNS.map((c) => (c === 'fl' ? `encode(float8send(${c}), 'hex')` : `${c}::text`));
  const { rows } = await db.query(`select concat_ws('|', ${exprs.map((e) => `coalesce(${e}, '∅')`).join(', ')}) as v from public.${table} order by id`);
  return rows.map((r) => r.v as string);
}

describe('binary COPY of MySQL rows', () => {
  let binary: { status: ImportStatus; log: string };
  let text: { status: ImportStatus; log: string };

  beforeAll(async () => {
    binary = await importCorpus('corpus_binary', true);
    text = await importCorpus('corpus_text', false);
  });

  it('takes the binary COPY for these types when switched on, the text COPY by default', () => {
    expect(binary.log).toContain('(binary-rows COPY)');
    expect(text.log).toContain('(text COPY)');
  });

  it('stores the same values bit for bit as the text COPY', async () => {
    const b = await values('corpus_binary');
    expect(b).toHaveLength(8);
    expect(b).toEqual(await values('corpus_text'));
  });

  it('keeps the exact edges: 64-bit integers, unsigned bigint, 65-digit decimals, denormal and negative-zero doubles, dates and times', async () => {
    const { rows } = await db.query(`select bi::text, bu::text, dbig::text, encode(float8send(fl), 'hex') as fl, dt::text, ts::text, tm::text, d5::text
      from public.corpus_binary where id in (1, 2, 3, 4) order by id`);
    expect(rows[0]).toMatchObject({ bi: '-9223372036854775808', dbig: '-12345678901234567890123456789012345.123456789012345678901234567890', dt: '1000-01-01', ts: '1000-01-01 00:00:00', d5: '0.00001' });
    expect(rows[1]).toMatchObject({ bi: '9223372036854775807', bu: '18446744073709551615', fl: '0010000000000000', ts: '9999-12-31 23:59:59.999999', tm: '23:59:59.999' });
    expect(rows[2]).toMatchObject({ fl: '0000000000000001', dbig: '0.000000000000000000000000000001', dt: '2000-02-29', ts: '2000-01-01 00:00:00.5' });
    // MariaDB stores -0e0 as 0: both COPYs get +0 (the equality above covers it)
    expect(rows[3]).toMatchObject({ fl: '0000000000000000', bu: '12345678901234567890' });
  });

  it('drops and counts NUL bytes, and turns impossible dates and out-of-range times into NULL with the same warnings', () => {
    const codes = (s: ImportStatus) => s.warnings.map((w) => `${w.code}: ${w.message}`).sort();
    expect(codes(binary.status)).toEqual(codes(text.status));
    expect(binary.status.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['nul_bytes_removed', 'time_out_of_range']));
  });

  it('keeps the text COPY with a user cast and with rejects', async () => {
    expect((await importCorpus('corpus_cast', true, { casts: [{ column: 'vc', to: 'text' }] })).log).toContain('(text COPY)');
    expect((await importCorpus('corpus_rejects', true, { on_error: 'reject' })).log).toContain('(text COPY)');
  });
});
