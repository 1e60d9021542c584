/**
 * sslmode for MySQL (issue 22 §5): each mode against a MariaDB serving TLS and against the run's
 * MariaDB, which has none; whether the session really is encrypted is read from the server
 * (status variable Ssl_cipher, empty in clear text), never inferred from the options.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/errors.js';
import { mysqlProvider } from '../../../src/providers/mysql/index.js';
import type { SourceRequest, SourceSession, SslMode } from '../../../src/providers/provider.js';
import { collectRows } from '../../helpers/collect-rows.js';
import { createTlsFiles, type TlsFiles } from '../../servers/tls.js';
import { createTestDb, runMariaDb, sessionOptions, startTlsMariaDb, type MysqlTestDb, type TlsMysqlTestServer } from './server.js';

const USER = 'tls_reader';
const PASSWORD = 'S3cret pass; with spaces';
/** A server that refuses TLS must fail at once, not after the connect timeout. */
const FAST_FAILURE_MS = 1_000;
const SSL_CIPHER = "select variable_value from information_schema.session_status where variable_name = 'SSL_CIPHER'";

let tlsServer: TlsMysqlTestServer;
let tlsDb: MysqlTestDb;
let plainDb: MysqlTestDb;
/** A CA that did not sign the server's certificate. */
let otherCa: TlsFiles;

beforeAll(async () => {
  [tlsServer, otherCa] = await Promise.all([startTlsMariaDb(), createTlsFiles()]);
  [tlsDb, plainDb] = await Promise.all([createTestDb(tlsServer), createTestDb(runMariaDb())]);
  for (const db of [tlsDb, plainDb]) await db.createUser(USER, PASSWORD);
});

afterAll(async () => {
  await Promise.all([tlsDb?.drop(), plainDb?.drop()]);
  await tlsServer?.stop();
  otherCa?.remove();
});

interface Attempt {
  sslmode?: SslMode;
  /** The name the user gives (default 127.0.0.1); the socket always goes to 127.0.0.1, as after the network policy. */
  server?: string;
  caFile?: string;
  password?: string;
  sql?: string;
}

function requestFor(db: MysqlTestDb, a: Attempt): SourceRequest {
  const base = db.request({ source: { kind: 'query', sql: a.sql ?? SSL_CIPHER } }, { username: USER, password: a.password ?? PASSWORD });
  return {
    ...base,
    connection: { ...base.connection, server: a.server ?? db.server.host, address: db.server.host, ...(a.sslmode ? { sslmode: a.sslmode } : {}) },
  };
}

function connect(db: MysqlTestDb, a: Attempt): Promise<SourceSession> {
  return mysqlProvider.connect(requestFor(db, a), sessionOptions({ caFile: a.caFile ?? tlsServer.tls.caFile }));
}

/** The session's cipher as the server reports it: '' when the connection is in clear text. */
async function cipherOf(session: SourceSession): Promise<string> {
  try {
    const { rows } = await collectRows(session);
    return rows[0]![0]!;
  } finally {
    await session.close();
  }
}

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectorError);
  expect((err as Error).message).not.toContain(PASSWORD);
  return err as ConnectorError;
}

