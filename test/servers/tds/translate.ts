/**
 * A thin T-SQL → PostgreSQL rewrite, token by token: [brackets] → "quoted" (lower-cased, since
 * SQL Server names compare case-insensitively; names over PostgreSQL's 63 bytes get a hash
 * suffix), N'…' → '…', TOP → LIMIT, @params → $n, CONVERT/CAST targets → storage types,
 * ORDER BY items with SQL Server's NULL placement, INFORMATION_SCHEMA/sys → the emulated catalog
 * schemas, a few built-in functions (builtins.ts: HASHBYTES, DATEADD, CONVERT's date styles).
 * It covers what the fixtures and the connector send, not T-SQL in general.
 */
import crypto from 'node:crypto';
import { TsqlSyntaxError, isOp, isWord, matchParen, splitArgs, type Tok } from './lexer.js';
import { rewriteSpatial } from './spatial.js';
import { castType, parseSqlType } from './types.js';

const PG_MAX_IDENTIFIER_BYTES = 63;
const HASHED_PREFIX_BYTES = 54;

/** PostgreSQL name of a SQL Server identifier (deterministic, ≤ 63 bytes). */
export function pgName(name: string): string {
  const lower = name.toLowerCase();
  if (Buffer.byteLength(lower) <= PG_MAX_IDENTIFIER_BYTES) return lower;
  let prefix = lower;
  while (Buffer.byteLength(prefix) > HASHED_PREFIX_BYTES) prefix = prefix.slice(0, -1);
  return `${prefix}_${crypto.createHash('sha1').update(lower).digest('hex').slice(0, 8)}`;
}

export function quotePg(name: string): string {
  return `"${pgName(name).replace(/"/g, '""')}"`;
}

export function pgString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** An error SQL Server would raise while compiling the statement. */
export class CompileError extends Error {
  constructor(readonly number: number, message: string) { super(message); }
}

export interface TranslateContext {
  /** RPC parameter names (lower case, without @) → $n position. */
  params: Map<string, number>;
  database: string;
  user: string;
}

export interface Translation {
  sql: string;
  /** PostgreSQL name → spelling in the statement, to name result columns the way the query wrote them. */
  spellings: Map<string, string>;
}

const CATALOG_SCHEMAS: Record<string, string> = { information_schema: 'tds_information_schema', sys: 'tds_sys' };
const TABLE_HINTS = new Set(['NOLOCK', 'READUNCOMMITTED', 'READCOMMITTED', 'READPAST', 'UPDLOCK', 'ROWLOCK', 'HOLDLOCK', 'TABLOCK', 'NOWAIT', 'INDEX', 'PAGLOCK']);
const CLAUSE_WORDS = new Set(['WHERE', 'ORDER', 'GROUP', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'OUTER', 'ON', 'UNION', 'EXCEPT', 'INTERSECT', 'OPTION', 'HAVING', 'FOR']);
const RENAMED_FUNCTIONS: Record<string, string> = {
  ISNULL: 'COALESCE', LEN: 'length', DATALENGTH: 'octet_length', COUNT_BIG: 'count', NEWID: 'gen_random_uuid',
  GETDATE: 'localtimestamp', SYSDATETIME: 'localtimestamp', SYSDATETIMEOFFSET: 'now', COLLATIONPROPERTY: 'tds_sys.collationproperty',
  OBJECT_ID: 'tds_sys.object_id', REPLICATE: 'repeat',
};
/** Words handled by `func` when a parenthesis follows; every other call passes through unchanged. */
const SPECIAL_FUNCTIONS = new Set([...Object.keys(RENAMED_FUNCTIONS), 'CAST', 'TRY_CAST', 'CONVERT', 'TRY_CONVERT', 'GETUTCDATE', 'SYSUTCDATETIME', 'DB_NAME', 'SCHEMA_NAME', 'SUSER_SNAME', 'USER_NAME', 'SUSER_NAME', 'GENERATE_SERIES', 'HASHBYTES', 'DATEADD']);
/** CONVERT styles of date/time → text that builtins.ts formats (others are SQL Server's locale formats, not emulated). */
const DATE_STYLES = new Set(['121', '126', '127']);
/** Functions whose PostgreSQL spelling takes no parentheses. */
const BARE_FUNCTIONS = new Set(['localtimestamp']);

export function translate(tokens: Tok[], ctx: TranslateContext): Translation {
  const t = new Translator(ctx);
  const rewritten = rewriteSpatial(tokens);
  return { sql: t.range(rewritten, 0, rewritten.length).trim(), spellings: t.spellings };
}

/** Translates a type name plus arguments into a PostgreSQL cast target. */
export function castTarget(tokens: Tok[], from: number, to: number): { pgType: string; binary: boolean } {
  const solidToks = tokens.slice(from, to).filter((x) => x.kind !== 'ws');
  const head = solidToks[0];
  if (!head || (head.kind !== 'word' && head.kind !== 'ident')) throw new TsqlSyntaxError(head?.text ?? ')');
  const args = solidToks.slice(1).filter((x) => x.kind === 'num' || x.kind === 'word').map((x) => x.value);
  const type = parseSqlType(head.value, args);
  return { pgType: castType(type), binary: type.name === 'binary' || type.name === 'varbinary' || type.name === 'image' };
}

