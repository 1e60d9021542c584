/**
 * Change capture hands the sink exactly what streamRows gives for the same row: an edge-value
 * corpus over every kind of type the cast rules map (kept, cast to text, money → numeric, a user
 * cast with a time zone), read both ways and compared value by value, new rows and old rows.
 */
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SourceSession } from '../../../src/providers/provider.js';
import type { UserCast } from '../../../src/rows/user-casts.js';
import { logNames, openSession, readOpts, RecordingSink, sourceClient, streamedRows } from './change-capture-harness.js';
import { localRemoteFactory, type RemotePostgres } from './remote.js';

let remote: RemotePostgres;
let source: pg.Client;
const sessions: SourceSession[] = [];

const CASTS: UserCast[] = [{ label: 'casts[1]', column: 'ts_local', to: 'timestamptz', timeZone: 'Europe/Madrid' }];

/** Column → declared type, and literal values of three rows (SQL). */
const CORPUS: Array<[string, string, string, string, string]> = [
  ['n', 'numeric(38,10)', "'1234567890123456789012345678.1234567890'", "'-0.0000000001'", 'null'],
  ['n_plain', 'numeric', "'NaN'", "'-123456789012345678901234567890.123456789012345678901234567890'", "'0'"],
  ['big', 'bigint', '9223372036854775807', '-9223372036854775808', '0'],
  ['r', 'real', "'Infinity'", "'1.17549435e-38'", "'-0'"],
  ['d', 'double precision', "'-0'", "'NaN'", "'0.1'"],
  ['tstz', 'timestamptz(6)', "'2024-03-10 02:30:00.123456-08'", "'infinity'", "'0044-03-15 12:00:00 BC'"],
  ['ts6', 'timestamp(6)', "'2024-01-31 23:59:59.999999'", "'-infinity'", "'1999-12-31 00:00:00'"],
  ['ts_local', 'timestamp', "'2024-07-01 10:00:00'", "'infinity'", 'null'],
  ['t', 'time(6)', "'23:59:59.999999'", "'24:00:00'", "'00:00:00'"],
  ['ttz', 'timetz', "'10:00:00.5+05:30'", "'00:00:00-14:59'", 'null'],
  ['dt', 'date', "'2024-02-29'", "'infinity'", "'0001-01-01 BC'"],
  ['iv', 'interval', "'1 year 2 mons 3 days 04:05:06.789'", "'-1 days +00:00:01'", "'0'"],
  ['vc', 'varchar(20)', "E'tab\\there'", "''", 'null'],
  ['ch', 'char(5)', "'ab'", "' '", 'null'],
  ['tx', 'text', "E'line1\\nline2\\r\\n\\\\back\\\\slash\\ttab 🎉 é'", "E'\\\\N'", "'NULL'"],
  ['b', 'boolean', 'true', 'false', 'null'],
  ['u', 'uuid', "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", 'null', "'00000000-0000-0000-0000-000000000000'"],
  ['j', 'json', `'{"a": [1, 2.50],  "b": null}'`, "'\"\\\\u0000\"'", "'[]'"],
  ['jb', 'jsonb', `'{"b": 1, "a": "x\\ty", "n": 12345678901234567890.5}'`, "'null'", "'[]'"],
  ['by', 'bytea', "'\\x00ff000a5c'", "''", 'null'],
  ['ip', 'inet', "'192.168.0.1/24'", "'::1'", "'10.0.0.1'"],
  ['net', 'cidr', "'10.0.0.0/8'", "'2001:db8::/32'", 'null'],
  ['mac', 'macaddr', "'08:00:2b:01:02:03'", 'null', "'ff:ff:ff:ff:ff:ff'"],
  ['bits', 'bit(4)', "B'1010'", "B'0000'", 'null'],
  ['vbits', 'varbit(8)', "B'101'", "B''", 'null'],
  ['m', 'money', "'1234.56'", "'-92233720368547758.08'", "'0'"],
  ['arr', 'int[]', "'{1,NULL,3}'", "'{}'", "'[0:1]={7,8}'"],
  ['tarr', 'text[]', `'{"a b","c,d","\\\\\\"",NULL,"NULL"}'`, "'{{1,2},{3,4}}'", 'null'],
  ['e', 'mood', "'happy'", "'sad'", 'null'],
  ['earr', 'mood[]', "'{happy,sad}'", "'{}'", 'null'],
  ['dom', 'posint', '42', '1', 'null'],
  ['darr', 'posint[]', "'{1,2}'", "'{}'", 'null'],
  ['comp', 'pair', "row('x y', 2)", "row(null, null)", "row('', -1)"],
  ['rng', 'int4range', "'[1,10)'", "'empty'", "'(,)'"],
  ['mr', 'int4multirange', "'{[1,3),[5,7)}'", "'{}'", 'null'],
  ['nm', 'name', "'a name'", "''", 'null'],
  ['c', '"char"', "'x'", "E'\\\\351'", "''"],
  ['pt', 'point', "'(1.5,-2)'", 'null', "'(0,0)'"],
  ['tsv', 'tsvector', "'a:1 fat:2B cat'", "''", 'null'],
  ['x', 'xml', "'<a b=\"1\">t</a>'", 'null', "'text only'"],
  ['oidc', 'oid', '4294967295', '0', 'null'],
  ['regc', 'regclass', "'pg_class'", "'corpus'", 'null'],
  ['lsn', 'pg_lsn', "'0/154AA40'", "'FFFFFFFF/FFFFFFFF'", 'null'],
];

