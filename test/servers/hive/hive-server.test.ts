/**
 * The HiveServer2 test server through hive-driver's ordinary public API (no connector code): it
 * must behave like HiveServer2 for any client — metadata calls, DESCRIBE/SHOW, the nulls bitmap,
 * result naming, and Hive's error texts.
 */
import crypto from 'node:crypto';
import hive from 'hive-driver';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminQuery } from '../../helpers/one-shot-sql.js';
import { queryHiveQL, runHiveQL, type HiveEndpoint } from './fixtures.js';
import { startHiveServer, type HiveServer } from './index.js';
import { nullBitmap } from './rowset.js';

describe('HiveServer2 test server', () => {
  const database = `hive_${crypto.randomBytes(5).toString('hex')}`;
  let server: HiveServer;
  let endpoint: HiveEndpoint;

  beforeAll(async () => {
    await adminQuery(`create database ${database}`);
    const { host, port } = inject('servers').pg;
    server = await startHiveServer({ backendUrl: `postgres://postgres@${host}:${port}/${database}`, user: 'alice', password: 's3cret' });
    endpoint = { host: server.host, port: server.port, user: 'alice', password: 's3cret' };
    await runHiveQL(endpoint, `
      CREATE DATABASE sales;
      CREATE TABLE sales.orders (id BIGINT COMMENT 'key', amount DECIMAL(10,2), note VARCHAR(20), tags ARRAY<STRING>);
      INSERT INTO sales.orders VALUES (1, 9.5, 'first', array('a','b')), (2, NULL, NULL, NULL), (3, 0.25, 'it\\'s', array());
      CREATE TABLE sales.customers (id BIGINT, name STRING);
      INSERT INTO sales.customers VALUES (1, 'Ann'), (3, 'Bo')`);
  });
  afterAll(async () => {
    await server?.stop();
    await adminQuery(`drop database if exists ${database} with (force)`);
  });

  it('encodes the nulls bitmap like Hive ColumnBuffer.toBinary', () => {
    expect([...nullBitmap([false, false])]).toEqual([0]);
    expect([...nullBitmap([true, false, true])]).toEqual([0b101]);
    expect([...nullBitmap([...new Array<boolean>(8).fill(false), true])]).toEqual([0, 1]);
  });

  it('serves SELECT, JOIN, DESCRIBE and SHOW to a plain hive-driver client', async () => {
    expect(await queryHiveQL(endpoint, 'SELECT id, amount, note, tags FROM sales.orders ORDER BY id')).toEqual([
      { id: 1, amount: 9.5, note: 'first', tags: ['a', 'b'] },
      { id: 2, amount: null, note: null, tags: null },
      { id: 3, amount: 0.25, note: "it's", tags: [] },
    ]);
    expect(await queryHiveQL(endpoint, 'SELECT o.id, c.name FROM sales.orders o JOIN sales.customers c ON o.id = c.id WHERE o.id > 1')).toEqual([{ id: 3, name: 'Bo' }]);
    expect(await queryHiveQL(endpoint, 'DESCRIBE sales.orders')).toEqual([
      { col_name: 'id', data_type: 'bigint', comment: 'key' },
      { col_name: 'amount', data_type: 'decimal(10,2)', comment: '' },
      { col_name: 'note', data_type: 'varchar(20)', comment: '' },
      { col_name: 'tags', data_type: 'array<string>', comment: '' },
    ]);
    expect(await queryHiveQL(endpoint, "SHOW TABLES IN sales LIKE 'ord*|cust*'")).toEqual([{ tab_name: 'customers' }, { tab_name: 'orders' }]);
    expect(await queryHiveQL(endpoint, 'SHOW DATABASES')).toEqual([{ database_name: 'default' }, { database_name: 'sales' }]);
  });

  it('answers GetSchemas, GetTables, GetColumns and GetInfo', async () => {
    const { HiveClient, HiveUtils, thrift, auth, connections } = hive;
    const client = new HiveClient(thrift.TCLIService, thrift.TCLIService_types);
    await client.connect({ host: server.host, port: server.port }, new connections.TcpConnection(), new auth.PlainTcpAuthentication({ username: 'alice', password: 's3cret' }));
    const session = await client.openSession({ client_protocol: thrift.TCLIService_types.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10 });
    const utils = new HiveUtils(thrift.TCLIService_types);
    const rows = async (op: any) => {
      await utils.waitUntilReady(op, false);
      await utils.fetchAll(op);
      const value = utils.getResult(op).getValue();
      await op.close();
      return value;
    };
    try {
      expect((await rows(await session.getSchemas({ schemaName: 's%' }))).map((r: any) => r.TABLE_SCHEM)).toEqual(['sales']);
      expect((await rows(await session.getTables({ schemaName: 'sales', tableName: '%' }))).map((r: any) => [r.TABLE_NAME, r.TABLE_TYPE]))
        .toEqual([['customers', 'TABLE'], ['orders', 'TABLE']]);
      const columns = await rows(await session.getColumns({ schemaName: 'sales', tableName: 'orders' }));
      expect(columns.map((r: any) => [r.COLUMN_NAME, r.TYPE_NAME, r.DATA_TYPE, r.COLUMN_SIZE, r.DECIMAL_DIGITS])).toEqual([
        ['id', 'BIGINT', -5, 19, null], ['amount', 'DECIMAL(10,2)', 3, 10, 2], ['note', 'VARCHAR(20)', 12, 20, null], ['tags', 'ARRAY<STRING>', 2003, null, null],
      ]);
      expect((await session.getInfo(thrift.TCLIService_types.TGetInfoType.CLI_DBMS_NAME)).getValue()).toBe('Apache Hive');
    } finally {
      await session.close();
      client.close();
    }
  });

  it('reports errors in Hive words: table not found, parse errors, missing databases', async () => {
    await expect(queryHiveQL(endpoint, 'SELECT * FROM sales.nothing')).rejects.toThrow(/SemanticException \[Error 10001\]: .*Table not found '(sales\.)?nothing'/);
    await expect(queryHiveQL(endpoint, 'SELEC 1')).rejects.toThrow(/ParseException line 1:0 cannot recognize input near 'selec'/);
    await expect(runHiveQL(endpoint, 'USE nowhere')).rejects.toThrow(/Database does not exist: nowhere/);
  });

  it('refuses a wrong password with the SASL BAD answer', async () => {
    await expect(runHiveQL({ ...endpoint, password: 'nope' }, 'SELECT 1')).rejects.toThrow(/Authentication error: Error validating the login/);
  });
});
