/**
 * Edge values, compared one by one twice: as the CopyValue text the provider emits, and as what
 * PostgreSQL stored after a COPY of those values into a table of the planned local types (proof
 * that every value is accepted and exact, not just plausible).
 */
import { from as copyFrom } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlProvider } from '../../../../src/providers/mysql/index.js';
import type { SourcePlan } from '../../../../src/rows/plan.js';
import { collectRows, type Collected } from '../../../helpers/collect-rows.js';
import { createTargetDb, type TargetDb } from '../../../helpers/target.js';
import { createTestDb, sessionOptions, type MysqlTestDb, type MysqlTestServer } from '../server.js';

const TABLE_SQL = `
create table edge (
  id int not null primary key,
  big bigint, ubig bigint unsigned, dec38 decimal(38,10), dbl double, flt float,
  dt6 datetime(6), ts timestamp(3) null default null, d date, tm time, tm3 time(3),
  txt text, vc varchar(20), ch char(5), y year, en enum('small','medium','large'), st set('a','b','c'),
  b1 bit(1), b5 bit(5), j json, bl blob, bin binary(3),
  ti tinyint, tiu tinyint unsigned, si smallint, siu smallint unsigned, mi mediumint, miu mediumint unsigned, i int, iu int unsigned
)`;

const TRICKY_TEXT = 'tab\there new\nline cr\r back\\slash quote\' dq" backtick` \\N';
const UNICODE_TEXT = '😀👍🏽 中文 ü Ελληνικά';
const JSON_TEXT = '{"k": [1, 2.5, "x\\ty"], "n": null, "u": "é😀"}';

// Zero and invalid dates are only storable without strict mode / with ALLOW_INVALID_DATES.
const ROWS_SQL = `
set session sql_mode = 'ALLOW_INVALID_DATES', session time_zone = '+00:00';
insert into edge values
 (1, 9223372036854775807, 18446744073709551615, 9999999999999999999999999999.9999999999, 1.7976931348623157e308, 16777217,
  '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999', '9999-12-31', '838:59:59', '23:59:59.999',
  ?, 'abcdefghijklmnopqrst', 'ab', 2155, 'large', 'a,c', b'1', b'10101', ?, x'00ff0000', x'000102',
  127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295),
 (2, -9223372036854775808, 0, -9999999999999999999999999999.9999999999, -2.2250738585072014e-308, 1e0/3,
  '1000-01-01 00:00:00.000001', '1970-01-01 00:00:01', '1000-01-01', '-00:00:01', '00:00:00.001',
  '', null, '', 1901, 'small', '', b'0', b'00000', 'null', '', x'ffffff',
  -128, 0, -32768, 0, -8388608, 0, -2147483648, 0),
 (3, null, null, null, 1e-1 + 2e-1, 0.1,
  '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00', '24:00:00', '-838:59:59',
  null, '', null, 0, null, null, null, null, null, null, null,
  null, null, null, null, null, null, null, null),
 (4, 0, 1, 0.0000000001, 0, -0,
  '2024-02-29 12:34:56.5', '2024-02-29 23:59:59.5', '2024-00-10', '23:59:59', '100:00:00',
  ?, 'a\\0b', null, null, 'medium', 'a,b,c', null, b'1', '[]', null, null,
  null, null, null, null, null, null, null, null),
 (5, null, null, null, null, null,
  '2024-01-00 10:00:00', null, '2024-02-30', null, null,
  null, null, null, null, null, null, null, null, null, null, null,
  null, null, null, null, null, null, null, null)`;

const COLUMNS = ['id', 'big', 'ubig', 'dec38', 'dbl', 'flt', 'dt6', 'ts', 'd', 'tm', 'tm3', 'txt', 'vc', 'ch', 'y', 'en', 'st',
  'b1', 'b5', 'j', 'bl', 'bin', 'ti', 'tiu', 'si', 'siu', 'mi', 'miu', 'i', 'iu'] as const;
type Col = typeof COLUMNS[number];

const LOCAL_TYPES: Record<Col, string> = {
  id: 'integer', big: 'bigint', ubig: 'numeric(20,0)', dec38: 'numeric(38,10)', dbl: 'double precision', flt: 'real',
  dt6: 'timestamp(6)', ts: 'timestamptz(3)', d: 'date', tm: 'time(0)', tm3: 'time(3)', txt: 'text', vc: 'varchar(20)', ch: 'varchar(5)',
  y: 'smallint', en: 'text', st: 'text', b1: 'boolean', b5: 'bit(5)', j: 'jsonb', bl: 'bytea', bin: 'bytea',
  ti: 'smallint', tiu: 'smallint', si: 'smallint', siu: 'integer', mi: 'integer', miu: 'integer', i: 'integer', iu: 'bigint',
};

