/**
 * Token stream builders (MS-TDS 2.2.7): LOGINACK, ENVCHANGE, INFO/ERROR, DONE/DONEPROC/DONEINPROC,
 * RETURNSTATUS, COLMETADATA, ROW and NBCROW. Each appends to the message being built.
 */
import { ByteWriter } from './bytes.js';
import { hasTableName, writeTypeInfo, type SqlType } from './types.js';
import { writeValue } from './values.js';

export const Token = {
  RETURNSTATUS: 0x79, COLMETADATA: 0x81, ERROR: 0xaa, INFO: 0xab, LOGINACK: 0xad, ROW: 0xd1, NBCROW: 0xd2,
  ENVCHANGE: 0xe3, DONE: 0xfd, DONEPROC: 0xfe, DONEINPROC: 0xff,
} as const;

export const DoneStatus = { FINAL: 0x00, MORE: 0x01, ERROR: 0x02, COUNT: 0x10, ATTN: 0x20 } as const;

/** CurCmd values SQL Server puts in DONE tokens. */
export const CurCmd = { NONE: 0x00, SELECT: 0xc1, INSERT: 0xc3, DELETE: 0xc4, UPDATE: 0xc5 } as const;

export const EnvChange = { DATABASE: 1, LANGUAGE: 2, PACKET_SIZE: 4, SQL_COLLATION: 7 } as const;

const TDS_7_4 = 0x74000004;
const INTERFACE_TSQL = 1;
const PROGRAM_NAME = 'Microsoft SQL Server';
/** Reported as SQL Server 2022 (16.0): GENERATE_SERIES and the other syntax used here exist there. */
const PROGRAM_VERSION = [16, 0, 0x10, 0x00];
const COLUMN_FLAGS_NULLABLE = 0x0001;

export const SERVER_NAME = 'pgcb-tds';

export function loginAck(w: ByteWriter): void {
  const at = w.u8(Token.LOGINACK).reserve(2);
  const start = w.length;
  w.u8(INTERFACE_TSQL).u32be(TDS_7_4).bVarchar(PROGRAM_NAME);
  for (const b of PROGRAM_VERSION) w.u8(b);
  w.buf.writeUInt16LE(w.length - start, at);
}

export function envChangeText(w: ByteWriter, type: number, newValue: string, oldValue: string): void {
  const at = w.u8(Token.ENVCHANGE).reserve(2);
  const start = w.length;
  w.u8(type).bVarchar(newValue).bVarchar(oldValue);
  w.buf.writeUInt16LE(w.length - start, at);
}

export function envChangeBytes(w: ByteWriter, type: number, newValue: Buffer, oldValue: Buffer): void {
  const at = w.u8(Token.ENVCHANGE).reserve(2);
  const start = w.length;
  w.u8(type).u8(newValue.length).bytes(newValue).u8(oldValue.length).bytes(oldValue);
  w.buf.writeUInt16LE(w.length - start, at);
}

export interface ServerMessage {
  number: number;
  /** Severity: ≥ 11 is an error, 0 an informational message. */
  class: number;
  state?: number;
  message: string;
  procName?: string;
  line?: number;
}

export function infoOrError(w: ByteWriter, m: ServerMessage): void {
  const at = w.u8(m.class > 10 ? Token.ERROR : Token.INFO).reserve(2);
  const start = w.length;
  w.u32(m.number).u8(m.state ?? 1).u8(m.class).usVarchar(m.message).bVarchar(SERVER_NAME).bVarchar(m.procName ?? '').u32(m.line ?? 1);
  w.buf.writeUInt16LE(w.length - start, at);
}

export function done(w: ByteWriter, token: number, status: number, curCmd: number, rowCount = 0): void {
  w.u8(token).u16(status).u16(curCmd).u64(BigInt(rowCount));
}

export function returnStatus(w: ByteWriter, value: number): void {
  w.u8(Token.RETURNSTATUS).i32(value);
}

export interface ResultColumn {
  name: string;
  type: SqlType;
  /** Table name parts for TEXT/NTEXT/IMAGE columns. */
  table?: string[];
}

export function colMetadata(w: ByteWriter, columns: ResultColumn[]): void {
  w.u8(Token.COLMETADATA).u16(columns.length);
  for (const c of columns) {
    w.u32(0).u16(COLUMN_FLAGS_NULLABLE);
    writeTypeInfo(w, c.type);
    if (hasTableName(c.type)) {
      const parts = c.table ?? [];
      w.u8(parts.length);
      for (const p of parts) w.usVarchar(p);
    }
    w.bVarchar(c.name);
  }
}

/** One row; NBCROW (null bitmap, nulls omitted) when it has nulls, as SQL Server does when it saves bytes. */
export function row(w: ByteWriter, columns: ResultColumn[], values: Array<string | null>): void {
  let hasNull = false;
  for (let i = 0; i < values.length; i++) if (values[i] === null) { hasNull = true; break; }
  if (!hasNull) {
    w.u8(Token.ROW);
    for (let i = 0; i < columns.length; i++) writeValue(w, columns[i]!.type, values[i]!);
    return;
  }
  w.u8(Token.NBCROW);
  const bitmap = w.reserve(Math.ceil(columns.length / 8));
  w.buf.fill(0, bitmap, bitmap + Math.ceil(columns.length / 8));
  for (let i = 0; i < columns.length; i++) {
    const v = values[i]!;
    if (v === null) { const k = bitmap + (i >> 3); w.buf[k] = w.buf[k]! | (1 << (i & 7)); }
    else writeValue(w, columns[i]!.type, v);
  }
}
