/**
 * The generated TCLIService code that hive-driver ships (its Processor serves HiveServer2) and the
 * one top-level `thrift` 0.20 copy it runs on. Untyped CommonJS, loaded once here.
 */
import { createRequire } from 'node:module';
import hive from 'hive-driver';

const require = createRequire(import.meta.url);

export const thrift: any = require('thrift');
export const TCLIService: any = hive.thrift.TCLIService;
export const TTypes: any = hive.thrift.TCLIService_types;

/** node-int64 as thrift re-exports it: `new Int64(buffer8)` is an exact i64 on the wire. */
export const Int64: new (buffer: Buffer) => { buffer: Buffer; offset: number } = thrift.Int64;

/** An exact i64 for the wire from a decimal string (no JS number on the way). */
export function int64FromDecimal(text: string): { buffer: Buffer } {
  const buffer = Buffer.allocUnsafe(8);
  buffer.writeBigInt64BE(BigInt(text));
  return new Int64(buffer);
}
