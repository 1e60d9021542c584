/**
 * The documentation stays true to the code (issue 17 §4). Reads files only, needs no server:
 *
 * - every relative Markdown link in README.md and docs/**.md points to an existing file, and its
 *   `#anchor` to an existing heading of that file (GitHub's slugs); every doc is on README's map;
 *   every repository path the docs name (`src/…`, `test/…`, `sql/…`, globs too) exists; README's
 *   SQL examples pass well-formed JSON;
 * - every `cdb_connector_*` function and procedure the SQL API creates is documented in docs/, and
 *   every `cdb_connector_*` name the docs mention exists in sql/;
 * - every setting the schema inserts into `cdb_connectors.settings` is a row of the settings table
 *   (docs/sql-api.md), every row there is a real setting, and every settings table's default is
 *   the one the schema inserts;
 * - every error code of src/errors.ts (and of the SQL `error_codes` table) is a row of
 *   docs/errors.md, and every row there is a real code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.js';

const root = new URL('..', import.meta.url).pathname;

function read(rel: string): string {
  return fs.readFileSync(path.join(root, rel), 'utf8');
}

function walk(dir: string, ext: string): string[] {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(rel, ext));
    else if (entry.name.endsWith(ext)) out.push(rel);
  }
  return out.sort();
}

const DOC_FILES = ['README.md', ...walk('docs', '.md')];
const SQL_FILES = walk('sql', '.sql');
/** The SQL of the current release (sql/released/ keeps frozen copies of earlier ones). */
const CURRENT_SQL = SQL_FILES.filter((f) => !f.startsWith('sql/released/'));

// ---------------------------------------------------------------------------------------------
// Markdown helpers

/** The lines of a Markdown text outside fenced code blocks, with their line numbers (1-based). */
function proseLines(markdown: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((text, i) => {
    const m = /^\s*(`{3,}|~{3,})/.exec(text);
    if (m) {
      if (fence === undefined) fence = m[1]![0]!;
      else if (m[1]![0] === fence) fence = undefined;
      return;
    }
    if (fence === undefined) out.push({ line: i + 1, text });
  });
  return out;
}

/** GitHub's heading anchor: lower-case, punctuation dropped except '-' and '_', spaces → '-'. */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML tags
    .replace(/[`*]/g, '') // code spans, emphasis
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
}

/** Every anchor a Markdown text defines: its headings' slugs (repeats get -1, -2, …). */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { text } of proseLines(markdown)) {
    const m = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!m) continue;
    const base = githubSlug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]!);
  return anchors;
}

/** Inline and reference-style link targets outside code, with their line numbers. */
function linksOf(markdown: string): Array<{ line: number; target: string }> {
  const out: Array<{ line: number; target: string }> = [];
  for (const { line, text } of proseLines(markdown)) {
    const prose = text.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ line, target: m[1]! });
    const ref = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(prose);
    if (ref) out.push({ line, target: ref[1]! });
  }
  return out;
}

/**
 * Problems with the relative links of one Markdown file: a missing file, or an anchor that is not
 * a heading of the file it points to. `readFile` returns undefined for a file that does not exist.
 */
function brokenLinks(file: string, markdown: string, readFile: (rel: string) => string | undefined, isDir: (rel: string) => boolean): string[] {
  const problems: string[] = [];
  for (const { line, target } of linksOf(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …
    const hash = target.indexOf('#');
    const filePart = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const rel = filePart === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), filePart));
    const where = `${file}:${line} → ${target}`;
    if (rel.startsWith('..')) {
      problems.push(`${where}: points outside the repository`);
      continue;
    }
    if (isDir(rel)) {
      if (anchor !== undefined) problems.push(`${where}: an anchor on a directory`);
      continue;
    }
    const content = rel === file ? markdown : readFile(rel);
    if (content === undefined) {
      problems.push(`${where}: ${rel} does not exist`);
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (!rel.endsWith('.md')) {
      problems.push(`${where}: an anchor into a file that is not Markdown`);
      continue;
    }
    if (!anchorsOf(content).has(anchor)) problems.push(`${where}: no heading with anchor #${anchor} in ${rel}`);
  }
  return problems;
}

function readRepoFile(rel: string): string | undefined {
  const abs = path.join(root, rel);
  return fs.existsSync(abs) && fs.statSync(abs).isFile() ? fs.readFileSync(abs, 'utf8') : undefined;
}

