/**
 * Runs SQL batches and RPCs against the backing PostgreSQL and writes the token stream.
 * SELECTs go through a server-side cursor (DECLARE … FETCH n) and every fetched page is written
 * with backpressure before the next FETCH: a 1M-row result never sits in memory on either side.
 */
import type pg from 'pg';
import type { Catalog } from './catalog.js';
import { DESCRIBE_COLUMNS, describeRow } from './catalog.js';
import { runDdl } from './ddl.js';
import { toServerMessage } from './errors.js';
import { TsqlSyntaxError, isWord, solid, splitStatements, tokenize, type Tok } from './lexer.js';
import type { MessageWriter } from './packets.js';
import type { RpcRequest } from './rpc.js';
import { CurCmd, DoneStatus, Token, colMetadata, done, infoOrError, returnStatus, row } from './tokens.js';
import { CompileError, translate, type TranslateContext } from './translate.js';

/** Rows per FETCH from the backing cursor: one page is what the server holds at a time. */
const FETCH_ROWS = 2000;

/** Hand rows to the socket (and wait for 'drain') this often within a page, so a page of wide rows is never queued whole. */
const ROWS_PER_FLUSH = 200;

export class AttentionAbort extends Error {}

export interface ServerStats {
  connections: number;
  logins: number;
  loginFailures: number;
  batches: number;
  rpcs: number;
  attentions: number;
  rowsSent: number;
  /** Largest number of bytes queued in the socket's user-space buffer (backpressure check). */
  maxQueuedBytes: number;
  readOnlyIntentLogins: number;
  encryptedLogins: number;
  /** Statements received (translated or not), newest last, capped: what the connector really sent. */
  statements: string[];
}

const MAX_REMEMBERED_STATEMENTS = 200;

export interface ExecContext {
  client: pg.Client;
  catalog: Catalog;
  writer: MessageWriter;
  database: string;
  user: string;
  stats: ServerStats;
  attention(): boolean;
}

interface Outcome { curCmd: number; rowCount?: number }

export async function runBatch(text: string, ctx: ExecContext): Promise<void> {
  ctx.stats.batches++;
  await runStatements(text, [], ctx, false);
}

export async function runRpc(req: RpcRequest, ctx: ExecContext): Promise<void> {
  ctx.stats.rpcs++;
  const w = ctx.writer.body;
  if (req.procedure === 'sp_describe_first_result_set') {
    const tsql = req.params.find((p) => p.name === 'tsql' || p.name === '')?.value ?? '';
    remember(ctx, `sp_describe_first_result_set ${tsql}`);
    const ok = await guarded(ctx, new Map(), async () => describeFirstResultSet(tsql, ctx));
    returnStatus(w, ok ? 0 : 1);
    done(w, Token.DONEPROC, ok ? DoneStatus.FINAL : DoneStatus.ERROR, CurCmd.NONE);
    return;
  }
  if (req.procedure !== 'sp_executesql') {
    infoOrError(w, { number: 2812, class: 16, message: `Could not find stored procedure '${req.procedure}'.` });
    done(w, Token.DONEPROC, DoneStatus.ERROR, CurCmd.NONE);
    return;
  }
  const [statement, , ...values] = req.params;
  const ok = await runStatements(statement?.value ?? '', values, ctx, true);
  returnStatus(w, ok ? 0 : 1);
  done(w, Token.DONEPROC, ok ? DoneStatus.FINAL : DoneStatus.ERROR, CurCmd.NONE);
}

function remember(ctx: ExecContext, text: string): void {
  ctx.stats.statements.push(text);
  if (ctx.stats.statements.length > MAX_REMEMBERED_STATEMENTS) ctx.stats.statements.shift();
}

/** Runs each statement; stops at the first error (reported as an ERROR token). Returns false on error. */
async function runStatements(text: string, params: Array<{ name: string; value: string | null }>, ctx: ExecContext, inProc: boolean): Promise<boolean> {
  remember(ctx, text);
  const tctx: TranslateContext = { params: new Map(params.map((p, i) => [p.name, i + 1])), database: ctx.database, user: ctx.user };
  const values = params.map((p) => p.value);
  const w = ctx.writer.body;
  const doneToken = inProc ? Token.DONEINPROC : Token.DONE;
  let statements: Tok[][];
  try {
    statements = splitStatements(tokenize(text));
  } catch (err) {
    infoOrError(w, toServerMessage(err));
    done(w, doneToken, DoneStatus.ERROR, CurCmd.NONE);
    return false;
  }
  if (statements.length === 0) { if (!inProc) done(w, doneToken, DoneStatus.FINAL, CurCmd.NONE); return true; }
  for (const [i, stmt] of statements.entries()) {
    const more = i < statements.length - 1 || inProc ? DoneStatus.MORE : 0;
    let outcome: Outcome | undefined;
    const ok = await guarded(ctx, new Map(), async () => { outcome = await runStatement(stmt, values, tctx, ctx); });
    if (!ok) { done(w, doneToken, DoneStatus.ERROR, CurCmd.NONE); return false; }
    const o = outcome!;
    done(w, doneToken, more | (o.rowCount !== undefined ? DoneStatus.COUNT : 0), o.curCmd, o.rowCount ?? 0);
  }
  return true;
}

/** Runs `fn`; a SQL error becomes an ERROR token (false), an attention propagates. */
async function guarded(ctx: ExecContext, spellings: Map<string, string>, fn: () => Promise<void>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if (err instanceof AttentionAbort || ctx.attention()) throw new AttentionAbort();
    if (!isSqlError(err)) throw err;
    infoOrError(ctx.writer.body, toServerMessage(err, (err as { spellings?: Map<string, string> }).spellings ?? spellings));
    return false;
  }
}