describe('mysql provider: sslmode', () => {
  /** sslmode (absent = the default, prefer) → encrypted?, on each server, or the error code. */
  const matrix: Array<{ sslmode?: SslMode; tls: boolean | number; plain: boolean | number }> = [
    { sslmode: 'disable', tls: false, plain: false },
    { sslmode: 'prefer', tls: true, plain: false },
    { tls: true, plain: false },
    { sslmode: 'require', tls: true, plain: 1504 },
    { sslmode: 'verify-ca', tls: true, plain: 1504 },
    { sslmode: 'verify-full', tls: true, plain: 1504 },
  ];
  for (const row of matrix) {
    for (const side of ['tls', 'plain'] as const) {
      const expected = row[side];
      const outcome = typeof expected === 'number' ? `error ${expected}` : expected ? 'encrypted' : 'clear text';
      it(`sslmode ${row.sslmode ?? 'absent (prefer)'} on the ${side} server → ${outcome}`, async () => {
        const db = side === 'tls' ? tlsDb : plainDb;
        // verify-full checks the name: the certificate is for "localhost" only.
        const server = row.sslmode === 'verify-full' ? 'localhost' : undefined;
        const started = Date.now();
        const opening = connect(db, { ...(row.sslmode ? { sslmode: row.sslmode } : {}), ...(server ? { server } : {}) });
        if (typeof expected === 'number') {
          const err = await failure(opening);
          expect(err.code).toBe(expected);
          expect(err.message).toMatch(/does not support SSL\/TLS connections, and sslmode "[a-z-]+" requires encryption/);
          expect(err.message).toMatch(/sslmode "prefer" or "disable"/);
          expect(Date.now() - started).toBeLessThan(FAST_FAILURE_MS);
          return;
        }
        const cipher = await cipherOf(await opening);
        if (expected) expect(cipher).toMatch(/^TLS_|-/);
        else expect(cipher).toBe('');
      });
    }
  }

  it('verify-ca checks the chain, not the name: 127.0.0.1 with a certificate for localhost passes', async () => {
    expect(await cipherOf(await connect(tlsDb, { sslmode: 'verify-ca', server: '127.0.0.1' }))).not.toBe('');
  });

  it('verify-ca with a CA that did not sign the certificate → 1504 naming the certificate and ssl_ca_file', async () => {
    const err = await failure(connect(tlsDb, { sslmode: 'verify-ca', caFile: otherCa.caFile }));
    expect(err.errorName).toBe('SOURCE_UNREACHABLE');
    expect(err.message).toMatch(/TLS certificate was rejected under sslmode "verify-ca"/);
    expect(err.message).toMatch(/ssl_ca_file/);
  });

  it('verify-ca without ssl_ca_file trusts the system CAs only, which did not sign the test certificate', async () => {
    const request = requestFor(tlsDb, { sslmode: 'verify-ca' });
    const err = await failure(mysqlProvider.connect(request, sessionOptions()));
    expect(err.code).toBe(1504);
    expect(err.message).toMatch(/certificate/);
  });

  it('verify-full rejects a certificate that does not name the server (127.0.0.1 vs localhost)', async () => {
    const err = await failure(connect(tlsDb, { sslmode: 'verify-full', server: '127.0.0.1' }));
    expect(err.errorName).toBe('SOURCE_UNREACHABLE');
    expect(err.message).toMatch(/certificate/i);
    expect(err.message).toMatch(/verify-full/);
  });

  it('verify-full checks the name given, not the address connected to', async () => {
    // The socket goes to 127.0.0.1 (as the sidecar connects to the address the policy checked);
    // the certificate is checked against "localhost", the name in the request.
    expect(await cipherOf(await connect(tlsDb, { sslmode: 'verify-full', server: 'localhost' }))).not.toBe('');
  });

  it('an unreadable ssl_ca_file is reported with the setting name', async () => {
    const err = await failure(connect(tlsDb, { sslmode: 'verify-full', server: 'localhost', caFile: '/nonexistent/ca.pem' }));
    expect(err.message).toMatch(/Cannot read the CA certificate file \/nonexistent\/ca\.pem \(setting ssl_ca_file\)/);
  });

  it('wrong password over TLS → SOURCE_AUTH_FAILED (1503), no password in the message', async () => {
    for (const sslmode of ['require', 'verify-full'] as const) {
      const err = await failure(connect(tlsDb, { sslmode, server: 'localhost', password: 'not-the-password' }));
      expect(err.code).toBe(1503);
      expect(err.message).not.toContain('not-the-password');
    }
  });

  it('cancel over TLS: KILL QUERY on a second TLS connection, the query gone within 2 s', async () => {
    const session = await connect(tlsDb, { sslmode: 'verify-full', server: 'localhost', sql: 'select /* cdb_tls_cancel */ sleep(30) as slept' });
    const running = async () => (await tlsDb.exec("select count(*) as n from information_schema.PROCESSLIST where INFO like '%cdb_tls_cancel%' and INFO not like '%PROCESSLIST%'"))[0].n;
    try {
      const controller = new AbortController();
      const reading = collectRows(session, { signal: controller.signal });
      const started = Date.now();
      while (Number(await running()) === 0) {
        expect(Date.now() - started).toBeLessThan(5_000);
        await new Promise((r) => setTimeout(r, 25));
      }
      controller.abort();
      await expect(reading).rejects.toMatchObject({ errorName: 'CANCELLED' });
      const aborted = Date.now();
      while (Number(await running()) > 0) {
        expect(Date.now() - aborted).toBeLessThan(2_000);
        await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      await session.close();
    }
  });
});
