/**
 * Issue 8 §6: sql_query, hostile and 70-character names, error classification (1503–1506),
 * listTables, ApplicationIntent=ReadOnly, and the TLS settings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../src/errors.js';
import { sqlserverProvider } from '../../../../src/providers/sqlserver/index.js';
import { collectRows } from '../../../helpers/collect-rows.js';
import { freePort } from '../../../servers/free-port.js';
import { sessionOptions, sqlserverRequest, type SqlServerFactory, type SqlServerUnderTest } from '../server.js';
import type { SourceRequest } from '../../../../src/providers/provider.js';

const HOSTILE_SCHEMA = "we]ird'; sch";
const HOSTILE_TABLE = "t]'; DROP TABLE orders; --";
const HOSTILE_COLUMN = "c]ol'; 1";
const LONG_TABLE = `orders_${'x'.repeat(63)}`;
const LONG_COLUMN = `amount_${'y'.repeat(63)}`;
const q = (name: string) => `[${name.replace(/]/g, ']]')}]`;

async function read(s: SqlServerUnderTest, extra: Partial<SourceRequest>, conn: Partial<SourceRequest['connection']> = {}) {
  const session = await sqlserverProvider.connect(sqlserverRequest(s, extra, conn), sessionOptions());
  try {
    return await collectRows(session);
  } finally {
    await session.close();
  }
}

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectorError);
  return err as ConnectorError;
}

export function queriesAndErrorsSuite(factory: SqlServerFactory): void {
  describe(`sqlserver provider: queries, names, errors (${factory.name})`, () => {
    let server: SqlServerUnderTest;

    beforeAll(async () => {
      server = await factory.start();
      await server.loadFixture(`
        CREATE TABLE dbo.orders (id int PRIMARY KEY, customer nvarchar(40), amount decimal(12,2));
        CREATE TABLE dbo.customers (name nvarchar(40), country char(2));
        INSERT INTO dbo.orders VALUES (1, N'Ana', 10.50), (2, N'Bo', 99999999.99), (3, N'Ana', -0.01);
        INSERT INTO dbo.customers VALUES (N'Ana', 'PT'), (N'Bo', 'SE');`);
      await server.loadFixture(`CREATE SCHEMA ${q(HOSTILE_SCHEMA)}`);
      await server.loadFixture(`
        CREATE TABLE ${q(HOSTILE_SCHEMA)}.${q(HOSTILE_TABLE)} (${q(HOSTILE_COLUMN)} int, [v] money);
        INSERT INTO ${q(HOSTILE_SCHEMA)}.${q(HOSTILE_TABLE)} VALUES (7, 1.2345);
        CREATE TABLE dbo.${q(LONG_TABLE)} (${q(LONG_COLUMN)} decimal(5,1), [${LONG_COLUMN.slice(0, 60)}_2] int);
        INSERT INTO dbo.${q(LONG_TABLE)} VALUES (12.5, 2);`);
    });
    afterAll(async () => { await server?.stop(); });

    it('runs a sql_query with exact decimals (wrapped) and keeps ORDER BY / TOP of a plain query', async () => {
      const got = await read(server, { source: { kind: 'query', sql: 'SELECT o.id, o.amount, c.country FROM dbo.orders AS o JOIN dbo.customers AS c ON c.name = o.customer WHERE o.amount > 0' } });
      expect(got.plan.columns.map((c) => [c.remoteName, c.localType])).toEqual([['id', 'integer'], ['amount', 'numeric(12,2)'], ['country', 'varchar(2)']]);
      expect(got.rows.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([['1', '10.50', 'PT'], ['2', '99999999.99', 'SE']]);
      const top = await read(server, { source: { kind: 'query', sql: 'SELECT TOP (2) id, customer FROM dbo.orders ORDER BY id DESC' } });
      expect(top.rows).toEqual([['3', 'Ana'], ['2', 'Bo']]);
    });

    it('quotes hostile schema, table and column names', async () => {
      const got = await read(server, { schema: HOSTILE_SCHEMA, source: { kind: 'table', table: HOSTILE_TABLE } });
      expect(got.plan.columns.map((c) => [c.remoteName, c.localType])).toEqual([[HOSTILE_COLUMN, 'integer'], ['v', 'numeric(19,4)']]);
      expect(got.rows).toEqual([['7', '1.2345']]);
      const orders = await read(server, { source: { kind: 'table', table: 'orders' } });
      expect(orders.rows).toHaveLength(3);
    });

    it('reads 70-character table and column names', async () => {
      const got = await read(server, { source: { kind: 'table', table: LONG_TABLE } });
      expect(got.plan.columns.map((c) => c.remoteName)).toEqual([LONG_COLUMN, `${LONG_COLUMN.slice(0, 60)}_2`]);
      expect(got.rows).toEqual([['12.5', '2']]);
    });

    it('lists tables and views with their schema', async () => {
      const session = await sqlserverProvider.connect(sqlserverRequest(server), sessionOptions());
      try {
        const tables = await session.listTables(500);
        expect(tables).toContainEqual({ schema: 'dbo', name: 'orders', kind: 'table' });
        expect(tables).toContainEqual({ schema: HOSTILE_SCHEMA, name: HOSTILE_TABLE, kind: 'table' });
        expect(await session.listTables(1)).toHaveLength(1);
      } finally {
        await session.close();
      }
    });

    it('logs in with ApplicationIntent=ReadOnly', async () => {
      if (!server.stats) return;
      const before = server.stats.readOnlyIntentLogins;
      await read(server, { source: { kind: 'table', table: 'orders' } });
      expect(server.stats.readOnlyIntentLogins).toBe(before + 1);
    });

    it('wrong password → SOURCE_AUTH_FAILED (1503), password not in the message', async () => {
      const err = await failure(sqlserverProvider.connect(sqlserverRequest(server, {}, { password: 'not-the-password' }), sessionOptions()));
      expect([err.errorName, err.code]).toEqual(['SOURCE_AUTH_FAILED', 1503]);
      expect(err.message).toContain('Login failed for user');
      expect(err.message).not.toContain('not-the-password');
    });

    it('unreachable port → SOURCE_UNREACHABLE (1504) within two seconds', async () => {
      const port = await freePort();
      const started = Date.now();
      const err = await failure(sqlserverProvider.connect(sqlserverRequest(server, {}, { port }), sessionOptions({ connectTimeoutMs: 2_000 })));
      expect([err.errorName, err.code]).toEqual(['SOURCE_UNREACHABLE', 1504]);
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('missing database, schema or table → SOURCE_NOT_FOUND (1505)', async () => {
      const db = await failure(sqlserverProvider.connect(sqlserverRequest(server, {}, { database: 'no_such_db' }), sessionOptions()));
      expect([db.errorName, db.code]).toEqual(['SOURCE_NOT_FOUND', 1505]);
      const table = await failure(read(server, { source: { kind: 'table', table: 'no_such_table' } }));
      expect([table.errorName, table.message]).toEqual(['SOURCE_NOT_FOUND', expect.stringContaining('Table "dbo"."no_such_table" does not exist')]);
      const schema = await failure(read(server, { schema: 'nope', source: { kind: 'table', table: 'orders' } }));
      expect([schema.errorName, schema.message]).toEqual(['SOURCE_NOT_FOUND', expect.stringContaining('Schema "nope" does not exist')]);
      const query = await failure(read(server, { source: { kind: 'query', sql: 'SELECT * FROM dbo.missing_table' } }));
      expect([query.errorName, query.message]).toEqual(['SOURCE_NOT_FOUND', expect.stringContaining('(error 208)')]);
    });

    it('bad T-SQL → SOURCE_QUERY_FAILED (1506) with the server message', async () => {
      const err = await failure(read(server, { source: { kind: 'query', sql: 'SELEC id FROM dbo.orders' } }));
      expect([err.errorName, err.code]).toEqual(['SOURCE_QUERY_FAILED', 1506]);
      expect(err.message).toContain('(error 102)');
      const dup = await failure(read(server, { source: { kind: 'query', sql: 'SELECT amount, amount FROM dbo.orders' } }));
      expect([dup.errorName, dup.message]).toEqual(['SOURCE_QUERY_FAILED', expect.stringContaining('unique alias')]);
    });
  });

  describe(`sqlserver provider: TLS (${factory.name})`, () => {
    let server: SqlServerUnderTest;
    beforeAll(async () => {
      server = await factory.start({ tls: true });
      await server.loadFixture('CREATE TABLE dbo.t (id int); INSERT INTO dbo.t VALUES (1);');
    });
    afterAll(async () => { await server?.stop(); });

    it('encrypts by default and accepts the self-signed certificate (like sslmode=require)', async () => {
      const before = server.stats?.encryptedLogins ?? 0;
      const got = await read(server, { source: { kind: 'table', table: 't' } }, { encrypt: undefined, trustServerCertificate: undefined });
      expect(got.rows).toEqual([['1']]);
      if (server.stats) expect(server.stats.encryptedLogins).toBe(before + 1);
    });

    it('verifies the certificate when trust_server_certificate is false: refused without the CA, accepted with it', async (ctx) => {
      // a real SQL Server image makes its own self-signed certificate: there is no CA to trust
      if (!server.caFile) return ctx.skip();
      const err = await failure(read(server, { source: { kind: 'table', table: 't' } }, { encrypt: true, trustServerCertificate: false }));
      expect([err.errorName, err.message]).toEqual(['SOURCE_UNREACHABLE', expect.stringContaining('certificate')]);
      const session = await sqlserverProvider.connect(sqlserverRequest(server, { source: { kind: 'table', table: 't' } }, { encrypt: true, trustServerCertificate: false, server: 'localhost' }), sessionOptions({ caFile: server.caFile }));
      try {
        expect((await collectRows(session)).rows).toEqual([['1']]);
      } finally {
        await session.close();
      }
    });

    it('refuses a server that cannot encrypt unless encrypt is false', async (ctx) => {
      // only the TDS test server can be started without TLS; a real SQL Server always offers it
      if (!server.stats) return ctx.skip();
      const plain = await factory.start();
      try {
        await plain.loadFixture('CREATE TABLE dbo.t (id int); INSERT INTO dbo.t VALUES (2);');
        const err = await failure(read(plain, { source: { kind: 'table', table: 't' } }, { encrypt: true }));
        expect([err.errorName, err.message]).toEqual(['SOURCE_UNREACHABLE', expect.stringContaining('does not support encryption')]);
        expect((await read(plain, { source: { kind: 'table', table: 't' } }, { encrypt: false })).rows).toEqual([['2']]);
      } finally {
        await plain.stop();
      }
    });
  });
}
