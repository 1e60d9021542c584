/**
 * Answers now from SQL against a remote PostgreSQL (issue 10 §1): a second throwaway cluster
 * with password authentication, read by a login that only has SELECT. The shared scenario is
 * suites/answers-suite.ts; here are the cluster's fixture, its expected answers and the tests
 * only PostgreSQL has.
 */
import { expect, it } from 'vitest';
import { check, listTables, preview, sqlError, withSetting } from '../helpers/answers.js';
import { localRemoteFactory, remoteSql, type RemotePostgres } from '../providers/postgres/remote.js';
import { describeAnswers, MANY_TABLE_NAMES, MANY_TABLES } from './suites/answers-suite.js';

const READER = 'reader';
const READER_PASSWORD = "pw with ' and spaces";
/** Above MANY_TABLES plus the two of schema shop and whatever PostGIS adds to public. */
const LIST_EVERYTHING = 1000;

async function startPostgres(): Promise<RemotePostgres> {
  const remote = await localRemoteFactory.start({ hostAuth: 'scram-sha-256' });
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
    ${MANY_TABLE_NAMES.map((name) => `create table many.${name} (id int);`).join('\n')}
    grant usage on schema shop, many to ${READER};
    grant select on all tables in schema shop, many to ${READER};`);
  return remote;
}

const readerConnection = (remote: RemotePostgres, password = READER_PASSWORD) =>
  ({ server: remote.host, port: remote.port, database: 'postgres', username: READER, password, sslmode: 'disable' });

const SHOP_TABLES = [
  { schema: 'shop', name: 'big_orders', kind: 'view' },
  { schema: 'shop', name: 'orders', kind: 'table' },
] as const;

describeAnswers<RemotePostgres>({
  title: 'PostgreSQL',
  provider: 'postgres',
  start: startPostgres,
  stop: (remote) => remote.stop(),
  connection: readerConnection,
  wrongPasswordText: /password authentication failed/,
  previewTitle: 'preview: exact types kept, arrays as text, PostGIS skipped without PostGIS in the target, exact rows',
  expected: (remote) => ({
    listed: { request: { schema: 'shop' }, tables: [...SHOP_TABLES] },
    many: { request: { schema: 'many' }, schema: 'many' },
    preview: {
      request: { schema: 'shop', table: 'orders' },
      limit: 5,
      columns: [
        { name: 'id', local_name: 'id', remote_type: 'integer', local_type: 'integer' },
        { name: 'Order Name', local_name: 'order_name', remote_type: 'character varying(20)', local_type: 'character varying(20)' },
        { name: 'amount', local_name: 'amount', remote_type: 'numeric(12,2)', local_type: 'numeric(12,2)' },
        { name: 'created', local_name: 'created', remote_type: 'timestamp(3) without time zone', local_type: 'timestamp(3) without time zone' },
        { name: 'doc', local_name: 'doc', remote_type: 'jsonb', local_type: 'jsonb' },
        { name: 'photo', local_name: 'photo', remote_type: 'bytea', local_type: 'bytea' },
        { name: 'tags', local_name: 'tags', remote_type: 'text[]', local_type: 'text[]' },
        ...(remote.hasPostgis ? [{ name: 'shape', local_name: null, remote_type: 'geometry(Point,4326)', local_type: 'skipped' }] : []),
      ],
      rows: [
        ['1', 'Zürich 東京', '1234567890.25', '2024-01-31 10:00:00.125', '{"a": [1, 2]}', '\\x00ff10', '{a,"b c"}'],
        ['2', null, '-0.01', '1999-12-31 23:59:59', null, null, null],
      ],
      warnings: ['skipped_columns'],
    },
    missingTable: { schema: 'shop', table: 'nope' },
  }),
}, (ctx) => {
  it('check of a server that is not there: connected false and 1504', async () => {
    const answer = await check(ctx.user.url, ctx.connector({ connection: { ...readerConnection(ctx.remote), port: 1 } }));
    expect(answer).toMatchObject({ connected: false, error_code: 1504 });
  });

  it('list_tables without a schema lists every schema the login can read', async () => {
    await withSetting(ctx.db, 'max_listed_tables', String(LIST_EVERYTHING), async () => {
      const { tables, truncated } = await listTables(ctx.user.url, ctx.connector());
      expect(truncated).toBe(false);
      // PostGIS adds readable tables and views to public (spatial_ref_sys, geometry_columns, …)
      const ours = tables.filter((t: { schema: string }) => t.schema !== 'public');
      expect(ours).toHaveLength(MANY_TABLES + SHOP_TABLES.length);
      expect(ours.slice(MANY_TABLES)).toEqual(SHOP_TABLES);
    });
  });

  it('preview of a bad sql_query raises with error_code 1506 and the remote text', async () => {
    const err = await sqlError(preview(ctx.user.url, ctx.connector({ sql_query: 'select nothing from shop.orders' })));
    expect([err.code, err.detail]).toEqual(['58000', 'error_code 1506']);
    expect(err.message).toMatch(/nothing/);
  });
});
