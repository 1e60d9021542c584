/**
 * Connecting: the five sslmodes against a TLS server and a plain one (libpq semantics, issue 4
 * §1), authentication, unknown database, unreachable server, and the session settings.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../../src/errors.js';
import { postgresProvider } from '../../../../src/providers/postgres/index.js';
import type { SourceSession, SslMode } from '../../../../src/providers/provider.js';
import { freePort } from '../../../servers/free-port.js';
import { collectRows } from '../../../helpers/collect-rows.js';
import { remoteRequest, remoteSql, sessionOptions, type RemoteFactory, type RemotePostgres, type RequestOverrides } from '../remote.js';

const USER = 'reader';
const PASSWORD = 'S3cret pass, with spaces';
/** A server that refuses TLS must fail at once, not after the connect timeout. */
const FAST_FAILURE_MS = 1_000;

async function connect(remote: RemotePostgres, o: RequestOverrides, caFile?: string): Promise<SourceSession> {
  return postgresProvider.connect(remoteRequest(remote, { username: USER, password: PASSWORD, ...o }), sessionOptions(caFile ? { caFile } : {}));
}

/** The single value of the session's sql_query, read through the provider (COPY on the session's own backend). */
async function scalar(session: SourceSession): Promise<string | null> {
  const { rows } = await collectRows(session);
  return rows[0]![0]!;
}

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectorError);
  return err as ConnectorError;
}

const SSL_IN_USE = 'select ssl::text from pg_catalog.pg_stat_ssl where pid = pg_catalog.pg_backend_pid()';