function isRepoDir(rel: string): boolean {
  const abs = path.join(root, rel);
  return fs.existsSync(abs) && fs.statSync(abs).isDirectory();
}

/** The rows of the first Markdown table after the heading whose text is `heading`. */
function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^#{1,6}\s/.test(l) && l.replace(/^#+\s+/, '').trim() === heading);
  if (start < 0) return [];
  let i = start + 1;
  while (i < lines.length && !lines[i]!.startsWith('|')) {
    if (/^#{1,6}\s/.test(lines[i]!)) return [];
    i++;
  }
  const rows: string[][] = [];
  for (; i < lines.length && lines[i]!.startsWith('|'); i++) rows.push(cells(lines[i]!));
  return rows.slice(2); // header and separator
}

/** The cells of one table row (a `|` inside a code span, written `\|`, stays in its cell). */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

function unquote(cell: string): string {
  return cell.replace(/`/g, '').trim();
}

/** Every table of a Markdown text whose header row is exactly the given cells. */
function tablesWithHeader(markdown: string, header: string[]): string[][][] {
  const lines = markdown.split('\n');
  const tables: string[][][] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('|') || (i > 0 && lines[i - 1]!.startsWith('|'))) continue;
    if (JSON.stringify(cells(lines[i]!)) !== JSON.stringify(header)) continue;
    const rows: string[][] = [];
    for (let j = i + 2; j < lines.length && lines[j]!.startsWith('|'); j++) rows.push(cells(lines[j]!));
    tables.push(rows);
  }
  return tables;
}

// ---------------------------------------------------------------------------------------------
// Facts from the code

/** `cdb_connector_*` functions and procedures of the SQL API (sql/api/*.sql). */
function apiRoutines(): string[] {
  const names = new Set<string>();
  for (const file of CURRENT_SQL.filter((f) => f.startsWith('sql/api/'))) {
    for (const m of read(file).matchAll(/create\s+or\s+replace\s+(?:function|procedure)\s+:api_schema\.(cdb_connector_\w+)\s*\(/gi)) {
      names.add(m[1]!.toLowerCase());
    }
  }
  return [...names].sort();
}

/** Every `cdb_connector_*` name in sql/ (functions, procedures, roles, …). */
function sqlNames(): Set<string> {
  const names = new Set<string>();
  for (const file of SQL_FILES) for (const m of read(file).matchAll(/\bcdb_connector_[a-z0-9_]+/gi)) names.add(m[0].toLowerCase());
  return names;
}

/**
 * The rows of every `insert into <table> (<columns>) values (…), (…)` in one SQL text, as
 * column → value text (string literals unquoted, `''` undone). Quotes are honoured, so a `;`, `(`
 * or `,` inside a literal does not end anything.
 */
function insertedRows(sql: string, table: string): Array<Record<string, string>> {
  const rows: Array<Record<string, string>> = [];
  const head = new RegExp(`insert\\s+into\\s+${table.replace('.', '\\.')}\\s*\\(([^)]*)\\)\\s*values`, 'gi');
  for (const m of sql.matchAll(head)) {
    const columns = m[1]!.split(',').map((c) => c.trim().toLowerCase());
    let depth = 0;
    let values: string[] = [];
    let current = '';
    let quoted = false;
    for (let i = m.index! + m[0].length; i < sql.length; i++) {
      const ch = sql[i]!;
      if (quoted) {
        if (ch === "'" && sql[i + 1] === "'") {
          current += "'";
          i++;
        } else if (ch === "'") quoted = false;
        else current += ch;
        continue;
      }
      if (ch === '-' && sql[i + 1] === '-') {
        while (i < sql.length && sql[i] !== '\n') i++;
        continue;
      }
      if (ch === "'") quoted = true;
      else if (depth === 0 && /[a-z;]/i.test(ch)) break; // `on conflict …`, `returning …`, `;`: the list ended
      else if (ch === '(') {
        if (depth++ === 0) (values = []), (current = '');
        else current += ch;
      } else if (ch === ')') {
        if (--depth === 0) {
          values.push(current.trim());
          rows.push(Object.fromEntries(columns.map((c, k) => [c, values[k] ?? ''])));
        } else current += ch;
      } else if (ch === ',' && depth === 1) {
        values.push(current.trim());
        current = '';
      } else if (depth > 0) current += ch;
    }
  }
  return rows;
}

/** Setting name → inserted default (JSON text), from every settings insert of sql/schema/. */
function schemaSettings(): Map<string, string> {
  const settings = new Map<string, string>();
  for (const file of CURRENT_SQL.filter((f) => f.startsWith('sql/schema/'))) {
    for (const row of insertedRows(read(file), 'cdb_connectors.settings')) settings.set(row.name!, row.value!);
  }
  return settings;
}

/** Code → name of the SQL `cdb_connectors.error_codes` rows. */
function sqlErrorCodes(): Map<number, string> {
  const codes = new Map<number, string>();
  for (const file of CURRENT_SQL) {
    for (const row of insertedRows(read(file), 'cdb_connectors.error_codes')) codes.set(Number(row.code), row.name!);
  }
  return codes;
}

// ---------------------------------------------------------------------------------------------

describe('the checkers themselves', () => {
  it('slugs headings the way GitHub does', () => {
    expect(githubSlug('Network policy (`allowed_hosts`)')).toBe('network-policy-allowed_hosts');
    expect(githubSlug('Settings (`cdb_connectors.settings`)')).toBe('settings-cdb_connectorssettings');
    expect(githubSlug('Running against real servers (`test:containers`)')).toBe('running-against-real-servers-testcontainers');
    expect(githubSlug('`cdb_connector_wait(item_queue_id uuid) → jsonb`')).toBe('cdb_connector_waititem_queue_id-uuid--jsonb');
    expect(githubSlug('Why CALL, and what happens inside BEGIN')).toBe('why-call-and-what-happens-inside-begin');
    expect([...anchorsOf('# Errors\n```\n# not a heading\n```\n## Errors\n### Types\n')]).toEqual(['errors', 'errors-1', 'types']);
  });

  it('reports a missing file, a missing anchor and nothing for good links', () => {
    const files: Record<string, string> = { 'docs/a.md': '# A\n## Some part\n', 'docs/b.md': '' };
    const readFile = (rel: string) => files[rel];
    const isDir = (rel: string) => rel === 'docs';
    const good = '[a](a.md) [part](a.md#some-part) [self](#top) [web](https://example.com/x#y) `[code](gone.md)`\n# Top\n```\n[fenced](gone.md)\n```\n';
    expect(brokenLinks('docs/b.md', good, readFile, isDir)).toEqual([]);
    const bad = '# B\n[gone](gone.md) [part](a.md#no-such-part) [self](#nope) [up](../../x.md)\n';
    const problems = brokenLinks('docs/b.md', bad, readFile, isDir);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toContain('docs/gone.md does not exist');
    expect(problems[1]).toContain('#no-such-part');
    expect(problems[2]).toContain('#nope');
    expect(problems[3]).toContain('outside the repository');
  });
});

