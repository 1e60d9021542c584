/**
 * T-SQL tokens and statement splitting, enough for the translator: strings ('' escapes, N''),
 * [bracket]/"double-quoted" identifiers (]] and "" escapes), @variables, 0x binary literals,
 * comments, numbers, operators.
 */
export type TokenKind = 'ws' | 'str' | 'ident' | 'word' | 'num' | 'hex' | 'var' | 'op';

export interface Tok {
  kind: TokenKind;
  /** Source text of the token. */
  text: string;
  /** Decoded value: string contents, identifier name, variable name without @. */
  value: string;
  /** N'…' literal. */
  national?: boolean;
}

export class TsqlSyntaxError extends Error {
  constructor(readonly near: string) {
    super(`Incorrect syntax near '${near}'.`);
  }
}

const WORD_START = /[A-Za-z_#\u0080-\uffff]/;
const WORD_CHAR = /[A-Za-z0-9_#$@\u0080-\uffff]/;
const TWO_CHAR_OPS = new Set(['<>', '!=', '<=', '>=', '!<', '!>', '::', '||']);

export function tokenize(sql: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = sql.length;
  const quoted = (open: number, close: string): string => {
    let value = '';
    let j = open + 1;
    for (;;) {
      const k = sql.indexOf(close, j);
      if (k < 0) throw new TsqlSyntaxError(sql.slice(open, open + 20));
      value += sql.slice(j, k);
      if (sql[k + 1] === close) { value += close; j = k + 2; continue; }
      i = k + 1;
      return value;
    }
  };
  while (i < n) {
    const c = sql[i]!;
    const start = i;
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(sql[i]!)) i++;
      out.push({ kind: 'ws', text: sql.slice(start, i), value: '' });
    } else if (c === '-' && sql[i + 1] === '-') {
      const k = sql.indexOf('\n', i);
      i = k < 0 ? n : k;
      out.push({ kind: 'ws', text: ' ', value: '' });
    } else if (c === '/' && sql[i + 1] === '*') {
      const k = sql.indexOf('*/', i + 2);
      if (k < 0) throw new TsqlSyntaxError('/*');
      i = k + 2;
      out.push({ kind: 'ws', text: ' ', value: '' });
    } else if ((c === 'N' || c === 'n') && sql[i + 1] === "'") {
      const value = quoted(i + 1, "'");
      out.push({ kind: 'str', text: sql.slice(start, i), value, national: true });
    } else if (c === "'") {
      const value = quoted(i, "'");
      out.push({ kind: 'str', text: sql.slice(start, i), value });
    } else if (c === '[') {
      const value = quoted(i, ']');
      out.push({ kind: 'ident', text: sql.slice(start, i), value });
    } else if (c === '"') {
      const value = quoted(i, '"');
      out.push({ kind: 'ident', text: sql.slice(start, i), value });
    } else if (c === '0' && (sql[i + 1] === 'x' || sql[i + 1] === 'X')) {
      i += 2;
      while (i < n && /[0-9A-Fa-f]/.test(sql[i]!)) i++;
      out.push({ kind: 'hex', text: sql.slice(start, i), value: sql.slice(start + 2, i) });
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      while (i < n && /[0-9.]/.test(sql[i]!)) i++;
      if (/[eE]/.test(sql[i] ?? '') && /[-+0-9]/.test(sql[i + 1] ?? '')) { i += 2; while (i < n && /[0-9]/.test(sql[i]!)) i++; }
      out.push({ kind: 'num', text: sql.slice(start, i), value: sql.slice(start, i) });
    } else if (c === '@') {
      i++;
      if (sql[i] === '@') i++;
      while (i < n && WORD_CHAR.test(sql[i]!)) i++;
      out.push({ kind: 'var', text: sql.slice(start, i), value: sql.slice(start + 1, i) });
    } else if (WORD_START.test(c)) {
      while (i < n && WORD_CHAR.test(sql[i]!)) i++;
      out.push({ kind: 'word', text: sql.slice(start, i), value: sql.slice(start, i) });
    } else {
      const two = sql.slice(i, i + 2);
      i += TWO_CHAR_OPS.has(two) ? 2 : 1;
      out.push({ kind: 'op', text: sql.slice(start, i), value: sql.slice(start, i) });
    }
  }
  return out;
}

export function isWord(t: Tok | undefined, ...words: string[]): boolean {
  return t !== undefined && t.kind === 'word' && words.includes(t.value.toUpperCase());
}

export function isOp(t: Tok | undefined, op: string): boolean {
  return t !== undefined && t.kind === 'op' && t.value === op;
}

/** Tokens without whitespace/comments. */
export function solid(tokens: Tok[]): Tok[] {
  return tokens.filter((t) => t.kind !== 'ws');
}

/**
 * Splits a batch into statements: at top-level `;`, at `GO` lines, and after the end of line of
 * a SET statement (tedious's session set-up batch is a dozen SET lines without semicolons).
 */
export function splitStatements(tokens: Tok[]): Tok[][] {
  const statements: Tok[][] = [];
  let current: Tok[] = [];
  let depth = 0;
  const firstWord = () => current.find((t) => t.kind !== 'ws');
  const finish = () => {
    const head = firstWord();
    if (head && !(isWord(head, 'GO') && solid(current).length === 1)) statements.push(current);
    current = [];
  };
  for (const t of tokens) {
    if (t.kind === 'op' && t.value === '(') depth++;
    if (t.kind === 'op' && t.value === ')') depth--;
    if (depth === 0 && t.kind === 'op' && t.value === ';') { finish(); continue; }
    if (depth === 0 && t.kind === 'ws' && t.text.includes('\n') && (isWord(firstWord(), 'SET') || isWord(firstWord(), 'GO'))) { finish(); continue; }
    current.push(t);
  }
  finish();
  return statements;
}

/** Index of the `)` matching the `(` at `open`. */
export function matchParen(tokens: Tok[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (isOp(tokens[i], '(')) depth++;
    else if (isOp(tokens[i], ')') && --depth === 0) return i;
  }
  throw new TsqlSyntaxError('(');
}

/** Splits tokens [from, to) at top-level commas. */
export function splitArgs(tokens: Tok[], from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < to; i++) {
    if (isOp(tokens[i], '(')) depth++;
    else if (isOp(tokens[i], ')')) depth--;
    else if (depth === 0 && isOp(tokens[i], ',')) { out.push([start, i]); start = i + 1; }
  }
  out.push([start, to]);
  return out;
}
