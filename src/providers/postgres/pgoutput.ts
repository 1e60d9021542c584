/**
 * Decoder of pgoutput protocol version 1 messages, one per `data bytea` row of
 * pg_logical_slot_peek_binary_changes (docs/change-capture-design.md §1b; layouts from
 * https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html, each verified live).
 *
 * Values stay the raw text the remote type's output function printed ('t'): no type parsers, so
 * nothing is rounded (pg-logical-replication's parser loses timestamptz microseconds, §1a).
 * Integers are big-endian, strings NUL-terminated; LSNs are kept as bigint.
 */
import { ConnectorError } from '../../errors.js';
import { UNCHANGED } from '../../rows/changes.js';

/** One column of a tuple: the value's text, NULL, or an unchanged TOASTed value ('u'). */
export type TupleValue = string | null | typeof UNCHANGED;

export interface RelationColumn {
  name: string;
  typeOid: number;
  typmod: number;
  /** Part of the replica identity. */
  key: boolean;
}

export type PgoutputMessage =
  | { tag: 'begin'; finalLsn: bigint }
  | { tag: 'commit'; endLsn: bigint }
  | { tag: 'relation'; relid: number; namespace: string; name: string; replident: string; columns: RelationColumn[] }
  | { tag: 'insert'; relid: number; row: TupleValue[] }
  | { tag: 'update'; relid: number; old?: TupleValue[]; row: TupleValue[] }
  | { tag: 'delete'; relid: number; old: TupleValue[] }
  | { tag: 'truncate'; relids: number[] }
  /** Origin, Type and Message carry nothing a sync applies. */
  | { tag: 'other' };

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}

  byte(): string {
    return String.fromCharCode(this.buf.readUInt8(this.at++));
  }

  int16(): number {
    const v = this.buf.readInt16BE(this.at);
    this.at += 2;
    return v;
  }

  int32(): number {
    const v = this.buf.readInt32BE(this.at);
    this.at += 4;
    return v;
  }

  uint32(): number {
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }

  int64(): bigint {
    const v = this.buf.readBigUInt64BE(this.at);
    this.at += 8;
    return v;
  }

  skip(n: number): void {
    this.at += n;
  }

  string(): string {
    const end = this.buf.indexOf(0, this.at);
    if (end < 0) throw new Error('unterminated string');
    const s = this.buf.toString('utf8', this.at, end);
    this.at = end + 1;
    return s;
  }

  text(len: number): string {
    const s = this.buf.toString('utf8', this.at, this.at + len);
    this.at += len;
    return s;
  }
}

export function decodePgoutput(data: Buffer): PgoutputMessage {
  const r = new Reader(data);
  try {
    return decode(r);
  } catch (err) {
    throw new ConnectorError('CONNECTOR_ERROR', `Cannot decode a pgoutput message (${data.length} bytes, tag ${JSON.stringify(String.fromCharCode(data[0] ?? 0))}): ${(err as Error).message}`, { cause: err });
  }
}

function decode(r: Reader): PgoutputMessage {
  const tag = r.byte();
  switch (tag) {
    case 'B': {
      const finalLsn = r.int64();
      return { tag: 'begin', finalLsn };
    }
    case 'C': {
      r.skip(1 + 8); // flags, commit_lsn
      return { tag: 'commit', endLsn: r.int64() };
    }
    case 'R':
      return relation(r);
    case 'I': {
      const relid = r.uint32();
      r.byte(); // 'N'
      return { tag: 'insert', relid, row: tuple(r) };
    }
    case 'U': {
      const relid = r.uint32();
      let kind = r.byte();
      let old: TupleValue[] | undefined;
      if (kind === 'K' || kind === 'O') {
        old = tuple(r);
        kind = r.byte();
      }
      if (kind !== 'N') throw new Error(`unexpected tuple kind ${JSON.stringify(kind)} in an update`);
      return { tag: 'update', relid, ...(old ? { old } : {}), row: tuple(r) };
    }
    case 'D': {
      const relid = r.uint32();
      r.byte(); // 'K' or 'O'
      return { tag: 'delete', relid, old: tuple(r) };
    }
    case 'T': {
      const count = r.int32();
      r.skip(1); // options: CASCADE, RESTART IDENTITY
      return { tag: 'truncate', relids: Array.from({ length: count }, () => r.uint32()) };
    }
    case 'O': case 'Y': case 'M':
      return { tag: 'other' };
    default:
      throw new Error(`unknown message type ${JSON.stringify(tag)}`);
  }
}

function relation(r: Reader): PgoutputMessage {
  const relid = r.uint32();
  const namespace = r.string();
  const name = r.string();
  const replident = r.byte();
  const count = r.int16();
  const columns: RelationColumn[] = [];
  for (let i = 0; i < count; i++) {
    const flags = r.byte().charCodeAt(0);
    columns.push({ key: (flags & 1) === 1, name: r.string(), typeOid: r.uint32(), typmod: r.int32() });
  }
  return { tag: 'relation', relid, namespace, name, replident, columns };
}

function tuple(r: Reader): TupleValue[] {
  const count = r.int16();
  const values: TupleValue[] = [];
  for (let i = 0; i < count; i++) {
    const kind = r.byte();
    if (kind === 'n') values.push(null);
    else if (kind === 'u') values.push(UNCHANGED);
    else if (kind === 't') values.push(r.text(r.int32()));
    // 'b' (binary send format) only comes with the `binary` option, which we never ask for.
    else throw new Error(`unexpected column kind ${JSON.stringify(kind)}`);
  }
  return values;
}

/** `0/154AA40` → bigint; INVALID_PARAMETERS for anything else. */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!m) throw new ConnectorError('INVALID_PARAMETERS', `The change position ${JSON.stringify(text)} is not a PostgreSQL LSN (like 0/154AA40)`);
  return (BigInt(`0x${m[1]!}`) << 32n) | BigInt(`0x${m[2]!}`);
}

/** bigint → `0/154AA40`, the server's own spelling (%X/%X). */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}