function isSqlError(err: unknown): boolean {
  return err instanceof CompileError || err instanceof TsqlSyntaxError || (typeof (err as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((err as { code: string }).code)) || (err instanceof Error && /data type|Conversion failed/.test(err.message));
}

async function runStatement(stmt: Tok[], values: Array<string | null>, tctx: TranslateContext, ctx: ExecContext): Promise<Outcome> {
  const s = solid(stmt);
  const head = s[0]!;
  if (isWord(head, 'SET', 'USE', 'PRINT') || (isWord(head, 'BEGIN', 'COMMIT', 'ROLLBACK') && isWord(s[1], 'TRAN', 'TRANSACTION'))) return { curCmd: CurCmd.NONE };
  if (isWord(head, 'WAITFOR') && isWord(s[1], 'DELAY') && s[2]?.kind === 'str') {
    const [h, m, sec] = s[2].value.split(':').map(Number);
    await ctx.client.query('select pg_sleep($1)', [(h ?? 0) * 3600 + (m ?? 0) * 60 + (sec ?? 0)]);
    return { curCmd: CurCmd.NONE };
  }
  if (isWord(head, 'EXEC', 'EXECUTE') && isWord(s[1], 'sp_describe_first_result_set')) {
    const arg = s.find((t) => t.kind === 'str');
    await describeFirstResultSet(arg?.value ?? '', ctx);
    return { curCmd: CurCmd.SELECT };
  }
  if (await runDdl(stmt, { ...tctx, client: ctx.client, catalog: ctx.catalog })) return { curCmd: CurCmd.NONE };
  const tr = translate(stmt, tctx);
  const withSpellings = async <T>(fn: () => Promise<T>): Promise<T> => {
    try { return await fn(); } catch (err) { if (err && typeof err === 'object') Object.assign(err, { spellings: tr.spellings }); throw err; }
  };
  if (isWord(head, 'SELECT', 'WITH') || (head.kind === 'op' && head.value === '(')) {
    return withSpellings(() => streamSelect(tr.sql, values.slice(0, maxParam(tr.sql)), tr.spellings, ctx));
  }
  const res = await withSpellings(() => ctx.client.query({ text: tr.sql, values: values.slice(0, maxParam(tr.sql)) }));
  const curCmd = isWord(head, 'INSERT') ? CurCmd.INSERT : isWord(head, 'UPDATE') ? CurCmd.UPDATE : isWord(head, 'DELETE') ? CurCmd.DELETE : CurCmd.NONE;
  return { curCmd, rowCount: curCmd === CurCmd.NONE ? undefined : res.rowCount ?? 0 };
}

/** PostgreSQL complains about unused trailing parameters it cannot type, so pass only up to the highest $n used. */
function maxParam(sql: string): number {
  let max = 0;
  for (const m of sql.matchAll(/\$(\d+)/g)) max = Math.max(max, Number(m[1]));
  return max;
}

async function streamSelect(sql: string, values: Array<string | null>, spellings: Map<string, string>, ctx: ExecContext): Promise<Outcome> {
  const { client, writer } = ctx;
  await client.query('begin');
  try {
    await client.query({ text: `declare tds_cursor no scroll cursor for ${sql}`, values });
    let columns: Awaited<ReturnType<Catalog['resultColumns']>> | undefined;
    let count = 0;
    for (;;) {
      if (ctx.attention()) throw new AttentionAbort();
      const page = await client.query<string[]>({ text: `fetch ${FETCH_ROWS} from tds_cursor`, rowMode: 'array' });
      if (!columns) {
        columns = await ctx.catalog.resultColumns(client, page.fields, spellings);
        colMetadata(writer.body, columns);
      }
      for (const [i, r] of page.rows.entries()) {
        row(writer.body, columns, r as Array<string | null>);
        ctx.stats.rowsSent++;
        if (i % ROWS_PER_FLUSH === ROWS_PER_FLUSH - 1) await writer.flush();
      }
      count += page.rows.length;
      await writer.flush();
      if (page.rows.length < FETCH_ROWS) break;
    }
    await client.query('commit');
    return { curCmd: CurCmd.SELECT, rowCount: count };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
}

async function describeFirstResultSet(tsql: string, ctx: ExecContext): Promise<void> {
  const first = splitStatements(tokenize(tsql))[0];
  const w = ctx.writer.body;
  let columns: Awaited<ReturnType<Catalog['resultColumns']>> = [];
  // Statements without a result set describe as empty; anything else goes to PostgreSQL, which rejects what is not SQL (→ 102).
  if (first && !isWord(solid(first)[0], 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'ALTER', 'TRUNCATE', 'SET', 'USE', 'WAITFOR', 'EXEC', 'EXECUTE', 'DECLARE', 'PRINT')) {
    const tr = translate(first, { params: new Map(), database: ctx.database, user: ctx.user });
    let probe: pg.QueryResult;
    try {
      probe = await ctx.client.query({ text: `select * from (${tr.sql}) as tds_describe limit 0`, rowMode: 'array' });
    } catch (err) {
      if (err && typeof err === 'object') Object.assign(err, { spellings: tr.spellings });
      throw err;
    }
    columns = await ctx.catalog.resultColumns(ctx.client, probe.fields, tr.spellings);
  }
  colMetadata(w, DESCRIBE_COLUMNS);
  for (const [i, c] of columns.entries()) row(w, DESCRIBE_COLUMNS, describeRow(c, i + 1));
  done(w, Token.DONEINPROC, DoneStatus.MORE | DoneStatus.COUNT, CurCmd.SELECT, columns.length);
}