describe('documentation links', () => {
  it('finds the docs', () => {
    expect(DOC_FILES).toContain('docs/sql-api.md');
    expect(DOC_FILES.length).toBeGreaterThan(10);
  });

  it('every relative link points to an existing file and heading', () => {
    const problems = DOC_FILES.flatMap((file) => brokenLinks(file, read(file), readRepoFile, isRepoDir));
    expect(problems).toEqual([]);
  });

  it('every repository path the docs name (src/…, test/…, sql/…, bench/…) exists', () => {
    const exists = (rel: string): boolean => {
      const star = rel.indexOf('*');
      if (star < 0) return fs.existsSync(path.join(root, rel));
      const dir = rel.slice(0, rel.lastIndexOf('/', star));
      const pattern = new RegExp(`^${rel.slice(dir.length + 1).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
      const abs = path.join(root, dir);
      return fs.existsSync(abs) && fs.readdirSync(abs).some((name) => pattern.test(name));
    };
    const missing = new Set<string>();
    for (const file of DOC_FILES) {
      for (const m of read(file).matchAll(/(?<![\w/.-])(?:src|test|bench|sql|migrations|scripts)\/[\w./*-]*[\w*/]/g)) {
        if (!exists(m[0])) missing.add(`${file}: ${m[0]}`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  it("every page under docs/ is on README's map", () => {
    const linked = new Set(
      linksOf(read('README.md'))
        .map((l) => l.target.split('#')[0]!)
        .filter((t) => t !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(t))
        .map((t) => path.posix.normalize(t)),
    );
    expect(DOC_FILES.filter((f) => f !== 'README.md' && !linked.has(f))).toEqual([]);
  });

  it("README's SQL examples pass well-formed JSON", () => {
    const readme = read('README.md');
    const literals = [...readme.matchAll(/cdb_connector_\w+\('(\{[\s\S]*?\})'/g)].map((m) => m[1]!);
    expect(literals.length).toBeGreaterThan(3);
    for (const literal of literals) expect(() => JSON.parse(literal), literal).not.toThrow();
  });
});

describe('documented SQL API', () => {
  const docs = DOC_FILES.filter((f) => f.startsWith('docs/')).map(read).join('\n');
  const allDocs = DOC_FILES.map(read).join('\n');

  it('every cdb_connector_* function and procedure is documented in docs/', () => {
    const routines = apiRoutines();
    expect(routines.length).toBeGreaterThan(10);
    const undocumented = routines.filter((name) => !new RegExp(`\\b${name}(?![a-z0-9_])`, 'i').test(docs));
    expect(undocumented).toEqual([]);
  });

  it('every cdb_connector_* name the docs mention exists in sql/', () => {
    const known = sqlNames();
    const mentioned = new Set([...allDocs.matchAll(/\bcdb_connector_[a-z0-9_]+/gi)].map((m) => m[0].toLowerCase()));
    expect(mentioned.size).toBeGreaterThan(10);
    expect([...mentioned].filter((name) => !known.has(name)).sort()).toEqual([]);
  });
});

describe('documented settings', () => {
  const settings = schemaSettings();
  const sqlApi = read('docs/sql-api.md');
  const table = tableAfter(sqlApi, 'Settings (`cdb_connectors.settings`)');

  it('finds the settings in sql/schema and the settings table in docs/sql-api.md', () => {
    expect(settings.size).toBeGreaterThan(15);
    for (const name of ['max_rows', 'ssl_ca_file', 'cartodbfy', 'sync_retry_base_seconds', 'max_queued_jobs_per_role']) expect(settings.has(name), name).toBe(true);
    expect(table.length).toBeGreaterThan(15);
  });

  it('the settings table lists exactly the settings the schema inserts', () => {
    const documented = table.map((row) => unquote(row[0]!));
    expect(documented.filter((name, i) => documented.indexOf(name) !== i)).toEqual([]);
    expect([...settings.keys()].filter((name) => !documented.includes(name)).sort()).toEqual([]);
    expect(documented.filter((name) => !settings.has(name)).sort()).toEqual([]);
  });

  it("every settings table in the docs names real settings with the schema's defaults", () => {
    const problems: string[] = [];
    let tables = 0;
    for (const file of DOC_FILES) {
      for (const rows of tablesWithHeader(read(file), ['name', 'default', 'rule'])) {
        tables++;
        for (const row of rows) {
          const name = unquote(row[0]!);
          const documented = unquote(row[1] ?? '');
          const inserted = settings.get(name);
          if (inserted === undefined) problems.push(`${file}: ${name} is not a setting`);
          else if (!documented.startsWith(inserted)) problems.push(`${file}: ${name} default is ${inserted}, documented as ${documented}`);
        }
      }
    }
    expect(tables).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});

describe('documented error codes', () => {
  const errorsDoc = read('docs/errors.md');
  const rows = tablesWithHeader(errorsDoc, ['code', 'name', 'typical message', 'cause and fix', 'retried by syncs'])[0] ?? [];
  const documented = new Map(rows.map((row) => [Number(unquote(row[0]!)), unquote(row[1]!)]));

  it('every code of src/errors.ts is a row of docs/errors.md, with its name and retry rule', () => {
    expect(rows.length).toBeGreaterThan(5);
    const problems: string[] = [];
    for (const [name, { code, retryable }] of Object.entries(ERROR_CODES)) {
      const row = rows.find((r) => Number(unquote(r[0]!)) === code);
      if (!row) problems.push(`${code} ${name} missing`);
      else if (unquote(row[1]!) !== name) problems.push(`${code} documented as ${row[1]}, not ${name}`);
      else if (row[4] !== (retryable ? 'yes' : 'no')) problems.push(`${code} retried by syncs: documented ${row[4]}, code says ${retryable}`);
    }
    expect(problems).toEqual([]);
  });

  it('every documented code exists in src/errors.ts', () => {
    const codes = new Set<number>(Object.values(ERROR_CODES).map((e) => e.code));
    expect([...documented.keys()].filter((code) => !codes.has(code))).toEqual([]);
  });

  it('every code of the SQL error_codes table is documented under its name', () => {
    const sql = sqlErrorCodes();
    expect(sql.size).toBeGreaterThan(5);
    expect([...sql].filter(([code, name]) => documented.get(code) !== name).map(([code, name]) => `${code} ${name}`)).toEqual([]);
  });
});
