/**
 * PostgreSQL end to end: cdb_connector_import → sidecar → a second PostgreSQL → target, on both
 * paths: binary COPY forwarding (exact types) and the text path (a column that needs conversion).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localRemoteFactory, remoteConnector, remoteSql, type RemotePostgres } from '../providers/postgres/remote.js';
import { importAndWait, startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
let remote: RemotePostgres;
let sidecar: TestSidecar;

const EDGE = `
  create schema "we""ird";
  create type mood as enum ('sad', 'happy');
  create table "we""ird".edge (
    id int primary key, n numeric(38,10), nn numeric, big bigint, f float8, r real, ts timestamp(6), tz timestamptz, t time(6),
    txt text, vc varchar(20), b bytea, u uuid, j jsonb, flag boolean, d date);
  insert into "we""ird".edge values
    (1, 1234567890123456789012345678.0123456789, 'NaN', 9223372036854775807, '-0', 'Infinity', '2024-02-29 23:59:59.999999',
     '2024-01-02 03:04:05.678+05:30', '23:59:59.999999', E'tab\\there\\nnl \\\\ 😀', '', '\\x00ff00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
     '{"a": [1, 2.5, "x"], "big": 12345678901234567890}', true, '0001-01-01'),
    (2, null, null, -9223372036854775808, 'NaN', '-Infinity', null, null, null, null, null, null, null, null, null, null);
  create table arrays (id int, tags text[], m mood);
  insert into arrays values (1, '{a,"b c"}', 'happy');
`;

beforeAll(async () => {
  [db, remote] = await Promise.all([createTargetDb(), localRemoteFactory.start()]);
  await remoteSql(remote, EDGE);
  sidecar = await startSidecar(db);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), remote?.stop()]);
});

const connector = (extra: Record<string, unknown>) => remoteConnector(remote, extra);

const SELECT_EDGE = `select id, n::text, nn::text, big::text, f::text, r::text, ts::text, tz::text, t::text, txt, vc, encode(b, 'hex') as b, u::text, j::text, flag, d::text from edge order by id`;

describe('PostgreSQL import end to end', () => {
  it('keeps exact types and values through the binary path', async () => {
    const s = await importAndWait(db, connector({ schema: 'we"ird', table: 'edge' }));
    expect(s.state, s.error_message ?? '').toBe('complete');
    expect(s.rows_imported).toBe(2);
    const types = await db.query("select attname, format_type(atttypid, atttypmod) as t from pg_attribute where attrelid = 'edge'::regclass and attnum > 0 order by attnum");
    expect(types.rows.map((r) => r.t)).toEqual(['integer', 'numeric(38,10)', 'numeric', 'bigint', 'double precision', 'real', 'timestamp(6) without time zone',
      'timestamp with time zone', 'time(6) without time zone', 'text', 'character varying(20)', 'bytea', 'uuid', 'jsonb', 'boolean', 'date']);
    const remoteClient = new pg.Client(remote.adminUrl());
    await remoteClient.connect();
    await remoteClient.query('set search_path = "we""ird"; set timezone = \'UTC\'');
    const expected = (await remoteClient.query(SELECT_EDGE).finally(() => remoteClient.end())).rows;
    await db.query("set timezone = 'UTC'");
    const client = await db.pool.connect();
    try {
      await client.query("set timezone = 'UTC'");
      expect((await client.query(SELECT_EDGE)).rows).toEqual(expected);
    } finally {
      client.release();
    }
    expect(expected[0].f).toBe('-0');
    const log = await db.query('select message from cdb_connectors.import_log where job_id = $1', [s.id]);
    expect(log.rows.map((r) => r.message).join('\n')).toContain('(binary COPY)');
    expect(expected[0].nn).toBe('NaN');
  });

  it('keeps arrays as arrays and imports enums as text (issue 22 §11: docs/providers/postgres.md)', async () => {
    const s = await importAndWait(db, connector({ table: 'arrays' }));
    expect(s.state, s.error_message ?? '').toBe('complete');
    const { rows } = await db.query("select tags, m, pg_typeof(tags)::text as t, pg_typeof(m)::text as mt from arrays");
    expect(rows).toEqual([{ tags: ['a', 'b c'], m: 'happy', t: 'text[]', mt: 'text' }]);
    const log = await db.query('select message from cdb_connectors.import_log where job_id = $1', [s.id]);
    expect(log.rows.map((r) => r.message).join('\n')).toMatch(/\((binary|text) COPY\)/);
  });

  it('a sql_query with the row limit keeps exactly max_rows rows', async () => {
    await db.query("update cdb_connectors.settings set value = '3' where name = 'max_rows'");
    try {
      const s = await importAndWait(db, connector({ table: 'series', sql_query: 'select g as n, g::text as label from generate_series(1, 10) g' }));
      expect(s.state, s.error_message ?? '').toBe('complete');
      expect(s.rows_imported).toBe(3);
      expect(s.warnings.map((w) => w.code)).toContain('row_limit');
      const { rows } = await db.query('select count(*)::int as n from series');
      expect(rows[0].n).toBe(3);
    } finally {
      await db.query("update cdb_connectors.settings set value = '1000000' where name = 'max_rows'");
    }
  });
});