class Translator {
  readonly spellings = new Map<string, string>();
  constructor(private readonly ctx: TranslateContext) {}

  range(t: Tok[], from: number, to: number): string {
    let out = '';
    let limit: string | undefined;
    for (let i = from; i < to; i++) {
      const tok = t[i]!;
      switch (tok.kind) {
        case 'ws': out += ' '; break;
        case 'str': out += pgString(tok.value); break;
        case 'hex': out += `'\\x${tok.value}'::bytea`; break;
        case 'num': out += tok.text; break;
        case 'var': out += this.variable(tok); break;
        case 'ident': i = this.name(t, i, true, (s) => { out += s; }); break;
        case 'op':
          if (tok.value === '(') {
            const close = matchParen(t, i);
            out += `(${this.range(t, i + 1, close)})`;
            i = close;
          } else out += tok.text;
          break;
        case 'word': {
          const upper = tok.value.toUpperCase();
          const next = nextSolid(t, i);
          if (isOp(t[next], '(') && SPECIAL_FUNCTIONS.has(upper)) {
            const close = matchParen(t, next);
            out += this.func(upper, t, next, close);
            i = close;
            break;
          }
          if (upper === 'SELECT') {
            out += 'SELECT';
            const top = this.top(t, i);
            if (top) { out += top.prefix; limit = top.limit; i = top.end; }
            break;
          }
          if (upper === 'ORDER' && isWord(t[next], 'BY')) {
            const end = orderByEnd(t, next + 1, to);
            out += `ORDER BY ${this.orderItems(t, next + 1, end)}`;
            i = end - 1;
            break;
          }
          if (upper === 'WITH' && isOp(t[next], '(') && isWord(t[nextSolid(t, next)], ...TABLE_HINTS)) { i = matchParen(t, next); break; }
          if (upper === 'OPTION' && isOp(t[next], '(')) { i = matchParen(t, next); break; }
          if (upper === 'COLLATE') { i = nextSolid(t, i); break; }
          i = this.name(t, i, false, (s) => { out += s; });
        }
      }
    }
    return limit === undefined ? out : `${out} LIMIT ${limit}`;
  }

  /**
   * SQL Server sorts NULL below every value (first ascending, last descending); PostgreSQL the
   * other way round, so each item says where its NULLs go.
   */
  private orderItems(t: Tok[], from: number, to: number): string {
    return splitArgs(t, from, to).map(([a, b]) => {
      let last = b - 1;
      while (last > a && t[last]!.kind === 'ws') last--;
      return `${this.range(t, a, b).trim()} ${isWord(t[last], 'DESC') ? 'NULLS LAST' : 'NULLS FIRST'}`;
    }).join(', ');
  }

  /** An identifier, possibly the first part of a multi-part name: maps catalog schemas and drops a leading database name. */
  private name(t: Tok[], i: number, quoted: boolean, emit: (s: string) => void): number {
    const tok = t[i]!;
    const lower = tok.value.toLowerCase();
    const dot = nextSolid(t, i);
    if (isOp(t[dot], '.')) {
      const second = nextSolid(t, dot);
      if ((lower === this.ctx.database.toLowerCase() || lower === 'master' || lower === 'tempdb') && isOp(t[nextSolid(t, second)], '.')) return dot;
      if (Object.hasOwn(CATALOG_SCHEMAS, lower)) { emit(`"${CATALOG_SCHEMAS[lower]}"`); return i; }
    }
    const plain = !quoted && /^[A-Za-z_][A-Za-z0-9_$]*$/.test(tok.value) && Buffer.byteLength(tok.value) <= PG_MAX_IDENTIFIER_BYTES;
    if (tok.kind === 'ident' || tok.kind === 'word') this.spellings.set(pgName(tok.value), tok.value);
    emit(plain ? tok.value : quotePg(tok.value));
    return i;
  }

  private variable(tok: Tok): string {
    const name = tok.value.toLowerCase();
    if (name === '@version') return pgString('Microsoft SQL Server 2022 (pg-connector-bridge TDS test server on PostgreSQL)');
    if (name === '@spid') return 'pg_backend_pid()';
    if (name === '@servername') return pgString('pgcb-tds');
    const n = this.ctx.params.get(name);
    if (n === undefined) throw new CompileError(137, `Must declare the scalar variable "@${tok.value}".`);
    return `$${n}`;
  }

