/**
 * Server side of TDS 7.x encryption: the TLS handshake travels inside PRELOGIN packets, then the
 * whole connection is raw TLS records carrying TDS packets (MS-TDS 3.2.5.2, what tedious does
 * with `encrypt: true`). Also TDS 8.0 "strict": TLS from the first byte.
 *
 * A Duplex "carrier" is the TLS engine's transport: during the handshake it unwraps PRELOGIN
 * payloads into it and wraps its output into one PRELOGIN message per flight; afterwards it
 * passes raw bytes to and from the socket.
 */
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import type net from 'node:net';

/**
 * The TLS engine writes one handshake flight in several chunks over a few ticks; the client
 * expects exactly one PRELOGIN message per flight, so we wait this long after the last chunk.
 */
const HANDSHAKE_FLIGHT_SETTLE_MS = 5;

export interface TlsCredentials {
  cert: string | Buffer;
  key: string | Buffer;
}

export class TlsCarrier extends Duplex {
  private pending: Buffer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private raw: boolean;

  constructor(private readonly socket: net.Socket, private readonly sendPrelogin: (payload: Buffer) => void, raw: boolean) {
    super();
    this.raw = raw;
  }

  override _read(): void { /* data is pushed by feed() */ }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.raw) {
      if (this.socket.destroyed) return cb(new Error('socket closed'));
      if (this.socket.write(chunk)) cb();
      else this.socket.once('drain', () => cb());
      return;
    }
    this.pending.push(chunk);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flushFlight(), HANDSHAKE_FLIGHT_SETTLE_MS);
    cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end();
    cb();
  }

  private flushFlight(): void {
    if (this.pending.length === 0) return;
    const payload = Buffer.concat(this.pending);
    this.pending = [];
    this.sendPrelogin(payload);
  }

  /** Ciphertext from the client (a PRELOGIN payload during the handshake, raw bytes afterwards). */
  feed(data: Buffer): void { this.push(data); }

  /** The client sent its first raw TLS record: the handshake is over. */
  switchToRaw(rest: Buffer): void {
    clearTimeout(this.timer);
    this.flushFlight();
    this.raw = true;
    if (rest.length > 0) this.push(rest);
  }
}

export function startServerTls(carrier: TlsCarrier, credentials: TlsCredentials, alpn?: string[]): tls.TLSSocket {
  return new tls.TLSSocket(carrier, {
    isServer: true,
    secureContext: tls.createSecureContext({ cert: credentials.cert, key: credentials.key }),
    ...(alpn ? { ALPNProtocols: alpn } : {}),
  });
}
