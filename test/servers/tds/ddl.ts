/**
 * DDL the fixtures send: CREATE/DROP TABLE, VIEW, SCHEMA, CREATE INDEX. Tables get PostgreSQL
 * storage types and their declared SQL Server types go to the catalog, in one transaction.
 */
import type pg from 'pg';
import { Catalog, type DeclaredColumn } from './catalog.js';
import { TsqlSyntaxError, isOp, isWord, matchParen, solid, splitArgs, type Tok } from './lexer.js';
import { CompileError, pgName, quotePg, translate, type TranslateContext } from './translate.js';
import { KNOWN_COLLATIONS, parseSqlType, storageType } from './types.js';

export interface DdlContext extends TranslateContext {
  client: pg.Client;
  catalog: Catalog;
}

interface QualifiedName { schema: string; name: string; pg: string }

/** Runs the statement if it is DDL this module knows; returns false otherwise. */
export async function runDdl(stmt: Tok[], ctx: DdlContext): Promise<boolean> {
  const s = solid(stmt);
  if (isWord(s[0], 'CREATE') && isWord(s[1], 'TABLE')) { await createTable(s, ctx); return true; }
  if (isWord(s[0], 'CREATE') && isWord(s[1], 'VIEW')) { await createView(s, ctx); return true; }
  if (isWord(s[0], 'CREATE') && isWord(s[1], 'SCHEMA')) { await createSchema(s, ctx); return true; }
  if (isWord(s[0], 'DROP') && isWord(s[1], 'TABLE', 'VIEW', 'SCHEMA')) { await drop(s, ctx); return true; }
  if (isWord(s[0], 'CREATE') && s.some((t) => isWord(t, 'INDEX'))) {
    const kept = s.filter((t) => !isWord(t, 'CLUSTERED', 'NONCLUSTERED'));
    await ctx.client.query(translate(spaced(kept), ctx).sql);
    return true;
  }
  return false;
}

/** Re-inserts whitespace between solid tokens so the translator sees separate words. */
function spaced(tokens: Tok[]): Tok[] {
  return tokens.flatMap((t) => [t, { kind: 'ws', text: ' ', value: '' } as Tok]);
}

function qualifiedName(s: Tok[], at: number, ctx: TranslateContext): { q: QualifiedName; next: number } {
  const parts: string[] = [];
  let i = at;
  for (;;) {
    const t = s[i];
    if (!t || (t.kind !== 'ident' && t.kind !== 'word')) throw new TsqlSyntaxError(t?.text ?? '');
    parts.push(t.value);
    if (!isOp(s[i + 1], '.')) break;
    i += 2;
  }
  if (parts.length === 3 && parts[0]!.toLowerCase() === ctx.database.toLowerCase()) parts.shift();
  if (parts.length > 2) throw new CompileError(117, `The object name '${parts.join('.')}' contains more than the maximum number of prefixes.`);
  const schema = parts.length === 2 ? parts[0]! : 'dbo';
  const name = parts[parts.length - 1]!;
  return { q: { schema, name, pg: `${quotePg(schema)}.${quotePg(name)}` }, next: i + 1 };
}

async function schemaSpelling(ctx: DdlContext, schema: string): Promise<string> {
  const { rows } = await ctx.client.query<{ schema_name: string }>('select schema_name from tds_sys.schemas where pg_schema = $1', [pgName(schema)]);
  if (!rows[0]) throw new CompileError(2760, `The specified schema name "${schema}" either does not exist or you do not have permission to use it.`);
  return rows[0].schema_name;
}

const COLUMN_CONSTRAINT_WORDS = new Set(['NOT', 'NULL', 'PRIMARY', 'CONSTRAINT', 'CHECK', 'UNIQUE', 'IDENTITY', 'COLLATE', 'REFERENCES', 'DEFAULT', 'CLUSTERED', 'NONCLUSTERED', 'ROWGUIDCOL', 'SPARSE']);

