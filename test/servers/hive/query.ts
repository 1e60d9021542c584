/**
 * SELECT in the test server: HiveQL tokens re-emitted as PostgreSQL (backticks → double quotes,
 * Hive string escapes → standard literals, Hive type names in CAST → PostgreSQL types, a few
 * function renames), run through a server-side cursor so a result of any size is fetched page by
 * page as the client asks and never buffered.
 *
 * Result column names follow hive.resultset.use.unique.column.names=true (Hive's default):
 * `SELECT *` names columns `table.column`, an explicit `t.col` keeps its qualifier, and an
 * unaliased expression is `_c<i>`.
 */
import pg from 'pg';
import { Catalog, pgIdent, searchPathSql } from './catalog.js';
import { HIVE_FUNCTION_RENAMES } from './functions.js';
import { hiveTypeOfPg, parseHiveType, type HiveType } from './hive-types.js';
import { TokenStream, type Token } from './lexer.js';
import { timestampConstantSql } from './literals.js';
import type { RawRow, ResultColumn } from './rowset.js';

export interface TranslatedQuery {
  sql: string;
  /** The select list is a lone `*`: name columns `table.column` like Hive. */
  prefixStar: boolean;
}

/** A result a client fetches page by page. */
export interface ResultSource {
  columns(): Promise<ResultColumn[]>;
  fetch(maxRows: number): Promise<RawRow[]>;
  close(): Promise<void>;
}

const FUNCTION_RENAMES: Record<string, string> = { nvl: 'coalesce', rand: 'random', ...HIVE_FUNCTION_RENAMES };
const OPERATOR_RENAMES: Record<string, string> = { '==': '=', '&&': 'and' };
const WORD_OPERATORS: Record<string, string> = { rlike: '~', regexp: '~' };
const NOT_ALIASES = new Set(['end', 'null', 'true', 'false']);
const SELECT_LIST_END = new Set(['from', 'where', 'group', 'order', 'limit', 'having', 'union', 'sort', 'cluster', 'distribute']);

export function pgLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('the test server cannot store NUL characters');
  return "'" + value.replace(/'/g, "''") + "'";
}

function pgCastType(t: HiveType): string {
  if (t.kind !== 'primitive') return 'text';
  switch (t.name) {
    case 'string': return 'text';
    case 'tinyint': return 'smallint';
    case 'int': return 'integer';
    case 'float': return 'real';
    case 'double': return 'double precision';
    case 'decimal': return `numeric(${t.precision},${t.scale})`;
    case 'varchar': case 'char': return `${t.name}(${t.length})`;
    case 'binary': return 'bytea';
    default: return t.name;
  }
}

const isDot = (t: Token | undefined) => t?.kind === 'op' && t.text === '.';
const isWord = (t: Token | undefined, word: string) => t?.kind === 'ident' && t.text === word;
const isOp = (t: Token | undefined, op: string) => t?.kind === 'op' && t.text === op;

/** Words that end an ORDER BY list at its own nesting level. */
const ORDER_BY_END = new Set(['limit', 'offset', 'rows', 'range', 'union', 'intersect', 'except', 'window']);

/**
 * Hive sorts NULLs first in ascending order and last in descending order (its default since
 * HIVE-12994, `hive.default.nulls.last=false`); PostgreSQL does the opposite. Each ORDER BY item
 * without its own NULLS FIRST|LAST gets Hive's default spelled out.
 */
class NullOrdering {
  /** Open ORDER BY lists, innermost last: the parenthesis depth they are at and their current item. */
  private lists: Array<{ depth: number; nulls: boolean; desc: boolean }> = [];

  /** Text to emit before `t` (at parenthesis depth `depth`, before `t` changes it): the end of an item. */
  before(t: Token, depth: number): string {
    const list = this.lists[this.lists.length - 1];
    if (!list || list.depth !== depth) return '';
    const endsList = isOp(t, ')') || isOp(t, ';') || (t.kind === 'ident' && ORDER_BY_END.has(t.text));
    if (!endsList && !isOp(t, ',')) return '';
    const suffix = this.itemSuffix(list);
    if (endsList) this.lists.pop();
    return suffix;
  }

