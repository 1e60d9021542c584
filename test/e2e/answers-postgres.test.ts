/**
 * Answers now from SQL against a remote PostgreSQL (issue 10 §1): a second throwaway cluster
 * with password authentication, read by a login that only has SELECT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, createApiUser, listTables, preview, sqlError, type ApiUser } from '../helpers/answers.js';
import { startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { localRemoteFactory, remoteSql, type RemotePostgres } from '../providers/postgres/remote.js';

const READER = 'reader';
const READER_PASSWORD = "pw with ' and spaces";

let db: TargetDb;
let user: ApiUser;
let sidecar: TestSidecar;
let remote: RemotePostgres;

beforeAll(async () => {
  [db, remote] = await Promise.all([createTargetDb(), localRemoteFactory.start({ hostAuth: 'scram-sha-256' })]);
  [user, sidecar] = await Promise.all([createApiUser(db), startSidecar(db)]);
  if (remote.hasPostgis) await remoteSql(remote, 'create extension postgis');
  await remoteSql(remote, `
    create role ${READER} login password '${READER_PASSWORD.replace(/'/g, "''")}';
    create schema shop;
    create table shop.orders (id integer primary key, "Order Name" varchar(20), amount numeric(12,2), created timestamp(3),
                              doc jsonb, photo bytea, tags text[]${remote.hasPostgis ? ', shape geometry(Point,4326)' : ''});
    insert into shop.orders (id, "Order Name", amount, created, doc, photo, tags) values
      (1, 'Zürich 東京', 1234567890.25, '2024-01-31 10:00:00.125', '{"a": [1, 2]}', '\\x00ff10', '{a,"b c"}'),
      (2, null, -0.01, '1999-12-31 23:59:59', null, null, null);
    create view shop.big_orders as select id, amount from shop.orders where amount > 100;
    create schema many;
    do $$ begin
      for i in 0..599 loop execute format('create table many.t%s (id int)', lpad(i::text, 3, '0')); end loop;
    end $$;
    grant usage on schema shop, many to ${READER};
    grant select on all tables in schema shop, many to ${READER};`);
});

afterAll(async () => {
  await sidecar?.stop();
  await user?.drop();
  await Promise.all([db?.drop(), remote?.stop()]);
});

const connector = (extra: Record<string, unknown> = {}, password = READER_PASSWORD) => ({
  connector: {
    provider: 'postgres',
    connection: { server: remote.host, port: remote.port, database: 'postgres', username: READER, password, sslmode: 'disable' },
    ...extra,
  },
});

describe('answers now: PostgreSQL', () => {
  it('check: connected', async () => {
    expect(await check(user.url, connector())).toEqual({ connected: true });
  });

  it('check with a wrong password: connected false and 1503', async () => {
    const answer = await check(user.url, connector({}, 'not-the-password'));
    expect(answer).toMatchObject({ connected: false, error_code: 1503 });
    expect(answer.errors[0]).toMatch(/password authentication failed/);
    expect(JSON.stringify(answer)).not.toContain('not-the-password');
  });

  it('check of a server that is not there: connected false and 1504', async () => {
    const answer = await check(user.url, { connector: { ...connector().connector, connection: { ...connector().connector.connection, port: 1 } } });
    expect(answer).toMatchObject({ connected: false, error_code: 1504 });
  });

  it('list_tables of one schema', async () => {
    expect(await listTables(user.url, connector({ schema: 'shop' }))).toEqual({
      tables: [{ schema: 'shop', name: 'big_orders', kind: 'view' }, { schema: 'shop', name: 'orders', kind: 'table' }],
      truncated: false,
    });
  });

  it('list_tables of 600 tables: the first 500 and truncated', async () => {
    const { tables, truncated } = await listTables(user.url, connector({ schema: 'many' }));
    expect(truncated).toBe(true);
    expect(tables).toHaveLength(500);
    expect(tables[0]).toEqual({ schema: 'many', name: 't000', kind: 'table' });
    expect(tables[499]).toEqual({ schema: 'many', name: 't499', kind: 'table' });
  });

  it('list_tables without a schema lists every schema the login can read', async () => {
    await db.query("update cdb_connectors.settings set value = '1000' where name = 'max_listed_tables'");
    try {
      const { tables, truncated } = await listTables(user.url, connector());
      expect(truncated).toBe(false);
      // PostGIS adds readable tables and views to public (spatial_ref_sys, geometry_columns, …)
      const ours = tables.filter((t: { schema: string }) => t.schema !== 'public');
      expect(ours).toHaveLength(602);
      expect(ours.slice(600)).toEqual([{ schema: 'shop', name: 'big_orders', kind: 'view' }, { schema: 'shop', name: 'orders', kind: 'table' }]);
    } finally {
      await db.query("update cdb_connectors.settings set value = '500' where name = 'max_listed_tables'");
    }
  });

  it('preview: exact types kept, arrays as text, PostGIS skipped without PostGIS in the target, exact rows', async () => {
    const answer = await preview(user.url, connector({ schema: 'shop', table: 'orders' }), 5);
    expect(answer.columns).toEqual([
      { name: 'id', local_name: 'id', remote_type: 'integer', local_type: 'integer' },
      { name: 'Order Name', local_name: 'order_name', remote_type: 'character varying(20)', local_type: 'character varying(20)' },
      { name: 'amount', local_name: 'amount', remote_type: 'numeric(12,2)', local_type: 'numeric(12,2)' },
      { name: 'created', local_name: 'created', remote_type: 'timestamp(3) without time zone', local_type: 'timestamp(3) without time zone' },
      { name: 'doc', local_name: 'doc', remote_type: 'jsonb', local_type: 'jsonb' },
      { name: 'photo', local_name: 'photo', remote_type: 'bytea', local_type: 'bytea' },
      { name: 'tags', local_name: 'tags', remote_type: 'text[]', local_type: 'text' },
      ...(remote.hasPostgis ? [{ name: 'shape', local_name: null, remote_type: 'geometry(Point,4326)', local_type: 'skipped' }] : []),
    ]);
    expect(answer.rows).toEqual([
      ['1', 'Zürich 東京', '1234567890.25', '2024-01-31 10:00:00.125', '{"a": [1, 2]}', '\\x00ff10', '{a,"b c"}'],
      ['2', null, '-0.01', '1999-12-31 23:59:59', null, null, null],
    ]);
  });

  it('preview of a missing table raises 58000 with error_code 1505', async () => {
    const err = await sqlError(preview(user.url, connector({ schema: 'shop', table: 'nope' })));
    expect([err.code, err.detail]).toEqual(['58000', 'error_code 1505']);
    expect(err.message).toMatch(/nope/);
  });

  it('preview of a bad sql_query raises with error_code 1506 and the remote text', async () => {
    const err = await sqlError(preview(user.url, connector({ sql_query: 'select nothing from shop.orders' })));
    expect([err.code, err.detail]).toEqual(['58000', 'error_code 1506']);
    expect(err.message).toMatch(/nothing/);
  });
});
