/**
 * cdb_connector_explain (issue 19 §4, SPEC §14): the mapping an import would use, per remote
 * column, in one psql statement, without importing. A real sidecar against the run's MariaDB and
 * the test cluster itself (postgres provider). The explained local types are checked against
 * what a real import of the same table creates (pg_attribute), not against a copy of the rules.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApiUser, runPsql, sqlError, type ApiUser } from '../helpers/answers.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { adminQuery, queryOnce } from '../helpers/one-shot-sql.js';
import { importAndWait, startSidecar, type TestSidecar } from '../helpers/sidecar.js';
import { allowTargetAsSource, createTargetDb, type TargetDb } from '../helpers/target.js';

interface ExplainedColumn {
  name: string;
  local_name: string | null;
  remote_type: string;
  local_type: string | null;
  rule: string | null;
  skipped: boolean;
  reason: string | null;
  becomes?: string;
}

interface Explained {
  columns: ExplainedColumn[];
  carto: { columns: string[]; note: string };
  warnings: Array<{ code: string; message: string }>;
}

const explain = async (url: string, params: unknown): Promise<Explained> =>
  (await queryOnce(url, 'call cdb_connector_explain($1::jsonb)', [JSON.stringify(params)]))[0]!.result;

/** 40 columns of mixed MySQL types: every rule family, a clashing name, two spatial columns skipped without PostGIS. */
const MIXED_COLUMNS = [
  'id int primary key', 't tinyint', 'tu tinyint unsigned', 'flag tinyint(1)', 's smallint', 'su smallint unsigned',
  'm mediumint', 'mu mediumint unsigned', 'iu int unsigned', 'b bigint', 'bu bigint unsigned', 'price decimal(12,2)',
  'wide decimal(65,30)', 'f float', 'd double', 'bit1 bit(1)', 'bit8 bit(8)', 'code char(3)', '`Full Name` varchar(20)',
  'tt tinytext', 'body text', 'mt mediumtext', 'lt longtext', "mood enum('happy','sad')", "perms set('r','w')", 'doc json',
  'born date', 'at_time time', 'precise_time time(3)', 'seen datetime', 'seen_us datetime(6)', 'stamp timestamp(3) null',
  'yr year', 'bin4 binary(4)', 'vb varbinary(10)', 'blb blob', 'uid uuid', 'addr inet6', 'shape geometry', 'pt point',
];

let db: TargetDb;
let mysql: MysqlDb;
let alice: ApiUser;
let bob: ApiUser;
let sidecar: TestSidecar;

beforeAll(async () => {
  [db, mysql] = await Promise.all([createTargetDb(), createMysqlDb()]);
  await allowTargetAsSource(db);
  await mysql.exec(`create table mixed (${MIXED_COLUMNS.join(', ')});
    create table \`FULL NAME\` (\`Full Name\` int, \`full-name\` int, \`full_name\` int)`);
  await db.query(`create type mood as enum ('happy', 'sad');
    create table public.pg_mixed (id integer primary key, n numeric(10,2), plain numeric, big bigint, r real, dp double precision,
      v varchar(5), c char(2), t text, ts timestamptz(3), tsl timestamp, d date, tm time(0), iv interval, b boolean, u uuid,
      j jsonb, js json, by bytea, ip inet, arr text[], ints integer[], m money, e mood, x xml, bits bit(3))`);
  [alice, bob] = await Promise.all([createApiUser(db), createApiUser(db)]);
  await db.query(`grant create on schema public to ${alice.name}`);
  sidecar = await startSidecar(db);
});

afterAll(async () => {
  await sidecar?.stop();
  // alice owns the imported tables: her role can go once the database is gone
  await Promise.all([db?.drop(), mysql?.drop()]);
  await Promise.all([alice?.drop(), bob?.drop()]);
});

const mysqlConnector = (extra: Record<string, unknown>) => ({ connector: { provider: 'mysql', connection: mysql.connection(), ...extra } });
const pgConnector = (extra: Record<string, unknown>) => {
  const { host, port } = inject('servers').pg;
  return { connector: { provider: 'postgres', connection: { server: host, port, database: db.name, username: 'postgres', sslmode: 'disable' }, ...extra } };
};

