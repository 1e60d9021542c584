/**
 * What a binlog Query event does to the followed table. Row-based binlogs still log DDL and
 * TRUNCATE as statements (TRUNCATE writes no DeleteRows), so these are read from the SQL text:
 *   TRUNCATE [TABLE] t                         → 'truncate'
 *   ALTER [ONLINE] [IGNORE] TABLE [IF EXISTS] t, DROP [TEMPORARY] TABLE [IF EXISTS] t[, …],
 *   RENAME TABLE a TO b[, …], CREATE OR REPLACE TABLE t    → 'incompatible' when t is ours
 * A name without a schema is in the statement's default schema (the event's `schema`). Names
 * compare exactly, as table names do on a case-sensitive server (lower_case_table_names=0).
 */

export type DdlEffect = 'truncate' | 'incompatible' | null;

type Token = { word: string; quoted: boolean } | { punct: string };

/** Backticked identifiers (`` `a``b` `` is a`b), bare words, and single punctuation; comments, strings skipped. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s+|\/\*[\s\S]*?\*\/|--[^\n]*|#[^\n]*|`((?:[^`]|``)*)`|'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|([\p{L}\p{N}_$]+)|([\s\S])/gu;
  for (const m of sql.matchAll(re)) {
    if (m[1] !== undefined) tokens.push({ word: m[1].replace(/``/g, '`'), quoted: true });
    else if (m[2] !== undefined) tokens.push({ word: m[2], quoted: false });
    else if (m[3] !== undefined) tokens.push({ punct: m[3] });
  }
  return tokens;
}

class Reader {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  /** Consumes the bare keyword `kw` (any case) if it is next. */
  keyword(kw: string): boolean {
    const t = this.tokens[this.i];
    if (t && 'word' in t && !t.quoted && t.word.toUpperCase() === kw) {
      this.i++;
      return true;
    }
    return false;
  }

  punct(p: string): boolean {
    const t = this.tokens[this.i];
    if (t && 'punct' in t && t.punct === p) {
      this.i++;
      return true;
    }
    return false;
  }

  /** `[schema.]table`, or undefined when no identifier is next. */
  name(defaultSchema: string): { schema: string; table: string } | undefined {
    const first = this.ident();
    if (first === undefined) return undefined;
    if (!this.punct('.')) return { schema: defaultSchema, table: first };
    const second = this.ident();
    return second === undefined ? undefined : { schema: first, table: second };
  }

  private ident(): string | undefined {
    const t = this.tokens[this.i];
    if (!t || !('word' in t)) return undefined;
    this.i++;
    return t.word;
  }
}

export function ddlEffect(sql: string, defaultSchema: string, schema: string, table: string): DdlEffect {
  const r = new Reader(tokenize(sql));
  const ours = (n: { schema: string; table: string } | undefined) => n !== undefined && n.schema === schema && n.table === table;
  const list = (): boolean => {
    let hit = false;
    do hit = ours(r.name(defaultSchema)) || hit; while (r.punct(','));
    return hit;
  };
  if (r.keyword('TRUNCATE')) {
    r.keyword('TABLE');
    return ours(r.name(defaultSchema)) ? 'truncate' : null;
  }
  if (r.keyword('ALTER')) {
    r.keyword('ONLINE');
    r.keyword('IGNORE');
    if (!r.keyword('TABLE')) return null;
    if (r.keyword('IF')) r.keyword('EXISTS');
    return ours(r.name(defaultSchema)) ? 'incompatible' : null;
  }
  if (r.keyword('DROP')) {
    r.keyword('TEMPORARY');
    if (!r.keyword('TABLE') && !r.keyword('TABLES')) return null;
    if (r.keyword('IF')) r.keyword('EXISTS');
    return list() ? 'incompatible' : null;
  }
  if (r.keyword('RENAME')) {
    if (!r.keyword('TABLE') && !r.keyword('TABLES')) return null;
    let hit = false;
    do {
      hit = ours(r.name(defaultSchema)) || hit;
      if (!r.keyword('TO')) break;
      hit = ours(r.name(defaultSchema)) || hit;
    } while (r.punct(','));
    return hit ? 'incompatible' : null;
  }
  if (r.keyword('CREATE') && r.keyword('OR') && r.keyword('REPLACE')) {
    r.keyword('TEMPORARY');
    if (!r.keyword('TABLE')) return null;
    return ours(r.name(defaultSchema)) ? 'incompatible' : null;
  }
  return null;
}
