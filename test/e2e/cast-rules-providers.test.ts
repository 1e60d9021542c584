/**
 * User cast rules (SPEC §14) on the other three providers: a type rule, a column rule and a
 * wall-clock zone each, with the values checked as they arrived. PostgreSQL sources also show
 * that a plan a user cast changed leaves the binary COPY path (the remote's binary form is that
 * of the remote type) while the same table without casts keeps it.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localHiveServerFactory, type HiveTestServer } from '../providers/hive/server-factory.js';
import { tdsTestServer, type SqlServerUnderTest } from '../providers/sqlserver/server.js';
import { importAndWait, startSidecar, type ImportStatus, type TestSidecar } from '../helpers/sidecar.js';
import { allowTargetAsSource, createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
let ms: SqlServerUnderTest;
let hive: HiveTestServer;
let sidecar: TestSidecar;

beforeAll(async () => {
  [db, ms, hive] = await Promise.all([createTargetDb(), tdsTestServer.start(), localHiveServerFactory('PLAIN').start()]);
  await allowTargetAsSource(db);
  sidecar = await startSidecar(db);
  await db.query(`create schema src;
    create table src.readings (id integer primary key, ok smallint, price numeric(10,4), taken timestamp(3), tags integer[], note text);
    insert into src.readings values
      (1, 1, 12.3456, '2024-03-10 02:30:00', '{1,2}', 'x'),
      (2, 0, -0.0001, '2024-07-01 12:00:00.5', '{}', null),
      (3, null, null, null, null, 'z'),
      (4, 1, 0, 'infinity', '{3}', 'endless')`);
  await ms.loadFixture(`
    create table dbo.orders (id int primary key, qty smallint, price decimal(10,4), placed datetime2(7), code varchar(10));
    insert into dbo.orders (id, qty, price, placed, code) values (1, 5, 12.3456, '2024-03-31T02:30:00.1234567', 'a');
    insert into dbo.orders (id, qty, price, placed, code) values (2, -3, -0.0001, '2024-07-01T12:00:00', null);
  `);
  await hive.loadFixture(String.raw`
    DROP TABLE IF EXISTS sales;
    CREATE TABLE sales (id INT, units SMALLINT, amount DECIMAL(10,4), sold TIMESTAMP, label STRING);
    INSERT INTO sales VALUES
      (1, CAST('7' AS SMALLINT), CAST('12.3456' AS DECIMAL(10,4)), CAST('2024-10-27 02:30:00' AS TIMESTAMP), 'a'),
      (2, CAST('-1' AS SMALLINT), CAST('-0.0001' AS DECIMAL(10,4)), CAST('2024-07-01 12:00:00.25' AS TIMESTAMP), NULL);
  `);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), ms?.stop(), hive?.stop()]);
});

async function types(table: string): Promise<Record<string, string>> {
  const { rows } = await db.query<{ name: string; type: string }>(`select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
    from pg_attribute a where a.attrelid = ('public.' || $1)::regclass and a.attnum > 0 and not a.attisdropped`, [table]);
  return Object.fromEntries(rows.map((r) => [r.name, r.type]));
}

/** The instant in UTC, to the millisecond. */
const UTC = (column: string) => `pg_catalog.to_char(${column} at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') as ${column}`;

async function copyPath(status: ImportStatus): Promise<string | undefined> {
  const { rows } = await db.query(`select message from cdb_connectors.import_log where job_id = $1 and message like 'Importing %'`, [status.id]);
  return /\((binary|text) COPY\)/.exec(rows[0]?.message ?? '')?.[1];
}

