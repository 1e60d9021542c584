/**
 * TDS packets (MS-TDS 2.2.3): 8-byte header [type, status, length BE, spid BE, packetId, window].
 * The reader reassembles messages and refuses bad headers; the writer splits a message at the
 * negotiated packet size and honours socket backpressure (awaits 'drain').
 */
import type { Writable } from 'node:stream';
import { ByteWriter } from './bytes.js';

export const PACKET_HEADER_BYTES = 8;
/** The length field is header bytes 2–3: checkable before the whole header arrived. */
const LENGTH_FIELD_END = 4;

export const PacketType = {
  SQL_BATCH: 0x01,
  RPC: 0x03,
  TABULAR_RESULT: 0x04,
  ATTENTION: 0x06,
  BULK_LOAD: 0x07,
  FEDAUTH_TOKEN: 0x08,
  TRANSACTION_MANAGER: 0x0e,
  LOGIN7: 0x10,
  SSPI: 0x11,
  PRELOGIN: 0x12,
} as const;

const KNOWN_TYPES = new Set<number>(Object.values(PacketType));

export const Status = { EOM: 0x01, IGNORE: 0x02, RESET_CONNECTION: 0x08 } as const;

/** A whole client message must fit in memory; fixtures are small, so 64 MB is a generous cap against garbage input. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** First bytes of TLS records (change_cipher_spec, alert, handshake, application_data): see `divert`. */
const TLS_RECORD_TYPES = new Set([0x14, 0x15, 0x16, 0x17]);

export interface Message {
  type: number;
  /** Status of the last packet (EOM, IGNORE…). */
  status: number;
  payload: Buffer;
}

export class ProtocolError extends Error {}

/**
 * Reassembles packets into messages. A header whose length is below 8 bytes is a fatal error:
 * without that check a TLS ClientHello sent to a plain port (length field 0x0100…) or garbage with
 * length 0 makes a `while (buffered >= length)` loop spin forever (shared/notes).
 */
export class PacketReader {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private partsType = -1;
  private diverted: ((data: Buffer) => void) | undefined;
  /** When set, a TLS record at a packet boundary switches the stream to raw TLS (end of the PRELOGIN-wrapped handshake). */
  divertTls: ((data: Buffer) => void) | undefined;

  constructor(private readonly onMessage: (m: Message) => void, private readonly onError: (e: Error) => void) {}

  push(chunk: Buffer): void {
    if (this.diverted) return this.diverted(chunk);
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    try {
      this.drain();
    } catch (err) {
      this.buffered = [];
      this.bufferedBytes = 0;
      this.onError(err as Error);
    }
  }

  private drain(): void {
    while (this.bufferedBytes > 0) {
      const head = this.peek(Math.min(PACKET_HEADER_BYTES, this.bufferedBytes));
      if (this.divertTls && this.parts.length === 0 && TLS_RECORD_TYPES.has(head[0]!)) {
        const rest = Buffer.concat(this.buffered);
        this.buffered = [];
        this.bufferedBytes = 0;
        this.diverted = this.divertTls;
        this.divertTls = undefined;
        this.diverted(rest);
        return;
      }
      const type = head[0]!;
      if (!KNOWN_TYPES.has(type)) throw new ProtocolError(`bad packet header: unknown packet type 0x${type.toString(16)}`);
      if (head.length < LENGTH_FIELD_END) return;
      const length = head.readUInt16BE(2);
      if (length < PACKET_HEADER_BYTES) throw new ProtocolError(`bad packet header: length ${length} < ${PACKET_HEADER_BYTES}`);
      if (head.length < PACKET_HEADER_BYTES) return;
      const status = head[1]!;
      if (this.bufferedBytes < length) return;
      const packet = this.take(length);
      if (this.parts.length > 0 && type !== this.partsType) throw new ProtocolError(`packet type 0x${type.toString(16)} inside a 0x${this.partsType.toString(16)} message`);
      this.partsType = type;
      this.parts.push(packet.subarray(PACKET_HEADER_BYTES));
      this.partsBytes += length - PACKET_HEADER_BYTES;
      if (this.partsBytes > MAX_MESSAGE_BYTES) throw new ProtocolError(`message larger than ${MAX_MESSAGE_BYTES} bytes`);
      if (status & Status.EOM) {
        const payload = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsBytes);
        this.parts = [];
        this.partsBytes = 0;
        this.onMessage({ type, status, payload });
      }
    }
  }

  private peek(n: number): Buffer {
    if (this.buffered[0]!.length >= n) return this.buffered[0]!.subarray(0, n);
    return Buffer.concat(this.buffered).subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.bufferedBytes = rest.length;
    return out;
  }
}

