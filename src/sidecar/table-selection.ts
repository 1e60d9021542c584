/**
 * Which remote tables a whole-database run takes (SPEC §15 `include` / `exclude`, issue 20 item
 * 1): each pattern is an exact name, an SQL LIKE pattern (it holds `%` or `_`), or `~` and a
 * POSIX regular expression. The patterns are evaluated by the target PostgreSQL itself, with
 * bound parameters: LIKE and `~` mean exactly what they mean in SQL (PostgreSQL's escapes, its
 * regular expression flavour), and a hostile expression costs the database's regex engine under
 * the session's statement_timeout, never the sidecar's event loop.
 *
 * A pattern is LIKE when it holds `%`; without one it is an exact name, even when it holds `_`
 * (`order_items` names that table and not also `orderXitems`; inside a LIKE pattern `_` is the
 * one-character wildcard as usual). A table is taken when it matches some include (all tables
 * when there is none) and no exclude.
 */
import type pg from 'pg';

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

/** The names of `tables` the selection takes, in their order. */
export async function selectTables(db: pg.Pool | pg.ClientBase, tables: readonly string[], selection: TableSelection): Promise<string[]> {
  const include = split(selection.include);
  const exclude = split(selection.exclude);
  const everything = (selection.include ?? []).length === 0;
  const { rows } = await db.query<{ name: string }>(SELECT_SQL, [
    [...tables], everything, include.exact, include.like, include.regex, exclude.exact, exclude.like, exclude.regex,
  ]);
  return rows.map((r) => r.name);
}
