/**
 * Everyday use from psql, second part (issue 22 §9, §12), with the real psql a user has:
 *   - validation errors name the bad value and where it belongs, after CARTO's text:
 *     'Invalid provider "mariadb" — use one of …', "interval" inside the connector, "encoding"
 *     for postgres, a forgotten "connector" wrapper;
 *   - a role without cdb_connector_user: what PostgreSQL answers (no SQL can add to it: it checks
 *     EXECUTE before the function runs), and where psql shows the GRANT that fixes it — the
 *     schema's COMMENT (\dn+) and docs/sql-api.md;
 *   - max_columns above PostgreSQL's 1600 is refused by the settings check;
 *   - no COMMENT cites "SPEC §…" (not in the repository); the docs/ pages they cite exist;
 *   - the keys table of docs/sql-api.md lists every connection key a provider accepts
 *     (SQL Server's encrypt and trust_server_certificate were missing).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPsql } from '../helpers/answers.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { mysqlRequest, withAlice, type RoleFactory, type TestRole } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SQL_API_DOC = fs.readFileSync(path.join(ROOT, 'docs', 'sql-api.md'), 'utf8');

let db: TargetDb;
let roles: RoleFactory;
let alice: TestRole;
let mallory: TestRole;

beforeAll(async () => {
  db = await createTargetDb();
  ({ roles, alice } = await withAlice(db));
  mallory = await roles.create('mallory');
});

afterAll(async () => {
  await roles?.cleanup();
});

/** What psql prints for a statement that fails: its stderr, ERROR/DETAIL/HINT lines. */
async function psqlError(user: string, sql: string): Promise<string> {
  const run = await runPsql(db.urlAs(user), ['-c', sql]);
  expect(run.code, run.stdout).not.toBe(0);
  return run.stderr;
}

const importOf = (request: unknown) => `select cdb_connector_import('${JSON.stringify(request).replace(/'/g, "''")}')`;
const connectorOf = (overrides: Record<string, unknown>) => mysqlRequest(overrides);

describe('validation messages in psql', () => {
  it('an unknown provider is named, with the choices and the provider that reads it', async () => {
    const stderr = await psqlError(alice.name, importOf(connectorOf({ provider: 'mariadb' })));
    expect(stderr).toContain('ERROR:  Invalid provider "mariadb" — use one of mysql, postgres, sqlserver, hive (for "mariadb": "mysql")\nDETAIL:  error_code 1502');
  });

  it('"interval" inside the connector: it belongs at the top level', async () => {
    const stderr = await psqlError(alice.name, importOf(connectorOf({ interval: 3600 })));
    expect(stderr).toContain('ERROR:  Invalid parameters: interval — "interval" belongs at the top level, next to "connector"\n');
  });

  it('"encoding" for postgres: why it is not taken', async () => {
    const request = { connector: { provider: 'postgres', connection: { server: 'h', database: 'd', username: 'u' }, table: 't', encoding: 'LATIN1' } };
    const stderr = await psqlError(alice.name, importOf(request));
    expect(stderr).toContain('ERROR:  Invalid parameters: encoding — the postgres provider takes no "encoding": a PostgreSQL source server converts its text itself, whatever its encoding\n');
  });

  it('a request without the "connector" wrapper: its keys belong inside "connector"', async () => {
    const stderr = await psqlError(alice.name, importOf(mysqlRequest().connector));
    expect(stderr).toContain('ERROR:  Missing required parameters connector\nInvalid parameters: connection, provider, table — "connection", "provider", "table" belong inside "connector"\n');
  });
});

