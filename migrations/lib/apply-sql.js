// Shared by the migrations: runs the SQL files a migration released, inside its transaction.
//
// Released SQL never changes. Migration NNNN reads only its own frozen copies,
// sql/released/NNNN/<path> (path as in its FILES list, e.g. 'api/settings-check.sql'), so it runs
// today exactly what it ran when it shipped, and a database migrated at an older release and
// upgraded ends where a fresh install ends. sql/released/SHA256SUMS records every released file;
// test/sql/released-sql.test.ts fails when one is edited, and when a migration's FILES and its
// folder disagree.
//
// sql/api, sql/schema, sql/security and sql/views are the readable current source: each file
// there equals its latest released copy (the same test checks it). To change SQL: edit the
// current file, write a new migration whose FILES re-apply it (CREATE OR REPLACE / DROP … IF
// EXISTS, or an ALTER for a table), then freeze it with
//   node migrations/lib/release-sql.js migrations/NNNN_name.js
// which copies the files to sql/released/NNNN/ and adds them to SHA256SUMS.
//
// `:api_schema` in a file is replaced by the quoted schema chosen with
// `connector-bridge migrate --api-schema` (SPEC §1): node-pg-migrate passes no parameters, so
// src/db/migrate.ts hands it over in CDB_CONNECTOR_API_SCHEMA, the only such channel.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SQL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql');
export const RELEASED_DIR = path.join(SQL_DIR, 'released');

function quoteIdent(name) {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** '0001' for …/migrations/0001_foundation.js (a file URL or a path). */
export function releaseOf(migrationUrl) {
  const file = migrationUrl.startsWith('file:') ? fileURLToPath(migrationUrl) : migrationUrl;
  const match = /^(\d{4})_/.exec(path.basename(file));
  if (!match) throw new Error(`not a migration file name: ${file}`);
  return match[1];
}

/** Applies FILES as released by the migration at `migrationUrl` (pass `import.meta.url`). */
export function applyReleasedSql(pgm, migrationUrl, files) {
  const release = releaseOf(migrationUrl);
  const apiSchema = quoteIdent(process.env.CDB_CONNECTOR_API_SCHEMA || 'public');
  for (const file of files) {
    const frozen = path.join(RELEASED_DIR, release, file);
    if (!fs.existsSync(frozen)) {
      throw new Error(`migration ${release} applies ${file}, but sql/released/${release}/${file} does not exist: freeze it with node migrations/lib/release-sql.js`);
    }
    const text = fs.readFileSync(frozen, 'utf8');
    pgm.sql(text.replace(/:api_schema\b/g, apiSchema));
  }
}
