/**
 * The socket side of the test server: HiveServer2's binary transport in its two common modes.
 *
 * - NOSASL (hive.server2.authentication=NOSASL): raw Thrift binary protocol, unframed — what
 *   hive-driver's default NoSaslAuthentication speaks (TBufferedTransport).
 * - PLAIN SASL (LDAP/CUSTOM/PAM): SASL negotiation frames `[status 1 byte][length 4 bytes BE]
 *   [payload]`, START=1 OK=2 BAD=3 ERROR=4 COMPLETE=5; the client sends START "PLAIN" and then
 *   `authzid\0user\0password`; after COMPLETE both sides speak TFramedTransport (4-byte length
 *   prefix per message). A wrong password gets BAD "Error validating the login", as Hive's
 *   PlainSaslServer answers, and the connection is closed.
 *
 * A client in the wrong mode is answered like libthrift's TSaslTransport does (an ERROR frame
 * "Invalid status …") or disconnected, never left waiting; a negotiation that stalls is dropped.
 */
import net from 'node:net';
import { TCLIService, thrift } from './thrift-api.js';
import type { HiveService } from './service.js';

export type AuthMode = { mode: 'NOSASL' } | { mode: 'PLAIN'; user: string; password: string };

const SASL = { START: 1, OK: 2, BAD: 3, ERROR: 4, COMPLETE: 5 } as const;
const SASL_HEADER_BYTES = 5;
/** Strict binary protocol messages start with version 0x80 0x01. */
const BINARY_PROTOCOL_FIRST_BYTE = 0x80;
/** A SASL negotiation is two tiny frames; anything slower is a stuck or foreign client. */
const SASL_NEGOTIATION_TIMEOUT_MS = 10_000;
/** Guards against a bogus length allocating gigabytes (PLAIN payloads are a few hundred bytes). */
const MAX_SASL_PAYLOAD_BYTES = 64 * 1024;

function saslFrame(status: number, payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  const frame = Buffer.alloc(SASL_HEADER_BYTES + body.length);
  frame[0] = status;
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, SASL_HEADER_BYTES);
  return frame;
}

export function createWireServer(service: HiveService, auth: AuthMode): net.Server {
  let nextConnectionId = 1;
  return net.createServer((socket) => {
    const connectionId = nextConnectionId++;
    service.stats.connections++;
    socket.setNoDelay(true);
    socket.on('error', () => undefined); // client resets are normal (cancel, kill); close does the cleanup
    socket.on('close', () => { void service.dropConnection(connectionId); });
    if (auth.mode === 'NOSASL') {
      socket.once('data', (first) => {
        if (first[0] !== BINARY_PROTOCOL_FIRST_BYTE) { socket.destroy(); return; } // SASL client on a NOSASL server
        serveThrift(socket, service, connectionId, thrift.TBufferedTransport, undefined, first);
      });
      return;
    }
    negotiatePlain(socket, auth, (user, rest) => serveThrift(socket, service, connectionId, thrift.TFramedTransport, user, rest));
  });
}

function negotiatePlain(socket: net.Socket, auth: { user: string; password: string }, done: (user: string, rest: Buffer) => void): void {
  let buffer = Buffer.alloc(0);
  let mechanism: string | undefined;
  const timer = setTimeout(() => socket.destroy(), SASL_NEGOTIATION_TIMEOUT_MS);
  const fail = (status: number, message: string) => {
    clearTimeout(timer);
    socket.removeListener('data', onData);
    socket.end(saslFrame(status, message));
  };
  const onData = (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= SASL_HEADER_BYTES) {
      const status = buffer[0]!;
      if (status < SASL.START || status > SASL.COMPLETE) return fail(SASL.ERROR, `Invalid status ${(status << 24) >> 24}`);
      const length = buffer.readUInt32BE(1);
      if (length > MAX_SASL_PAYLOAD_BYTES) return fail(SASL.ERROR, `Invalid payload header length: ${length}`);
      if (buffer.length < SASL_HEADER_BYTES + length) return;
      const payload = buffer.subarray(SASL_HEADER_BYTES, SASL_HEADER_BYTES + length);
      buffer = buffer.subarray(SASL_HEADER_BYTES + length);
      if (mechanism === undefined) {
        if (status !== SASL.START) return fail(SASL.ERROR, 'Expecting START status, received ' + status);
        mechanism = payload.toString('utf8');
        if (mechanism !== 'PLAIN') return fail(SASL.BAD, `Unsupported mechanism type ${mechanism}`);
        continue;
      }
      const [, user = '', password = ''] = payload.toString('utf8').split('\0');
      if (user !== auth.user || password !== auth.password) return fail(SASL.BAD, 'Error validating the login');
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.write(saslFrame(SASL.COMPLETE, ''));
      return done(user, buffer);
    }
  };
  socket.on('data', onData);
}

/** thrift's own server loop (lib/nodejs/lib/thrift/server.js), on a socket we already own. */
function serveThrift(socket: net.Socket, service: HiveService, connectionId: number, Transport: any, user: string | undefined, firstBytes: Buffer): void {
  const processor = new TCLIService.Processor(service.handlerFor(connectionId, user));
  const receive = Transport.receiver((transportWithData: any) => {
    const input = new thrift.TBinaryProtocol(transportWithData);
    const output = new thrift.TBinaryProtocol(new Transport(undefined, (buf: Buffer) => {
      if (!socket.destroyed) socket.write(buf);
    }));
    try {
      for (;;) {
        processor.process(input, output);
        transportWithData.commitPosition();
      }
    } catch (err) {
      if (err instanceof thrift.Thrift.TProtocolException || !(err instanceof Error)) socket.destroy();
      else if (err.name === 'InputBufferUnderrunError' || err.message === 'Invalid type: undefined') transportWithData.rollbackPosition();
      else socket.destroy();
    }
  });
  socket.on('data', receive);
  if (firstBytes.length > 0) receive(firstBytes);
}
