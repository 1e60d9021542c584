/**
 * Result sets on the wire the way HiveServer2 ≥ protocol V6 sends them: a columnar TRowSet with one
 * TColumn per result column (serde2/thrift/ColumnBuffer.java). Values come in as PostgreSQL text
 * (or null); nulls are a bitmap, bit i of byte i/8 (LSB first) set for a NULL in row i, of
 * length 1 + highestNullRow/8 — and the value list still holds a placeholder at null rows
 * (false→true for BOOLEAN, 0, "" or empty bytes), exactly like ColumnBuffer.addValue.
 */
import { columnField, typeDesc, type ColumnField, type HiveType } from './hive-types.js';
import { normalizeTimestamp } from './literals.js';
import { int64FromDecimal } from './thrift-api.js';

export interface ResultColumn {
  name: string;
  type: HiveType;
}

export type RawRow = Array<string | null>;

export function tableSchema(columns: ResultColumn[]): object {
  return { columns: columns.map((c, i) => ({ columnName: c.name, typeDesc: typeDesc(c.type), position: i + 1, comment: '' })) };
}

/** ColumnBuffer.toBinary: one bit per row, LSB first, always at least one byte. */
export function nullBitmap(isNull: boolean[]): Buffer {
  let highest = -1;
  for (let i = isNull.length - 1; i >= 0; i--) if (isNull[i]) { highest = i; break; }
  const bytes = Buffer.alloc(1 + Math.floor((highest + 1) / 8));
  for (let i = 0; i <= highest; i++) if (isNull[i]) bytes[i >> 3]! |= 1 << (i & 7);
  return bytes;
}

type Converter = (text: string) => unknown;

const PLACEHOLDER: Record<ColumnField, () => unknown> = {
  boolVal: () => true, byteVal: () => 0, i16Val: () => 0, i32Val: () => 0,
  i64Val: () => int64FromDecimal('0'), doubleVal: () => 0, stringVal: () => '', binaryVal: () => Buffer.alloc(0),
};

function converterFor(type: HiveType, field: ColumnField): Converter {
  switch (field) {
    case 'boolVal': return (t) => t === 't' || t === 'true';
    case 'byteVal': case 'i16Val': case 'i32Val': case 'doubleVal': return Number;
    case 'i64Val': return int64FromDecimal;
    case 'binaryVal': return (t) => (t.startsWith('\\x') ? Buffer.from(t.slice(2), 'hex') : Buffer.from(t, 'utf8'));
    case 'stringVal':
      if (type.kind === 'primitive' && type.name === 'timestamp') return (t) => normalizeTimestamp(t) ?? t;
      return (t) => t;
  }
}

export function rowSet(columns: ResultColumn[], rows: RawRow[], startRowOffset: number): object {
  const tColumns = columns.map((c, ci) => {
    const field = columnField(c.type);
    const convert = converterFor(c.type, field);
    const values = new Array<unknown>(rows.length);
    const isNull = new Array<boolean>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const text = rows[r]![ci] ?? null;
      isNull[r] = text === null;
      values[r] = text === null ? PLACEHOLDER[field]() : convert(text);
    }
    return { [field]: { values, nulls: nullBitmap(isNull) } };
  });
  return { startRowOffset, rows: [], columns: tColumns };
}