/** Expected CopyValues per column, rows 1–5. */
const COPY_VALUES: Record<Col, Array<string | null>> = {
  id: ['1', '2', '3', '4', '5'],
  big: ['9223372036854775807', '-9223372036854775808', null, '0', null],
  ubig: ['18446744073709551615', '0', null, '1', null],
  dec38: ['9999999999999999999999999999.9999999999', '-9999999999999999999999999999.9999999999', null, '0.0000000001', null],
  dbl: ['1.7976931348623157e308', '-2.2250738585072014e-308', '0.30000000000000004', '0', null],
  // FLOAT is read as a double: the float32 value exactly (16777217 is not a float32).
  flt: ['16777216', '0.3333333432674408', '0.10000000149011612', '0', null],
  dt6: ['9999-12-31 23:59:59.999999', '1000-01-01 00:00:00.000001', null, '2024-02-29 12:34:56.500000', null],
  ts: ['2038-01-19 03:14:07.999+00', '1970-01-01 00:00:01.000+00', null, '2024-02-29 23:59:59.500+00', null],
  d: ['9999-12-31', '1000-01-01', null, null, null],
  tm: [null, null, '24:00:00', '23:59:59', null],
  tm3: ['23:59:59.999', '00:00:00.001', null, null, null],
  txt: [TRICKY_TEXT, '', null, UNICODE_TEXT, null],
  vc: ['abcdefghijklmnopqrst', null, '', 'a\0b', null],
  ch: ['ab', '', null, null, null],
  y: ['2155', '1901', '0000', null, null],
  en: ['large', 'small', null, 'medium', null],
  st: ['a,c', '', null, 'a,b,c', null],
  b1: ['t', 'f', null, null, null],
  b5: ['10101', '00000', null, '00001', null],
  j: [JSON_TEXT, 'null', null, '[]', null],
  bl: ['\\x00ff0000', '\\x', null, null, null],
  bin: ['\\x000102', '\\xffffff', null, null, null],
  ti: ['127', '-128', null, null, null],
  tiu: ['255', '0', null, null, null],
  si: ['32767', '-32768', null, null, null],
  siu: ['65535', '0', null, null, null],
  mi: ['8388607', '-8388608', null, null, null],
  miu: ['16777215', '0', null, null, null],
  i: ['2147483647', '-2147483648', null, null, null],
  iu: ['4294967295', '0', null, null, null],
};

/** What PostgreSQL prints (`::text`, TimeZone UTC) where it differs from the CopyValue. */
const PG_TEXT: Partial<Record<Col, Array<string | null>>> = {
  dbl: ['1.7976931348623157e+308', '-2.2250738585072014e-308', '0.30000000000000004', '0', null],
  flt: ['1.6777216e+07', '0.33333334', '0.1', '0', null],
  dt6: ['9999-12-31 23:59:59.999999', '1000-01-01 00:00:00.000001', null, '2024-02-29 12:34:56.5', null],
  ts: ['2038-01-19 03:14:07.999+00', '1970-01-01 00:00:01+00', null, '2024-02-29 23:59:59.5+00', null],
  // The test's own COPY escaping drops NUL like load/copy-encoder.ts does.
  vc: ['abcdefghijklmnopqrst', null, '', 'ab', null],
  y: ['2155', '1901', '0', null, null],
  b1: ['true', 'false', null, null, null],
  j: ['{"k": [1, 2.5, "x\\ty"], "n": null, "u": "é😀"}', 'null', null, '[]', null],
};

