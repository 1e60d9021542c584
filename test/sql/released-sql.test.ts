/**
 * Released SQL never changes (migrations/lib/apply-sql.js). Every migration applies only its
 * frozen copies in sql/released/NNNN/, recorded with their sha256 in sql/released/SHA256SUMS:
 * - a released file whose content differs from the manifest was edited in place;
 * - a migration's FILES list and its folder must name the same files;
 * - the readable source (sql/api, sql/schema, sql/security, sql/views) must equal the latest
 *   released copy of each file, so that what one reads there is what a fresh install ends with
 *   and an edit there cannot ship without a migration.
 * No database needed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RELEASED_DIR, SQL_DIR } from '../../migrations/lib/apply-sql.js';
import { readManifest, sha256 } from '../../migrations/lib/release-sql.js';
import { MIGRATIONS_DIR } from '../../src/db/migrate.js';

const SOURCE_FOLDERS = ['api', 'schema', 'security', 'views'];

/**
 * Current files that legitimately differ from their latest released copy: a table's file shows
 * the table as a fresh install ends with it, while the change shipped as a statement of a later
 * migration (a CREATE TABLE / INSERT cannot be re-applied).
 */
const END_STATE_ONLY: Record<string, string> = {
  'schema/settings.sql': 'max_syncs_per_role 100 and its description: the UPDATE in migrations/0010_limits.js',
  'schema/requests.sql': 'the COMMENT on cdb_connectors.requests without "SPEC §7": schema/table-comments.sql of migrations/0017_everyday_use_2.js',
};

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const relative = (root: string, files: string[]) => files.filter((f) => f.endsWith('.sql')).map((f) => path.relative(root, f).split(path.sep).join('/')).sort();

const migrationFiles = fs.readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_.*\.js$/.test(f)).sort();

async function migrationsWithFiles(): Promise<{ release: string; file: string; files: string[] }[]> {
  return Promise.all(migrationFiles.map(async (file) => {
    const mod = await import(pathToFileURL(path.join(MIGRATIONS_DIR, file)).href);
    return { release: file.slice(0, 4), file, files: (mod.FILES ?? []) as string[] };
  }));
}

describe('released SQL', () => {
  it('no released file was edited, added or removed outside the manifest', () => {
    const manifest = readManifest();
    const onDisk = relative(RELEASED_DIR, walk(RELEASED_DIR));
    const problems: string[] = [];
    for (const file of onDisk) {
      const want = manifest.get(file);
      if (want === undefined) problems.push(`sql/released/${file} is not in sql/released/SHA256SUMS (freeze new migrations with node migrations/lib/release-sql.js)`);
      else if (want !== sha256(fs.readFileSync(path.join(RELEASED_DIR, file)))) {
        problems.push(`released SQL edited: add a new migration instead (sql/released/${file} no longer matches its sha256 in sql/released/SHA256SUMS)`);
      }
    }
    for (const file of manifest.keys()) if (!onDisk.includes(file)) problems.push(`released SQL removed: sql/released/${file} is in SHA256SUMS but missing`);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('each migration applies exactly the files of its own release folder', async () => {
    const problems: string[] = [];
    for (const { release, file, files } of await migrationsWithFiles()) {
      const source = fs.readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8');
      if (/applySqlFiles|readFileSync|['"`]\.\.\/sql\//.test(source)) problems.push(`${file} reads SQL other than its released copies`);
      if (files.length > 0 && !/applyReleasedSql\(pgm, import\.meta\.url, FILES\)/.test(source)) problems.push(`${file} does not apply its FILES with applyReleasedSql(pgm, import.meta.url, FILES)`);
      const folder = relative(path.join(RELEASED_DIR, release), walk(path.join(RELEASED_DIR, release)));
      const listed = [...files].sort();
      if (new Set(files).size !== files.length) problems.push(`${file} lists a file twice`);
      for (const f of listed) if (!folder.includes(f)) problems.push(`${file} applies ${f}, missing from sql/released/${release}/ (node migrations/lib/release-sql.js migrations/${file})`);
      for (const f of folder) if (!listed.includes(f)) problems.push(`sql/released/${release}/${f} is not applied by ${file}`);
    }
    const releases = new Set(migrationFiles.map((f) => f.slice(0, 4)));
    for (const dir of fs.readdirSync(RELEASED_DIR, { withFileTypes: true })) {
      if (dir.isDirectory() && !releases.has(dir.name)) problems.push(`sql/released/${dir.name}/ belongs to no migration`);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('the readable source in sql/ equals the latest released copy of each file', async () => {
    const latest = new Map<string, string>();
    for (const { release, files } of await migrationsWithFiles()) for (const f of files) latest.set(f, release);
    const problems: string[] = [];
    for (const folder of SOURCE_FOLDERS) {
      for (const file of relative(SQL_DIR, walk(path.join(SQL_DIR, folder)))) {
        const release = latest.get(file);
        if (release === undefined) {
          problems.push(`sql/${file} is applied by no migration: add a migration that applies it`);
          continue;
        }
        const same = fs.readFileSync(path.join(SQL_DIR, file)).equals(fs.readFileSync(path.join(RELEASED_DIR, release, file)));
        if (!same && !(file in END_STATE_ONLY)) {
          problems.push(`sql/${file} differs from its latest release (sql/released/${release}/${file}): a change ships as a new migration that re-applies it (node migrations/lib/release-sql.js migrations/NNNN_name.js)`);
        }
        if (same && file in END_STATE_ONLY) problems.push(`sql/${file} now equals its release: remove it from END_STATE_ONLY`);
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
