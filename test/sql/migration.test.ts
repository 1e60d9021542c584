/**
 * The foundation migration (migrations/0001_foundation.js) on fresh databases, not the template:
 * a fresh install works, a re-run is a no-op, two concurrent migrate() calls both succeed, and
 * --api-schema puts the functions elsewhere.
 */
import fs from 'node:fs';
import crypto from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import { adminQuery, queryOnce } from '../helpers/one-shot-sql.js';

const created: string[] = [];

async function freshDb(): Promise<string> {
  const name = `m_${crypto.randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  created.push(name);
  const { host, port } = inject('servers').pg;
  return `postgres://postgres@${host}:${port}/${name}`;
}

async function objects(url: string, apiSchema = 'public') {
  const rows = await queryOnce<{ functions: string[]; views: string[]; rls: string[] }>(url, `
    select
      array(select p.proname::text from pg_proc p where p.pronamespace = $1::regnamespace and p.proname like 'cdb\\_connector\\_%' order by 1) as functions,
      array(select c.relname::text from pg_class c where c.relnamespace = 'cdb_connectors'::regnamespace and c.relkind = 'v' order by 1) as views,
      array(select c.relname::text from pg_class c where c.relnamespace = 'cdb_connectors'::regnamespace and c.relrowsecurity order by 1) as rls`, [apiSchema]);
  return rows[0]!;
}

const EXPECTED = {
  functions: ['cdb_connector_alter_connection', 'cdb_connector_cancel', 'cdb_connector_cancel_run', 'cdb_connector_check', 'cdb_connector_columns', 'cdb_connector_create_api_key', 'cdb_connector_create_connection', 'cdb_connector_drop_connection', 'cdb_connector_explain', 'cdb_connector_import', 'cdb_connector_import_database', 'cdb_connector_import_status', 'cdb_connector_list_tables',
    'cdb_connector_preview', 'cdb_connector_providers', 'cdb_connector_request', 'cdb_connector_request_result',
    'cdb_connector_revoke_api_key', 'cdb_connector_run_summary', 'cdb_connector_sample', 'cdb_connector_schema_change_approve', 'cdb_connector_schema_change_reject', 'cdb_connector_set_interval', 'cdb_connector_sync', 'cdb_connector_sync_now', 'cdb_connector_sync_reset', 'cdb_connector_tables', 'cdb_connector_unsync', 'cdb_connector_wait', 'cdb_connector_warnings'],
  views: ['import_log', 'imports', 'runs', 'sync_state', 'synchronizations', 'workers'],
  rls: ['api_keys', 'connection_secrets', 'connections', 'database_runs', 'job_log', 'job_secrets', 'jobs', 'rejects', 'request_secrets', 'requests', 'run_secrets', 'schema_changes', 'sync_secrets', 'syncs'],
};
/** Every migration file, in order: a release adds files, never edits or renames one. */
const ALL_MIGRATIONS = fs.readdirSync(new URL('../../migrations/', import.meta.url)).filter((f) => /^\d{4}_.*\.js$/.test(f)).map((f) => f.replace(/\.js$/, '')).sort();

afterAll(async () => {
  for (const name of created) await adminQuery(`drop database if exists ${name} with (force)`);
  process.env.CDB_CONNECTOR_API_SCHEMA = 'public';
});

describe('migrations', () => {
  it('install on a fresh database, and a re-run is a no-op', async () => {
    const url = await freshDb();
    expect(await migrate({ databaseUrl: url })).toEqual(ALL_MIGRATIONS);
    expect(await objects(url)).toEqual(EXPECTED);
    expect(await migrate({ databaseUrl: url })).toEqual([]);
    expect(await objects(url)).toEqual(EXPECTED);
  });

  it('two concurrent migrate() calls on a fresh database both succeed, applying it once', async () => {
    const url = await freshDb();
    const results = await Promise.all([migrate({ databaseUrl: url }), migrate({ databaseUrl: url })]);
    expect(results.flat()).toEqual(ALL_MIGRATIONS);
    expect(await objects(url)).toEqual(EXPECTED);
  });

  it('two databases of one cluster migrate at the same time (cluster-wide roles)', async () => {
    const [a, b] = [await freshDb(), await freshDb()];
    const results = await Promise.all([migrate({ databaseUrl: a }), migrate({ databaseUrl: b })]);
    expect(results).toEqual([ALL_MIGRATIONS, ALL_MIGRATIONS]);
  });

  it('--api-schema installs the functions in that schema, usable by members', async () => {
    const url = await freshDb();
    expect(await migrate({ databaseUrl: url, apiSchema: 'Connector API' })).toEqual(ALL_MIGRATIONS);
    expect(await objects(url, '"Connector API"')).toEqual(EXPECTED);
    expect((await objects(url, 'public')).functions).toEqual([]);
    const rows = await queryOnce(url, `select has_schema_privilege('cdb_connector_user', 'Connector API', 'USAGE') as usage,
      has_function_privilege('cdb_connector_user', '"Connector API".cdb_connector_import(jsonb, name)', 'EXECUTE') as exec,
      has_function_privilege('public', '"Connector API".cdb_connector_import(jsonb, name)', 'EXECUTE') as public_exec`);
    expect(rows).toEqual([{ usage: true, exec: true, public_exec: false }]);
  });
});
