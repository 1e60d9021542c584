/**
 * PRELOGIN (MS-TDS 2.2.6.5) and LOGIN7 (2.2.6.4) payloads: what the client asks for, and the
 * server's PRELOGIN answer (encryption negotiation).
 */
import { ByteReader, ByteWriter, TruncatedPayloadError } from './bytes.js';

export const Encrypt = { OFF: 0x00, ON: 0x01, NOT_SUP: 0x02, REQ: 0x03 } as const;

const Option = { VERSION: 0x00, ENCRYPTION: 0x01, INSTOPT: 0x02, THREADID: 0x03, MARS: 0x04, TERMINATOR: 0xff } as const;
const OPTION_ENTRY_BYTES = 5;
/** Reported server version in PRELOGIN: 16.0 (SQL Server 2022). */
const SERVER_VERSION = { major: 16, minor: 0, build: 1000, subbuild: 0 };

export interface PreloginRequest {
  encryption: number;
}

export function parsePrelogin(payload: Buffer): PreloginRequest {
  let encryption: number = Encrypt.NOT_SUP;
  for (let at = 0; at < payload.length && payload[at] !== Option.TERMINATOR; at += OPTION_ENTRY_BYTES) {
    if (at + OPTION_ENTRY_BYTES > payload.length) throw new TruncatedPayloadError('PRELOGIN option table truncated');
    const token = payload[at]!;
    const offset = payload.readUInt16BE(at + 1);
    const length = payload.readUInt16BE(at + 3);
    if (offset + length > payload.length) throw new TruncatedPayloadError('PRELOGIN option data outside the payload');
    if (token === Option.ENCRYPTION && length >= 1) encryption = payload[offset]!;
  }
  return { encryption };
}

export function buildPrelogin(encryption: number, threadId: number): Buffer {
  const version = new ByteWriter(16);
  version.u8(SERVER_VERSION.major).u8(SERVER_VERSION.minor).u16be(SERVER_VERSION.build).u16be(SERVER_VERSION.subbuild);
  const options: Array<[number, Buffer]> = [
    [Option.VERSION, Buffer.from(version.view())],
    [Option.ENCRYPTION, Buffer.from([encryption])],
    [Option.INSTOPT, Buffer.from([0])],
    [Option.THREADID, Buffer.alloc(4)],
    [Option.MARS, Buffer.from([0])],
  ];
  options[3]![1].writeUInt32BE(threadId);
  const w = new ByteWriter(128);
  let dataOffset = options.length * OPTION_ENTRY_BYTES + 1;
  for (const [token, data] of options) {
    w.u8(token).u16be(dataOffset).u16be(data.length);
    dataOffset += data.length;
  }
  w.u8(Option.TERMINATOR);
  for (const [, data] of options) w.bytes(data);
  return Buffer.from(w.view());
}

export interface Login7 {
  tdsVersion: number;
  packetSize: number;
  readOnlyIntent: boolean;
  hostName: string;
  userName: string;
  password: string;
  appName: string;
  serverName: string;
  libraryName: string;
  language: string;
  database: string;
  /** Integrated (SSPI/NTLM) login: not supported by this server. */
  integratedSecurity: boolean;
}

const LOGIN7_FIXED_BYTES = 94;
const TYPE_FLAGS_READ_ONLY_INTENT = 0x20;
const OPTION_FLAGS2_INTEGRATED_SECURITY = 0x80;

/** Passwords travel XOR 0xA5 with nibbles swapped (MS-TDS 2.2.6.4). */
function unscramble(bytes: Buffer): string {
  const out = Buffer.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const b = out[i]! ^ 0xa5;
    out[i] = ((b & 0x0f) << 4) | (b >> 4);
  }
  return out.toString('utf16le');
}

export function parseLogin7(payload: Buffer): Login7 {
  if (payload.length < LOGIN7_FIXED_BYTES) throw new TruncatedPayloadError('LOGIN7 shorter than its fixed part');
  const r = new ByteReader(payload);
  r.u32();
  const tdsVersion = r.u32();
  const packetSize = r.u32();
  r.u32(); r.u32(); r.u32();
  r.u8();
  const flags2 = r.u8();
  const typeFlags = r.u8();
  const field = (at: number, scramble = false): string => {
    const offset = payload.readUInt16LE(at);
    const chars = payload.readUInt16LE(at + 2);
    if (offset + chars * 2 > payload.length) throw new TruncatedPayloadError('LOGIN7 field outside the payload');
    const bytes = payload.subarray(offset, offset + chars * 2);
    return scramble ? unscramble(bytes) : bytes.toString('utf16le');
  };
  return {
    tdsVersion, packetSize,
    readOnlyIntent: (typeFlags & TYPE_FLAGS_READ_ONLY_INTENT) !== 0,
    integratedSecurity: (flags2 & OPTION_FLAGS2_INTEGRATED_SECURITY) !== 0,
    hostName: field(36), userName: field(40), password: field(44, true), appName: field(48), serverName: field(52),
    libraryName: field(60), language: field(64), database: field(68),
  };
}
