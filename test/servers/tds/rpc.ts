/**
 * Client request payloads: SQL batch (ALL_HEADERS + UCS-2 text, MS-TDS 2.2.6.7) and RPC
 * (2.2.6.6): procedure name or id, then parameters with TYPE_INFO and a value. Parameter values
 * become PostgreSQL text parameters.
 */
import iconv from 'iconv-lite';
import { ByteReader } from './bytes.js';
import { CompileError } from './translate.js';

const SP_EXECUTESQL_ID = 10;
const PROC_ID_SWITCH = 0xffff;
const NULL_USHORT = 0xffff;
const PLP_NULL = 0xffffffffffffffffn;

function skipAllHeaders(r: ByteReader): void {
  const total = r.u32();
  if (total < 4) throw new CompileError(102, 'malformed ALL_HEADERS');
  r.bytes(total - 4);
}

export function parseSqlBatch(payload: Buffer): string {
  const r = new ByteReader(payload);
  skipAllHeaders(r);
  return r.bytes(r.remaining).toString('utf16le');
}

export interface RpcParam {
  /** Lower-case name without @ ('' for positional parameters). */
  name: string;
  value: string | null;
}

export interface RpcRequest {
  /** Lower-case procedure name (`sp_executesql` for ProcID 10). */
  procedure: string;
  params: RpcParam[];
}

export function parseRpc(payload: Buffer): RpcRequest {
  const r = new ByteReader(payload);
  skipAllHeaders(r);
  const nameLength = r.u16();
  let procedure: string;
  if (nameLength === PROC_ID_SWITCH) {
    const id = r.u16();
    if (id !== SP_EXECUTESQL_ID) throw new CompileError(2812, `Could not find stored procedure with id ${id}.`);
    procedure = 'sp_executesql';
  } else {
    procedure = r.ucs2(nameLength).toLowerCase().replace(/^(\[?(sys|dbo)\]?\.)/, '').replace(/[[\]]/g, '');
  }
  r.u16();
  const params: RpcParam[] = [];
  while (r.remaining > 0) {
    const name = r.bVarchar().replace(/^@/, '').toLowerCase();
    r.u8();
    params.push({ name, value: readParamValue(r) });
  }
  return { procedure, params };
}

function readPlp(r: ByteReader): Buffer | null {
  const total = r.u64();
  if (total === PLP_NULL) return null;
  const chunks: Buffer[] = [];
  for (let n = r.u32(); n !== 0; n = r.u32()) chunks.push(r.bytes(n));
  return Buffer.concat(chunks);
}

function readCounted(r: ByteReader, plp: boolean): Buffer | null {
  if (plp) return readPlp(r);
  const n = r.u16();
  return n === NULL_USHORT ? null : r.bytes(n);
}

/** TYPE_INFO followed by the value; only the types a client sends as parameters (strings, numbers, bits, guids, binary). */
function readParamValue(r: ByteReader): string | null {
  const type = r.u8();
  switch (type) {
    case 0x26: {
      r.u8(); const n = r.u8();
      if (n === 0) return null;
      if (n === 8) return String(r.i64());
      const b = r.bytes(n);
      return String(n === 1 ? b[0]! : b.readIntLE(0, n));
    }
    case 0x68: { r.u8(); const n = r.u8(); return n === 0 ? null : String(r.u8()); }
    case 0x6d: { r.u8(); const n = r.u8(); return n === 0 ? null : String(n === 4 ? r.f32() : r.f64()); }
    case 0x6a: case 0x6c: {
      r.u8(); r.u8(); const scale = r.u8();
      const n = r.u8();
      if (n === 0) return null;
      const sign = r.u8() === 1 ? '' : '-';
      const mag = r.bytes(n - 1);
      let v = 0n;
      for (let i = mag.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(mag[i]!);
      const digits = v.toString().padStart(scale + 1, '0');
      return `${sign}${digits.slice(0, digits.length - scale)}${scale > 0 ? `.${digits.slice(-scale)}` : ''}`;
    }
    case 0xe7: case 0xef: { const max = r.u16(); r.bytes(5); return readCounted(r, max === NULL_USHORT)?.toString('utf16le') ?? null; }
    case 0xa7: case 0xaf: { const max = r.u16(); r.bytes(5); const b = readCounted(r, max === NULL_USHORT); return b === null ? null : iconv.decode(b, 'win1252'); }
    case 0xa5: case 0xad: { const max = r.u16(); const b = readCounted(r, max === NULL_USHORT); return b === null ? null : `\\x${b.toString('hex')}`; }
    case 0x24: {
      r.u8(); const n = r.u8();
      if (n === 0) return null;
      const b = r.bytes(16);
      const hex = Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]).toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    default: throw new CompileError(8016, `The incoming tabular data stream (TDS) remote procedure call (RPC) protocol stream is incorrect. Parameter type 0x${type.toString(16)} is not supported by the test server.`);
  }
}
