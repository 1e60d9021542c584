/**
 * Hive column types in the test server: parsed from CREATE TABLE, stored in PostgreSQL as the
 * closest exact type, and described to clients the way HiveServer2 does (TTypeDesc with one
 * primitive entry whose id may be ARRAY/MAP/STRUCT — HS2 never sends the nested entries — and
 * precision/scale/length as type qualifiers).
 */
import { TokenStream, tokenize } from './lexer.js';
import { TTypes } from './thrift-api.js';

export type PrimitiveName =
  | 'boolean' | 'tinyint' | 'smallint' | 'int' | 'bigint' | 'float' | 'double' | 'decimal'
  | 'string' | 'varchar' | 'char' | 'date' | 'timestamp' | 'binary'
  | 'interval_year_month' | 'interval_day_time' | 'void';

export type HiveType =
  | { kind: 'primitive'; name: PrimitiveName; precision?: number; scale?: number; length?: number }
  | { kind: 'array'; element: HiveType }
  | { kind: 'map'; key: HiveType; value: HiveType }
  | { kind: 'struct'; fields: Array<{ name: string; type: HiveType }> }
  | { kind: 'union'; members: HiveType[] };

/** Hive's DECIMAL without arguments (HiveDecimal.USER_DEFAULT_PRECISION / SCALE). */
const DECIMAL_DEFAULT = { precision: 10, scale: 0 };
const ALIASES: Record<string, PrimitiveName> = { integer: 'int', numeric: 'decimal', dec: 'decimal' };
const PRIMITIVES = new Set<string>(['boolean', 'tinyint', 'smallint', 'int', 'bigint', 'float', 'double', 'decimal',
  'string', 'varchar', 'char', 'date', 'timestamp', 'binary', 'interval_year_month', 'interval_day_time', 'void']);

export function parseHiveType(ts: TokenStream): HiveType {
  const word = ts.name();
  if (word === 'array') {
    ts.expectOp('<');
    const element = parseHiveType(ts);
    ts.expectOp('>');
    return { kind: 'array', element };
  }
  if (word === 'map') {
    ts.expectOp('<');
    const key = parseHiveType(ts);
    ts.expectOp(',');
    const value = parseHiveType(ts);
    ts.expectOp('>');
    return { kind: 'map', key, value };
  }
  if (word === 'struct') {
    ts.expectOp('<');
    const fields: Array<{ name: string; type: HiveType }> = [];
    do {
      const name = ts.name();
      ts.expectOp(':');
      fields.push({ name, type: parseHiveType(ts) });
    } while (ts.acceptOp(','));
    ts.expectOp('>');
    return { kind: 'struct', fields };
  }
  if (word === 'uniontype') {
    ts.expectOp('<');
    const members: HiveType[] = [];
    do members.push(parseHiveType(ts)); while (ts.acceptOp(','));
    ts.expectOp('>');
    return { kind: 'union', members };
  }
  const name = (ALIASES[word] ?? word) as PrimitiveName;
  if (!PRIMITIVES.has(name)) throw ts.error(`unknown type ${word}`);
  if (name === 'double') ts.acceptWord('precision');
  if (name === 'decimal') {
    if (!ts.acceptOp('(')) return { kind: 'primitive', name, ...DECIMAL_DEFAULT };
    const precision = Number(ts.next().text);
    const scale = ts.acceptOp(',') ? Number(ts.next().text) : 0;
    ts.expectOp(')');
    return { kind: 'primitive', name, precision, scale };
  }
  if (name === 'varchar' || name === 'char') {
    ts.expectOp('(');
    const length = Number(ts.next().text);
    ts.expectOp(')');
    return { kind: 'primitive', name, length };
  }
  return { kind: 'primitive', name };
}

export function parseHiveTypeText(text: string): HiveType {
  return parseHiveType(new TokenStream(tokenize(text), text));
}

/** Hive's own spelling, as DESCRIBE and GetColumns show it: `decimal(38,10)`, `map<string,int>`. */
export function formatHiveType(t: HiveType): string {
  switch (t.kind) {
    case 'array': return `array<${formatHiveType(t.element)}>`;
    case 'map': return `map<${formatHiveType(t.key)},${formatHiveType(t.value)}>`;
    case 'struct': return `struct<${t.fields.map((f) => `${f.name}:${formatHiveType(f.type)}`).join(',')}>`;
    case 'union': return `uniontype<${t.members.map(formatHiveType).join(',')}>`;
    case 'primitive':
      if (t.name === 'decimal') return `decimal(${t.precision},${t.scale})`;
      if (t.name === 'varchar' || t.name === 'char') return `${t.name}(${t.length})`;
      return t.name;
  }
}

/**
 * How the backing PostgreSQL stores a Hive column. TIMESTAMP is text because Hive keeps
 * nanoseconds and PostgreSQL only microseconds, COLLATE "C" so that it sorts in time order
 * whatever the backend's locale (catalog.ts, timestamp operators); complex types are text holding Hive's own JSON
 * rendering (jsonb would reorder struct fields and cannot hold Hive's unquoted map keys).
 */
