/**
 * describe(): tables and queries, names (hostile, 70 characters), not-found and query errors,
 * primary keys, unique keys (SPEC §13 merge keys), and listTables.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../src/errors.js';
import { postgresProvider } from '../../../../src/providers/postgres/index.js';
import type { SourceSession } from '../../../../src/providers/provider.js';
import { collectRows } from '../../../helpers/collect-rows.js';
import { remoteRequest, remoteSql, sessionOptions, type RemoteFactory, type RemotePostgres, type RequestOverrides } from '../remote.js';

const DB = 'cat';
const USER = 'limited';
const HOSTILE_SCHEMA = 'a"; drop table sentinel; --';
const HOSTILE_TABLE = "t\"; drop table sentinel; select '";
/** PostgreSQL keeps the first 63 bytes of a 70-character name. */
const LONG_TABLE = 'a_table_name_of_exactly_seventy_characters_to_test_truncation_01234567';
const LONG_COLUMN = 'a_column_name_of_exactly_seventy_characters_to_test_truncation_0123456';

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectorError);
  return err as ConnectorError;
}

export function catalogSuite(factory: RemoteFactory): void {
  describe(`postgres provider: describe and names (${factory.name})`, () => {
    let remote: RemotePostgres;
    const open: SourceSession[] = [];
    const session = async (o: RequestOverrides): Promise<SourceSession> => {
      const s = await postgresProvider.connect(remoteRequest(remote, { database: DB, ...o }), sessionOptions());
      open.push(s);
      return s;
    };

    beforeAll(async () => {
      remote = await factory.start();
      await remoteSql(remote, `create database ${DB}`);
      const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
      await remoteSql(remote, `create table sentinel (id int);
        create schema ${q(HOSTILE_SCHEMA)};
        create table ${q(HOSTILE_SCHEMA)}.${q(HOSTILE_TABLE)} (${q('we"ird col')} int, "Mixed Case" text);
        insert into ${q(HOSTILE_SCHEMA)}.${q(HOSTILE_TABLE)} values (1, 'one'), (2, null);
        create table ${LONG_TABLE} (${LONG_COLUMN} int primary key);
        insert into ${LONG_TABLE} values (7);
        create table pk_big (id bigint primary key, v text);
        create table pk_text (code text primary key, v text);
        create table pk_two (a int, b int, primary key (a, b));
        create table pk_order (a int, b int, c text, primary key (b, a));
        create table pk_and_unique (a int, b int, z int not null unique, primary key (a, b));
        create table uq_not_null (id int unique, code text not null unique, v text);
        create table uq_pick (z int not null, a int not null, b int not null, x int,
          constraint uq_2 unique (a, b), constraint uq_b unique (b), constraint uq_a unique (z), constraint uq_0 unique (x));
        create table uq_nullable (id int unique, v text);
        create table uq_include (id int not null, note text, unique (id) include (note));
        create table uq_partial (id int not null, v text); create unique index on uq_partial (id) where id > 0;
        create table uq_expr (code text not null); create unique index on uq_expr (lower(code));
        create table uq_invalid (id int not null); insert into uq_invalid values (1), (1);
        create view pk_view as select * from pk_big;
        create schema other; create table other.visible (id int); create view other.a_view as select 1 as one;
        create table secret (id int);
        create role ${USER} login; grant usage on schema other to ${USER}; grant select on other.visible to ${USER};`, [], DB);
      // A failed CREATE INDEX CONCURRENTLY leaves an invalid index behind (indisvalid false).
      await remoteSql(remote, 'create unique index concurrently uq_invalid_id on uq_invalid (id)', [], DB).catch(() => undefined);
    });
    afterAll(async () => {
      await Promise.all(open.map((s) => s.close()));
      await remote?.stop();
    });

    it('a missing table → SOURCE_NOT_FOUND naming schema.table', async () => {
      const s = await session({ schema: 'public', table: 'no_such_table' });
      const err = await failure(s.describe());
      expect(err.errorName).toBe('SOURCE_NOT_FOUND');
      expect(err.message).toContain('"public"."no_such_table"');
    });

    it('a missing schema → SOURCE_NOT_FOUND naming the schema', async () => {
      const s = await session({ schema: 'nope', table: 'sentinel' });
      const err = await failure(s.describe());
      expect(err.errorName).toBe('SOURCE_NOT_FOUND');
      expect(err.message).toContain('Schema "nope"');
    });

    it('schema defaults to public', async () => {
      const s = await session({ table: 'sentinel' });
      expect((await s.describe()).columns.map((c) => c.remoteName)).toEqual(['id']);
    });

    it('hostile schema, table and column names are quoted, read, and run nothing', async () => {
      const s = await session({ schema: HOSTILE_SCHEMA, table: HOSTILE_TABLE });
      const { plan, rows } = await collectRows(s);
      expect(plan.columns.map((c) => [c.remoteName, c.localType])).toEqual([['we"ird col', 'integer'], ['Mixed Case', 'text']]);
      expect(rows.sort()).toEqual([['1', 'one'], ['2', null]]);
      expect(plan.binaryCopy).toBe(true);
      expect(await remoteSql(remote, "select to_regclass('public.sentinel') is not null as kept", [], DB)).toEqual([{ kept: true }]);
    });

    it('a 70-character table name finds the table the server truncated to 63 bytes', async () => {
      const s = await session({ table: LONG_TABLE });
      const { plan, rows } = await collectRows(s);
      expect(plan.columns.map((c) => c.remoteName)).toEqual([LONG_COLUMN.slice(0, 63)]);
      expect(plan.primaryKey).toBe(LONG_COLUMN.slice(0, 63));
      expect(rows).toEqual([['7']]);
    });

    it('primaryKey only for a single-column integer primary key', async () => {
      expect((await (await session({ table: 'pk_big' })).describe()).primaryKey).toBe('id');
      expect((await (await session({ table: 'pk_text' })).describe()).primaryKey).toBeUndefined();
      expect((await (await session({ table: 'pk_two' })).describe()).primaryKey).toBeUndefined();
    });

    it('uniqueKey: the primary key in key order, else the first unique key over NOT NULL columns; none for nullable, partial, expression or invalid indexes, views and queries', async () => {
      const uniqueKey = async (o: RequestOverrides) => (await (await session(o)).describe()).uniqueKey;
      expect(await uniqueKey({ table: 'pk_big' })).toEqual(['id']);
      expect(await uniqueKey({ table: 'pk_two' })).toEqual(['a', 'b']);
      expect(await uniqueKey({ table: 'pk_order' })).toEqual(['b', 'a']);
      expect(await uniqueKey({ table: 'pk_and_unique' })).toEqual(['a', 'b']);
      expect(await uniqueKey({ table: LONG_TABLE })).toEqual([LONG_COLUMN.slice(0, 63)]);
      expect(await uniqueKey({ table: 'uq_not_null' })).toEqual(['code']);
      // fewest columns, then index name: uq_a (z) before uq_b (b) and uq_2 (a, b); uq_0 is over a nullable column
      expect(await uniqueKey({ table: 'uq_pick' })).toEqual(['z']);
      expect(await uniqueKey({ table: 'uq_include' })).toEqual(['id']);
      for (const table of ['uq_nullable', 'uq_partial', 'uq_expr', 'uq_invalid', 'pk_view', 'sentinel']) {
        expect(await uniqueKey({ table }), table).toBeUndefined();
      }
      expect(await uniqueKey({ sqlQuery: 'select * from pk_big' })).toBeUndefined();
      expect(await remoteSql(remote, "select indisvalid from pg_index where indexrelid = 'uq_invalid_id'::regclass", [], DB)).toEqual([{ indisvalid: false }]);
    });

    it('sql_query: duplicate names, expressions, a trailing comment', async () => {
      const s = await session({ sqlQuery: "select 1 as id, 2::bigint as id, 'x'::varchar(3) as \"Label\", now()::date - now()::date as days, array[1,2] as arr -- a trailing comment" });
      const { plan, rows } = await collectRows(s);
      expect(plan.columns.map((c) => [c.remoteName, c.remoteType, c.localType])).toEqual([
        ['id', 'integer', 'integer'], ['id', 'bigint', 'bigint'], ['Label', 'character varying(3)', 'character varying(3)'],
        ['days', 'integer', 'integer'], ['arr', 'integer[]', 'integer[]'],
      ]);
      expect(rows).toEqual([['1', '2', 'x', '0', '{1,2}']]);
      const semicolons = await session({ sqlQuery: 'select 1 as one ;\n ; ' });
      expect((await collectRows(semicolons)).rows).toEqual([['1']]);
    });

    it('sql_query errors → SOURCE_QUERY_FAILED with the server text and SQLSTATE', async () => {
      const cases: Array<[string, RegExp]> = [
        ['select from where', /syntax error.*42601/],
        ['select no_such_column from sentinel', /no_such_column.*42703/],
        ['select 1; select 2', /42601/],
      ];
      for (const [sqlQuery, message] of cases) {
        const err = await failure((await session({ sqlQuery })).describe());
        expect(err.errorName).toBe('SOURCE_QUERY_FAILED');
        expect(err.message).toMatch(message);
      }
    });

    it('no SELECT privilege → SOURCE_QUERY_FAILED (42501) when rows are read', async () => {
      const s = await session({ username: USER, table: 'secret' });
      const err = await failure(collectRows(s));
      expect(err.errorName).toBe('SOURCE_QUERY_FAILED');
      expect(err.message).toMatch(/permission denied.*42501/);
    });

    it('a plan described by another session is matched by column name; a vanished column is an error', async () => {
      const plan = await (await session({ table: 'pk_big' })).describe();
      const other = await session({ table: 'pk_big' });
      const reversed = { ...plan, columns: [...plan.columns].reverse() };
      await remoteSql(remote, "insert into pk_big values (5, 'five')", [], DB);
      expect((await collectRows(other, { plan: reversed })).rows).toEqual([['five', '5']]);
      const ghost = { ...plan, columns: [...plan.columns, { remoteName: 'ghost', remoteType: 'text', localType: 'text' }] };
      const err = await failure(collectRows(other, { plan: ghost }));
      expect(err.message).toContain('"ghost"');
    });

    it('listTables: readable tables and views, schema-qualified', async () => {
      const mine = await session({ username: USER });
      expect(await mine.listTables(10)).toEqual([{ schema: 'other', name: 'visible', kind: 'table' }]);
      const all = await session({ schema: 'other' });
      expect(await all.listTables(10)).toEqual([{ schema: 'other', name: 'a_view', kind: 'view' }, { schema: 'other', name: 'visible', kind: 'table' }]);
      expect(await all.listTables(1)).toHaveLength(1);
    });
  });
}