beforeAll(async () => {
  remote = await localRemoteFactory.start();
  source = await sourceClient(remote);
  await source.query(`create type mood as enum ('happy', 'sad'); create domain posint as int check (value > 0);
    create type pair as (s text, n int); set lc_monetary = 'C'`);
  await source.query(`create table corpus (id int primary key, ${CORPUS.map(([name, type]) => `${name} ${type}`).join(', ')})`);
  await source.query('alter table corpus replica identity full');
});

afterAll(async () => {
  for (const s of sessions) await s.close();
  await source.end();
  await remote.stop();
});

it('readChanges gives, value by value, what streamRows gives: new rows of inserts and whole old rows of deletes', async () => {
  const capturing = await openSession(remote, 'corpus', { casts: CASTS });
  sessions.push(capturing);
  const plan = await capturing.describe();
  expect(plan.columns.find((c) => c.remoteName === 'm')!.localType).toBe('numeric');
  expect(plan.columns.find((c) => c.remoteName === 'e')!.localType).toBe('text');
  const names = logNames('values');
  await capturing.changeCapture!.check(plan, names, readOpts());
  const position = await capturing.changeCapture!.snapshot(plan, names, readOpts());
  for (let row = 0; row < 3; row++) {
    await source.query(`insert into corpus values (${row + 1}, ${CORPUS.map((c) => c[2 + row]).join(', ')})`);
  }
  const reader = await openSession(remote, 'corpus', { casts: CASTS });
  sessions.push(reader);
  const streamed = (await streamedRows(reader)).sort((a, b) => Number(a[0]) - Number(b[0]));
  expect(streamed).toHaveLength(3);
  await source.query('delete from corpus');

  const sink = new RecordingSink();
  await capturing.changeCapture!.readChanges(plan, position, names, sink, readOpts());
  const inserted = sink.changes.filter((c) => c.op === 'insert').map((c) => c.row!);
  const deleted = sink.changes.filter((c) => c.op === 'delete').map((c) => c.old!).sort((a, b) => Number(a[0]) - Number(b[0]));
  const columns = plan.columns.map((c) => c.remoteName);
  for (const [label, got] of [['insert', inserted], ['delete', deleted]] as const) {
    got.forEach((row, r) => row.forEach((value, i) => {
      expect({ via: label, column: columns[i], row: r + 1, value }).toEqual({ via: label, column: columns[i], row: r + 1, value: streamed[r]![i] });
    }));
    expect(got).toHaveLength(3);
  }
  // the conversions really ran: money as numeric, a user cast's zone appended to finite values only
  const m = columns.indexOf('m');
  const local = columns.indexOf('ts_local');
  expect(inserted.map((r) => r[m])).toEqual(['1234.56', '-92233720368547758.08', '0.00']);
  expect(inserted.map((r) => r[local])).toEqual(['2024-07-01 10:00:00 Europe/Madrid', 'infinity', null]);
  await capturing.changeCapture!.release(names);
});
