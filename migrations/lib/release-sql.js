#!/usr/bin/env node
// Freezes the SQL of a new migration (see apply-sql.js):
//   node migrations/lib/release-sql.js migrations/NNNN_name.js
// copies each file of its FILES from the current source (sql/<path>) to sql/released/NNNN/<path>
// and records it in sql/released/SHA256SUMS (the format of `sha256sum`, so
// `cd sql/released && sha256sum -c SHA256SUMS` checks it too). A migration already in the
// manifest is refused if its files changed or it gained files: released SQL never changes, write
// another migration. While a new migration is still being written (not merged, not shipped),
// `--unreleased` refreezes it from the current source.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RELEASED_DIR, SQL_DIR, releaseOf } from './apply-sql.js';

export const MANIFEST = path.join(RELEASED_DIR, 'SHA256SUMS');

export function sha256(buffer) {
  return crypto.createHash('sha256').update(buffer).digest('hex');
}

/** The manifest as a Map of 'NNNN/api/x.sql' → sha256. */
export function readManifest() {
  const entries = new Map();
  if (!fs.existsSync(MANIFEST)) return entries;
  for (const line of fs.readFileSync(MANIFEST, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!match) throw new Error(`bad line in sql/released/SHA256SUMS: ${line}`);
    entries.set(match[2], match[1]);
  }
  return entries;
}

function writeManifest(entries) {
  const lines = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([file, hash]) => `${hash}  ${file}`);
  fs.writeFileSync(MANIFEST, lines.join('\n') + '\n');
}

export async function releaseMigration(migrationPath, { unreleased = false } = {}) {
  const release = releaseOf(migrationPath);
  const { FILES } = await import(pathToFileURL(path.resolve(migrationPath)).href);
  if (!Array.isArray(FILES)) throw new Error(`${migrationPath} exports no FILES list`);
  const manifest = readManifest();
  const alreadyReleased = [...manifest.keys()].some((key) => key.startsWith(`${release}/`));
  if (unreleased) {
    for (const key of [...manifest.keys()]) {
      if (!key.startsWith(`${release}/`)) continue;
      manifest.delete(key);
      fs.rmSync(path.join(RELEASED_DIR, key), { force: true });
    }
  }
  for (const file of FILES) {
    const key = `${release}/${file}`;
    const source = fs.readFileSync(path.join(SQL_DIR, file));
    const frozen = path.join(RELEASED_DIR, release, file);
    const known = manifest.get(key);
    if (!unreleased && known !== undefined && known !== sha256(source)) {
      throw new Error(`sql/released/${key} is released with other content: released SQL never changes, add a new migration instead`);
    }
    if (!unreleased && known === undefined && alreadyReleased) {
      throw new Error(`migration ${release} is released: it cannot gain ${file}, add a new migration instead`);
    }
    fs.mkdirSync(path.dirname(frozen), { recursive: true });
    fs.writeFileSync(frozen, source);
    manifest.set(key, sha256(source));
    console.log(`released ${key}`);
  }
  writeManifest(manifest);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const args = process.argv.slice(2);
  const unreleased = args.includes('--unreleased');
  const migrations = args.filter((a) => a !== '--unreleased');
  if (migrations.length === 0) {
    console.error('usage: node migrations/lib/release-sql.js [--unreleased] migrations/NNNN_name.js …');
    process.exit(2);
  }
  for (const migration of migrations) await releaseMigration(migration, { unreleased });
}
