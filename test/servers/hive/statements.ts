/**
 * One HiveQL statement in the test server: parse the head, dispatch, and say what the client
 * gets back — nothing (DDL, INSERT, USE, SET), a small in-memory result (SHOW, DESCRIBE), or a
 * cursor (SELECT). Errors come out as Hive's messages (errors.ts).
 */
import pg from 'pg';
import { Catalog } from './catalog.js';
import { createStatement, dropStatement, insertStatement, truncateStatement } from './ddl.js';
import { fromPostgres, semanticError } from './errors.js';
import { formatHiveType, type HiveType } from './hive-types.js';
import { HiveSyntaxError, TokenStream, tokenize } from './lexer.js';
import { openCursor, translateQuery, type ResultSource } from './query.js';
import type { RawRow, ResultColumn } from './rowset.js';

export interface SessionState {
  db: string;
  user: string;
}

export type StatementResult =
  | { kind: 'none'; modifiedRows?: number }
  | { kind: 'rows'; columns: ResultColumn[]; rows: RawRow[] }
  | { kind: 'cursor'; source: ResultSource };

const STRING: HiveType = { kind: 'primitive', name: 'string' };
const NO_RESULT_WORDS = new Set(['set', 'reset', 'add', 'analyze', 'msck']);

export async function runStatement(pool: pg.Pool, catalog: Catalog, session: SessionState, statement: string): Promise<StatementResult> {
  const sql = statement.trim().replace(/;\s*$/, '');
  try {
    const tokens = tokenize(sql);
    const ts = new TokenStream(tokens, sql);
    const head = ts.peek();
    if (!head) throw new HiveSyntaxError("cannot recognize input near '<EOF>'", 0);
    const ctx = { pool, catalog, db: session.db };
    const word = head.kind === 'ident' ? head.text : head.text === '(' ? 'select' : '';
    switch (word) {
      case 'select': case 'with':
        return { kind: 'cursor', source: await openCursor(pool, catalog, session.db, translateQuery(tokens)) };
      case 'create': await createStatement(ctx, ts); return { kind: 'none' };
      case 'drop': await dropStatement(ctx, ts); return { kind: 'none' };
      case 'truncate': await truncateStatement(ctx, ts); return { kind: 'none' };
      case 'insert': return { kind: 'none', modifiedRows: await insertStatement(ctx, ts) };
      case 'show': return await show(catalog, session, ts);
      case 'describe': case 'desc': return await describe(catalog, session, ts);
      case 'use': {
        ts.next();
        const db = ts.name();
        await catalog.requireDatabase(db);
        session.db = db;
        return { kind: 'none' };
      }
    }
    if (NO_RESULT_WORDS.has(word)) return { kind: 'none' };
    throw ts.error('unsupported statement', head);
  } catch (err) {
    throw fromPostgres(err, sql);
  }
}

/** Hive's SHOW … LIKE patterns: `*` is any text, `|` separates alternatives, case-insensitive. */
function likePattern(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined) return () => true;
  const alternatives = pattern.split('|').map((p) => p.trim().replace(/[.+?^${}()[\]\\]/g, '\\$&').replace(/\*/g, '.*'));
  const re = new RegExp(`^(?:${alternatives.join('|')})$`, 'i');
  return (name) => re.test(name);
}

function optionalPattern(ts: TokenStream): string | undefined {
  ts.acceptWord('like');
  const t = ts.peek();
  if (t?.kind === 'string') return ts.next().text;
  return undefined;
}

async function show(catalog: Catalog, session: SessionState, ts: TokenStream): Promise<StatementResult> {
  ts.expectWord('show');
  if (ts.acceptWord('databases') || ts.acceptWord('schemas')) {
    const matches = likePattern(optionalPattern(ts));
    const rows = (await catalog.databases()).filter(matches).map((d) => [d]);
    return { kind: 'rows', columns: [{ name: 'database_name', type: STRING }], rows };
  }
  if (ts.acceptWord('tables') || ts.acceptWord('views')) {
    const viewsOnly = ts.tokens[1]?.text === 'views';
    const db = ts.acceptWord('in') || ts.acceptWord('from') ? ts.name() : session.db;
    await catalog.requireDatabase(db);
    const matches = likePattern(optionalPattern(ts));
    const rows = (await catalog.tables())
      .filter((t) => t.db === db && matches(t.name) && (!viewsOnly || t.kind === 'VIRTUAL_VIEW'))
      .map((t) => [t.name]);
    return { kind: 'rows', columns: [{ name: 'tab_name', type: STRING }], rows };
  }
  if (ts.acceptWord('columns')) {
    if (!ts.acceptWord('in')) ts.expectWord('from');
    const { db = session.db, name } = ts.qualifiedName();
    const table = await catalog.requireTable(db, name);
    return { kind: 'rows', columns: [{ name: 'field', type: STRING }], rows: table.columns.map((c) => [c.name]) };
  }
  if (ts.acceptWord('tblproperties')) return tableProperties(catalog, session, ts);
  throw ts.error('unsupported SHOW statement');
}

/**
 * `SHOW TBLPROPERTIES t('numRows')`: as Hive 3 answers with statistics gathered on INSERT
 * (hive.stats.autogather, on by default), the row count of a managed table as one value; any other
 * property, or a view, gets Hive's sentence instead of an error. Without a key: that one property.
 */
async function tableProperties(catalog: Catalog, session: SessionState, ts: TokenStream): Promise<StatementResult> {
  const { db = session.db, name } = ts.qualifiedName();
  const table = await catalog.requireTable(db, name);
  let key: string | undefined;
  if (ts.acceptOp('(')) {
    key = ts.next().text;
    ts.expectOp(')');
  }
  const value = table.kind === 'MANAGED_TABLE' && (key === undefined || key.toLowerCase() === 'numrows')
    ? String((await catalog.rowCount(db, name))) : undefined;
  const columns: ResultColumn[] = key === undefined ? [{ name: 'prpt_name', type: STRING }, { name: 'prpt_value', type: STRING }] : [{ name: 'prpt_value', type: STRING }];
  if (key === undefined) return { kind: 'rows', columns, rows: value === undefined ? [] : [['numRows', value]] };
  return { kind: 'rows', columns, rows: [[value ?? `Table ${db}.${name} does not have property: ${key}`]] };
}

async function describe(catalog: Catalog, session: SessionState, ts: TokenStream): Promise<StatementResult> {
  ts.next();
  ts.acceptWord('extended') || ts.acceptWord('formatted');
  const { db = session.db, name } = ts.qualifiedName();
  const table = await catalog.table(db, name);
  if (!table) throw semanticError(10001, `Table not found ${name}`, '42S02');
  return {
    kind: 'rows',
    columns: [{ name: 'col_name', type: STRING }, { name: 'data_type', type: STRING }, { name: 'comment', type: STRING }],
    rows: table.columns.map((c) => [c.name, formatHiveType(c.type), c.comment]),
  };
}
