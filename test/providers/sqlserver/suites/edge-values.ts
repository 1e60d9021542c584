/**
 * Issue 8 §2/§6: every SQL Server type the provider imports, at its edges, compared value by
 * value as the COPY text the provider emits — and then fed to PostgreSQL's input functions in a
 * real target database, which must accept each text for the planned local type.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlserverProvider } from '../../../../src/providers/sqlserver/index.js';
import { collectRows, type Collected } from '../../../helpers/collect-rows.js';
import { createTargetDb, type TargetDb } from '../../../helpers/target.js';
import { sessionOptions, sqlserverRequest, type SqlServerFactory, type SqlServerUnderTest } from '../server.js';

const FIXTURE = `
CREATE TABLE dbo.edge (
  id int NOT NULL PRIMARY KEY,
  b bit, ti tinyint, si smallint, i int, bi bigint,
  d decimal(38,10), n numeric(12,4), m money, sm smallmoney, r real, f float,
  c char(5), vc varchar(20), vcm varchar(max), nc nchar(3), nvc nvarchar(10), nvcm nvarchar(max), tx text, ntx ntext,
  dt date, tm time(7), dtm datetime, sdt smalldatetime, dt2 datetime2(7), dt23 datetime2(3), dto datetimeoffset(7),
  g uniqueidentifier, bn binary(4), vb varbinary(16), vbm varbinary(max),
  x xml, sv sql_variant
);
INSERT INTO dbo.edge VALUES (1,
  1, 255, 32767, 2147483647, 9223372036854775807,
  1234567890123456789012345678.9012345678, 12345678.1234, 922337203685477.5807, 214748.3647, 3.4028235e38, 1.7976931348623157e308,
  'ab', 'café €', REPLICATE('x', 5000), N'日本', N'emoji 😀', N'ünïcödé long', 'plain text', N'ntext ü',
  '9999-12-31', '23:59:59.9999999', '9999-12-31T23:59:59.997', '2079-06-06T23:59:00', '9999-12-31T23:59:59.9999994', '2024-02-29T12:34:56.789', '2024-01-31T10:00:00.1234567+05:30',
  '6F9619FF-8B86-D011-B42D-00C04FC964FF', 0x00FF1000, 0xDEADBEEF, 0x0102,
  '<a/>', 'variant');
INSERT INTO dbo.edge VALUES (2,
  0, 0, -32768, -2147483648, -9223372036854775808,
  -0.0000000001, -99999999.9999, -922337203685477.5808, -214748.3648, 0.1, -2.2250738585072014e-308,
  '', '', '', N'', N'', N'', '', N'',
  '0001-01-01', '00:00:00', '1753-01-01T00:00:00', '1900-01-01T00:00:00', '0001-01-01T00:00:00.0000005', '2024-02-29T00:00:00', '2024-12-31T23:59:59.9999995-01:00',
  '00000000-0000-0000-0000-000000000000', 0x00000000, 0x00, NULL,
  NULL, NULL);
INSERT INTO dbo.edge (id) VALUES (3);
`;

const EXPECTED_TYPES: Array<[string, string, string]> = [
  ['id', 'int', 'integer'], ['b', 'bit', 'boolean'], ['ti', 'tinyint', 'smallint'], ['si', 'smallint', 'smallint'], ['i', 'int', 'integer'],
  ['bi', 'bigint', 'bigint'], ['d', 'decimal(38,10)', 'numeric(38,10)'], ['n', 'numeric(12,4)', 'numeric(12,4)'], ['m', 'money', 'numeric(19,4)'],
  ['sm', 'smallmoney', 'numeric(10,4)'], ['r', 'real', 'real'], ['f', 'float', 'double precision'], ['c', 'char(5)', 'varchar(5)'],
  ['vc', 'varchar(20)', 'varchar(20)'], ['vcm', 'varchar(max)', 'text'], ['nc', 'nchar(3)', 'varchar(3)'], ['nvc', 'nvarchar(10)', 'varchar(10)'],
  ['nvcm', 'nvarchar(max)', 'text'], ['tx', 'text', 'text'], ['ntx', 'ntext', 'text'], ['dt', 'date', 'date'], ['tm', 'time(7)', 'time'],
  ['dtm', 'datetime', 'timestamp'], ['sdt', 'smalldatetime', 'timestamp'], ['dt2', 'datetime2(7)', 'timestamp'], ['dt23', 'datetime2(3)', 'timestamp'],
  ['dto', 'datetimeoffset(7)', 'timestamptz'], ['g', 'uniqueidentifier', 'uuid'], ['bn', 'binary(4)', 'bytea'], ['vb', 'varbinary(16)', 'bytea'],
  ['vbm', 'varbinary(max)', 'bytea'],
];

const ROW_1 = [
  '1', 't', '255', '32767', '2147483647', '9223372036854775807',
  '1234567890123456789012345678.9012345678', '12345678.1234', '922337203685477.5807', '214748.3647', '3.4028235e+38', '1.7976931348623157e+308',
  'ab   ', 'café €', 'x'.repeat(5000), '日本 ', 'emoji 😀', 'ünïcödé long', 'plain text', 'ntext ü',
  '9999-12-31', '24:00:00', '9999-12-31 23:59:59.997', '2079-06-06 23:59:00', '9999-12-31 23:59:59.999999', '2024-02-29 12:34:56.789', '2024-01-31 04:30:00.123457+00',
  '6f9619ff-8b86-d011-b42d-00c04fc964ff', '\\x00ff1000', '\\xdeadbeef', '\\x0102',
];
const ROW_2 = [
  '2', 'f', '0', '-32768', '-2147483648', '-9223372036854775808',
  '-0.0000000001', '-99999999.9999', '-922337203685477.5808', '-214748.3648', '0.1', '-2.2250738585072014e-308',
  '     ', '', '', '   ', '', '', '', '',
  '0001-01-01', '00:00:00', '1753-01-01 00:00:00', '1900-01-01 00:00:00', '0001-01-01 00:00:00.000001', '2024-02-29 00:00:00', '2025-01-01 01:00:00+00',
  '00000000-0000-0000-0000-000000000000', '\\x00000000', '\\x00', null,
];

export function edgeValueSuite(factory: SqlServerFactory): void {
  describe(`sqlserver provider: edge values (${factory.name})`, () => {
    let server: SqlServerUnderTest;
    let target: TargetDb;
    let got: Collected;

    beforeAll(async () => {
      server = await factory.start();
      await server.loadFixture(FIXTURE);
      target = await createTargetDb();
      const session = await sqlserverProvider.connect(sqlserverRequest(server, { source: { kind: 'table', table: 'edge' } }), sessionOptions());
      try {
        got = await collectRows(session, { pauseEvery: 1 });
      } finally {
        await session.close();
      }
    });
    afterAll(async () => {
      await target?.drop();
      await server?.stop();
    });

    it('plans every column with the documented local type and skips xml / sql_variant', () => {
      expect(got.plan.columns.map((c) => [c.remoteName, c.remoteType, c.localType])).toEqual(EXPECTED_TYPES);
      expect(got.plan.skipped).toEqual([{ remoteName: 'x', remoteType: 'xml', reason: 'no rule maps xml' }, { remoteName: 'sv', remoteType: 'sql_variant', reason: 'no rule maps sql_variant' }]);
      expect(got.plan.primaryKey).toBe('id');
    });

    it('emits the exact COPY text of each value', () => {
      expect(got.rows).toHaveLength(3);
      const names = EXPECTED_TYPES.map(([n]) => n);
      for (const [row, expected] of [[got.rows[0]!, ROW_1], [got.rows[1]!, ROW_2]] as const) {
        expected.forEach((value, i) => expect({ column: names[i], value: row[i] }).toEqual({ column: names[i], value }));
      }
      expect(got.rows[2]).toEqual(['3', ...Array(EXPECTED_TYPES.length - 1).fill(null)]);
    });

    it('counts the 100 ns digits it rounded away', () => {
      expect(Object.fromEntries(got.warnings)).toEqual({ 'timestamp_rounded:tm': 1, 'timestamp_rounded:dt2': 2, 'timestamp_rounded:dto': 2 });
    });

    it('produces text PostgreSQL accepts for each planned local type, with the same value', async () => {
      const cols = got.plan.columns.map((c, i) => `c${i} ${c.localType}`).join(', ');
      await target.query(`create table edge (${cols})`);
      for (const row of got.rows) {
        await target.query(`insert into edge values (${row.map((_, i) => `$${i + 1}`).join(', ')})`, row);
      }
      const back = await target.query("select c6::text as d, c8::text as m, c10::text as r, c11::text as f, c24::text as dt2, (c26 at time zone 'UTC')::text as dto from edge order by c0");
      expect(back.rows[0]).toEqual({ d: '1234567890123456789012345678.9012345678', m: '922337203685477.5807', r: '3.4028235e+38', f: '1.7976931348623157e+308', dt2: '9999-12-31 23:59:59.999999', dto: '2024-01-31 04:30:00.123457' });
      expect(back.rows[1]).toMatchObject({ dt2: '0001-01-01 00:00:00.000001', dto: '2025-01-01 01:00:00' });
    });
  });
}