async function createTable(s: Tok[], ctx: DdlContext): Promise<void> {
  const { q, next } = qualifiedName(s, 2, ctx);
  if (!isOp(s[next], '(')) throw new TsqlSyntaxError(s[next]?.text ?? q.name);
  const close = matchParen(s, next);
  const columns: DeclaredColumn[] = [];
  const pgItems: string[] = [];
  for (const [from, to] of splitArgs(s, next + 1, close)) {
    let item = s.slice(from, to);
    // `CONSTRAINT name …` keeps its name: INFORMATION_SCHEMA reports PostgreSQL's constraint names.
    const named = isWord(item[0], 'CONSTRAINT') && item[1] ? `CONSTRAINT ${quotePg(item[1].value)} ` : '';
    if (named) item = item.slice(2);
    if (isWord(item[0], 'PRIMARY')) {
      const open = item.findIndex((t) => isOp(t, '('));
      const names = item.slice(open + 1, matchParen(item, open)).filter((t) => t.kind === 'ident' || t.kind === 'word');
      for (const n of names) {
        const c = columns.find((col) => col.name.toLowerCase() === n.value.toLowerCase());
        if (!c) throw new CompileError(1911, `Column name '${n.value}' does not exist in the target table or view.`);
        c.primaryKey = true;
        c.nullable = false;
      }
      pgItems.push(`${named}PRIMARY KEY (${names.map((n) => quotePg(n.value)).join(', ')})`);
    } else if (isWord(item[0], 'UNIQUE', 'CHECK', 'FOREIGN')) {
      pgItems.push(named + translate(spaced(item.filter((t) => !isWord(t, 'CLUSTERED', 'NONCLUSTERED'))), ctx).sql);
    } else if (!isWord(item[0], 'INDEX')) {
      const { column, sql } = columnDefinition(item, ctx);
      columns.push(column);
      pgItems.push(sql);
    }
  }
  const schema = await schemaSpelling(ctx, q.schema);
  await ctx.client.query('begin');
  try {
    await ctx.client.query(`create table ${q.pg} (${pgItems.join(', ')})`);
    const { rows } = await ctx.client.query<{ oid: number }>('select $1::regclass::oid::int as oid', [q.pg]);
    await ctx.catalog.record(ctx.client, rows[0]!.oid, schema, q.name, 'BASE TABLE', columns);
    await ctx.client.query('commit');
  } catch (err) {
    await ctx.client.query('rollback');
    throw err;
  }
}

function columnDefinition(item: Tok[], ctx: TranslateContext): { column: DeclaredColumn; sql: string } {
  const [nameTok, typeTok] = item;
  if (!nameTok || !typeTok) throw new TsqlSyntaxError(nameTok?.text ?? ')');
  let i = 2;
  const args: string[] = [];
  if (isOp(item[i], '(')) {
    const close = matchParen(item, i);
    args.push(...item.slice(i + 1, close).filter((t) => t.kind === 'num' || t.kind === 'word').map((t) => t.value));
    i = close + 1;
  }
  const type = parseSqlType(typeTok.value, args);
  const column: DeclaredColumn = { name: nameTok.value, type, nullable: true, primaryKey: false };
  const parts = [quotePg(nameTok.value), storageType(type)];
  if (type.name === 'bit') parts.push(`CHECK (${quotePg(nameTok.value)} IN (0, 1))`);
  if (type.name === 'tinyint') parts.push(`CHECK (${quotePg(nameTok.value)} BETWEEN 0 AND 255)`);
  while (i < item.length) {
    const t = item[i]!;
    if (isWord(t, 'NOT') && isWord(item[i + 1], 'NULL')) { column.nullable = false; parts.push('NOT NULL'); i += 2; }
    else if (isWord(t, 'NULL')) { i += 1; }
    else if (isWord(t, 'PRIMARY') && isWord(item[i + 1], 'KEY')) { column.primaryKey = true; column.nullable = false; parts.push('PRIMARY KEY'); i += 2; }
    else if (isWord(t, 'CLUSTERED', 'NONCLUSTERED', 'ROWGUIDCOL', 'SPARSE')) { i += 1; }
    else if (isWord(t, 'CONSTRAINT') && item[i + 1]) { parts.push(`CONSTRAINT ${quotePg(item[i + 1]!.value)}`); i += 2; }
    else if (isWord(t, 'UNIQUE')) { parts.push('UNIQUE'); i += 1; }
    else if (isWord(t, 'IDENTITY')) { parts.push('GENERATED BY DEFAULT AS IDENTITY'); i = isOp(item[i + 1], '(') ? matchParen(item, i + 1) + 1 : i + 1; }
    else if (isWord(t, 'COLLATE')) {
      const name = item[i + 1]?.value ?? '';
      if (!KNOWN_COLLATIONS.has(name.toLowerCase())) throw new CompileError(448, `Invalid collation '${name}' (the test server only encodes code page 1252 collations).`);
      column.collation = name;
      i += 2;
    } else if (isWord(t, 'CHECK') && isOp(item[i + 1], '(')) {
      const close = matchParen(item, i + 1);
      parts.push(`CHECK ${translate(spaced(item.slice(i + 1, close + 1)), ctx).sql}`);
      i = close + 1;
    } else if (isWord(t, 'DEFAULT')) {
      let j = i + 1;
      while (j < item.length && !(item[j]!.kind === 'word' && COLUMN_CONSTRAINT_WORDS.has(item[j]!.value.toUpperCase()))) j = isOp(item[j], '(') ? matchParen(item, j) + 1 : j + 1;
      parts.push(`DEFAULT ${translate(spaced(item.slice(i + 1, j)), ctx).sql}`);
      i = j;
    } else throw new TsqlSyntaxError(t.text);
  }
  return { column, sql: parts.join(' ') };
}