export function connectSuite(factory: RemoteFactory): void {
  describe(`postgres provider: connect and sslmode (${factory.name})`, () => {
    let tlsRemote: RemotePostgres;
    let plainRemote: RemotePostgres;

    beforeAll(async () => {
      [tlsRemote, plainRemote] = await Promise.all([
        factory.start({ tls: true, hostAuth: 'scram-sha-256' }),
        factory.start({ tls: false, hostAuth: 'scram-sha-256' }),
      ]);
      for (const remote of [tlsRemote, plainRemote]) {
        await remoteSql(remote, `create role ${USER} login password '${PASSWORD.replace(/'/g, "''")}'`);
        await remoteSql(remote, 'create sequence written');
        await remoteSql(remote, `grant usage, select on sequence written to ${USER}`);
      }
    });
    afterAll(async () => {
      await Promise.all([tlsRemote?.stop(), plainRemote?.stop()]);
    });

    /** sslmode → is the connection encrypted, on each server (or the error code). */
    const matrix: Array<{ sslmode: SslMode; tls: boolean | number; plain: boolean | number }> = [
      { sslmode: 'require', tls: true, plain: 1504 },
      { sslmode: 'prefer', tls: true, plain: false },
      { sslmode: 'disable', tls: false, plain: false },
      { sslmode: 'verify-ca', tls: true, plain: 1504 },
      { sslmode: 'verify-full', tls: true, plain: 1504 },
    ];
    for (const row of matrix) {
      for (const side of ['tls', 'plain'] as const) {
        const expected = row[side];
        it(`sslmode ${row.sslmode} on the ${side} server → ${typeof expected === 'number' ? `error ${expected}` : expected ? 'encrypted' : 'plain'}`, async () => {
          const remote = side === 'tls' ? tlsRemote : plainRemote;
          // verify-full checks the name: the certificate is for "localhost" only.
          const server = row.sslmode === 'verify-full' ? 'localhost' : remote.host;
          const started = Date.now();
          const opening = connect(remote, { sslmode: row.sslmode, server, sqlQuery: SSL_IN_USE }, tlsRemote.tls!.caFile);
          if (typeof expected === 'number') {
            const err = await failure(opening);
            expect(err.code).toBe(expected);
            expect(err.message).toMatch(/does not support SSL/);
            expect(Date.now() - started).toBeLessThan(FAST_FAILURE_MS);
            return;
          }
          const session = await opening;
          try {
            expect(await scalar(session)).toBe(expected ? 'true' : 'false');
          } finally {
            await session.close();
          }
        });
      }
    }

    it('verify-full rejects a certificate that does not name the server (127.0.0.1 vs localhost)', async () => {
      const err = await failure(connect(tlsRemote, { sslmode: 'verify-full', server: '127.0.0.1' }, tlsRemote.tls!.caFile));
      expect(err.errorName).toBe('SOURCE_UNREACHABLE');
      expect(err.message).toMatch(/certificate/i);
      expect(err.message).toMatch(/verify-full/);
    });

    it('verify-ca without the signing CA rejects the certificate', async () => {
      const err = await failure(connect(tlsRemote, { sslmode: 'verify-ca' }));
      expect(err.errorName).toBe('SOURCE_UNREACHABLE');
      expect(err.message).toMatch(/certificate/i);
    });

    it('wrong password → SOURCE_AUTH_FAILED (1503) without the password in the message', async () => {
      for (const remote of [tlsRemote, plainRemote]) {
        const err = await failure(connect(remote, { password: 'not-the-password', sslmode: 'prefer' }));
        expect(err.code).toBe(1503);
        expect(err.message).toMatch(/28P01/);
        expect(err.message).not.toContain('not-the-password');
        expect(err.message).not.toContain(PASSWORD);
      }
    });

    it('no password where the server wants one → SOURCE_AUTH_FAILED', async () => {
      const request = remoteRequest(plainRemote, { username: USER });
      const err = await failure(postgresProvider.connect(request, sessionOptions()));
      expect(err.code).toBe(1503);
    });

    it('unknown database → SOURCE_NOT_FOUND naming it', async () => {
      const err = await failure(connect(plainRemote, { database: 'no_such_db' }));
      expect(err.errorName).toBe('SOURCE_NOT_FOUND');
      expect(err.message).toContain('"no_such_db"');
    });

    it('nothing listening → SOURCE_UNREACHABLE', async () => {
      const err = await failure(connect(plainRemote, { port: await freePort() }));
      expect(err.code).toBe(1504);
      expect(err.message).toMatch(/ECONNREFUSED|Cannot reach/);
    });

    it('a server that accepts and never answers → SOURCE_UNREACHABLE after the connect timeout', async () => {
      const sockets: net.Socket[] = [];
      const silent = net.createServer((s) => sockets.push(s));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const port = (silent.address() as net.AddressInfo).port;
      try {
        const started = Date.now();
        const request = remoteRequest(plainRemote, { port, username: USER, password: PASSWORD, sslmode: 'require' });
        const err = await failure(postgresProvider.connect(request, sessionOptions({ connectTimeoutMs: 400 })));
        expect(err.code).toBe(1504);
        expect(err.message).toMatch(/connect_timeout/);
        expect(Date.now() - started).toBeLessThan(3_000);
      } finally {
        sockets.forEach((s) => s.destroy());
        silent.close();
      }
    });

    it('the remote session is read-only, UTC, named, with the statement timeout', async () => {
      const session = await connect(plainRemote, {
        sqlQuery: `select current_setting('default_transaction_read_only'), current_setting('TimeZone'),
          current_setting('application_name'), current_setting('statement_timeout'), current_setting('bytea_output')`,
      });
      try {
        const { rows } = await collectRows(session);
        expect(rows).toEqual([['on', 'UTC', 'pg-connector-bridge', '1min', 'hex']]);
      } finally {
        await session.close();
      }
    });

    it('a writing sql_query fails with SOURCE_QUERY_FAILED (read-only transaction)', async () => {
      const session = await connect(plainRemote, { sqlQuery: "select pg_catalog.nextval('written')" });
      try {
        const err = await failure(collectRows(session));
        expect(err.errorName).toBe('SOURCE_QUERY_FAILED');
        expect(err.message).toMatch(/25006|read-only/);
      } finally {
        await session.close();
      }
      expect(await remoteSql(plainRemote, 'select is_called from written')).toEqual([{ is_called: false }]);
    });

    it('cancel over TLS: the remote query is gone within 2 s', async () => {
      const session = await connect(tlsRemote, { sslmode: 'require', sqlQuery: 'select pg_catalog.pg_sleep(30)::text as slept' });
      try {
        const active = () => remoteSql<{ n: number }>(tlsRemote,
          "select count(*)::int as n from pg_stat_activity where application_name = 'pg-connector-bridge' and state = 'active'");
        const controller = new AbortController();
        const running = collectRows(session, { signal: controller.signal });
        await new Promise((r) => setTimeout(r, 200));
        expect((await active())[0]!.n).toBe(1);
        controller.abort();
        expect((await failure(running)).errorName).toBe('CANCELLED');
        const started = Date.now();
        while ((await active())[0]!.n > 0) {
          expect(Date.now() - started).toBeLessThan(2_000);
          await new Promise((r) => setTimeout(r, 25));
        }
      } finally {
        await session.close();
      }
    });

    it('statement_timeout stops a slow query → SOURCE_UNREACHABLE naming the setting', async () => {
      const request = remoteRequest(plainRemote, { username: USER, password: PASSWORD, sqlQuery: 'select pg_catalog.pg_sleep(10)::text as slept' });
      const session = await postgresProvider.connect(request, sessionOptions({ statementTimeoutMs: 300 }));
      try {
        const started = Date.now();
        const err = await failure(collectRows(session));
        expect(err.code).toBe(1504);
        expect(err.message).toMatch(/statement_timeout/);
        expect(Date.now() - started).toBeLessThan(3_000);
      } finally {
        await session.close();
      }
    });
  });
}
