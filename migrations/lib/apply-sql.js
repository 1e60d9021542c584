// Shared by the migrations: reads SQL files from sql/ and runs them inside the migration's
// transaction. `:api_schema` in a file is replaced by the quoted schema chosen with
// `connector-bridge migrate --api-schema` (SPEC §1), because node-pg-migrate passes no parameters.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SQL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql');

function quoteIdent(name) {
  return '"' + name.replace(/"/g, '""') + '"';
}

export function applySqlFiles(pgm, files) {
  const apiSchema = quoteIdent(process.env.CDB_CONNECTOR_API_SCHEMA || 'public');
  for (const file of files) {
    const text = fs.readFileSync(path.join(SQL_DIR, file), 'utf8');
    pgm.sql(text.replace(/:api_schema\b/g, apiSchema));
  }
}