  /** Notes `t`, emitted at `depth`. */
  after(t: Token, prev: Token | undefined, depth: number): void {
    if (isWord(t, 'by') && isWord(prev, 'order')) {
      this.lists.push({ depth, nulls: false, desc: false });
      return;
    }
    const list = this.lists[this.lists.length - 1];
    if (!list || list.depth !== depth) return;
    if (isWord(t, 'nulls')) list.nulls = true;
    else if (isWord(t, 'desc')) list.desc = true;
    else if (isWord(t, 'asc')) list.desc = false;
  }

  /** What the statement's end closes. */
  end(): string {
    let out = '';
    while (this.lists.length > 0) out += this.itemSuffix(this.lists.pop()!);
    return out;
  }

  private itemSuffix(list: { nulls: boolean; desc: boolean }): string {
    const suffix = list.nulls ? '' : list.desc ? ' nulls last' : ' nulls first';
    list.nulls = false;
    list.desc = false;
    return suffix;
  }
}

/** Index of the `)` that closes the `(` at `open`. */
function closingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (isOp(tokens[i], '(')) depth++;
    if (isOp(tokens[i], ')') && --depth === 0) return i;
  }
  return tokens.length;
}

/**
 * Re-emits HiveQL tokens as PostgreSQL text. A parenthesised SELECT (derived table, CTE body,
 * IN/EXISTS subquery) is translated as a query of its own, so its columns get Hive's names.
 */
export function emitSql(tokens: Token[]): string {
  let out = '';
  const castParens: boolean[] = [];
  const nullOrdering = new NullOrdering();
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    out += nullOrdering.before(t, depth);
    let text: string;
    const timestamp = isWord(t, 'cast') ? timestampConstantSql(tokens, i) : undefined;
    if (timestamp) {
      text = timestamp.sql;
      i = timestamp.end;
    } else if (isOp(t, '(') && isWord(next, 'select')) {
      const close = closingParen(tokens, i);
      text = `(${translateSelect(tokens.slice(i + 1, close), true).sql})`;
      i = close;
    } else if (t.kind === 'quoted') text = pgIdent(t.text);
    else if (t.kind === 'string') {
      let value = t.text;
      while (tokens[i + 1]?.kind === 'string') value += tokens[++i]!.text; // 'a' 'b' is 'ab' in Hive
      text = pgLiteral(value);
    } else if (t.kind === 'number') text = t.text;
    else if (t.kind === 'op') {
      if (t.text === '(') { castParens.push(isWord(prev, 'cast')); depth++; }
      if (t.text === ')') { castParens.pop(); depth--; }
      text = OPERATOR_RENAMES[t.text] ?? t.text;
    } else if (t.text === 'as' && castParens[castParens.length - 1]) {
      const ts = new TokenStream(tokens, '');
      ts.index = i + 1;
      text = 'as ' + pgCastType(parseHiveType(ts));
      i = ts.index - 1;
    } else if (isOp(next, '(') && FUNCTION_RENAMES[t.text]) text = FUNCTION_RENAMES[t.text]!;
    else if (WORD_OPERATORS[t.text]) text = WORD_OPERATORS[t.text]!;
    else if (isDot(prev) || isDot(next)) text = pgIdent(t.text); // `default.t` — default is reserved in PostgreSQL
    else text = t.text;
    const glue = out === '' || isDot(t) || isDot(prev) ? '' : ' ';
    out += glue + text;
    nullOrdering.after(t, prev, depth);
  }
  return out + nullOrdering.end();
}

export function translateQuery(tokens: Token[]): TranslatedQuery {
  return translateSelect(tokens, false);
}

/**
 * A SELECT's list with Hive's result names. At the top (`nested` false) these are the names a
 * client sees (`t.col` keeps its qualifier); in a subquery they are the derived table's column
 * names, where Hive drops the qualifier (PostgreSQL's own name for `t.col` is already `col`).
 */