export interface WriterStats {
  /** Largest socket write buffer seen (bytes queued in Node, not yet handed to the kernel). */
  maxQueuedBytes: number;
}

/** Flush to the socket once this much token data is pending: fewer, larger writes. */
const FLUSH_THRESHOLD_BYTES = 32 * 1024;

/** Builds one outgoing message (token stream) and sends it as packets of at most `packetSize` bytes. */
export class MessageWriter {
  readonly body = new ByteWriter();
  private packetId = 1;
  private type: number = PacketType.TABULAR_RESULT;

  constructor(private out: Writable, public packetSize: number, private readonly spid: number, private readonly stats: WriterStats) {}

  /** Redirects output (the TLS cleartext stream replaces the socket after the handshake). */
  setOutput(out: Writable): void { this.out = out; }

  begin(type: number): void {
    this.type = type;
    this.body.length = 0;
  }

  /** Sends the full packets; awaits 'drain' when the socket buffer is full (this is what keeps memory flat). */
  async flush(): Promise<void> {
    if (this.body.length < FLUSH_THRESHOLD_BYTES) return;
    const payloadPerPacket = this.packetSize - PACKET_HEADER_BYTES;
    const whole = Math.floor((this.body.length - 1) / payloadPerPacket);
    if (whole === 0) return;
    await this.send(this.packets(whole * payloadPerPacket, false));
  }

  /** Sends the rest of the message, the last packet flagged EOM. */
  async end(): Promise<void> {
    await this.send(this.packets(this.body.length, true));
  }

  private packets(bytes: number, last: boolean): Buffer {
    const payloadPerPacket = this.packetSize - PACKET_HEADER_BYTES;
    const count = Math.max(1, Math.ceil(bytes / payloadPerPacket));
    const out = Buffer.allocUnsafe(bytes + count * PACKET_HEADER_BYTES);
    let src = 0;
    let dst = 0;
    for (let i = 0; i < count; i++) {
      const n = Math.min(payloadPerPacket, bytes - src);
      out[dst] = this.type;
      out[dst + 1] = last && i === count - 1 ? Status.EOM : 0;
      out.writeUInt16BE(n + PACKET_HEADER_BYTES, dst + 2);
      out.writeUInt16BE(this.spid, dst + 4);
      out[dst + 6] = this.packetId;
      out[dst + 7] = 0;
      this.packetId = (this.packetId + 1) & 0xff;
      this.body.buf.copy(out, dst + PACKET_HEADER_BYTES, src, src + n);
      src += n;
      dst += n + PACKET_HEADER_BYTES;
    }
    this.body.shift(bytes);
    return out;
  }

  private async send(data: Buffer): Promise<void> {
    if (this.out.destroyed) throw new ProtocolError('connection closed');
    const ok = this.out.write(data);
    this.stats.maxQueuedBytes = Math.max(this.stats.maxQueuedBytes, this.out.writableLength);
    if (!ok) await waitForDrain(this.out);
  }
}

function waitForDrain(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => { out.off('drain', onDrain); out.off('close', onClose); };
    const onDrain = () => { cleanup(); resolve(); };
    const onClose = () => { cleanup(); reject(new ProtocolError('connection closed')); };
    out.on('drain', onDrain);
    out.on('close', onClose);
  });
}