export function edgeValueSuite(server: () => MysqlTestServer): void {
  describe('MySQL edge values', () => {
    let db: MysqlTestDb;
    let target: TargetDb;
    let collected: Collected;

    beforeAll(async () => {
      db = await createTestDb(server());
      await db.exec(TABLE_SQL);
      await db.exec(ROWS_SQL, [TRICKY_TEXT, JSON_TEXT, UNICODE_TEXT]);
      target = await createTargetDb();
      const session = await mysqlProvider.connect(db.request({ source: { kind: 'table', table: 'edge' } }), sessionOptions());
      try {
        collected = await collectRows(session, { pauseEvery: 2 });
      } finally {
        await session.close();
      }
    });
    afterAll(async () => {
      await db?.drop();
      await target?.drop();
    });

    it('plans every column with the SPEC §8 local type and finds the integer primary key', () => {
      const plan = collected.plan;
      expect(Object.fromEntries(plan.columns.map((c) => [c.remoteName, c.localType]))).toEqual(LOCAL_TYPES);
      expect(plan.columns.map((c) => c.remoteName)).toEqual([...COLUMNS]);
      expect(plan.skipped).toEqual([]);
      expect(plan.primaryKey).toBe('id');
      expect(plan.columns.find((c) => c.remoteName === 'ubig')!.remoteType).toMatch(/^bigint(\(20\))? unsigned$/);
      expect(plan.columns.find((c) => c.remoteName === 'en')!.remoteType).toBe("enum('small','medium','large')");
    });

    it('emits every value exactly, column by column', () => {
      expect(collected.rows).toHaveLength(5);
      for (const [k, column] of COLUMNS.entries()) {
        const got = collected.rows.map((r) => r[k]);
        if (column === 'j' && server().flavour === 'mysql') {
          // MySQL 8 re-serialises JSON: compare as JSON.
          expect(got.map((v) => (v === null ? null : JSON.parse(v)))).toEqual(COPY_VALUES.j.map((v) => (v === null ? null : JSON.parse(v))));
        } else {
          expect({ column, values: got }).toEqual({ column, values: COPY_VALUES[column] });
        }
      }
    });

    it('counts zero dates, impossible dates and out-of-range TIME values per column', () => {
      expect(Object.fromEntries(collected.warnings)).toEqual({
        'time_out_of_range:tm': 2, 'time_out_of_range:tm3': 2,
        'zero_dates:dt6': 2, 'zero_dates:ts': 1, 'zero_dates:d': 2,
        'invalid_values:d': 1,
      });
    });

    it('PostgreSQL accepts every value into the planned types and stores it exactly', async () => {
      const stored = await copyIntoPostgres(target, collected.plan, collected.rows);
      for (const [k, column] of COLUMNS.entries()) {
        expect({ column, values: stored.map((r) => r[k]) }).toEqual({ column, values: PG_TEXT[column] ?? COPY_VALUES[column] });
      }
    });

    it('describes the same table through sql_query with the same local types', async () => {
      const session = await mysqlProvider.connect(db.request({ source: { kind: 'query', sql: 'select * from edge order by id;' } }), sessionOptions());
      try {
        const viaQuery = await collectRows(session);
        expect(viaQuery.plan.columns.map((c) => [c.remoteName, c.localType])).toEqual(collected.plan.columns.map((c) => [c.remoteName, c.localType]));
        // Same values, except FLOAT: a query's FLOAT arrives as MySQL prints it, 6 significant
        // digits (README: write `col + 0e0` in the query for the exact value).
        const fltIndex = COLUMNS.indexOf('flt');
        const strip = (rows: Array<Array<string | null>>) => rows.map((r) => r.filter((_, k) => k !== fltIndex));
        expect(strip(viaQuery.rows)).toEqual(strip(collected.rows));
        if (server().flavour === 'mariadb') expect(viaQuery.rows.map((r) => r[fltIndex])).toEqual(['16777200', '0.333333', '0.1', '0', null]);
      } finally {
        await session.close();
      }
    });

    it('skips spatial and unknown columns and names them', async () => {
      await db.exec('create table geo (id bigint unsigned primary key, name varchar(10), p point, g geometry)');
      await db.exec("insert into geo values (1, 'x', point(1, 2), null)");
      const session = await mysqlProvider.connect(db.request({ source: { kind: 'table', table: 'geo' } }), sessionOptions());
      try {
        const { plan, rows } = await collectRows(session);
        expect(plan.columns.map((c) => [c.remoteName, c.localType])).toEqual([['id', 'numeric(20,0)'], ['name', 'varchar(10)']]);
        const reason = 'spatial types skipped without PostGIS in the target';
        expect(plan.skipped).toEqual([{ remoteName: 'p', remoteType: 'point', reason }, { remoteName: 'g', remoteType: 'geometry', reason }]);
        // BIGINT UNSIGNED does not fit bigint: no cartodb_id candidate.
        expect(plan.primaryKey).toBeUndefined();
        expect(rows).toEqual([['1', 'x']]);
      } finally {
        await session.close();
      }
    });
  });
}

/** COPY text escaping (the load's encoder does this for real; NUL dropped as it does). */
function copyEscape(v: string | null): string {
  if (v === null) return '\\N';
  return v.replace(/\0/g, '').replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

async function copyIntoPostgres(target: TargetDb, plan: SourcePlan, rows: Array<Array<string | null>>): Promise<Array<Array<string | null>>> {
  const client = await target.pool.connect();
  try {
    await client.query("set timezone = 'UTC'");
    const columns = plan.columns.map((c) => `"${c.remoteName}" ${c.localType}`).join(', ');
    await client.query(`create table edge (${columns})`);
    const stream = client.query(copyFrom('copy edge from stdin'));
    await new Promise<void>((resolve, reject) => {
      stream.once('finish', resolve);
      stream.once('error', reject);
      stream.end(rows.map((r) => r.map(copyEscape).join('\t') + '\n').join(''));
    });
    const select = plan.columns.map((c) => `"${c.remoteName}"::text`).join(', ');
    const { rows: out } = await client.query({ text: `select ${select} from edge order by id`, rowMode: 'array' });
    return out as Array<Array<string | null>>;
  } finally {
    client.release();
  }
}
