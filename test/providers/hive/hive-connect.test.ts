/**
 * Connecting and failing: wrong password (1503), unreachable or silent servers (1504 within the
 * connect timeout, never a hang), a SASL/NOSASL mismatch in either direction, the statement
 * timeout, and a server that dies mid-stream. Local test server only: these need a server we can
 * misconfigure, silence or kill.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/errors.js';
import { hiveProvider } from '../../../src/providers/hive/index.js';
import type { SessionOptions, SourceRequest } from '../../../src/providers/provider.js';
import { collectRows } from '../../helpers/collect-rows.js';
import { freePort } from '../../servers/free-port.js';
import { hiveRequest, localHiveServerFactory, sessionOptions, tableSource, type HiveTestServer } from './server-factory.js';

const FAST_FAILURE_MS = 2_000;

async function connectError(request: SourceRequest, opts: SessionOptions = sessionOptions()): Promise<{ err: ConnectorError; ms: number }> {
  const started = Date.now();
  const err = await hiveProvider.connect(request, opts).then(async (s) => { await s.close(); return undefined; }, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectorError);
  return { err: err as ConnectorError, ms: Date.now() - started };
}

describe('hive provider: connecting', () => {
  let plain: HiveTestServer;
  let nosasl: HiveTestServer;
  let silent: net.Server;
  let silentPort: number;
  const silentSockets = new Set<net.Socket>();

  beforeAll(async () => {
    [plain, nosasl] = await Promise.all([localHiveServerFactory('PLAIN').start(), localHiveServerFactory('NOSASL').start()]);
    await nosasl.loadFixture('CREATE TABLE t (id INT); INSERT INTO t VALUES (1), (2), (3), (4), (5), (6), (7), (8)');
    silent = net.createServer((socket) => {
      silentSockets.add(socket);
      socket.resume(); // read (and ignore) everything, so the client's close is seen
      socket.on('close', () => silentSockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    for (const socket of silentSockets) socket.destroy();
    silent?.close();
    await Promise.all([plain?.stop(), nosasl?.stop()]);
  });

  it('opens PLAIN and NOSASL sessions and closes them on the server', async () => {
    for (const server of [plain, nosasl]) {
      const session = await hiveProvider.connect(hiveRequest(server), sessionOptions());
      expect(server.stats!.openedSessions - server.stats!.closedSessions).toBeGreaterThanOrEqual(1);
      await session.close();
      await session.close();
      expect(server.stats!.openedSessions).toBe(server.stats!.closedSessions);
    }
  });

  it('wrong password → SOURCE_AUTH_FAILED (1503), fast, without the password in the message', async () => {
    const request = hiveRequest(plain);
    request.connection.password = 'wrong-secret-123';
    const { err, ms } = await connectError(request);
    expect(err.errorName).toBe('SOURCE_AUTH_FAILED');
    expect(err.code).toBe(1503);
    expect(err.message).toMatch(/Error validating the login/);
    expect(err.message).not.toContain('wrong-secret-123');
    expect(ms).toBeLessThan(FAST_FAILURE_MS);
  });

  it('refused port → SOURCE_UNREACHABLE (1504) within a couple of seconds, in both auth modes', async () => {
    const port = await freePort();
    for (const login of [{}, { username: 'u', password: 'p' }]) {
      const { err, ms } = await connectError({ provider: 'hive', connection: { server: '127.0.0.1', port, database: 'default', ...login } });
      expect(err.errorName).toBe('SOURCE_UNREACHABLE');
      expect(err.code).toBe(1504);
      expect(ms).toBeLessThan(FAST_FAILURE_MS);
    }
  });

  it('unknown host → SOURCE_UNREACHABLE', async () => {
    const { err } = await connectError({ provider: 'hive', connection: { server: 'no-such-host.invalid', port: 10000, database: 'default' } });
    expect(err.errorName).toBe('SOURCE_UNREACHABLE');
  });

  it('a server that accepts but never answers → SOURCE_UNREACHABLE at connect_timeout, socket closed, never a hang', async () => {
    for (const login of [{}, { username: 'u', password: 'p' }]) {
      const { err, ms } = await connectError({ provider: 'hive', connection: { server: '127.0.0.1', port: silentPort, database: 'default', ...login } },
        sessionOptions({ connectTimeoutMs: 500 }));
      expect(err.errorName).toBe('SOURCE_UNREACHABLE');
      expect(err.message).toMatch(/connect_timeout/);
      expect(ms).toBeGreaterThanOrEqual(450);
      expect(ms).toBeLessThan(FAST_FAILURE_MS);
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(silentSockets.size).toBe(0);
  });

  it('NOSASL client against a SASL server → SOURCE_AUTH_FAILED telling to set a username', async () => {
    const request = hiveRequest(plain);
    delete request.connection.username;
    delete request.connection.password;
    const { err, ms } = await connectError(request);
    expect(err.errorName).toBe('SOURCE_AUTH_FAILED');
    expect(err.message).toMatch(/set username/);
    expect(ms).toBeLessThan(FAST_FAILURE_MS);
  });

  it('PLAIN client against a NOSASL server → SOURCE_AUTH_FAILED telling to omit username and password', async () => {
    const request = hiveRequest(nosasl);
    request.connection.username = 'someone';
    const { err, ms } = await connectError(request);
    expect(err.errorName).toBe('SOURCE_AUTH_FAILED');
    expect(err.message).toMatch(/NOSASL/);
    expect(ms).toBeLessThan(FAST_FAILURE_MS);
  });

  it('statement_timeout → SOURCE_UNREACHABLE, and the operation is cancelled on the server', async () => {
    const cancelsBefore = nosasl.stats!.cancelledOperations;
    nosasl.hooks!.executeDelayMs = 10_000;
    try {
      const started = Date.now();
      const err = await hiveProvider.connect(hiveRequest(nosasl, tableSource('t')), sessionOptions({ statementTimeoutMs: 700 }))
        .then((s) => s.describe().finally(() => s.close()))
        .then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as ConnectorError).errorName).toBe('SOURCE_UNREACHABLE');
      expect((err as ConnectorError).message).toMatch(/statement_timeout/);
      expect(Date.now() - started).toBeLessThan(FAST_FAILURE_MS);
      expect(nosasl.stats!.cancelledOperations).toBe(cancelsBefore + 1);
    } finally {
      nosasl.hooks!.executeDelayMs = 0;
    }
  });

  it('a server that dies mid-stream → SOURCE_UNREACHABLE, not a hang', async () => {
    const doomed = await localHiveServerFactory('NOSASL').start();
    await doomed.loadFixture('CREATE TABLE t (id INT); INSERT INTO t VALUES (1), (2), (3), (4)');
    const session = await hiveProvider.connect(hiveRequest(doomed, tableSource('t')), sessionOptions({ fetchRows: 1 }));
    try {
      const plan = await session.describe();
      await doomed.stop();
      const started = Date.now();
      const err = await collectRows(session, { plan }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as ConnectorError).errorName).toBe('SOURCE_UNREACHABLE');
      expect(Date.now() - started).toBeLessThan(FAST_FAILURE_MS);
    } finally {
      await session.close();
    }
  });
});
