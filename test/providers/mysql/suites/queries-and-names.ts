/**
 * sql_query describe/stream, wide tables, awkward and hostile names, table listing, and the
 * session settings a request runs under.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlProvider } from '../../../../src/providers/mysql/index.js';
import type { SourceRequest } from '../../../../src/providers/provider.js';
import { collectRows } from '../../../helpers/collect-rows.js';
import { createTestDb, sessionOptions, type MysqlTestDb, type MysqlTestServer } from '../server.js';

const HOSTILE_NAMES = ['a"; DROP TABLE x; --', 'back`tick``s', "quote'; DELETE FROM x; #", 'spaces and ünïcødé', 'semi;colon\\slash'];
const LONG_ALIAS = 'a_seventy_character_column_alias_that_is_longer_than_postgres_allows_x';

function q(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

export function queriesAndNamesSuite(server: () => MysqlTestServer): void {
  describe('MySQL sql_query, names and listing', () => {
    let db: MysqlTestDb;

    beforeAll(async () => {
      db = await createTestDb(server());
      await db.exec(`
        create table customers (id int primary key, name varchar(40), country char(2));
        create table orders (id bigint primary key, customer_id int, total decimal(12,2), placed_at datetime(3));
        insert into customers values (1, 'Ada', 'GB'), (2, 'Grace', 'US'), (3, 'Linus', 'FI');
        insert into orders values (10, 1, 12.50, '2024-01-02 03:04:05.678'), (11, 1, 0.01, '2024-01-03 00:00:00'), (12, 2, 99999999.99, '1999-12-31 23:59:59.999');
        create table x (id int);
        insert into x values (42);
        create view order_totals as select customer_id, sum(total) as total from orders group by customer_id;`);
    });
    afterAll(async () => { await db?.drop(); });

    async function collect(request: SourceRequest, limit?: number) {
      const session = await mysqlProvider.connect(request, sessionOptions());
      try {
        return await collectRows(session, { limit });
      } finally {
        await session.close();
      }
    }

    it('streams a join whose result has two columns named id, in plan order', async () => {
      const { plan, rows } = await collect(db.request({
        source: { kind: 'query', sql: 'select c.id, o.id, c.name, o.total, o.placed_at from customers c join orders o on o.customer_id = c.id order by o.id;' },
      }));
      expect(plan.columns.map((c) => [c.remoteName, c.localType])).toEqual([
        ['id', 'integer'], ['id', 'bigint'], ['name', 'varchar(40)'], ['total', 'numeric(12,2)'], ['placed_at', 'timestamp(3)'],
      ]);
      expect(rows).toEqual([
        ['1', '10', 'Ada', '12.50', '2024-01-02 03:04:05.678'],
        ['1', '11', 'Ada', '0.01', '2024-01-03 00:00:00.000'],
        ['2', '12', 'Grace', '99999999.99', '1999-12-31 23:59:59.999'],
      ]);
    });

    it('types computed columns from the result metadata', async () => {
      const { plan, rows } = await collect(db.request({
        source: { kind: 'query', sql: "select count(*) as n, sum(total) as s, max(placed_at) as m, concat(name, '!') as t, null as nothing, cast(-1 as unsigned) as u from orders join customers on customers.id = customer_id" },
      }));
      expect(plan.columns.map((c) => [c.remoteName, c.localType])).toEqual([
        ['n', 'bigint'], ['s', 'numeric(34,2)'], ['m', 'timestamp(3)'], ['t', 'varchar(41)'], ['nothing', 'text'], ['u', 'numeric(20,0)'],
      ]);
      expect(rows).toEqual([['3', '100000012.50', '2024-01-03 00:00:00.000', 'Ada!', null, '18446744073709551615']]);
    });

    it('reports a 70-character alias and colliding names raw (local naming is the load\'s)', async () => {
      const { plan, rows } = await collect(db.request({ source: { kind: 'query', sql: `select 1 as ${q(LONG_ALIAS)}, 2 as ${q('A b')}, 3 as a_b, 4 as ${q('a-b')}, 5 as ${q('A_B')}` } }));
      expect(LONG_ALIAS).toHaveLength(70);
      expect(plan.columns.map((c) => c.remoteName)).toEqual([LONG_ALIAS, 'A b', 'a_b', 'a-b', 'A_B']);
      expect(rows).toEqual([['1', '2', '3', '4', '5']]);
    });

    for (const width of [256, 257]) {
      it(`describes and streams a ${width}-column table (max_columns is enforced by the load)`, async () => {
        const cols = Array.from({ length: width }, (_, i) => `c${i + 1}`);
        await db.exec(`create table wide_${width} (${cols.map((c) => `${c} int`).join(', ')})`);
        await db.exec(`insert into wide_${width} values (${cols.map((_, i) => i + 1).join(', ')})`);
        const { plan, rows } = await collect(db.request({ source: { kind: 'table', table: `wide_${width}` } }));
        expect(plan.columns).toHaveLength(width);
        expect(plan.columns.at(-1)).toEqual({ remoteName: `c${width}`, remoteType: expect.stringMatching(/^int/), localType: 'integer', rule: 'int → integer' });
        expect(rows).toEqual([cols.map((_, i) => String(i + 1))]);
      });
    }

    it('imports tables with hostile names safely, and the other tables survive', async () => {
      for (const [i, name] of HOSTILE_NAMES.entries()) {
        await db.exec(`create table ${q(name)} (${q('col`' + name)} int, v varchar(40))`);
        await db.exec(`insert into ${q(name)} values (?, ?)`, [i, name]);
      }
      for (const [i, name] of HOSTILE_NAMES.entries()) {
        const { plan, rows } = await collect(db.request({ source: { kind: 'table', table: name } }));
        expect(plan.columns.map((c) => c.remoteName)).toEqual(['col`' + name, 'v']);
        expect(rows).toEqual([[String(i), name]]);
      }
      expect(await db.exec('select id from x')).toEqual([{ id: 42 }]);
    });

    it('reads a table in another database named by `schema`, even a hostile one', async () => {
      const other = `${db.name}_s\`q"l`;
      await db.exec(`create database ${q(other)}; create table ${q(other)}.t (id int); insert into ${q(other)}.t values (7)`);
      try {
        const { rows } = await collect(db.request({ schema: other, source: { kind: 'table', table: 't' } }));
        expect(rows).toEqual([['7']]);
      } finally {
        await db.exec(`drop database ${q(other)}`);
      }
    });

    it('lists base tables and views with their kind, at most `limit`', async () => {
      const session = await mysqlProvider.connect(db.request({ source: { kind: 'table', table: 'orders' } }), sessionOptions());
      try {
        const all = await session.listTables(500);
        expect(all).toContainEqual({ schema: db.name, name: 'orders', kind: 'table' });
        expect(all).toContainEqual({ schema: db.name, name: 'order_totals', kind: 'view' });
        expect(all.every((t) => t.schema === db.name)).toBe(true);
        const two = await session.listTables(2);
        expect(two).toEqual(all.slice(0, 2));
      } finally {
        await session.close();
      }
    });

    it('imports a view', async () => {
      const { plan, rows } = await collect(db.request({ source: { kind: 'table', table: 'order_totals' } }));
      expect(plan.columns.map((c) => c.localType)).toEqual(['integer', 'numeric(34,2)']);
      expect(rows.sort()).toEqual([['1', '12.51'], ['2', '99999999.99']]);
    });

    it('runs read-only, in UTC, with the statement timeout set on the server', async () => {
      const maria = server().flavour === 'mariadb';
      const sql = maria
        ? 'select @@session.tx_read_only, @@session.time_zone, @@session.max_statement_time'
        : 'select @@session.transaction_read_only, @@session.time_zone, @@session.max_execution_time';
      const session = await mysqlProvider.connect(db.request({ source: { kind: 'query', sql } }), sessionOptions({ statementTimeoutMs: 12_500 }));
      let result;
      try {
        result = await collectRows(session);
      } finally {
        await session.close();
      }
      expect(result.rows).toEqual([['1', '+00:00', maria ? '12.500000' : '12500']]);
    });

    it('fails clearly when a query no longer returns a planned column', async () => {
      const session = await mysqlProvider.connect(db.request({ source: { kind: 'query', sql: 'select id from x' } }), sessionOptions());
      try {
        const plan = { columns: [{ remoteName: 'gone', remoteType: 'int', localType: 'integer' }], skipped: [] };
        await expect(collectRows(session, { plan })).rejects.toMatchObject({ errorName: 'CONNECTOR_ERROR', message: expect.stringContaining('"gone"') });
        // The session is still usable afterwards.
        expect((await collectRows(session)).rows).toEqual([['42']]);
      } finally {
        await session.close();
      }
    });

    it('refuses to write through sql_query', async () => {
      const session = await mysqlProvider.connect(db.request({ source: { kind: 'query', sql: 'delete from x' } }), sessionOptions());
      try {
        // MariaDB refuses already at prepare (error 1792, read-only session); otherwise no result set.
        await expect(session.describe()).rejects.toMatchObject({ errorName: 'SOURCE_QUERY_FAILED', message: expect.stringMatching(/READ ONLY|no result set/) });
      } finally {
        await session.close();
      }
      expect(await db.exec('select id from x')).toEqual([{ id: 42 }]);
    });

    it('rejects ? placeholders in sql_query', async () => {
      const session = await mysqlProvider.connect(db.request({ source: { kind: 'query', sql: 'select * from x where id = ?' } }), sessionOptions());
      try {
        await expect(session.describe()).rejects.toMatchObject({ errorName: 'SOURCE_QUERY_FAILED', message: expect.stringContaining('placeholders') });
      } finally {
        await session.close();
      }
    });
  });
}
