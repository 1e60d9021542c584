/**
 * Issue 22 §10: the set-returning forms of the JSON answers, read the way the docs show — the
 * real psql, `CALL … \gset` then `SELECT * FROM cdb_connector_columns(:'result')` — against a
 * real sidecar and the run's MariaDB. The rows are checked against the JSON answer of the same
 * call and against the remote table, so a function that dropped, reordered or mislabelled a
 * column, a row or a warning fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiUser, listTables, preview, runPsql, type ApiUser } from '../helpers/answers.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { queryOnce } from '../helpers/one-shot-sql.js';
import { importAndWait, startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { createTargetDb, type TargetDb } from '../helpers/target.js';

let db: TargetDb;
let mysql: MysqlDb;
let alice: ApiUser;
let sidecar: TestSidecar;

beforeAll(async () => {
  [db, mysql] = await Promise.all([createTargetDb(), createMysqlDb()]);
  await mysql.exec(`create table cities (id int primary key, \`City Name\` varchar(40), pop bigint, shape geometry, note text);
    insert into cities values (1, 'Zürich', 421878, null, 'tab\there'), (2, 'Genève', 203856, null, null), (3, 'Bern', 134794, null, 'a "quote"');
    create table other (x int); create view cities_view as select id from cities`);
  alice = await createApiUser(db);
  await db.query(`grant create on schema public to ${alice.name}`);
  sidecar = await startSidecar(db);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), mysql?.drop()]);
  await alice?.drop();
});

const connector = (extra: Record<string, unknown> = {}) => ({ connector: { provider: 'mysql', connection: mysql.connection(), ...extra } });
const sqlText = (value: unknown) => `'${JSON.stringify(value).replace(/'/g, "''")}'`;

/** psql with unaligned output, fields separated by `|`, one line per row. */
async function psqlLines(script: string): Promise<string[]> {
  const run = await runPsql(alice.url, ['-F', '|'], script);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run.stdout.split('\n').filter((l) => l !== '');
}

describe('in psql, after \\gset', () => {
  it('cdb_connector_columns: one row per preview column, importable ones first, the skipped one flagged', async () => {
    const answer = await preview(alice.url, connector({ table: 'cities' }), 3);
    const lines = await psqlLines(`CALL cdb_connector_preview(${sqlText(connector({ table: 'cities' }))}, 3) \\gset
SELECT * FROM cdb_connector_columns(:'result');
`);
    expect(lines).toEqual(answer.columns.map((c: any, i: number) =>
      [i + 1, c.name, c.local_name ?? '', c.remote_type, c.local_type === 'skipped' ? '' : c.local_type, '', c.local_type === 'skipped' ? 't' : 'f', ''].join('|')));
    expect(lines).toEqual([
      '1|id|id|int(11)|integer||f|', '2|City Name|city_name|varchar(40)|varchar(40)||f|', '3|pop|pop|bigint(20)|bigint||f|',
      '4|note|note|text|text||f|', '5|shape||geometry|||t|',
    ]);
  });

  it('cdb_connector_sample: one row per sample row, keyed by local name in column order, text exactly as the preview gave it', async () => {
    const lines = await psqlLines(`CALL cdb_connector_preview(${sqlText(connector({ sql_query: 'select id, `City Name`, pop, note from cities order by id', import_as: 'c' }))}, 2) \\gset
SELECT row_number, "row" FROM cdb_connector_sample(:'result');
`);
    expect(lines).toEqual([
      '1|{"id" : "1", "city_name" : "Zürich", "pop" : "421878", "note" : "tab\\there"}',
      '2|{"id" : "2", "city_name" : "Genève", "pop" : "203856", "note" : null}',
    ]);
  });

  it('cdb_connector_columns of an explain answer carries the rule and the skip reason', async () => {
    const lines = await psqlLines(`CALL cdb_connector_explain(${sqlText(connector({ table: 'cities' }))}) \\gset
SELECT name, local_type, rule, skipped, reason FROM cdb_connector_columns(:'result') WHERE name IN ('pop', 'shape') ORDER BY column_number;
`);
    const explained = (await queryOnce(alice.url, 'call cdb_connector_explain($1::jsonb)', [JSON.stringify(connector({ table: 'cities' }))]))[0]!.result;
    const byName = (n: string) => explained.columns.find((c: any) => c.name === n);
    expect(lines).toEqual([
      `pop|bigint|${byName('pop').rule}|f|`,
      `shape|||t|${byName('shape').reason}`,
    ]);
    expect(byName('shape').reason).toMatch(/PostGIS/);
  });

  it('cdb_connector_tables: one row per remote table or view of a list_tables answer', async () => {
    const answer = await listTables(alice.url, connector());
    const lines = await psqlLines(`CALL cdb_connector_list_tables(${sqlText(connector())}) \\gset
SELECT * FROM cdb_connector_tables(:'result');
`);
    expect(lines).toEqual(answer.tables.map((t: any) => `${t.schema}|${t.name}|${t.kind}`));
    expect(lines).toEqual([`${mysql.name}|cities|table`, `${mysql.name}|cities_view|view`, `${mysql.name}|other|table`]);
  });
});

describe('cdb_connector_warnings', () => {
  it('an import status: one row per warning, the rest of each warning as jsonb', async () => {
    const status = await importAndWait(db, connector({ table: 'cities' }), { url: alice.url });
    expect(status.state).toBe('complete');
    const rows = await queryOnce<{ code: string; message: string; detail: unknown }>(alice.url,
      'select w.* from cdb_connector_warnings(cdb_connector_import_status($1)) as w', [status.id]);
    const warnings = (await queryOnce<{ s: any }>(alice.url, 'select cdb_connector_import_status($1) as s', [status.id]))[0]!.s.warnings;
    expect(warnings.length).toBeGreaterThan(0);
    expect(rows).toEqual(warnings.map(({ code, message, ...rest }: any) => ({ code, message: message ?? null, detail: Object.keys(rest).length ? rest : null })));
    expect(rows.map((r) => r.code)).toContain('skipped_columns');
  });

  it('answers without the part asked for, or not objects, give no rows and no error', async () => {
    const rows = await queryOnce<{ n: number }>(alice.url, `select
      (select count(*) from cdb_connector_columns('{"tables": []}'))::int
      + (select count(*) from cdb_connector_sample('{"rows": [["1"]]}'))::int
      + (select count(*) from cdb_connector_tables('[1, 2]'))::int
      + (select count(*) from cdb_connector_warnings('{"warnings": "none"}'))::int
      + (select count(*) from cdb_connector_warnings(null))::int as n`);
    expect(rows[0]!.n).toBe(0);
  });
});
