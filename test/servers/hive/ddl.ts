/**
 * CREATE / DROP / INSERT / TRUNCATE in the test server. Each statement runs in one PostgreSQL
 * transaction together with its metastore change, so the catalog of declared Hive types never
 * disagrees with the tables. Storage clauses Hive needs (ROW FORMAT, STORED AS, TBLPROPERTIES,
 * LOCATION) are accepted and ignored.
 */
import pg from 'pg';
import { Catalog, pgIdent, searchPathSql, type CatalogColumn } from './catalog.js';
import { HiveError, semanticError, tableNotFound } from './errors.js';
import { parseHiveType, pgStorageType } from './hive-types.js';
import { TokenStream } from './lexer.js';
import { parseValue, toStorage, type Value } from './literals.js';
import { emitSql, openCursor, translateQuery } from './query.js';

export interface DdlContext {
  pool: pg.Pool;
  catalog: Catalog;
  /** The session's current database (USE). */
  db: string;
}

/** PostgreSQL allows 65535 bind parameters per statement; stay well below it. */
const MAX_PARAMS_PER_INSERT = 30_000;

async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

const qualified = (db: string, name: string) => `${pgIdent(db)}.${pgIdent(name)}`;

export async function createStatement(ctx: DdlContext, ts: TokenStream): Promise<void> {
  ts.expectWord('create');
  if (ts.acceptWord('database') || ts.acceptWord('schema')) {
    const ifNotExists = ts.acceptWord('if', 'not', 'exists');
    const name = ts.name();
    if (!ifNotExists && (await ctx.catalog.databaseExists(name))) {
      throw new HiveError(`Error while processing statement: FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.ddl.DDLTask. Database ${name} already exists`, '08S01', 1);
    }
    await ctx.pool.query(`create schema if not exists ${pgIdent(name)}`);
    return;
  }
  ts.acceptWord('temporary');
  ts.acceptWord('external') || ts.acceptWord('transactional') || ts.acceptWord('managed');
  if (ts.acceptWord('view')) return createView(ctx, ts);
  ts.expectWord('table');
  const ifNotExists = ts.acceptWord('if', 'not', 'exists');
  const { db = ctx.db, name } = ts.qualifiedName();
  await ctx.catalog.requireDatabase(db);
  if (await ctx.catalog.table(db, name)) {
    if (ifNotExists) return;
    throw new HiveError(`Error while processing statement: FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.ddl.DDLTask. AlreadyExistsException(message:Table hive.${db}.${name} already exists)`, '08S01', 1);
  }
  ts.expectOp('(');
  const columns = parseColumnList(ts);
  while (!ts.atEnd()) {
    if (ts.acceptWord('partitioned', 'by')) { ts.expectOp('('); columns.push(...parseColumnList(ts)); } else ts.next();
  }
  const ddl = columns.map((c) => `${pgIdent(c.name)} ${pgStorageType(c.type)}`).join(', ');
  await inTransaction(ctx.pool, async (client) => {
    await client.query(`create table ${qualified(db, name)} (${ddl})`);
    await ctx.catalog.addTable(client, { db, name, kind: 'MANAGED_TABLE', columns });
  });
}

/** `name type [COMMENT '…']`, …`)`; table constraints (PRIMARY KEY … DISABLE NOVALIDATE) are skipped. */
function parseColumnList(ts: TokenStream): CatalogColumn[] {
  const columns: CatalogColumn[] = [];
  do {
    if (ts.isWord('primary') || ts.isWord('constraint') || ts.isWord('foreign') || ts.isWord('unique')) {
      let depth = 0;
      while (!(depth === 0 && (ts.isOp(',') || ts.isOp(')')))) {
        const t = ts.next();
        if (t.text === '(') depth++;
        if (t.text === ')') depth--;
      }
      continue;
    }
    const name = ts.name();
    const type = parseHiveType(ts);
    const comment = ts.acceptWord('comment') ? ts.next().text : '';
    columns.push({ name, type, comment });
  } while (ts.acceptOp(','));
  ts.expectOp(')');
  return columns;
}

async function createView(ctx: DdlContext, ts: TokenStream): Promise<void> {
  const ifNotExists = ts.acceptWord('if', 'not', 'exists');
  const { db = ctx.db, name } = ts.qualifiedName();
  if (await ctx.catalog.table(db, name)) {
    if (ifNotExists) return;
    throw semanticError(10070, `Table already exists: ${db}.${name}`);
  }
  ts.expectWord('as');
  const query = translateQuery(ts.tokens.slice(ts.index));
  const probe = await openCursor(ctx.pool, ctx.catalog, ctx.db, query);
  const resultColumns = await probe.columns().finally(() => probe.close());
  const columns = resultColumns.map((c) => ({ name: c.name.replace(/^.*\./, ''), type: c.type, comment: '' }));
  await inTransaction(ctx.pool, async (client) => {
    await client.query(searchPathSql(ctx.db));
    await client.query(`create view ${qualified(db, name)} as ${query.sql}`);
    await ctx.catalog.addTable(client, { db, name, kind: 'VIRTUAL_VIEW', columns });
  });
}

