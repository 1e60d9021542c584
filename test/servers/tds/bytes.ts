/**
 * Little-endian byte writer/reader for TDS payloads. The writer grows one buffer instead of
 * concatenating small ones: a 1M-row result is millions of tiny writes (token bytes, lengths).
 */
const INITIAL_CAPACITY = 64 * 1024;

export class ByteWriter {
  buf: Buffer;
  length = 0;

  constructor(capacity = INITIAL_CAPACITY) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(v: number): this { this.ensure(1); this.buf[this.length++] = v & 0xff; return this; }
  u16(v: number): this { this.ensure(2); this.length = this.buf.writeUInt16LE(v, this.length); return this; }
  i16(v: number): this { this.ensure(2); this.length = this.buf.writeInt16LE(v, this.length); return this; }
  u16be(v: number): this { this.ensure(2); this.length = this.buf.writeUInt16BE(v, this.length); return this; }
  u32(v: number): this { this.ensure(4); this.length = this.buf.writeUInt32LE(v >>> 0, this.length); return this; }
  i32(v: number): this { this.ensure(4); this.length = this.buf.writeInt32LE(v, this.length); return this; }
  u32be(v: number): this { this.ensure(4); this.length = this.buf.writeUInt32BE(v >>> 0, this.length); return this; }
  u64(v: bigint): this { this.ensure(8); this.length = this.buf.writeBigUInt64LE(v, this.length); return this; }
  i64(v: bigint): this { this.ensure(8); this.length = this.buf.writeBigInt64LE(v, this.length); return this; }
  f32(v: number): this { this.ensure(4); this.length = this.buf.writeFloatLE(v, this.length); return this; }
  f64(v: number): this { this.ensure(8); this.length = this.buf.writeDoubleLE(v, this.length); return this; }
  /** Unsigned integer of `bytes` bytes (3 or 5 for TDS time/date parts). */
  uint(v: number, bytes: number): this {
    this.ensure(bytes);
    this.length = this.buf.writeUIntLE(v, this.length, bytes);
    return this;
  }

  bytes(b: Buffer): this {
    this.ensure(b.length);
    b.copy(this.buf, this.length);
    this.length += b.length;
    return this;
  }

  ucs2(s: string): this {
    const n = s.length * 2;
    this.ensure(n);
    this.length += this.buf.write(s, this.length, n, 'utf16le');
    return this;
  }

  /** B_VARCHAR: 1-byte character count, then UCS-2. */
  bVarchar(s: string): this { return this.u8(s.length).ucs2(s); }
  /** US_VARCHAR: 2-byte character count, then UCS-2. */
  usVarchar(s: string): this { return this.u16(s.length).ucs2(s); }

  /** Reserves `n` bytes (e.g. a length prefix written once the body is known); returns their offset. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.length;
    this.length += n;
    return at;
  }

  /** Removes the first `n` bytes (those already sent), keeping the capacity. */
  shift(n: number): void {
    this.buf.copy(this.buf, 0, n, this.length);
    this.length -= n;
  }

  view(): Buffer { return this.buf.subarray(0, this.length); }
}

/** Thrown when a client payload is shorter than its own fields say; the session answers with a protocol error. */
export class TruncatedPayloadError extends Error {}

export class ByteReader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new TruncatedPayloadError(`payload truncated at byte ${this.pos} (+${n})`);
  }

  get remaining(): number { return this.buf.length - this.pos; }
  u8(): number { this.need(1); return this.buf[this.pos++]!; }
  u16(): number { this.need(2); const v = this.buf.readUInt16LE(this.pos); this.pos += 2; return v; }
  u32(): number { this.need(4); const v = this.buf.readUInt32LE(this.pos); this.pos += 4; return v; }
  i32(): number { this.need(4); const v = this.buf.readInt32LE(this.pos); this.pos += 4; return v; }
  u64(): bigint { this.need(8); const v = this.buf.readBigUInt64LE(this.pos); this.pos += 8; return v; }
  i64(): bigint { this.need(8); const v = this.buf.readBigInt64LE(this.pos); this.pos += 8; return v; }
  uint(bytes: number): number { this.need(bytes); const v = this.buf.readUIntLE(this.pos, bytes); this.pos += bytes; return v; }
  f32(): number { this.need(4); const v = this.buf.readFloatLE(this.pos); this.pos += 4; return v; }
  f64(): number { this.need(8); const v = this.buf.readDoubleLE(this.pos); this.pos += 8; return v; }
  bytes(n: number): Buffer { this.need(n); const v = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return v; }
  ucs2(chars: number): string { return this.bytes(chars * 2).toString('utf16le'); }
  bVarchar(): string { return this.ucs2(this.u8()); }
  usVarchar(): string { return this.ucs2(this.u16()); }
}
