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
import { tokenize, unescapeHiveString } from './lexer.js';
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
      INSERT INTO sales.customers VALUES (1, 'Ann'), (3, 'Bo');
      CREATE TABLE events (id INT, at TIMESTAMP);
      INSERT INTO events VALUES (1, CAST('2024-01-01 00:00:00.0000015' AS TIMESTAMP)), (2, CAST('2024-01-01 00:00:00.000002' AS TIMESTAMP)), (3, NULL),
        (4, CAST('2023-12-31 23:59:59.999999999' AS TIMESTAMP));
      CREATE TABLE bins (id INT, b BINARY);
      INSERT INTO bins VALUES (1, unhex('FE41')), (2, unhex('E282AC')), (3, unhex('E282')), (4, unhex('C0AF')), (5, NULL)`);
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

  it('decodes string literals like BaseSemanticAnalyzer.unescapeSQLString', () => {
    const value = (literal: string) => tokenize(literal).map((t) => t.text);
    expect(value(String.raw`'\200'`)).toEqual(['200']); // octal only from \000 to \177
    expect(value(String.raw`'\101\0410'`)).toEqual(['A!0']);
    expect(value(String.raw`'\u00e9\u0041x'`)).toEqual(['éAx']);
    expect(unescapeHiveString(String.raw`'\uzzzz'`)).toBe('\ueeef'); // Character.digit -1 four times, then the (char) cast
    expect(value(String.raw`'\u12'`)).toEqual(['u12']); // too close to the quote: not a \u escape
    expect(value(String.raw`'a\'b' "c\"d" 'tab\tZ\Z' 'like\%\_' '\q'`)).toEqual(["a'b", 'c"d', 'tab\tZ\x1a', 'like\\%\\_', 'q']);
    expect(value(`'it''s' 'a'"b"`)).toEqual(['its', 'ab']); // quoted runs back to back are one literal
  });

  it('sorts NULLs like Hive (first ascending, last descending) and compares TIMESTAMPs to the nanosecond', async () => {
    const ids = async (sql: string) => (await queryHiveQL(endpoint, sql)).map((r) => r.id);
    expect(await ids('SELECT id FROM sales.orders ORDER BY amount')).toEqual([2, 3, 1]);
    expect(await ids('SELECT id FROM sales.orders ORDER BY amount DESC')).toEqual([1, 3, 2]);
    expect(await ids('SELECT id FROM sales.orders ORDER BY amount ASC NULLS LAST, id')).toEqual([3, 1, 2]);
    expect(await ids('SELECT id FROM sales.orders ORDER BY note DESC, amount LIMIT 2')).toEqual([3, 1]);
    expect(await ids('SELECT id FROM events ORDER BY at')).toEqual([3, 4, 1, 2]);
    expect(await ids("SELECT id FROM events WHERE (at > CAST('2024-01-01 00:00:00.000001' AS timestamp) OR at IS NULL) ORDER BY at")).toEqual([3, 1, 2]);
    expect(await ids("SELECT id FROM events WHERE at >= CAST('2024-01-01 00:00:00.000002' AS timestamp)")).toEqual([2]);
    expect(await ids("SELECT id FROM events WHERE CAST('2024-01-01 00:00:00.000002' AS timestamp) > at ORDER BY id")).toEqual([1, 4]);
    expect(await ids("SELECT id FROM events WHERE at < CAST('2024-01-01' AS timestamp)")).toEqual([4]);
  });

  it('compares TIMESTAMP constants of 7 to 9 fraction digits to the nanosecond, and reads an unparseable one as NULL', async () => {
    const ids = async (where: string) => (await queryHiveQL(endpoint, `SELECT id FROM events WHERE ${where} ORDER BY id`)).map((r) => r.id);
    expect(await ids("at >= CAST('2024-01-01 00:00:00.0000015' AS timestamp)")).toEqual([1, 2]);
    expect(await ids("at > CAST('2024-01-01 00:00:00.0000015' AS timestamp)")).toEqual([2]);
    expect(await ids("at >= CAST('2024-01-01 00:00:00.000001499' AS TIMESTAMP)")).toEqual([1, 2]);
    expect(await ids("at < CAST('2024-01-01 00:00:00.0000005' AS timestamp)")).toEqual([4]);
    expect(await ids("at = CAST('2023-12-31 23:59:59.999999999' AS timestamp)")).toEqual([4]);
    expect(await ids("at >= CAST('2023-12-31 23:59:59.999999999' AS timestamp) AND at <= CAST('2024-01-01 00:00:00.000002' AS timestamp)")).toEqual([1, 2, 4]);
    expect(await ids("CAST('not a time' AS timestamp) IS NULL")).toEqual([1, 2, 3, 4]);
  });

  it('evaluates Hive functions with Hive\'s semantics: conv, pmod, concat, substr, hex, md5, CAST of BINARY to STRING', async () => {
    const [row] = await queryHiveQL(endpoint, `SELECT conv('100', 2, 10) AS c1, conv(-10, 16, -10) AS c2, conv('ffffffffffffffff', 16, 10) AS c3,
      conv('1ffffffffffffffff', 16, 10) AS c4, conv('-1', 10, 16) AS c5, conv('12z4', 10, 10) AS c6, conv('ff', 16, -10) AS c7, conv('1', 1, 10) AS c8,
      pmod(-7, 3) AS p1, CAST(pmod(CAST('-1.5' AS DECIMAL(3,1)), CAST('1' AS DECIMAL(1,0))) AS STRING) AS p2, pmod(5, 0) AS p3,
      concat('a', NULL) AS k1, concat('a', 'b', 'c') AS k2, nvl(concat('v', NULL), 'n') AS k3,
      substr('Facebook', 5) AS s1, substr('Facebook', -5) AS s2, substr('Facebook', 5, 1) AS s3, substring('Facebook', 0, 2) AS s4,
      substr('abc', -5, 2) AS s5, substr('abc', 10) AS s6, substr('abc', 2, 0) AS s7, substr('ünï', 2, 1) AS s8,
      hex('é') AS h1, hex(255) AS h2, hex(-1) AS h3, md5('ABC') AS m1, md5('ünï') AS m2`);
    expect(row).toEqual({
      c1: '4', c2: '-16', c3: '18446744073709551615', c4: '18446744073709551615', c5: 'FFFFFFFFFFFFFFFF', c6: '12', c7: '255', c8: null,
      p1: 2, p2: '0.5', p3: null,
      k1: null, k2: 'abc', k3: 'n',
      s1: 'book', s2: 'ebook', s3: 'b', s4: 'Fa', s5: '', s6: '', s7: '', s8: 'n',
      h1: 'C3A9', h2: 'FF', h3: 'FFFFFFFFFFFFFFFF', m1: '902fbdd2b1df0c4f70b4a5d23525e932', m2: '3241a66fd412a38b61bb6f5a732e1a29',
    });
    // Java's UTF-8 decoder: one U+FFFD per maximal invalid subsequence.
    expect(await queryHiveQL(endpoint, 'SELECT id, CAST(b AS STRING) AS s, hex(b) AS h, length(b) AS n FROM bins ORDER BY id')).toEqual([
      { id: 1, s: '\uFFFDA', h: 'FE41', n: 2 }, { id: 2, s: '€', h: 'E282AC', n: 3 }, { id: 3, s: '\uFFFD', h: 'E282', n: 2 },
      { id: 4, s: '\uFFFD\uFFFD', h: 'C0AF', n: 2 }, { id: 5, s: null, h: null, n: null },
    ]);
  });

  it('names the columns of a derived table like Hive: unqualified, _c<i> for expressions', async () => {
    expect(await queryHiveQL(endpoint, 'SELECT _c1, id FROM (SELECT o.id, upper(o.note) FROM sales.orders o) t WHERE id = 1')).toEqual([{ _c1: 'FIRST', id: 1 }]);
    expect(await queryHiveQL(endpoint, 'SELECT t.name FROM (SELECT c.name FROM sales.customers c WHERE c.id IN (SELECT id FROM sales.orders)) t ORDER BY name DESC'))
      .toEqual([{ name: 'Bo' }, { name: 'Ann' }]);
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