describe('cast rules on PostgreSQL sources', () => {
  const pgRequest = (extra: Record<string, unknown>) => {
    const { host, port } = inject('servers').pg;
    return { connector: { provider: 'postgres', connection: { server: host, port, database: db.name, username: 'postgres', sslmode: 'disable' }, schema: 'src', table: 'readings', ...extra } };
  };

  it('int2 → boolean, a column rule, timestamp in America/New_York, an array kept as integer[]: text COPY, exact values', async () => {
    const casts = [
      { type: 'int2', to: 'boolean' }, { column: 'price', to: 'numeric(12,4)' },
      { type: 'timestamp', to: 'timestamptz(3)', time_zone: 'America/New_York' }, { column: 'tags', to: 'int4[]' },
    ];
    const status = await importAndWait(db, pgRequest({ import_as: 'readings_cast', casts }));
    expect(status.state, status.error_message ?? '').toBe('complete');
    expect(await types('readings_cast')).toMatchObject({ ok: 'boolean', price: 'numeric(12,4)', taken: 'timestamp(3) with time zone', tags: 'integer[]', note: 'text' });
    const { rows } = await db.query(`select id, ok, price::text, ${UTC('taken')}, tags from readings_cast order by id`);
    expect(rows).toEqual([
      // 02:30 does not exist on 2024-03-10 in New York: PostgreSQL reads it as standard time (-05)
      { id: 1, ok: true, price: '12.3456', taken: '2024-03-10 07:30:00.000', tags: [1, 2] },
      { id: 2, ok: false, price: '-0.0001', taken: '2024-07-01 16:00:00.500', tags: [] },
      { id: 3, ok: null, price: null, taken: null, tags: null },
      { id: 4, ok: true, price: '0.0000', taken: null, tags: [3] },
    ]);
    expect((await db.query('select taken::text from readings_cast where id = 4')).rows[0].taken).toBe('infinity');
    expect(await copyPath(status)).toBe('text');
  });

  it('the same table without casts keeps the binary fast path', async () => {
    const status = await importAndWait(db, pgRequest({ import_as: 'pg_plain' }));
    expect(status.state, status.error_message ?? '').toBe('complete');
    expect(await copyPath(status)).toBe('binary');
    expect(await types('pg_plain')).toMatchObject({ ok: 'smallint', tags: 'integer[]' });
  });
});

describe('cast rules on SQL Server', () => {
  const connection = () => ({ server: ms.host, port: ms.port, database: ms.database, username: ms.user, password: ms.password, encrypt: false });

  it('smallint → integer, a column rule on a decimal (still converted remotely), datetime2 in Europe/Madrid', async () => {
    const casts = [{ type: 'smallint', to: 'integer' }, { column: 'price', to: 'numeric(12,4)' }, { type: 'datetime2', to: 'timestamptz', time_zone: 'Europe/Madrid' }];
    const status = await importAndWait(db, { connector: { provider: 'sqlserver', connection: connection(), table: 'orders', import_as: 'ms_cast', casts } });
    expect(status.state, status.error_message ?? '').toBe('complete');
    expect(await types('ms_cast')).toMatchObject({ qty: 'integer', price: 'numeric(12,4)', placed: 'timestamp with time zone', code: 'character varying(10)' });
    const { rows } = await db.query(`select id, qty, price::text, pg_catalog.to_char(placed at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') as placed from ms_cast order by id`);
    expect(rows).toEqual([
      // the gap (02:30 on 2024-03-31 in Madrid) as standard time, +01; 100 ns digits rounded to µs as without the rule
      { id: 1, qty: 5, price: '12.3456', placed: '2024-03-31 01:30:00.123457' },
      { id: 2, qty: -3, price: '-0.0001', placed: '2024-07-01 10:00:00.000000' },
    ]);
  });
});

describe('cast rules on Hive', () => {
  const connection = () => ({ server: hive.host, port: hive.port, database: 'default', username: hive.user, password: hive.password });

  it('smallint → bigint, a column rule on a decimal, timestamp in Europe/Madrid (the repeated hour)', async () => {
    // timestamptz(3) would round Hive's microseconds: refused as lossy, so the full precision here
    const casts = [{ type: 'smallint', to: 'bigint' }, { column: 'amount', to: 'numeric(20,4)' }, { type: 'timestamp', to: 'timestamptz', time_zone: 'Europe/Madrid' }];
    const status = await importAndWait(db, { connector: { provider: 'hive', connection: connection(), table: 'sales', import_as: 'hive_cast', casts } });
    expect(status.state, status.error_message ?? '').toBe('complete');
    expect(await types('hive_cast')).toMatchObject({ units: 'bigint', amount: 'numeric(20,4)', sold: 'timestamp with time zone', label: 'text' });
    const { rows } = await db.query(`select id, units::text, amount::text, ${UTC('sold')} from hive_cast order by id`);
    expect(rows).toEqual([
      // 02:30 on 2024-10-27 happens twice in Madrid: PostgreSQL takes standard time, +01
      { id: 1, units: '7', amount: '12.3456', sold: '2024-10-27 01:30:00.000' },
      { id: 2, units: '-1', amount: '-0.0001', sold: '2024-07-01 10:00:00.250' },
    ]);
  });
});