export async function dropStatement(ctx: DdlContext, ts: TokenStream): Promise<void> {
  ts.expectWord('drop');
  if (ts.acceptWord('database') || ts.acceptWord('schema')) {
    const ifExists = ts.acceptWord('if', 'exists');
    const name = ts.name();
    if (!(await ctx.catalog.databaseExists(name))) {
      if (ifExists) return;
      await ctx.catalog.requireDatabase(name);
    }
    const cascade = ts.acceptWord('cascade');
    await inTransaction(ctx.pool, async (client) => {
      await client.query(`drop schema ${pgIdent(name)}${cascade ? ' cascade' : ''}`);
      await ctx.catalog.removeDatabase(client, name);
    });
    return;
  }
  const isView = ts.acceptWord('view');
  if (!isView) ts.expectWord('table');
  const ifExists = ts.acceptWord('if', 'exists');
  const { db = ctx.db, name } = ts.qualifiedName();
  const table = await ctx.catalog.table(db, name);
  if (!table) {
    if (ifExists) return;
    throw tableNotFound(name);
  }
  await inTransaction(ctx.pool, async (client) => {
    await client.query(`drop ${table.kind === 'VIRTUAL_VIEW' ? 'view' : 'table'} ${qualified(db, name)} cascade`);
    await ctx.catalog.removeTable(client, db, name);
  });
}

export async function truncateStatement(ctx: DdlContext, ts: TokenStream): Promise<void> {
  ts.expectWord('truncate');
  ts.acceptWord('table');
  const { db = ctx.db, name } = ts.qualifiedName();
  await ctx.catalog.requireTable(db, name);
  await ctx.pool.query(`truncate ${qualified(db, name)}`);
}

/** INSERT INTO|OVERWRITE [TABLE] t [(cols)] VALUES (…), … | SELECT …; returns the rows inserted. */
export async function insertStatement(ctx: DdlContext, ts: TokenStream): Promise<number> {
  ts.expectWord('insert');
  const overwrite = ts.acceptWord('overwrite');
  if (!overwrite) ts.expectWord('into');
  ts.acceptWord('table');
  const { db = ctx.db, name } = ts.qualifiedName();
  const table = await ctx.catalog.requireTable(db, name);
  let columns = table.columns;
  if (ts.isOp('(') && !ts.isWord('select', 1)) {
    ts.expectOp('(');
    const names: string[] = [];
    do names.push(ts.name()); while (ts.acceptOp(','));
    ts.expectOp(')');
    columns = names.map((n) => {
      const c = table.columns.find((col) => col.name === n);
      if (!c) throw semanticError(10004, `Line 1:0 Invalid column reference '${n}'`);
      return c;
    });
  }
  const target = `${qualified(db, name)} (${columns.map((c) => pgIdent(c.name)).join(', ')})`;
  return inTransaction(ctx.pool, async (client) => {
    await client.query(searchPathSql(ctx.db));
    if (!ts.acceptWord('values')) {
      // Hive reads the SELECT before it replaces the rows: `INSERT OVERWRITE TABLE t SELECT … FROM t
      // WHERE …` is how rows are deleted or changed in a non-ACID table. The DELETE in a WITH and
      // the SELECT share one snapshot, so the SELECT still sees the old rows.
      const clear = overwrite ? `with cdb_overwritten as (delete from ${qualified(db, name)}) ` : '';
      const result = await client.query(`${clear}insert into ${target} ${emitSql(ts.tokens.slice(ts.index))}`);
      return result.rowCount ?? 0;
    }
    if (overwrite) await client.query(`delete from ${qualified(db, name)}`);
    const rows: Value[][] = [];
    do {
      ts.expectOp('(');
      const row: Value[] = [];
      do row.push(parseValue(ts)); while (ts.acceptOp(','));
      ts.expectOp(')');
      if (row.length !== columns.length) {
        throw semanticError(10044, `Line 1:12 Cannot insert into target table because column number/types are different '${name}': Table insclause-0 has ${columns.length} columns, but query has ${row.length} columns.`);
      }
      rows.push(row);
    } while (ts.acceptOp(','));
    const rowsPerBatch = Math.max(1, Math.floor(MAX_PARAMS_PER_INSERT / columns.length));
    for (let start = 0; start < rows.length; start += rowsPerBatch) {
      const batch = rows.slice(start, start + rowsPerBatch);
      const params = batch.flatMap((row) => row.map((v, i) => toStorage(v, columns[i]!.type)));
      const tuples = batch.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
      await client.query(`insert into ${target} values ${tuples.join(', ')}`, params);
    }
    return rows.length;
  });
}