  /** `SELECT [DISTINCT] TOP (n)` / `TOP n`: removed here, re-added as LIMIT at the end of the query block. */
  private top(t: Tok[], select: number): { prefix: string; limit: string; end: number } | undefined {
    let i = nextSolid(t, select);
    let prefix = '';
    if (isWord(t[i], 'DISTINCT', 'ALL')) { prefix = ` ${t[i]!.value}`; i = nextSolid(t, i); }
    if (!isWord(t[i], 'TOP')) return undefined;
    const arg = nextSolid(t, i);
    let limit: string;
    let end: number;
    if (isOp(t[arg], '(')) { end = matchParen(t, arg); limit = `(${this.range(t, arg + 1, end)})`; }
    else if (t[arg]?.kind === 'num' || t[arg]?.kind === 'var') { end = arg; limit = this.range(t, arg, arg + 1); }
    else throw new TsqlSyntaxError('TOP');
    if (isWord(t[nextSolid(t, end)], 'PERCENT', 'WITH')) throw new CompileError(102, `Incorrect syntax near '${t[nextSolid(t, end)]!.value}' (TOP PERCENT / WITH TIES are not supported by the test server).`);
    return { prefix, limit, end };
  }

  private func(upper: string, t: Tok[], open: number, close: number): string {
    const args = splitArgs(t, open + 1, close);
    const arg = (k: number) => this.range(t, args[k]![0], args[k]![1]);
    switch (upper) {
      case 'CAST': case 'TRY_CAST': {
        const as = lastTopLevelWord(t, open + 1, close, 'AS');
        const target = castTarget(t, as + 1, close);
        const expr = this.range(t, open + 1, as);
        return target.binary ? `tds_sys.varbin(${expr})` : `CAST(${expr} AS ${target.pgType})`;
      }
      case 'CONVERT': case 'TRY_CONVERT': {
        const target = castTarget(t, args[0]![0], args[0]![1]);
        // Styles 1 and 2 print binary values as hex (0x… / …); other types pass through unchanged.
        const style = args.length > 2 ? arg(2).trim() : '';
        const value = style === '1' || style === '2' ? `tds_sys.binary_style(${arg(1)}, ${style})`
          : DATE_STYLES.has(style) ? `tds_sys.date_style(${arg(1)}, ${style})` : arg(1);
        return target.binary ? `tds_sys.varbin(${value})` : `CAST(${value} AS ${target.pgType})`;
      }
      case 'GETUTCDATE': case 'SYSUTCDATETIME': return "(now() AT TIME ZONE 'utc')";
      case 'HASHBYTES': return `tds_sys.hashbytes(${arg(0)}, ${arg(1)})`;
      case 'DATEADD': {
        const part = solidTokens(t, args[0]![0], args[0]![1]);
        if (part.length !== 1 || part[0]!.kind !== 'word') throw new TsqlSyntaxError(part[0]?.text ?? ',');
        return `tds_sys.dateadd(${pgString(part[0]!.value.toLowerCase())}, ${arg(1)}, ${arg(2)})`;
      }
      case 'DB_NAME': return pgString(this.ctx.database);
      case 'SCHEMA_NAME': return pgString('dbo');
      case 'SUSER_SNAME': case 'USER_NAME': case 'SUSER_NAME': return pgString(this.ctx.user);
      case 'GENERATE_SERIES': {
        const series = `(SELECT generate_series(${arg(0)}, ${arg(1)}${args.length > 2 ? `, ${arg(2)}` : ''}) AS value)`;
        const after = t[nextSolid(t, close)];
        const aliased = isWord(after, 'AS') || after?.kind === 'ident' || (after?.kind === 'word' && !CLAUSE_WORDS.has(after.value.toUpperCase()));
        return aliased ? series : `${series} AS generate_series`;
      }
      default: {
        const renamed = RENAMED_FUNCTIONS[upper]!;
        if (BARE_FUNCTIONS.has(renamed)) return renamed;
        return `${renamed}(${this.range(t, open + 1, close)})`;
      }
    }
  }
}

/** Words that end an ORDER BY list at its own parenthesis level (OFFSET … FETCH, a window frame, a set operation). */
const ORDER_BY_END = ['OFFSET', 'FOR', 'OPTION', 'UNION', 'EXCEPT', 'INTERSECT', 'ROWS', 'RANGE'];

/** Index of the first token after the ORDER BY list that starts at `from`. */
function orderByEnd(t: Tok[], from: number, to: number): number {
  for (let i = from; i < to; i++) {
    if (isOp(t[i], '(')) i = matchParen(t, i);
    else if (isWord(t[i], ...ORDER_BY_END) || isOp(t[i], ';')) return i;
  }
  return to;
}

function solidTokens(t: Tok[], from: number, to: number): Tok[] {
  return t.slice(from, to).filter((x) => x.kind !== 'ws');
}

export function nextSolid(t: Tok[], i: number): number {
  let j = i + 1;
  while (j < t.length && t[j]!.kind === 'ws') j++;
  return j;
}

function lastTopLevelWord(t: Tok[], from: number, to: number, word: string): number {
  let depth = 0;
  let found = -1;
  for (let i = from; i < to; i++) {
    if (isOp(t[i], '(')) depth++;
    else if (isOp(t[i], ')')) depth--;
    else if (depth === 0 && isWord(t[i], word)) found = i;
  }
  if (found < 0) throw new TsqlSyntaxError(word);
  return found;
}
