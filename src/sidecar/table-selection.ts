/**
 * Which remote tables a whole-database run takes (SPEC §15 `include` / `exclude`, issue 20 item
 * 1): each pattern is an exact name, an SQL LIKE pattern (it holds `%` or `_`), or `~` and a
 * POSIX regular expression. The patterns are evaluated by the target PostgreSQL itself, with
 * bound parameters: LIKE and `~` mean exactly what they mean in SQL (PostgreSQL's escapes, its
 * regular expression flavour), and a hostile expression costs the database's regex engine under
 * a statement_timeout of SELECTION_TIMEOUT_MS (then the run fails with 1502), never the sidecar's
 * event loop.
 *
 * A pattern is LIKE when it holds `%`; without one it is an exact name, even when it holds `_`
 * (`order_items` names that table and not also `orderXitems`; inside a LIKE pattern `_` is the
 * one-character wildcard as usual). A table is taken when it matches some include (all tables
 * when there is none) and no exclude.
 */
import type pg from 'pg';
import { ConnectorError } from '../errors.js';

export interface TableSelection {
  include?: readonly string[];
  exclude?: readonly string[];
}

/** `~…` is a regular expression, a pattern with `%` is LIKE, anything else an exact name. */
function split(patterns: readonly string[] = []): { exact: string[]; like: string[]; regex: string[] } {
  const out = { exact: [] as string[], like: [] as string[], regex: [] as string[] };
  for (const p of patterns) {
    if (p.startsWith('~')) out.regex.push(p.slice(1));
    else if (p.includes('%')) out.like.push(p);
    else out.exact.push(p);
  }
  return out;
}

const SELECT_SQL = `
select n.name from pg_catalog.unnest($1::pg_catalog.text[]) with ordinality as n(name, ord)
 where ($2::pg_catalog.bool
        or n.name operator(pg_catalog.=) any ($3::pg_catalog.text[])
        or n.name operator(pg_catalog.~~) any ($4::pg_catalog.text[])
        or n.name operator(pg_catalog.~) any ($5::pg_catalog.text[]))
   and not (n.name operator(pg_catalog.=) any ($6::pg_catalog.text[])
        or n.name operator(pg_catalog.~~) any ($7::pg_catalog.text[])
        or n.name operator(pg_catalog.~) any ($8::pg_catalog.text[]))
 order by n.ord`;

/** How long the target may take to match the patterns (hostile ones included) before the run fails. */
export const SELECTION_TIMEOUT_MS = 30_000;

/** The names of `tables` the selection takes, in their order; 1502 when the patterns take too long. */
export async function selectTables(db: pg.Pool, tables: readonly string[], selection: TableSelection): Promise<string[]> {
  const include = split(selection.include);
  const exclude = split(selection.exclude);
  const everything = (selection.include ?? []).length === 0;
  const client = await db.connect();
  try {
    await client.query('begin');
    await client.query('select pg_catalog.set_config($1, $2, true)', ['statement_timeout', String(SELECTION_TIMEOUT_MS)]);
    const { rows } = await client.query<{ name: string }>(SELECT_SQL, [
      [...tables], everything, include.exact, include.like, include.regex, exclude.exact, exclude.like, exclude.regex,
    ]);
    await client.query('commit');
    return rows.map((r) => r.name);
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    if ((err as { code?: string }).code === '57014') {
      throw new ConnectorError('INVALID_PARAMETERS',
        `Matching "include"/"exclude" against the ${tables.length} remote names took longer than ${SELECTION_TIMEOUT_MS / 1000} s; use fewer or simpler regular expressions.`);
    }
    throw err;
  } finally {
    client.release();
  }
}
