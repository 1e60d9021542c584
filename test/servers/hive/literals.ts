/**
 * Constant expressions of `INSERT … VALUES` in the test server, evaluated here rather than in
 * PostgreSQL: values reach PostgreSQL as bind parameters (never pasted into SQL), TIMESTAMP keeps
 * its nanoseconds, and complex values are rendered exactly as HiveServer2 renders them
 * (SerDeUtils.buildJSONString: compact JSON, map keys of non-string types unquoted, unions as
 * `{tag:value}`, BINARY inside complex values as raw text).
 */
import { HiveSyntaxError, TokenStream, type Token } from './lexer.js';
import { parseHiveType, type HiveType, type PrimitiveName } from './hive-types.js';

export type Value =
  | null
  | { t: 'str'; v: string }
  | { t: 'num'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'bin'; v: Buffer }
  | { t: 'arr'; v: Value[] }
  | { t: 'map'; v: Array<[Value, Value]> }
  | { t: 'struct'; v: Array<[string, Value]> }
  | { t: 'union'; tag: number; v: Value };

export function parseValue(ts: TokenStream): Value {
  const t = ts.next();
  if (t.kind === 'string') {
    let text = t.text;
    while (ts.peek()?.kind === 'string') text += ts.next().text; // 'a' 'b' is 'ab' in Hive
    return { t: 'str', v: text };
  }
  if (t.kind === 'number') return { t: 'num', v: t.text };
  if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
    const inner = parseValue(ts);
    if (inner?.t !== 'num') throw ts.error('unary minus needs a number', t);
    return t.text === '-' ? { t: 'num', v: inner.v.startsWith('-') ? inner.v.slice(1) : '-' + inner.v } : inner;
  }
  if (t.kind === 'op' && t.text === '(') {
    const inner = parseValue(ts);
    ts.expectOp(')');
    return inner;
  }
  if (t.kind !== 'ident') throw ts.error('the test server accepts only constants in VALUES', t);
  switch (t.text) {
    case 'null': return null;
    case 'true': return { t: 'bool', v: true };
    case 'false': return { t: 'bool', v: false };
    case 'timestamp': case 'date': {
      const lit = ts.next();
      if (lit.kind !== 'string') throw ts.error(`${t.text.toUpperCase()} needs a string literal`, lit);
      return convert({ t: 'str', v: lit.text }, { kind: 'primitive', name: t.text });
    }
    case 'cast': {
      ts.expectOp('(');
      const inner = parseValue(ts);
      ts.expectWord('as');
      const type = parseHiveType(ts);
      ts.expectOp(')');
      return convert(inner, type);
    }
  }
  const args = parseArgs(ts);
  switch (t.text) {
    case 'array': return { t: 'arr', v: args };
    case 'map': return { t: 'map', v: pairs(args).map(([k, v]) => [k, v]) };
    case 'named_struct': return { t: 'struct', v: pairs(args).map(([k, v]) => [textOf(k), v]) };
    case 'struct': return { t: 'struct', v: args.map((v, i) => [`col${i + 1}`, v]) };
    case 'create_union': return { t: 'union', tag: Number(textOf(args[0] ?? null)), v: args[1 + Number(textOf(args[0] ?? null))] ?? null };
    case 'unhex': return { t: 'bin', v: Buffer.from(textOf(args[0] ?? null), 'hex') };
    default: throw ts.error(`function ${t.text} is not supported by the test server in VALUES`, t);
  }
}

function parseArgs(ts: TokenStream): Value[] {
  ts.expectOp('(');
  const args: Value[] = [];
  if (ts.acceptOp(')')) return args;
  do args.push(parseValue(ts)); while (ts.acceptOp(','));
  ts.expectOp(')');
  return args;
}

function pairs(args: Value[]): Array<[Value, Value]> {
  if (args.length % 2 !== 0) throw new HiveSyntaxError('map/named_struct need an even number of arguments', 0);
  const out: Array<[Value, Value]> = [];
  for (let i = 0; i < args.length; i += 2) out.push([args[i]!, args[i + 1]!]);
  return out;
}

