/**
 * The benchmark datasets (issue 7 §2): 1M rows × 14 columns, ~180 MB as text, in MariaDB and in a
 * PostgreSQL remote, with unicode, tabs, quotes and ~10 % NULL notes.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';

export const DATABASE = 'bench';
export const TABLE = 'items';

const MYSQL_TABLE = `
create table ${TABLE} (
  id bigint primary key, name varchar(64), category varchar(32), price decimal(12,2), score double,
  qty int, rank_no smallint, created_at datetime, day date, at_time time, active tinyint(1),
  lat double, lon double, note text
) character set utf8mb4`;

// MariaDB's SEQUENCE engine (seq_1_to_N) generates the ids without a temporary table.
const MYSQL_FILL = (rows: number) => `
insert into ${TABLE}
select seq, concat('name-', seq), elt(1 + seq % 5, 'Électronique', 'Bücher', '家具', 'Спорт', 'Jardín'),
  (seq * 137 % 10000000) / 100, seq / 7e0, seq % 1000, seq % 32000,
  '2020-01-01 00:00:00' + interval seq second, '2020-01-01' + interval (seq % 3650) day, sec_to_time(seq % 86400), seq % 2,
  -90 + (seq % 180000) / 1000e0, -180 + (seq % 360000) / 1000e0,
  if(seq % 10 = 0, null, concat('note ', seq, '\\t"quoted" ''single'' — ünïcödé ✓ ', repeat('x', seq % 40)))
from seq_1_to_${rows}`;

const PG_TABLE = `
create table ${TABLE} (
  id bigint primary key, name varchar(64), category varchar(32), price numeric(12,2), score double precision,
  qty integer, rank_no smallint, created_at timestamp, day date, at_time time, active boolean,
  lat double precision, lon double precision, note text
)`;

const PG_FILL = (rows: number) => `
insert into ${TABLE}
select n, 'name-' || n, (array['Électronique', 'Bücher', '家具', 'Спорт', 'Jardín'])[1 + n % 5],
  (n * 137 % 10000000) / 100.0, n / 7.0::float8, n % 1000, n % 32000,
  timestamp '2020-01-01' + n * interval '1 second', date '2020-01-01' + (n % 3650)::int, time '00:00' + (n % 86400) * interval '1 second', n % 2 = 1,
  -90 + (n % 180000) / 1000.0::float8, -180 + (n % 360000) / 1000.0::float8,
  case when n % 10 = 0 then null else 'note ' || n || E'\\t"quoted" ''single'' — ünïcödé ✓ ' || repeat('x', (n % 40)::int) end
from generate_series(1, ${rows}) as n`;

export async function prepareMysql(port: number, rows: number): Promise<void> {
  const root = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', multipleStatements: true });
  try {
    await root.query(`create database if not exists ${DATABASE}; use ${DATABASE}`);
    const [existing] = (await root.query(`select count(*) as n from information_schema.tables where table_schema = ? and table_name = ?`, [DATABASE, TABLE])) as any;
    if (Number(existing[0].n) === 1) {
      const [[{ n }]] = (await root.query(`select count(*) as n from ${TABLE}`)) as any;
      if (Number(n) === rows) return;
      await root.query(`drop table ${TABLE}`);
    }
    await root.query(MYSQL_TABLE);
    await root.query(MYSQL_FILL(rows));
  } finally {
    await root.end();
  }
}

export async function preparePostgres(url: string, rows: number): Promise<void> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    await client.query(`drop table if exists ${TABLE}`);
    await client.query(PG_TABLE);
    await client.query(PG_FILL(rows));
    await client.query(`vacuum analyze ${TABLE}`);
  } finally {
    await client.end();
  }
}

/** The PostgreSQL shape of the table, for references that need the target table to exist. */
export const PG_TARGET_TABLE = (name: string) => PG_TABLE.replace(`create table ${TABLE}`, `create table ${name}`);
/** The MySQL dataset as PostgreSQL types the way our import maps it (tinyint(1) → smallint). */
export const MYSQL_AS_PG_TABLE = (name: string) => PG_TARGET_TABLE(name).replace('active boolean', 'active smallint').replace('at_time time', 'at_time time(0)').replace('created_at timestamp', 'created_at timestamp(0)');
