/**
 * HiveQL tokens for the HiveServer2 test server: enough of Hive's lexer to translate the statements
 * the tests and the connector send into PostgreSQL without pasting user text into SQL.
 *
 * Hive rules kept: `backtick` identifiers with `` `` `` as an escaped backtick; both '…' and "…" are
 * string literals with backslash escapes, decoded exactly as BaseSemanticAnalyzer.unescapeSQLString
 * does; identifiers are case-insensitive (we lower-case them); numeric literal suffixes Y, S, L, BD.
 */

export type TokenKind = 'ident' | 'quoted' | 'string' | 'number' | 'op';

export interface Token {
  kind: TokenKind;
  /** Identifier (lower-cased), unescaped string value, number text without suffix, or operator. */
  text: string;
  /** Offset in the statement, for Hive-style "line 1:N" error positions. */
  pos: number;
}

export class HiveSyntaxError extends Error {
  constructor(message: string, readonly pos: number) {
    super(message);
  }
}

const TWO_CHAR_OPS = new Set(['<=', '>=', '<>', '!=', '==', '||', '&&']);
/** The one-character escapes of unescapeSQLString; any other escaped character stands for itself. */
const SIMPLE_ESCAPES: Record<string, string> = { '0': '\0', "'": "'", '"': '"', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\x1a', '\\': '\\' };

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (/\s/.test(ch)) { i++; continue; }
    if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (ch === '`') {
      let name = '';
      i++;
      for (;;) {
        if (i >= sql.length) throw new HiveSyntaxError('unterminated quoted identifier', start);
        if (sql[i] === '`') {
          if (sql[i + 1] === '`') { name += '`'; i += 2; continue; }
          i++;
          break;
        }
        name += sql[i++];
      }
      tokens.push({ kind: 'quoted', text: name.toLowerCase(), pos: start });
    } else if (ch === "'" || ch === '"') {
      const [value, end] = readString(sql, i);
      tokens.push({ kind: 'string', text: value, pos: start });
      i = end;
    } else if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(sql.slice(i))!;
      i += m[0].length;
      const suffix = /^(BD|bd|[YySsLl])(?![A-Za-z0-9_])/.exec(sql.slice(i));
      if (suffix) i += suffix[0].length;
      tokens.push({ kind: 'number', text: m[0], pos: start });
    } else if (/[A-Za-z_]/.test(ch)) {
      while (i < sql.length && /[A-Za-z0-9_$]/.test(sql[i]!)) i++;
      tokens.push({ kind: 'ident', text: sql.slice(start, i).toLowerCase(), pos: start });
    } else {
      const two = sql.slice(i, i + 2);
      const op = TWO_CHAR_OPS.has(two) ? two : ch;
      i += op.length;
      tokens.push({ kind: 'op', text: op, pos: start });
    }
  }
  return tokens;
}

/**
 * One StringLiteral token of Hive's lexer (HiveLexer.g): quoted runs with `\` escaping any
 * character, and quoted runs written back to back are ONE token (`'a''b'` is `ab`, not `a'b`);
 * then decoded by unescapeHiveString.
 */
function readString(sql: string, start: number): [string, number] {
  let i = start;
  while (sql[i] === "'" || sql[i] === '"') {
    const quote = sql[i]!;
    i++;
    for (;;) {
      if (i >= sql.length) throw new HiveSyntaxError('unterminated string literal', start);
      if (sql[i] === '\\') { i += 2; continue; }
      if (sql[i++] === quote) break;
    }
  }
  return [unescapeHiveString(sql.slice(start, i)), i];
}

/** Character.digit(c, 16) for the ASCII digits and letters; -1 otherwise (Java then computes a garbage code unit, and so do we). */
function hexDigit(c: string | undefined): number {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c) ? parseInt(c, 16) : -1;
}