export function pgStorageType(t: HiveType): string {
  if (t.kind !== 'primitive') return 'text';
  switch (t.name) {
    case 'boolean': return 'boolean';
    case 'tinyint': case 'smallint': return 'smallint';
    case 'int': return 'integer';
    case 'bigint': return 'bigint';
    case 'float': return 'real';
    case 'double': return 'double precision';
    case 'decimal': return `numeric(${t.precision},${t.scale})`;
    case 'varchar': return `varchar(${t.length})`;
    case 'char': return `char(${t.length})`;
    case 'date': return 'date';
    case 'binary': return 'bytea';
    case 'timestamp': return 'text collate "C"';
    default: return 'text';
  }
}

/** The TTypeId enum name of a type (TCLIService.thrift). */
export function typeIdName(t: HiveType): string {
  switch (t.kind) {
    case 'array': return 'ARRAY_TYPE';
    case 'map': return 'MAP_TYPE';
    case 'struct': return 'STRUCT_TYPE';
    case 'union': return 'UNION_TYPE';
    case 'primitive': return t.name === 'void' ? 'NULL_TYPE' : `${t.name.toUpperCase()}_TYPE`;
  }
}

/** Which TColumn field carries the values (Hive's ColumnBuffer: everything else travels as strings). */
export type ColumnField = 'boolVal' | 'byteVal' | 'i16Val' | 'i32Val' | 'i64Val' | 'doubleVal' | 'stringVal' | 'binaryVal';

export function columnField(t: HiveType): ColumnField {
  if (t.kind !== 'primitive') return 'stringVal';
  switch (t.name) {
    case 'boolean': return 'boolVal';
    case 'tinyint': return 'byteVal';
    case 'smallint': return 'i16Val';
    case 'int': return 'i32Val';
    case 'bigint': return 'i64Val';
    case 'float': case 'double': return 'doubleVal';
    case 'binary': return 'binaryVal';
    default: return 'stringVal';
  }
}

/** Type of a computed result column, from its PostgreSQL type (columns of tables come from the catalog). */
export function hiveTypeOfPg(dataTypeId: number, typmod: number): HiveType {
  const p = (name: PrimitiveName, extra: Partial<{ precision: number; scale: number; length: number }> = {}): HiveType => ({ kind: 'primitive', name, ...extra });
  switch (dataTypeId) {
    case 16: return p('boolean');
    case 21: return p('smallint');
    case 23: return p('int');
    case 20: return p('bigint');
    case 700: return p('float');
    case 701: return p('double');
    case 1700: return typmod >= 4
      ? p('decimal', { precision: (typmod - 4) >> 16, scale: (typmod - 4) & 0xffff })
      : p('decimal', { precision: 38, scale: 18 }); // Hive's type for unconstrained decimal arithmetic
    case 1043: return typmod >= 4 ? p('varchar', { length: typmod - 4 }) : p('string');
    case 1042: return typmod >= 4 ? p('char', { length: typmod - 4 }) : p('string');
    case 1082: return p('date');
    case 1114: return p('timestamp');
    case 17: return p('binary');
    case 1186: return p('interval_day_time');
    default: return p('string');
  }
}

/** Plain-object TTypeDesc; the generated thrift constructors copy it into TTypeDesc instances. */
export function typeDesc(t: HiveType): object {
  const qualifiers: Record<string, { i32Value: number }> = {};
  if (t.kind === 'primitive' && t.name === 'decimal') {
    qualifiers.precision = { i32Value: t.precision! };
    qualifiers.scale = { i32Value: t.scale! };
  }
  if (t.kind === 'primitive' && (t.name === 'varchar' || t.name === 'char')) qualifiers.characterMaximumLength = { i32Value: t.length! };
  const entry: Record<string, unknown> = { type: typeIdValue(typeIdName(t)) };
  if (Object.keys(qualifiers).length > 0) entry.typeQualifiers = { qualifiers };
  return { types: [{ primitiveEntry: entry }] };
}

/** TTypeId numbers from the generated enum (TCLIService.thrift). */
export function typeIdValue(name: string): number {
  const value = TTypes.TTypeId[name];
  if (value === undefined) throw new Error(`unknown TTypeId ${name}`);
  return value;
}

/** java.sql.Types code for GetColumns' DATA_TYPE (Hive's Type.toJavaSQLType). */
export function javaSqlType(t: HiveType): number {
  if (t.kind === 'array') return 2003;
  if (t.kind === 'struct') return 2002;
  if (t.kind !== 'primitive') return 2000;
  const codes: Record<PrimitiveName, number> = {
    boolean: 16, tinyint: -6, smallint: 5, int: 4, bigint: -5, float: 6, double: 8, decimal: 3, string: 12,
    varchar: 12, char: 1, date: 91, timestamp: 93, binary: -2, interval_year_month: 1111, interval_day_time: 1111, void: 0,
  };
  return codes[t.name];
}