/** name → format_type of a table's columns, in order. */
async function attributes(table: string): Promise<Array<[string, string]>> {
  const { rows } = await db.query<{ name: string; type: string }>(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type from pg_attribute a
      where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`, [table]);
  return rows.map((r) => [r.name, r.type]);
}

/** The explained columns made into a real table, so their types are spelled the way pg_attribute spells the import's. */
async function explainedAttributes(table: string, columns: ExplainedColumn[]): Promise<Array<[string, string]>> {
  const kept = columns.filter((c) => !c.skipped);
  await db.query(`create table ${table} (${kept.map((c) => `${pg.escapeIdentifier(c.local_name!)} ${c.local_type}`).join(', ')})`);
  return attributes(table);
}

describe('cdb_connector_explain', () => {
  it('a 40-column MySQL table: each local name and type equal what a real import creates, rule names, skipped with reasons', async () => {
    const answer = await explain(alice.url, mysqlConnector({ table: 'mixed' }));
    expect(answer.columns).toHaveLength(MIXED_COLUMNS.length);
    const kept = answer.columns.filter((c) => !c.skipped);
    const skipped = answer.columns.filter((c) => c.skipped);
    for (const c of kept) {
      expect(c.rule, c.name).toMatch(/\S → \S|\S/);
      expect(c.reason).toBeNull();
    }
    expect(skipped).toEqual([
      { name: 'shape', local_name: null, remote_type: 'geometry', local_type: null, rule: null, skipped: true, reason: 'spatial types skipped without PostGIS in the target' },
      { name: 'pt', local_name: null, remote_type: 'point', local_type: null, rule: null, skipped: true, reason: 'spatial types skipped without PostGIS in the target' },
    ]);
    const byName = Object.fromEntries(answer.columns.map((c) => [c.name, c]));
    expect(byName.price).toMatchObject({ remote_type: 'decimal(12,2)', local_type: 'numeric(12,2)', rule: 'decimal(p,s) → numeric(p,s)' });
    expect(byName.bu).toMatchObject({ local_type: 'numeric(20,0)', rule: 'bigint unsigned → numeric(20,0)' });
    expect(byName.bit1).toMatchObject({ local_type: 'boolean', rule: 'bit(1) → boolean' });
    expect(byName.flag).toMatchObject({ remote_type: 'tinyint(1)', local_type: 'smallint', rule: 'tinyint → smallint' });
    expect(byName['Full Name']).toMatchObject({ local_name: 'full_name', rule: 'char(n), varchar(n) → varchar(n)' });
    expect(answer.carto).toEqual({ columns: [], note: 'Plain table, no CARTO columns: PostGIS is not installed in the target database' });
    expect(answer.warnings.map((w) => w.code)).toEqual(['skipped_columns', 'no_postgis']);

    const status = await importAndWait(db, mysqlConnector({ table: 'mixed', import_as: 'mixed_imported' }), { url: alice.url });
    expect(status.state).toBe('complete');
    expect(await explainedAttributes('mixed_explained', answer.columns)).toEqual(await attributes('mixed_imported'));
    expect(answer.warnings.map((w) => w.code)).toEqual((status as any).warnings.map((w: { code: string }) => w.code).filter((c: string) => answer.warnings.some((w) => w.code === c)));
  });

  it('clashing local names are made unique as the import makes them', async () => {
    const answer = await explain(alice.url, mysqlConnector({ table: 'FULL NAME' }));
    expect(answer.columns.map((c) => c.local_name)).toEqual(['full_name', 'full_name_1', 'full_name_2']);
    await importAndWait(db, mysqlConnector({ table: 'FULL NAME', import_as: 'names_imported' }), { url: alice.url });
    expect((await attributes('names_imported')).map(([n]) => n)).toEqual(['full_name', 'full_name_1', 'full_name_2']);
  });

  it('a sql_query: its result columns, no import_as needed', async () => {
    // MariaDB types `price * 2` of a decimal(12,2) as decimal(13,2)
    const answer = await explain(alice.url, mysqlConnector({ sql_query: 'select id, price * 2 as doubled, `Full Name`, shape from mixed' }));
    expect(answer.columns.map((c) => [c.name, c.local_name, c.local_type, c.skipped])).toEqual([
      ['id', 'id', 'integer', false],
      ['doubled', 'doubled', 'numeric(13,2)', false],
      ['Full Name', 'full_name', 'varchar(20)', false],
      ['shape', null, null, true],
    ]);
    expect(answer.columns.every((c) => (c.skipped ? c.reason !== null : c.rule !== null))).toBe(true);
  });

  it('the postgres provider: exact types also for arrays and xml, enums as text, each with its rule; equal to a real import', async () => {
    const answer = await explain(alice.url, pgConnector({ table: 'pg_mixed' }));
    expect(answer.columns.every((c) => !c.skipped && c.rule)).toBe(true);
    const rules = Object.fromEntries(answer.columns.map((c) => [c.name, c.rule]));
    expect(rules).toMatchObject({
      n: 'numeric(p,s) kept', plain: 'numeric without (or with negative-scale) modifiers → numeric', arr: 'arrays of kept types kept',
      ints: 'arrays of kept types kept', m: 'money → numeric', e: 'enums → text', x: 'built-in types kept exactly', ts: 'built-in types kept exactly',
    });
    expect(answer.warnings).toContainEqual({ code: 'enum_as_text', message: 'Enum columns were imported as text; the target does not check that values are among the enum\'s labels: e (mood)' });
    const status = await importAndWait(db, pgConnector({ table: 'pg_mixed', import_as: 'pg_imported' }), { url: alice.url });
    expect(status.state).toBe('complete');
    expect(status.warnings.map((w) => w.code)).toContain('enum_as_text');
    expect(await explainedAttributes('pg_explained', answer.columns)).toEqual(await attributes('pg_imported'));
  });

  it('invalid parameters: 22023 with the import\'s message and error_code; explain needs a table or sql_query; nothing stored', async () => {
    const bad = { connector: { provider: 'mysql', connection: { server: 'x', port: 'abc' }, table: 't', foo: 1 } };
    const fromImport = await sqlError(queryOnce(alice.url, 'select cdb_connector_import($1::jsonb)', [JSON.stringify(bad)]));
    const fromExplain = await sqlError(explain(alice.url, bad));
    expect([fromExplain.code, fromExplain.message, fromExplain.detail]).toEqual(['22023', fromImport.message, 'error_code 1502']);

    const noSource = await sqlError(explain(alice.url, mysqlConnector({})));
    expect([noSource.code, noSource.detail]).toEqual(['22023', 'error_code 1502']);
    const withInterval = await sqlError(explain(alice.url, { ...mysqlConnector({ table: 'mixed' }), interval: 3600 }));
    expect(withInterval.message).toBe('Invalid parameters: interval');
    expect(Number((await db.query('select count(*) as n from cdb_connectors.requests')).rows[0].n)).toBe(0);
  });

  it('a missing remote table raises 58000 with error_code 1505', async () => {
    const err = await sqlError(explain(alice.url, mysqlConnector({ table: 'no_such_table' })));
    expect([err.code, err.detail]).toEqual(['58000', 'error_code 1505']);
  });

  it('two-step form for SELECT-only clients; another role can neither see the request nor read its answer', async () => {
    const params = JSON.stringify(mysqlConnector({ table: 'mixed' }));
    const [{ id }] = await queryOnce<{ id: string }>(alice.url, "select cdb_connector_request('explain', $1::jsonb) as id", [params]);
    expect(Number((await queryOnce(bob.url, 'select count(*) as n from cdb_connectors.requests'))[0]!.n)).toBe(0);
    const hidden = await sqlError(queryOnce(bob.url, 'select cdb_connector_request_result($1)', [id]));
    expect(hidden.code).toBe('P0002');
    const [{ r }] = await queryOnce<{ r: Explained }>(alice.url, 'select cdb_connector_request_result($1) as r', [id]);
    expect(r.columns).toHaveLength(MIXED_COLUMNS.length);
  });

  it('inside BEGIN: 25001 naming the two-step form with kind explain', async () => {
    const client = new pg.Client({ connectionString: alice.url });
    await client.connect();
    try {
      await client.query('begin');
      const err = await sqlError(client.query('call cdb_connector_explain($1::jsonb)', [JSON.stringify(mysqlConnector({ table: 'mixed' }))]));
      expect(err.code).toBe('25001');
      expect(err.hint).toMatch(/cdb_connector_request\('explain'/);
    } finally {
      await client.end();
    }
  });

  it('EXECUTE for cdb_connector_user only', async () => {
    const outsider = `explain_outsider_${process.pid}`;
    await adminQuery(`create role ${outsider} login password 'pw'`);
    try {
      const err = await sqlError(queryOnce(db.urlAs(outsider, 'pw'), 'call cdb_connector_explain($1::jsonb)', [JSON.stringify(mysqlConnector({ table: 'mixed' }))]));
      expect(err.code).toBe('42501');
      const { rows } = await db.query(`select p.proacl::text[] as acl from pg_proc p where p.proname = 'cdb_connector_explain'`);
      expect(rows[0].acl.filter((e: string) => !e.startsWith('postgres=')).map((e: string) => e.split('/')[0])).toEqual(['cdb_connector_user=X']);
    } finally {
      await adminQuery(`drop role if exists ${outsider}`);
    }
  });

  it('one psql statement', async () => {
    const sql = `CALL cdb_connector_explain('${JSON.stringify(mysqlConnector({ sql_query: 'select id from mixed' }))}')`;
    const run = await runPsql(alice.url, ['-c', sql]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).columns).toEqual([
      { name: 'id', local_name: 'id', remote_type: 'int', local_type: 'integer', rule: 'int → integer', skipped: false, reason: null },
    ]);
  });
});