/**
 * BaseSemanticAnalyzer.unescapeSQLString, line for line, on a whole token (quotes included):
 * `\uXXXX` (four characters taken whatever they are), `\NNN` octal only from `\000` to `\177`,
 * the one-character escapes above, `\%` and `\_` kept with their backslash (for LIKE), and
 * anything else escaped stands for itself. The length checks count the closing quote, as Hive's do.
 */
export function unescapeHiveString(token: string): string {
  let enclosure: string | null = null;
  let out = '';
  for (let i = 0; i < token.length; i++) {
    const c = token[i]!;
    if (enclosure === null) {
      if (c === "'" || c === '"') enclosure = c;
      continue;
    }
    if (c === enclosure) { enclosure = null; continue; }
    if (c === '\\' && i + 6 < token.length && token[i + 1] === 'u') {
      let code = 0;
      for (let j = 0; j < 4; j++) code = (code << 4) + hexDigit(token[i + 2 + j]);
      out += String.fromCharCode(code & 0xffff); // Java's (char) cast
      i += 5;
      continue;
    }
    if (c === '\\' && i + 4 < token.length && /^[01][0-7][0-7]$/.test(token.slice(i + 1, i + 4))) {
      out += String.fromCharCode(parseInt(token.slice(i + 1, i + 4), 8));
      i += 3;
      continue;
    }
    if (c === '\\' && i + 2 < token.length) {
      const next = token[i + 1]!;
      out += SIMPLE_ESCAPES[next] ?? (next === '%' || next === '_' ? '\\' + next : next);
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

/** Splits a HiveQL script on top-level semicolons (outside strings, backticks and comments). */
export function splitStatements(script: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (quote) {
      current += c;
      if (c === '\\' && quote !== '`') { current += script[++i] ?? ''; continue; }
      if (c === quote) quote = null;
      continue;
    }
    if (c === '-' && script[i + 1] === '-') {
      while (i < script.length && script[i] !== '\n') i++;
      current += '\n';
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    if (c === ';') {
      if (current.trim()) out.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** A cursor over tokens with the small helpers the statement parsers need. */
export class TokenStream {
  index = 0;
  constructor(readonly tokens: Token[], readonly sql: string) {}

  peek(offset = 0): Token | undefined { return this.tokens[this.index + offset]; }
  next(): Token {
    const t = this.tokens[this.index++];
    if (!t) throw new HiveSyntaxError('unexpected end of statement', this.sql.length);
    return t;
  }
  atEnd(): boolean { return this.index >= this.tokens.length; }
  isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'ident' && t.text === word;
  }
  isOp(op: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'op' && t.text === op;
  }
  acceptWord(...words: string[]): boolean {
    if (!words.every((w, k) => this.isWord(w, k))) return false;
    this.index += words.length;
    return true;
  }
  expectWord(word: string): void {
    if (!this.acceptWord(word)) throw this.error(`expecting ${word.toUpperCase()}`);
  }
  acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.index++;
    return true;
  }
  expectOp(op: string): void {
    if (!this.acceptOp(op)) throw this.error(`expecting '${op}'`);
  }
  /** An identifier, bare or backticked. */
  name(): string {
    const t = this.next();
    if (t.kind !== 'ident' && t.kind !== 'quoted') throw this.error('expecting an identifier', t);
    return t.text;
  }
  /** `[db.]name` → { db?, name }. */
  qualifiedName(): { db?: string; name: string } {
    const first = this.name();
    if (this.acceptOp('.')) return { db: first, name: this.name() };
    return { name: first };
  }
  error(what: string, at: Token | undefined = this.peek()): HiveSyntaxError {
    const near = this.tokens.slice(at ? this.tokens.indexOf(at) : this.tokens.length, (at ? this.tokens.indexOf(at) : this.tokens.length) + 3)
      .map((t) => `'${t.text}'`).join(' ') || "'<EOF>'";
    return new HiveSyntaxError(`cannot recognize input near ${near}: ${what}`, at?.pos ?? this.sql.length);
  }
}