async function createView(s: Tok[], ctx: DdlContext): Promise<void> {
  const { q, next } = qualifiedName(s, 2, ctx);
  if (!isWord(s[next], 'AS')) throw new TsqlSyntaxError(s[next]?.text ?? q.name);
  const schema = await schemaSpelling(ctx, q.schema);
  const select = translate(spaced(s.slice(next + 1)), ctx);
  await ctx.client.query('begin');
  try {
    await ctx.client.query(`create view ${q.pg} as ${select.sql}`);
    const { rows } = await ctx.client.query<{ oid: number }>('select $1::regclass::oid::int as oid', [q.pg]);
    const probe = await ctx.client.query(`select * from ${q.pg} limit 0`);
    const result = await ctx.catalog.resultColumns(ctx.client, probe.fields, select.spellings);
    await ctx.catalog.record(ctx.client, rows[0]!.oid, schema, q.name, 'VIEW', result.map((c) => ({ name: c.name, type: c.type, nullable: true, primaryKey: false })));
    await ctx.client.query('commit');
  } catch (err) {
    await ctx.client.query('rollback');
    throw err;
  }
}

async function createSchema(s: Tok[], ctx: DdlContext): Promise<void> {
  const name = s[2];
  if (!name || (name.kind !== 'ident' && name.kind !== 'word')) throw new TsqlSyntaxError(name?.text ?? 'SCHEMA');
  await ctx.client.query('begin');
  try {
    await ctx.client.query(`create schema ${quotePg(name.value)}`);
    await ctx.client.query('insert into tds_sys.schemas values ($1, $2)', [name.value, pgName(name.value)]);
    await ctx.client.query('commit');
  } catch (err) {
    await ctx.client.query('rollback');
    throw err;
  }
}

async function drop(s: Tok[], ctx: DdlContext): Promise<void> {
  const kind = s[1]!.value.toUpperCase();
  let i = 2;
  const ifExists = isWord(s[2], 'IF') && isWord(s[3], 'EXISTS');
  if (ifExists) i = 4;
  for (;;) {
    if (kind === 'SCHEMA') {
      const name = s[i]!.value;
      await ctx.client.query(`drop schema ${ifExists ? 'if exists ' : ''}${quotePg(name)}`);
      await ctx.client.query('delete from tds_sys.schemas where pg_schema = $1', [pgName(name)]);
      i += 1;
    } else {
      const { q, next } = qualifiedName(s, i, ctx);
      const { rows } = await ctx.client.query<{ oid: number | null }>('select to_regclass($1)::oid::int as oid', [q.pg]);
      const oid = rows[0]?.oid;
      if (oid == null) {
        if (!ifExists) throw new CompileError(3701, `Cannot drop the ${kind.toLowerCase()} '${q.name}', because it does not exist or you do not have permission.`);
      } else {
        await ctx.client.query(`drop ${kind.toLowerCase()} ${q.pg}`);
        await ctx.client.query('delete from tds_sys.objects where object_oid = $1', [oid]);
      }
      i = next;
    }
    if (!isOp(s[i], ',')) break;
    i += 1;
  }
  ctx.catalog.invalidate();
}
