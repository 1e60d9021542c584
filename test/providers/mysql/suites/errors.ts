/**
 * Every failure a user can cause maps to its SPEC §4 code with a message that says what to fix
 * and never contains the password.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorError } from '../../../../src/errors.js';
import { mysqlProvider } from '../../../../src/providers/mysql/index.js';
import type { SessionOptions, SourceRequest } from '../../../../src/providers/provider.js';
import { collectRows } from '../../../helpers/collect-rows.js';
import { freePort } from '../../../servers/free-port.js';
import { createTestDb, sessionOptions, type MysqlTestDb, type MysqlTestServer } from '../server.js';

const PASSWORD = 'S3cret-pässword;\'"`';

async function failure(request: SourceRequest, opts: Partial<SessionOptions> = {}, stage: 'connect' | 'describe' | 'stream' = 'stream'): Promise<{ err: ConnectorError; ms: number }> {
  const started = Date.now();
  try {
    const session = await mysqlProvider.connect(request, sessionOptions(opts));
    try {
      if (stage !== 'connect') await (stage === 'describe' ? session.describe() : collectRows(session));
    } finally {
      await session.close();
    }
  } catch (err) {
    return { err: err as ConnectorError, ms: Date.now() - started };
  }
  throw new Error(`expected ${JSON.stringify(request)} to fail`);
}

export function errorsSuite(server: () => MysqlTestServer): void {
  describe('MySQL errors', () => {
    let db: MysqlTestDb;

    beforeAll(async () => {
      db = await createTestDb(server());
      await db.exec('create table t (id int, v varchar(10)); insert into t values (1, \'a\'), (2, \'b\')');
      await db.createUser('reader', PASSWORD);
    });
    afterAll(async () => { await db?.drop(); });

    it('logs in with a password user (the control case)', async () => {
      const session = await mysqlProvider.connect(db.request({ source: { kind: 'table', table: 't' } }, { username: 'reader', password: PASSWORD }), sessionOptions());
      try {
        expect((await collectRows(session)).rows).toEqual([['1', 'a'], ['2', 'b']]);
      } finally {
        await session.close();
      }
    });

    it('wrong password → SOURCE_AUTH_FAILED (1503), no password in the message', async () => {
      const { err } = await failure(db.request({ source: { kind: 'table', table: 't' } }, { username: 'reader', password: PASSWORD + 'x' }), {}, 'connect');
      expect(err.errorName).toBe('SOURCE_AUTH_FAILED');
      expect(err.code).toBe(1503);
      expect(err.message).toMatch(/Access denied for user 'reader'/);
      expect(err.message).toMatch(/check username and password/);
      expect(err.message).not.toContain(PASSWORD);
    });

    it('unknown user → SOURCE_AUTH_FAILED', async () => {
      const { err } = await failure(db.request({ source: { kind: 'table', table: 't' } }, { username: 'nobody', password: 'x' }), {}, 'connect');
      expect(err.errorName).toBe('SOURCE_AUTH_FAILED');
    });

    it('a database the user may not use → SOURCE_AUTH_FAILED naming it', async () => {
      const request = db.request({ source: { kind: 'table', table: 't' } }, { username: 'reader', password: PASSWORD });
      request.connection.database = 'mysql';
      const { err } = await failure(request, {}, 'connect');
      expect(err.errorName).toBe('SOURCE_AUTH_FAILED');
      expect(err.message).toContain('"mysql"');
    });

    it('nothing listening on the port → SOURCE_UNREACHABLE (1504) at once', async () => {
      const request = db.request({ source: { kind: 'table', table: 't' } });
      request.connection.port = await freePort();
      const { err, ms } = await failure(request, {}, 'connect');
      expect(err.errorName).toBe('SOURCE_UNREACHABLE');
      expect(err.code).toBe(1504);
      expect(err.message).toContain(`127.0.0.1:${request.connection.port}`);
      expect(ms).toBeLessThan(2_000);
    });

    it('a server that accepts but never answers → SOURCE_UNREACHABLE within the connect timeout', async () => {
      const silent = net.createServer(() => {}).listen(0, '127.0.0.1');
      await new Promise((resolve) => silent.once('listening', resolve));
      try {
        const request = db.request({ source: { kind: 'table', table: 't' } });
        request.connection.port = (silent.address() as net.AddressInfo).port;
        const { err, ms } = await failure(request, { connectTimeoutMs: 500 }, 'connect');
        expect(err.errorName).toBe('SOURCE_UNREACHABLE');
        expect(err.message).toContain('no answer within 0.5 s');
        expect(ms).toBeGreaterThanOrEqual(450);
        expect(ms).toBeLessThan(2_000);
      } finally {
        silent.close();
      }
    });

    it('an unknown host name → SOURCE_UNREACHABLE', async () => {
      const request = db.request({ source: { kind: 'table', table: 't' } });
      request.connection.server = 'no-such-host.invalid';
      const { err } = await failure(request, { connectTimeoutMs: 2_000 }, 'connect');
      expect(err.errorName).toBe('SOURCE_UNREACHABLE');
    });

    it('missing database → SOURCE_NOT_FOUND (1505)', async () => {
      const request = db.request({ source: { kind: 'table', table: 't' } });
      request.connection.database = `${db.name}_missing`;
      const { err } = await failure(request, {}, 'connect');
      expect(err.errorName).toBe('SOURCE_NOT_FOUND');
      expect(err.message).toContain(`${db.name}_missing`);
    });

    it('missing table → SOURCE_NOT_FOUND naming schema and table', async () => {
      const { err } = await failure(db.request({ source: { kind: 'table', table: 'nope' } }), {}, 'describe');
      expect(err.errorName).toBe('SOURCE_NOT_FOUND');
      expect(err.message).toContain('table "nope" not found in database');
      expect(err.message).toContain(`"${db.name}"`);
    });

    it('missing schema → SOURCE_NOT_FOUND naming the schema', async () => {
      const { err } = await failure(db.request({ schema: 'no_such_db', source: { kind: 'table', table: 't' } }), {}, 'describe');
      expect(err.errorName).toBe('SOURCE_NOT_FOUND');
      expect(err.message).toContain('database "no_such_db" not found');
    });

    it('sql_query on a missing table → SOURCE_NOT_FOUND with MySQL\'s text', async () => {
      const { err } = await failure(db.request({ source: { kind: 'query', sql: 'select * from nope' } }), {}, 'describe');
      expect(err.errorName).toBe('SOURCE_NOT_FOUND');
      expect(err.message).toMatch(/Table '.*nope' doesn't exist/);
    });

    it('bad sql_query → SOURCE_QUERY_FAILED (1506) with MySQL\'s text', async () => {
      const { err } = await failure(db.request({ source: { kind: 'query', sql: 'selec id frm t' } }), {}, 'describe');
      expect(err.errorName).toBe('SOURCE_QUERY_FAILED');
      expect(err.code).toBe(1506);
      expect(err.message).toMatch(/You have an error in your SQL syntax/);
    });

    it('unknown column → SOURCE_QUERY_FAILED', async () => {
      const { err } = await failure(db.request({ source: { kind: 'query', sql: 'select nope from t' } }), {}, 'describe');
      expect(err.errorName).toBe('SOURCE_QUERY_FAILED');
      expect(err.message).toMatch(/Unknown column 'nope'/);
    });

    it('a table the user may not read → SOURCE_QUERY_FAILED (denied)', async () => {
      const { err } = await failure(db.request({ source: { kind: 'query', sql: 'select user from mysql.user' } }, { username: 'reader', password: PASSWORD }), {}, 'describe');
      expect(err.errorName).toBe('SOURCE_QUERY_FAILED');
      expect(err.message).toMatch(/denied/i);
    });

    it('statement timeout → SOURCE_UNREACHABLE "timed out after N s"', async () => {
      const { err, ms } = await failure(db.request({ source: { kind: 'query', sql: 'select id, sleep(2) as s from t' } }), { statementTimeoutMs: 700 });
      expect(err.errorName).toBe('SOURCE_UNREACHABLE');
      expect(err.message).toContain('timed out after 0.7 s');
      expect(ms).toBeLessThan(3_000);
    });
  });
}