function translateSelect(tokens: Token[], nested: boolean): TranslatedQuery {
  if (!(tokens[0]?.kind === 'ident' && tokens[0].text === 'select')) return { sql: emitSql(tokens), prefixStar: false };
  let i = 1;
  const head: Token[] = [tokens[0]];
  if (tokens[i]?.kind === 'ident' && (tokens[i]!.text === 'distinct' || tokens[i]!.text === 'all')) head.push(tokens[i++]!);
  const items: Token[][] = [[]];
  let depth = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (depth === 0 && t.kind === 'ident' && SELECT_LIST_END.has(t.text)) break;
    if (t.kind === 'op' && t.text === '(') depth++;
    if (t.kind === 'op' && t.text === ')') depth--;
    if (depth === 0 && t.kind === 'op' && t.text === ',') { items.push([]); continue; }
    items[items.length - 1]!.push(t);
  }
  const list = items.map((item, index) => emitSql(item) + aliasFor(item, index, nested)).join(', ');
  const prefixStar = items.length === 1 && items[0]!.length === 1 && items[0]![0]!.text === '*';
  return { sql: `${emitSql(head)} ${list} ${emitSql(tokens.slice(i))}`.trim(), prefixStar };
}

function aliasFor(item: Token[], index: number, nested: boolean): string {
  const isName = (t: Token | undefined) => t?.kind === 'ident' || t?.kind === 'quoted';
  const last = item[item.length - 1];
  if (item.length === 1 && (isName(last) || last?.text === '*')) return '';
  if (item.length === 3 && isName(item[0]) && isDot(item[1])) {
    return last?.text === '*' || nested ? '' : ` as ${pgIdent(`${item[0]!.text}.${last!.text}`)}`;
  }
  const beforeLast = item[item.length - 2];
  const hasAlias = isName(last) && !NOT_ALIASES.has(last!.text) && beforeLast !== undefined && !isDot(beforeLast)
    && (beforeLast.kind !== 'op' || beforeLast.text === ')');
  return hasAlias ? '' : ` as ${pgIdent(`_c${index}`)}`;
}

/** PostgreSQL text for every type: values go to the wire builder untouched (no Date, no float parsing). */
const RAW_TYPES = { getTypeParser: () => (value: string) => value };
const quietClients = new WeakSet<pg.PoolClient>();

/** Declares a cursor for the query in its own transaction; throws PostgreSQL's error when it does not compile. */
export async function openCursor(pool: pg.Pool, catalog: Catalog, db: string, query: TranslatedQuery): Promise<ResultSource> {
  const client = await pool.connect();
  if (!quietClients.has(client)) {
    client.on('error', () => undefined); // a backend killed under a checked-out client must not crash the server
    quietClients.add(client);
  }
  try {
    await client.query('begin');
    await client.query(searchPathSql(db));
    await client.query(`declare c no scroll cursor for ${query.sql}`);
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    client.release();
    throw err;
  }
  let columns: ResultColumn[] | undefined;
  let released = false;
  const fetchRaw = (n: number) => client.query({ text: `fetch forward ${n} from c`, rowMode: 'array', types: RAW_TYPES });
  return {
    async columns() {
      if (!columns) {
        const probe = await fetchRaw(0); // FETCH 0 returns the RowDescription without moving the cursor
        columns = await resolveColumns(catalog, probe.fields, query.prefixStar);
      }
      return columns;
    },
    async fetch(maxRows) {
      const result = await fetchRaw(maxRows);
      return result.rows as RawRow[];
    },
    async close() {
      if (released) return;
      released = true;
      try {
        await client.query('rollback');
        client.release();
      } catch (err) {
        client.release(err as Error);
      }
    },
  };
}

export async function resolveColumns(catalog: Catalog, fields: pg.FieldDef[], prefixStar: boolean): Promise<ResultColumn[]> {
  const out: ResultColumn[] = [];
  for (const f of fields) {
    const source = await catalog.fieldSource(f.tableID, f.columnID);
    const type = source?.type ?? hiveTypeOfPg(f.dataTypeID, f.dataTypeModifier);
    out.push({ name: prefixStar && source ? `${source.table}.${f.name}` : f.name, type });
  }
  return out;
}