function textOf(v: Value): string {
  if (v === null) return '';
  if (v.t === 'str' || v.t === 'num') return v.v;
  if (v.t === 'bool') return v.v ? 'true' : 'false';
  if (v.t === 'bin') return v.v.toString('utf8');
  return hiveJson(v, inferType(v));
}

/** Hive 3+ Timestamp.toString(): `yyyy-MM-dd HH:mm:ss` plus 0–9 fraction digits, trailing zeros dropped. */
export function normalizeTimestamp(text: string): string | null {
  const m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?\s*$/.exec(text);
  if (!m) return null; // Hive turns an unparseable timestamp string into NULL
  const pad = (s: string | undefined, n = 2) => (s ?? '0').padStart(n, '0');
  const fraction = (m[7] ?? '').replace(/0+$/, '');
  return `${m[1]}-${pad(m[2])}-${pad(m[3])} ${pad(m[4])}:${pad(m[5])}:${pad(m[6])}${fraction ? '.' + fraction : ''}`;
}

/** PostgreSQL's timestamp holds microseconds. */
const PG_TIMESTAMP_DIGITS = 6;

/**
 * `CAST('<text>' AS TIMESTAMP)` in a query (tokens from `at`, the CAST), evaluated here like the
 * constants of INSERT … VALUES, since Hive keeps nanoseconds: a value PostgreSQL's timestamp
 * holds exactly stays one; with 7–9 fraction digits it becomes Hive's text, which compares with
 * TIMESTAMP columns (stored as that text, COLLATE "C") byte by byte, to the nanosecond; text Hive
 * cannot read is NULL, as in Hive. `end` is the index of the closing parenthesis.
 */
export function timestampConstantSql(tokens: Token[], at: number): { sql: string; end: number } | undefined {
  let i = at + 2;
  if (tokens[at + 1]?.text !== '(' || tokens[i]?.kind !== 'string') return undefined;
  let text = '';
  while (tokens[i]?.kind === 'string') text += tokens[i++]!.text; // 'a' 'b' is 'ab' in Hive
  if (tokens[i]?.kind !== 'ident' || tokens[i]!.text !== 'as') return undefined;
  const ts = new TokenStream(tokens, '');
  ts.index = i + 1;
  const type = parseHiveType(ts);
  if (type.kind !== 'primitive' || type.name !== 'timestamp' || !ts.isOp(')')) return undefined;
  const value = normalizeTimestamp(text);
  if (value === null) return { sql: 'cast(null as timestamp)', end: ts.index };
  const literal = `'${value}'`; // digits, '-', ':', '.' and a space only
  const fraction = value.split('.')[1] ?? '';
  return { sql: fraction.length > PG_TIMESTAMP_DIGITS ? `(${literal} collate "C")` : `cast(${literal} as timestamp)`, end: ts.index };
}

function convert(v: Value, type: HiveType): Value {
  if (v === null || type.kind !== 'primitive') return v;
  const text = textOf(v);
  switch (type.name) {
    case 'timestamp': { const ts = normalizeTimestamp(text); return ts === null ? null : { t: 'str', v: ts }; }
    case 'date': { const ts = normalizeTimestamp(text); return ts === null ? null : { t: 'str', v: ts.slice(0, 10) }; }
    case 'binary': return v.t === 'bin' ? v : { t: 'bin', v: Buffer.from(text, 'utf8') };
    case 'boolean': return v.t === 'bool' ? v : { t: 'bool', v: text.toLowerCase() === 'true' || (v.t === 'num' && Number(text) !== 0) };
    case 'string': case 'varchar': case 'char': return { t: 'str', v: text };
    case 'tinyint': case 'smallint': case 'int': case 'bigint': return { t: 'num', v: text.trim().replace(/\..*$/, '') };
    default: return { t: 'num', v: text.trim() };
  }
}