describe('a role without cdb_connector_user', () => {
  it('gets PostgreSQL\'s permission error, which the docs explain with the GRANT that fixes it', async () => {
    const stderr = await psqlError(mallory.name, importOf(mysqlRequest()));
    const message = 'permission denied for function cdb_connector_import';
    expect(stderr).toContain(`ERROR:  ${message}`);
    const roles = SQL_API_DOC.slice(SQL_API_DOC.indexOf('## Roles and permissions'));
    expect(roles).toContain(message);
    expect(roles).toContain('permission denied for schema cdb_connectors');
    expect(roles).toContain('GRANT cdb_connector_user TO');
    expect(roles).toMatch(/EXECUTE before/); // why the message itself cannot name the grant
  });

  it('\\dn+ shows the grant in the schema\'s COMMENT', async () => {
    const run = await runPsql(db.urlAs(mallory.name), ['-c', '\\dn+ cdb_connectors']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('GRANT cdb_connector_user TO <role>');
  });
});

describe('settings', () => {
  it('max_columns above 1600, PostgreSQL\'s limit of columns in a table, is refused', async () => {
    const stderr = await psqlError('postgres', "update cdb_connectors.settings set value = '2000' where name = 'max_columns'");
    expect(stderr).toContain("ERROR:  Invalid value 2000 for setting max_columns: it must be an integer of at least 1 and at most 1600, PostgreSQL's limit of columns in a table");
    const { rows } = await db.query("select value from cdb_connectors.settings where name = 'max_columns'");
    expect(rows).toEqual([{ value: 256 }]);
  });
});

describe('COMMENTs', () => {
  /** Every description on an object of the bridge: its schema, its tables, columns, functions, and the API functions. */
  async function comments(): Promise<Array<{ object: string; text: string }>> {
    const { rows } = await db.query<{ object: string; text: string }>(`
      select pg_describe_object(d.classoid, d.objoid, d.objsubid) as object, d.description as text
      from pg_description d
      where (d.classoid = 'pg_namespace'::regclass and d.objoid = 'cdb_connectors'::regnamespace)
         or (d.classoid = 'pg_class'::regclass and d.objoid in (select oid from pg_class where relnamespace = 'cdb_connectors'::regnamespace))
         or (d.classoid = 'pg_proc'::regclass and d.objoid in (select oid from pg_proc where pronamespace = 'cdb_connectors'::regnamespace or proname like 'cdb\\_connector\\_%'))
      order by 1`);
    return rows;
  }

  it('none cites "SPEC §…", a document the repository does not have', async () => {
    const all = await comments();
    expect(all.length).toBeGreaterThan(40);
    expect(all.filter((c) => /SPEC/.test(c.text))).toEqual([]);
  });

  it('every docs/ page a COMMENT names exists', async () => {
    const named = new Set((await comments()).flatMap((c) => [...c.text.matchAll(/docs\/[\w/.-]+\.md/g)].map((m) => m[0])));
    expect(named.size).toBeGreaterThanOrEqual(3);
    for (const page of named) expect(fs.existsSync(path.join(ROOT, page)), page).toBe(true);
  });
});

describe('docs/sql-api.md keys table', () => {
  it('lists every connection key a provider accepts, with the providers that accept it', async () => {
    const { rows } = await db.query<{ key: string; providers: string[] }>(`
      select k.key, array_agg(p.provider order by p.provider) as providers
      from cdb_connectors.provider_catalog() as p, unnest(p.required_connection || p.optional_connection) as k(key)
      group by k.key order by k.key`);
    const table = SQL_API_DOC.slice(SQL_API_DOC.indexOf('### Keys'), SQL_API_DOC.indexOf('### Limits'));
    const documented = new Map(table.split('\n').filter((l) => l.startsWith('| `')).map((l) => {
      const [keys, providers] = l.split('|').slice(1, 3).map((c) => c.trim());
      return [keys!, providers!] as const;
    }).flatMap(([keys, providers]) => [...keys.matchAll(/`(\w+)`/g)].map((m) => [m[1]!, providers] as const)));
    const problems: string[] = [];
    for (const { key, providers } of rows) {
      const cell = documented.get(key);
      if (cell === undefined) problems.push(`${key} (${providers.join(', ')}) is not in the keys table`);
      else if (!/\ball\b/.test(cell)) for (const p of providers) if (!cell.includes(p)) problems.push(`${key}: ${p} accepts it, the table says "${cell}"`);
    }
    expect(problems).toEqual([]);
  });
});

describe('docs/operations.md: removing the bridge from a database', () => {
  /** The fenced ```sql blocks of a section of docs/operations.md, in order. */
  function sqlBlocks(heading: string): string[] {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'operations.md'), 'utf8');
    const start = doc.indexOf(`\n${heading}\n`);
    expect(start, `${heading} in docs/operations.md`).toBeGreaterThanOrEqual(0);
    const section = doc.slice(start + heading.length + 2).split(/\n#{2,3} /)[0]!;
    return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  }

  it('its SQL, run with psql, leaves no schema and no cdb_connector_* routine; migrate installs it again', async () => {
    const [database, rolesBlock] = sqlBlocks('### Removing the bridge from a database');
    // the roles are cluster-wide and shared by every test database: checked, not run
    expect(rolesBlock).toMatch(/DROP ROLE IF EXISTS cdb_connector_admin, cdb_connector_user, cdb_connector_worker;/);
    await db.query('create table public.kept_import (id int)');
    const run = await runPsql(db.url, [], database);
    expect(run.code, run.stderr).toBe(0);
    const { rows } = await db.query(`select to_regnamespace('cdb_connectors') is null as schema_gone,
        (select count(*)::int from pg_proc where proname like 'cdb\\_connector\\_%') as routines,
        to_regclass('public.kept_import') is not null as table_kept`);
    expect(rows).toEqual([{ schema_gone: true, routines: 0, table_kept: true }]);
    const { migrate } = await import('../../src/db/migrate.js');
    const applied = await migrate({ databaseUrl: db.url });
    expect(applied[0]).toMatch(/^0001_/);
    expect((await db.query("select to_regproc('cdb_connector_wait') is not null as api")).rows).toEqual([{ api: true }]);
  });
});
