/**
 * SQL Server end to end: cdb_connector_import → sidecar → tedious → the TDS test server → COPY.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tdsTestServer, type SqlServerUnderTest } from '../providers/sqlserver/server.js';
import { importAndWait, startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
let ms: SqlServerUnderTest;
let sidecar: TestSidecar;

beforeAll(async () => {
  [db, ms] = await Promise.all([createTargetDb(), tdsTestServer.start()]);
  sidecar = await startSidecar(db);
  await ms.loadFixture(`
      create table dbo.stores (id int primary key, name nvarchar(100), revenue decimal(18,4), cash money, opened datetime2(7),
        since datetimeoffset(7), active bit, code uniqueidentifier, logo varbinary(16), legacy varchar(20), v sql_variant);
      insert into dbo.stores (id, name, revenue, cash, opened, since, active, code, logo, legacy) values
        (1, N'Zürich 東京 😀', 12345678901234.5678, 922337203685477.5807, '2020-01-02T03:04:05.1234567', '2020-01-02T03:04:05.1234567+01:00',
         1, '6F9619FF-8B86-D011-B42D-00C04FC964FF', 0x00FF10, 'café');
      insert into dbo.stores (id, name, revenue, cash, opened, since, active, code, logo, legacy) values
        (2, null, -0.0001, -922337203685477.5808, '2021-12-31T23:59:59.9999995', '2021-06-07T08:09:10-07:00', 0, null, 0x00, '');
  `);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), ms?.stop()]);
});

const connection = (password = ms.password) => ({ server: ms.host, port: ms.port, database: ms.database, username: ms.user, password, encrypt: false });

describe('SQL Server import end to end', () => {
  it('imports exact values and skips sql_variant with a warning', async () => {
    const s = await importAndWait(db, { connector: { provider: 'sqlserver', connection: connection(), table: 'stores' } });
    expect(s.state, s.error_message ?? '').toBe('complete');
    expect(s.rows_imported).toBe(2);
    expect(s.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['skipped_columns', 'timestamp_rounded']));
    const { rows } = await db.query(`select id, name, revenue::text, cash::text, opened::text, since at time zone 'UTC' as since_utc, active, code::text,
      encode(logo, 'hex') as logo, legacy from stores order by id`);
    expect(rows[0]).toMatchObject({
      name: 'Zürich 東京 😀', revenue: '12345678901234.5678', cash: '922337203685477.5807', opened: '2020-01-02 03:04:05.123457',
      active: true, code: '6f9619ff-8b86-d011-b42d-00c04fc964ff', logo: '00ff10', legacy: 'café',
    });
    expect(rows[0].since_utc.toISOString?.() ?? String(rows[0].since_utc)).toMatch(/2020-01-02T02:04:05\.123/);
    expect(rows[1]).toMatchObject({ name: null, revenue: '-0.0001', cash: '-922337203685477.5808', opened: '2022-01-01 00:00:00', active: false, code: null, logo: '00', legacy: '' });
    const cols = await db.query("select attname from pg_attribute where attrelid = 'stores'::regclass and attnum > 0 order by attnum");
    expect(cols.rows.map((r) => r.attname)).not.toContain('v');
  });

  it('a wrong password fails with 1503 and never shows the password', async () => {
    const s = await importAndWait(db, { connector: { provider: 'sqlserver', connection: connection('wrong-password'), table: 'stores', import_as: 'nope' } });
    expect(s.state).toBe('failure');
    expect(s.error_code).toBe(1503);
    expect(JSON.stringify(s)).not.toContain('wrong-password');
  });
});