/** The text PostgreSQL receives for a column of `type` (bind parameter, PostgreSQL input syntax). */
export function toStorage(v: Value, type: HiveType): string | null {
  if (v === null) return null;
  if (type.kind !== 'primitive') return hiveJson(v, type);
  const c = convert(v, type);
  if (c === null) return null;
  if (c.t === 'bin') return '\\x' + c.v.toString('hex');
  const text = textOf(c);
  if ((type.name === 'varchar' || type.name === 'char') && [...text].length > type.length!) {
    return [...text].slice(0, type.length).join(''); // Hive truncates silently where PostgreSQL would fail
  }
  return text;
}

/** SerDeUtils.buildJSONString for one value of `type`. */
export function hiveJson(v: Value, type: HiveType): string {
  if (v === null) return 'null';
  switch (type.kind) {
    case 'array': return v.t === 'arr' ? `[${v.v.map((e) => hiveJson(e, type.element)).join(',')}]` : 'null';
    case 'map': return v.t === 'map' ? `{${v.v.map(([k, val]) => `${hiveJson(k, type.key)}:${hiveJson(val, type.value)}`).join(',')}}` : 'null';
    case 'struct': {
      if (v.t !== 'struct') return 'null';
      return `{${type.fields.map((f, i) => `"${f.name}":${hiveJson(v.v[i]?.[1] ?? null, f.type)}`).join(',')}}`;
    }
    case 'union': return v.t === 'union' ? `{${v.tag}:${hiveJson(v.v, type.members[v.tag] ?? inferType(v.v))}}` : 'null';
    case 'primitive': return primitiveJson(convert(v, type), type.name);
  }
}

function primitiveJson(v: Value, name: PrimitiveName): string {
  if (v === null) return 'null';
  const text = textOf(v);
  switch (name) {
    case 'boolean': return text;
    case 'tinyint': case 'smallint': case 'int': case 'bigint': return String(BigInt(text));
    case 'float': return javaFloatingToString(Math.fround(Number(text)), true);
    case 'double': return javaFloatingToString(Number(text), false);
    case 'decimal': return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
    case 'binary': return text; // raw bytes as text, unquoted: Hive's own (invalid-JSON) rendering
    default: return `"${escapeJsonString(text)}"`;
  }
}

/** SerDeUtils.escapeString. */
function escapeJsonString(s: string): string {
  return s.replace(/["\\\b\f\n\r\t]|[\u0000-\u001f]/g, (c) => {
    const named: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
  });
}

/** Java's Double/Float.toString: plain between 1e-3 and 1e7 (always with a fraction), else `d.dddE±n`. */
function javaFloatingToString(x: number, isFloat: boolean): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const digits = isFloat ? shortestFloat(x) : x.toExponential();
  const [mantissa, exp] = digits.split('e') as [string, string];
  const e = Number(exp);
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const plain = Number(mantissa + 'e' + e).toFixed(Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - e));
    return plain.includes('.') ? plain : plain + '.0';
  }
  return `${mantissa.includes('.') ? mantissa : mantissa + '.0'}E${e}`;
}

function shortestFloat(x: number): string {
  for (let p = 1; p <= 9; p++) {
    const s = x.toExponential(p - 1);
    if (Math.fround(Number(s)) === x) return s.replace(/\.?0+e/, 'e');
  }
  return x.toExponential(8);
}

function inferType(v: Value): HiveType {
  if (v === null || v.t === 'str') return { kind: 'primitive', name: 'string' };
  if (v.t === 'num') return { kind: 'primitive', name: v.v.includes('.') ? 'double' : 'bigint' };
  if (v.t === 'bool') return { kind: 'primitive', name: 'boolean' };
  if (v.t === 'bin') return { kind: 'primitive', name: 'binary' };
  if (v.t === 'arr') return { kind: 'array', element: inferType(v.v[0] ?? null) };
  if (v.t === 'map') return { kind: 'map', key: inferType(v.v[0]?.[0] ?? null), value: inferType(v.v[0]?.[1] ?? null) };
  if (v.t === 'struct') return { kind: 'struct', fields: v.v.map(([name, f]) => ({ name, type: inferType(f) })) };
  return { kind: 'union', members: [inferType(v.v)] };
}
