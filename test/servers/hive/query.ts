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
import { Catalog, pgIdent } from './catalog.js';
import { hiveTypeOfPg, parseHiveType, type HiveType } from './hive-types.js';
import { TokenStream, type Token } from './lexer.js';
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

const FUNCTION_RENAMES: Record<string, string> = { nvl: 'coalesce', rand: 'random' };
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

/** Re-emits HiveQL tokens as PostgreSQL text. */
export function emitSql(tokens: Token[]): string {
  let out = '';
  const castParens: boolean[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    let text: string;
    if (t.kind === 'quoted') text = pgIdent(t.text);
    else if (t.kind === 'string') text = pgLiteral(t.text);
    else if (t.kind === 'number') text = t.text;
    else if (t.kind === 'op') {
      if (t.text === '(') castParens.push(prev?.kind === 'ident' && prev.text === 'cast');
      if (t.text === ')') castParens.pop();
      text = OPERATOR_RENAMES[t.text] ?? t.text;
    } else if (t.text === 'as' && castParens[castParens.length - 1]) {
      const ts = new TokenStream(tokens, '');
      ts.index = i + 1;
      text = 'as ' + pgCastType(parseHiveType(ts));
      i = ts.index - 1;
    } else if (next?.kind === 'op' && next.text === '(' && FUNCTION_RENAMES[t.text]) text = FUNCTION_RENAMES[t.text]!;
    else if (WORD_OPERATORS[t.text]) text = WORD_OPERATORS[t.text]!;
    else if (isDot(prev) || isDot(next)) text = pgIdent(t.text); // `default.t` — default is reserved in PostgreSQL
    else text = t.text;
    const glue = out === '' || isDot(t) || isDot(prev) ? '' : ' ';
    out += glue + text;
  }
  return out;
}

export function translateQuery(tokens: Token[]): TranslatedQuery {
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
  const list = items.map((item, index) => emitSql(item) + aliasFor(item, index)).join(', ');
  const prefixStar = items.length === 1 && items[0]!.length === 1 && items[0]![0]!.text === '*';
  return { sql: `${emitSql(head)} ${list} ${emitSql(tokens.slice(i))}`.trim(), prefixStar };
}

function aliasFor(item: Token[], index: number): string {
  const isName = (t: Token | undefined) => t?.kind === 'ident' || t?.kind === 'quoted';
  const last = item[item.length - 1];
  if (item.length === 1 && (isName(last) || last?.text === '*')) return '';
  if (item.length === 3 && isName(item[0]) && isDot(item[1])) {
    return last?.text === '*' ? '' : ` as ${pgIdent(`${item[0]!.text}.${last!.text}`)}`;
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
    await client.query(`set local search_path to ${pgIdent(db)}`);
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
