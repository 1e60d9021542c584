/**
 * Issue 9 §6, everything but values and volume: sql_query (WHERE, JOIN, LIMIT, expressions),
 * hostile identifiers, listTables, the row limit, `encoding`, and the error codes a user sees
 * (1505 missing table / database, 1506 bad HiveQL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/errors.js';
import { hiveProvider } from '../../../src/providers/hive/index.js';
import { collectRows } from '../../helpers/collect-rows.js';
import { EDGE_VALUES_HIVEQL, HOSTILE_HIVEQL } from './fixtures.js';
import { hiveRequest, querySource, sessionOptions, tableSource, type HiveServerFactory, type HiveTestServer } from './server-factory.js';
import { withHiveSession } from './suite-values.js';

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectorError);
  return err as ConnectorError;
}

export function querySuite(factory: HiveServerFactory): void {
  describe(`hive provider: queries and errors (${factory.name})`, () => {
    let server: HiveTestServer;

    beforeAll(async () => {
      server = await factory.start();
      await server.loadFixture(EDGE_VALUES_HIVEQL + HOSTILE_HIVEQL);
    });
    afterAll(async () => { await server?.stop(); });

    const query = (sqlQuery: string, opts: { limit?: number } = {}) =>
      withHiveSession(hiveRequest(server, querySource(sqlQuery)), (s) => collectRows(s, opts));

    it('runs sql_query with WHERE, ORDER BY and computed columns', async () => {
      const result = await query('SELECT id, c_bigint, upper(c_varchar) AS up, c_decimal * 2 AS twice FROM edge_values WHERE id IN (1, 5) ORDER BY id;');
      expect(result.plan.columns.map((c) => [c.remoteName, c.localType])).toEqual([['id', 'integer'], ['c_bigint', 'bigint'], ['up', expect.stringMatching(/^(text|varchar)/)], ['twice', expect.stringMatching(/^numeric/)]]);
      expect(result.rows.map((r) => r.slice(0, 3))).toEqual([['1', '9223372036854775807', 'ABCDEFGHIJ'], ['5', '9007199254740993', 'X']]);
      expect(Number(result.rows[1]![3])).toBe(24691.3578);
    });

    it('runs a JOIN and keeps the qualified names of both sides apart', async () => {
      const result = await query('SELECT e.id, l.label FROM edge_values e JOIN labels l ON e.id = l.id ORDER BY e.id');
      expect(result.plan.columns.map((c) => c.remoteName)).toEqual(['e.id', 'l.label']);
      expect(result.rows).toEqual([['1', 'one'], ['2', 'two'], ['4', 'four']]);
    });

    it('honours LIMIT in the query and the row limit of the import', async () => {
      expect((await query('SELECT id FROM edge_values ORDER BY id LIMIT 2')).rows).toEqual([['1'], ['2']]);
      const closedBefore = server.stats?.closedOperations ?? 0;
      const limited = await withHiveSession(hiveRequest(server, tableSource('edge_values')), (s) => collectRows(s, { limit: 3 }));
      expect(limited.rows).toHaveLength(3);
      if (server.stats) expect(server.stats.closedOperations).toBeGreaterThan(closedBefore);
    });

    it('names an unaliased expression _c<i> and reads count(*) as bigint', async () => {
      const result = await query('SELECT count(*) FROM edge_values');
      expect(result.plan.columns).toEqual([{ remoteName: '_c0', remoteType: 'bigint', localType: 'bigint', rule: 'bigint → bigint' }]);
      expect(result.rows).toEqual([['5']]);
    });

    it('imports a table whose name and columns need quoting (backticks, quotes, reserved words)', async () => {
      const result = await withHiveSession(hiveRequest(server, { schema: 'hostile_db', ...tableSource('select') }), (s) => collectRows(s));
      expect(result.plan.columns.map((c) => c.remoteName)).toEqual(['we`ird "col"', 'semi;colon', 'space name', 'from']);
      expect(result.rows.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([['1', 'a;b', 'c d', '-1'], ['2', '--', '/*', '2']]);
    });

    it('lists tables and views with their schema', async () => {
      const tables = await withHiveSession(hiveRequest(server), (s) => s.listTables(500));
      expect(tables).toEqual(expect.arrayContaining([
        { schema: 'default', name: 'edge_values', kind: 'table' },
        { schema: 'default', name: 'edge_view', kind: 'view' },
        { schema: 'hostile_db', name: 'select', kind: 'table' },
      ]));
      expect(await withHiveSession(hiveRequest(server), (s) => s.listTables(1))).toHaveLength(1);
      const inSchema = await withHiveSession(hiveRequest(server, { schema: 'hostile_db' }), (s) => s.listTables(500));
      expect(inSchema).toEqual([{ schema: 'hostile_db', name: 'select', kind: 'table' }]);
    });

    it('re-decodes string bytes with `encoding` (HiveServer2 sends UTF-8; LATIN1 reads each byte as a character)', async () => {
      const request = hiveRequest(server, { ...querySource('SELECT c_varchar FROM edge_values WHERE id = 4'), encoding: 'LATIN1' });
      const result = await withHiveSession(request, (s) => collectRows(s));
      expect(result.rows).toEqual([[Buffer.from('ünïcødé', 'utf8').toString('latin1')]]);
    });

    it('a request without table or sql_query cannot be described (1502), and sends nothing', async () => {
      const statementsBefore = server.stats?.statements.length ?? 0;
      const err = await failure(withHiveSession(hiveRequest(server), (s) => s.describe()));
      expect(err.errorName).toBe('INVALID_PARAMETERS');
      expect(err.code).toBe(1502);
      if (server.stats) expect(server.stats.statements.length).toBe(statementsBefore);
    });

    it('missing table → SOURCE_NOT_FOUND (1505)', async () => {
      const err = await failure(withHiveSession(hiveRequest(server, tableSource('no_such_table')), (s) => s.describe()));
      expect(err.errorName).toBe('SOURCE_NOT_FOUND');
      expect(err.code).toBe(1505);
      expect(err.message).toMatch(/no_such_table/);
    });

    it('missing schema or database → SOURCE_NOT_FOUND (1505)', async () => {
      const schemaErr = await failure(withHiveSession(hiveRequest(server, { schema: 'no_such_db', ...tableSource('edge_values') }), (s) => s.describe()));
      expect(schemaErr.errorName).toBe('SOURCE_NOT_FOUND');
      const request = hiveRequest(server, tableSource('edge_values'));
      request.connection.database = 'no_such_db';
      const dbErr = await failure(hiveProvider.connect(request, sessionOptions()));
      expect(dbErr.errorName).toBe('SOURCE_NOT_FOUND');
    });

    it('bad HiveQL → SOURCE_QUERY_FAILED (1506) with the server text', async () => {
      const syntax = await failure(query('SELECT * FROM edge_values WHERE'));
      expect(syntax.errorName).toBe('SOURCE_QUERY_FAILED');
      expect(syntax.code).toBe(1506);
      expect(syntax.message).toMatch(/ParseException/);
      const column = await failure(query('SELECT no_such_column FROM edge_values'));
      expect(column.errorName).toBe('SOURCE_QUERY_FAILED');
    });

    it('refuses a sql_query that is not a query before it reaches the server (1506)', async () => {
      const statementsBefore = server.stats?.statements.length ?? 0;
      const err = await failure(query('DROP TABLE edge_values'));
      expect(err.errorName).toBe('SOURCE_QUERY_FAILED');
      if (server.stats) expect(server.stats.statements.length).toBe(statementsBefore);
      expect((await query('SELECT count(*) FROM edge_values')).rows).toEqual([['5']]);
    });

    it('leaves no operation or session open on the server', async () => {
      if (!server.stats) return;
      await withHiveSession(hiveRequest(server, tableSource('edge_values')), (s) => collectRows(s));
      expect(server.stats.closedSessions).toBe(server.stats.openedSessions);
    });
  });
}
