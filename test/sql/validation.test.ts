/**
 * SPEC §2 validation, table-driven: every bad request raises SQLSTATE 22023 with the exact
 * message(s) and DETAIL error_code 1502 (1501 for a disabled provider), and enqueues nothing.
 * Good requests are stored normalised: lower-case keys, defaults, canonical encoding names.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDb, type TargetDb } from '../helpers/target.js';
import { mysqlRequest, sqlError, withAlice, type RoleFactory, type TestRole } from './helpers.js';

const PORT_MESSAGE = 'The port connection parameter must be an integer between 1 and 65535';
const TABLE_REQUIRED = 'The table parameter is required if no sql_query parameter is provided';
const NOT_AN_OBJECT = 'The import parameters must be a JSON object like {"connector": {"provider": …, "connection": {…}, "table": …}}';
const ONE_MEGABYTE = 1024 * 1024;
const PROVIDERS = 'mysql, postgres, sqlserver, hive';

interface BadCase {
  name: string;
  /** The request as JSON text (so that non-object values and case-twins can be written). */
  json: string;
  messages: string[];
}

const j = (value: unknown) => JSON.stringify(value);
const mysql = (overrides: Record<string, unknown> = {}, connection: Record<string, unknown> = {}) => j(mysqlRequest(overrides, connection));
const postgres = (overrides: Record<string, unknown> = {}, connection: Record<string, unknown> = {}) =>
  j({ connector: { provider: 'postgres', connection: { server: 'h', database: 'd', username: 'u', ...connection }, table: 't', ...overrides } });

const BAD: BadCase[] = [
  // shape
  { name: 'array instead of object', json: '[]', messages: [NOT_AN_OBJECT] },
  { name: 'string instead of object', json: '"mysql"', messages: [NOT_AN_OBJECT] },
  { name: 'JSON null', json: 'null', messages: [NOT_AN_OBJECT] },
  { name: 'empty object', json: '{}', messages: ['Missing required parameters connector'] },
  { name: 'connector is a string', json: j({ connector: 'mysql' }), messages: ['The connector parameter must be a JSON object'] },
  { name: 'connector is an array', json: j({ connector: [] }), messages: ['The connector parameter must be a JSON object'] },
  { name: 'connector is null', json: j({ connector: null }), messages: ['Missing required parameters connector'] },
  { name: 'empty connector', json: j({ connector: {} }), messages: ['Provider not defined', 'Missing required parameters connection', TABLE_REQUIRED] },
  // provider
  { name: 'provider missing', json: j({ connector: { connection: { server: 'h' }, table: 't' } }), messages: ['Provider not defined', 'Missing required connection parameters database'] },
  { name: 'provider empty', json: mysql({ provider: '' }), messages: ['Provider not defined'] },
  { name: 'provider null', json: mysql({ provider: null }), messages: ['Provider not defined'] },
  // CARTO's 'Invalid provider', then the value as given (JSON) and the choices (issue 22 §9)
  { name: 'provider unknown', json: mysql({ provider: 'oracle' }), messages: [`Invalid provider "oracle" — use one of ${PROVIDERS}`] },
  { name: 'provider a number', json: mysql({ provider: 42 }), messages: [`Invalid provider 42 — use one of ${PROVIDERS}`] },
  { name: 'provider an array', json: mysql({ provider: ['mysql'] }), messages: [`Invalid provider ["mysql"] — use one of ${PROVIDERS}`] },
  { name: 'provider mariadb: the provider that reads it', json: mysql({ provider: 'MariaDB' }), messages: [`Invalid provider "MariaDB" — use one of ${PROVIDERS} (for "MariaDB": "mysql")`] },
  { name: 'provider with a trailing space', json: mysql({ provider: 'postgres ' }), messages: [`Invalid provider "postgres " — use one of ${PROVIDERS} (for "postgres ": "postgres")`] },
  { name: 'provider with a newline, quoted as JSON', json: mysql({ provider: 'my\nsql' }), messages: [`Invalid provider "my\\nsql" — use one of ${PROVIDERS}`] },
  { name: 'provider of 1 MB, quoted in part', json: mysql({ provider: 'x'.repeat(ONE_MEGABYTE) }), messages: [`Invalid provider "${'x'.repeat(99)}… — use one of ${PROVIDERS}`] },
  // keys
  { name: 'unknown connector key', json: mysql({ foo: 1 }), messages: ['Invalid parameters: foo'] },
  { name: 'unknown top-level and connector keys, one line, sorted', json: j({ ...mysqlRequest({ zeta: 1, Alpha: 2 }), bar: true }), messages: ['Invalid parameters: Alpha, bar, zeta'] },
  // CARTO's 'Invalid parameters: …', then where the known keys belong (issue 22 §9)
  { name: 'interval inside connector', json: mysql({ interval: 900 }), messages: ['Invalid parameters: interval — "interval" belongs at the top level, next to "connector"'] },
  { name: 'encoding for postgres', json: postgres({ encoding: 'UTF8' }), messages: ['Invalid parameters: encoding — the postgres provider takes no "encoding": a PostgreSQL source server converts its text itself, whatever its encoding'] },
  {
    name: 'connector keys at the top level (no "connector" wrapper)',
    json: j({ provider: 'mysql', Table: 't', connection: {} }),
    messages: ['Missing required parameters connector', 'Invalid parameters: Table, connection, provider — "Table", "connection", "provider" belong inside "connector"'],
  },
  {
    name: 'connection keys in the connector (no "connection" object)',
    json: j({ connector: { provider: 'mysql', server: 'h', database: 'd', username: 'u', password: 'p', table: 't' } }),
    messages: ['Invalid parameters: database, password, server, username — "database", "password", "server", "username" belong inside "connection"', 'Missing required parameters connection'],
  },
  {
    name: 'several misplaced keys and an unknown one: one line, every note',
    json: j({ ...mysqlRequest({ interval: 900, port: 3306, zz: 1 }), schema: 's' }),
    messages: ['Invalid parameters: interval, port, schema, zz — "schema" belongs inside "connector"; "interval" belongs at the top level, next to "connector"; "port" belongs inside "connection"'],
  },
  { name: 'case twins at top level', json: j({ connector: mysqlRequest().connector, Connector: mysqlRequest().connector }), messages: ['Duplicate parameters (keys are case-insensitive): Connector, connector'] },
  { name: 'case twins in connector', json: mysql({ Table: 'a', TABLE: 'b' }), messages: ['Duplicate parameters (keys are case-insensitive): TABLE, Table, table'] },
  { name: 'case twins in connection', json: mysql({}, { Server: 'other' }), messages: ['Duplicate connection parameters (keys are case-insensitive): Server, server'] },
  // connection
  { name: 'connection missing', json: j({ connector: { provider: 'mysql', table: 't' } }), messages: ['Missing required parameters connection'] },
  { name: 'connection is a string', json: mysql({ connection: 'mysql://u:p@h/d' }), messages: ['The connection parameter must be a JSON object or the name of one of your connections (cdb_connector_create_connection), not a URL'] },
  { name: 'connection is an array', json: mysql({ connection: [] }), messages: ['The connection parameter must be a JSON object'] },
  { name: 'mysql without server and username', json: mysql({}, { server: undefined, username: null }), messages: ['Missing required connection parameters server,username'] },
  { name: 'mysql without password', json: mysql({}, { password: undefined }), messages: ['Missing required connection parameters password'] },
  { name: 'sqlserver with empty connection', json: j({ connector: { provider: 'sqlserver', connection: {}, table: 't' } }), messages: ['Missing required connection parameters server,database,username,password'] },
  { name: 'hive without database', json: j({ connector: { provider: 'hive', connection: { server: 'h' }, table: 't' } }), messages: ['Missing required connection parameters database'] },
  { name: 'unknown connection key', json: mysql({}, { host: 'h', server: undefined }), messages: ['Invalid connection parameters: host', 'Missing required connection parameters server'] },
  { name: 'unknown nested object key', json: mysql({}, { options: { ssl: true } }), messages: ['Invalid connection parameters: options'] },
  { name: 'sslmode for mysql: a value PostgreSQL has and MySQL lacks', json: mysql({}, { sslmode: 'allow' }), messages: ['The sslmode connection parameter must be one of require, prefer, disable, verify-ca, verify-full'] },
  { name: 'sslmode for hive', json: j({ connector: { provider: 'hive', connection: { server: 'h', database: 'd', sslmode: 'require' }, table: 't' } }), messages: ['Invalid connection parameters: sslmode'] },
  { name: 'sslmode unknown value', json: postgres({}, { sslmode: 'allow' }), messages: ['The sslmode connection parameter must be one of require, prefer, disable, verify-ca, verify-full'] },
  { name: 'sslmode a boolean', json: postgres({}, { sslmode: true }), messages: ['The sslmode connection parameter must be one of require, prefer, disable, verify-ca, verify-full'] },
  { name: 'server a number', json: mysql({}, { server: 10 }), messages: ['The server connection parameter must be a string'] },
  { name: 'server empty', json: mysql({}, { server: '' }), messages: ['The server connection parameter must not be empty'] },
  { name: 'server with a newline', json: mysql({}, { server: 'db.example.com\nevil' }), messages: ['The server connection parameter contains control characters'] },
  { name: 'database a boolean', json: mysql({}, { database: true }), messages: ['The database connection parameter must be a string'] },
  { name: 'database 1025 characters', json: mysql({}, { database: 'd'.repeat(1025) }), messages: ['The database connection parameter is longer than 1024 characters'] },
  { name: 'username an object', json: mysql({}, { username: { name: 'u' } }), messages: ['The username connection parameter must be a string'] },
  { name: 'username with U+0001', json: mysql({}, { username: 're\u0001ader' }), messages: ['The username connection parameter contains control characters'] },
  { name: 'password a number', json: mysql({}, { password: 1234 }), messages: ['The password connection parameter must be a string'] },
  // port
  { name: 'port a numeric string', json: mysql({}, { port: '3306' }), messages: [PORT_MESSAGE] },
  { name: 'port a word', json: mysql({}, { port: 'abc' }), messages: [PORT_MESSAGE] },
  { name: 'port a float', json: mysql({}, { port: 3306.5 }), messages: [PORT_MESSAGE] },
  { name: 'port negative', json: mysql({}, { port: -1 }), messages: [PORT_MESSAGE] },
  { name: 'port zero', json: mysql({}, { port: 0 }), messages: [PORT_MESSAGE] },
  { name: 'port 65536', json: mysql({}, { port: 65536 }), messages: [PORT_MESSAGE] },
  { name: 'port huge', json: mysql({}, { port: 1e20 }), messages: [PORT_MESSAGE] },
  { name: 'port a boolean', json: mysql({}, { port: true }), messages: [PORT_MESSAGE] },
  // table, sql_query, import_as, schema
  { name: 'neither table nor sql_query', json: mysql({ table: undefined }), messages: [TABLE_REQUIRED] },
  { name: 'table null', json: mysql({ table: null }), messages: [TABLE_REQUIRED] },
  { name: 'sql_query without a local name', json: mysql({ table: undefined, sql_query: 'select 1' }), messages: ['The sql_query parameter needs a table or import_as parameter to name the local table'] },
  { name: 'sql_query empty', json: mysql({ sql_query: '' }), messages: ['The sql_query parameter must not be empty'] },
  { name: 'sql_query a number', json: mysql({ sql_query: 1 }), messages: ['The sql_query parameter must be a string'] },
  { name: 'table a number', json: mysql({ table: 7 }), messages: ['The table parameter must be a string'] },
  { name: 'table empty', json: mysql({ table: '' }), messages: ['The table parameter must not be empty'] },
  { name: 'table of 1 MB', json: mysql({ table: 't'.repeat(ONE_MEGABYTE) }), messages: ['The table parameter is longer than 1024 characters'] },
  { name: 'table of 1025 multibyte characters', json: mysql({ table: 'é'.repeat(1025) }), messages: ['The table parameter is longer than 1024 characters'] },
  { name: 'table with a newline', json: mysql({ table: 'orders\nx' }), messages: ['The table parameter contains control characters'] },
  { name: 'table with U+001F', json: mysql({ table: 'orders\u001f' }), messages: ['The table parameter contains control characters'] },
  { name: 'table with DEL', json: mysql({ table: 'orders\u007f' }), messages: ['The table parameter contains control characters'] },
  { name: 'schema an array', json: mysql({ schema: ['a'] }), messages: ['The schema parameter must be a string'] },
  { name: 'schema 1025 characters', json: mysql({ schema: 's'.repeat(1025) }), messages: ['The schema parameter is longer than 1024 characters'] },
  { name: 'import_as an object', json: mysql({ import_as: {} }), messages: ['The import_as parameter must be a string'] },
  { name: 'import_as with a tab', json: mysql({ import_as: 'a\tb' }), messages: ['The import_as parameter contains control characters'] },
  // encoding
  { name: 'encoding unknown', json: mysql({ encoding: 'klingon' }), messages: ['The encoding parameter is not a PostgreSQL character set name or alias (such as UTF8, LATIN1, WIN1252)'] },
  { name: 'encoding the connector cannot decode', json: mysql({ encoding: 'euc_tw' }), messages: ['The encoding EUC_TW is not supported by the connector'] },
  { name: 'encoding a number', json: mysql({ encoding: 8859 }), messages: ['The encoding parameter must be a string'] },
  { name: 'encoding empty', json: mysql({ encoding: '' }), messages: ['The encoding parameter must not be empty'] },
  // interval
  { name: 'interval a string', json: j({ ...mysqlRequest(), interval: '900' }), messages: ['The interval parameter must be a whole number of seconds'] },
  { name: 'interval a float', json: j({ ...mysqlRequest(), interval: 900.5 }), messages: ['The interval parameter must be a whole number of seconds'] },
  { name: 'interval a boolean', json: j({ ...mysqlRequest(), interval: true }), messages: ['The interval parameter must be a whole number of seconds'] },
  { name: 'interval negative', json: j({ ...mysqlRequest(), interval: -5 }), messages: ['The interval parameter must be at least 900 seconds'] },
  { name: 'interval below the floor', json: j({ ...mysqlRequest(), interval: 899 }), messages: ['The interval parameter must be at least 900 seconds'] },
  { name: 'interval overflowing int4', json: j({ ...mysqlRequest(), interval: 2147483648 }), messages: ['The interval parameter must be at most 2147483647 seconds'] },
  { name: 'interval 1e30', json: j({ ...mysqlRequest(), interval: 1e30 }), messages: ['The interval parameter must be at most 2147483647 seconds'] },
  // several problems at once, in one error
  {
    name: 'everything wrong at once',
    json: j({ bar: 1, interval: 'daily', connector: { provider: 'mysql', connection: { server: '', port: 'x', sslmode: 'require', ssl: true }, TABLE: 'a', table: 'b', foo: 1 } }),
    messages: [
      'Invalid parameters: bar, foo',
      'Duplicate parameters (keys are case-insensitive): TABLE, table',
      'Invalid connection parameters: ssl',
      'Missing required connection parameters database,username,password',
      'The server connection parameter must not be empty',
      PORT_MESSAGE,
      'The interval parameter must be a whole number of seconds',
    ],
  },
  {
    name: 'upper-case keys are keys like any other',
    json: j({ CONNECTOR: { PROVIDER: 'mysql', CONNECTION: { SERVER: 1, DATABASE: 'd', USERNAME: 'u', PASSWORD: 'p' }, TABLE: 't' } }),
    messages: ['The server connection parameter must be a string'],
  },
];

let db: TargetDb;
let roles: RoleFactory;
let alice: TestRole;

beforeAll(async () => {
  db = await createTargetDb();
  ({ roles, alice } = await withAlice(db));
});

afterAll(async () => {
  await roles.cleanup();
});

// One wrongly accepted case must not make every later "nothing enqueued" check fail too.
afterEach(async () => {
  await db.query('truncate cdb_connectors.jobs cascade');
});

async function countQueued(): Promise<{ jobs: number; secrets: number }> {
  const { rows } = await db.query<{ jobs: number; secrets: number }>(
    'select (select count(*)::int from cdb_connectors.jobs) as jobs, (select count(*)::int from cdb_connectors.job_secrets) as secrets');
  return rows[0]!;
}

describe('bad input corpus', () => {
  it('has at least 45 cases', () => {
    expect(BAD.length).toBeGreaterThanOrEqual(45);
  });

  it.each(BAD)('$name', async ({ json, messages }) => {
    const err = await sqlError(alice.query('select cdb_connector_import($1::jsonb)', [json]));
    expect(err).toEqual({ code: '22023', message: messages.join('\n'), detail: 'error_code 1502' });
    expect(await countQueued()).toEqual({ jobs: 0, secrets: 0 });
  });

  it('a disabled provider is error 1501, reported alone', async () => {
    await db.query(`update cdb_connectors.settings set value = '["postgres"]' where name = 'enabled_providers'`);
    try {
      const err = await sqlError(alice.query('select cdb_connector_import($1::jsonb)', [mysql({ table: '' })]));
      expect(err).toEqual({ code: '22023', message: 'The mysql provider is disabled on this database', detail: 'error_code 1501' });
      const { rows } = await alice.query('select provider, enabled from cdb_connector_providers() order by provider');
      expect(rows).toEqual([
        { provider: 'hive', enabled: false }, { provider: 'mysql', enabled: false },
        { provider: 'postgres', enabled: true }, { provider: 'sqlserver', enabled: false },
      ]);
    } finally {
      await db.query(`update cdb_connectors.settings set value = '["mysql", "postgres", "sqlserver", "hive"]' where name = 'enabled_providers'`);
    }
    expect(await countQueued()).toEqual({ jobs: 0, secrets: 0 });
  });

  it('the interval floor follows the min_interval setting', async () => {
    await db.query(`update cdb_connectors.settings set value = '3600' where name = 'min_interval'`);
    try {
      const err = await sqlError(alice.query('select cdb_connector_import($1::jsonb)', [j({ ...mysqlRequest(), interval: 1800 })]));
      expect(err.message).toBe('The interval parameter must be at least 3600 seconds');
    } finally {
      await db.query(`update cdb_connectors.settings set value = '900' where name = 'min_interval'`);
    }
  });

  it('a valid interval creates a sync table (issue 5) and enqueues its first run', async () => {
    const { rows } = await alice.query('select cdb_connector_import($1::jsonb) as r', [j({ ...mysqlRequest(), interval: 900 })]);
    expect(rows[0].r).toMatchObject({ state: 'created', interval: 900, service_name: 'connector' });
    expect(await countQueued()).toEqual({ jobs: 1, secrets: 1 });
    await db.query('delete from cdb_connectors.jobs; delete from cdb_connectors.syncs');
  });
});

interface GoodCase {
  name: string;
  request: unknown;
  params: Record<string, unknown>;
  requestedName: string;
  password: string | null;
}

const GOOD: GoodCase[] = [
  {
    name: 'mysql defaults: port 3306, schema = database',
    request: mysqlRequest(),
    params: { provider: 'mysql', connection: { server: 'db.example.com', port: 3306, database: 'shop', username: 'reader', password: '***' }, schema: 'shop', table: 'orders' },
    requestedName: 'orders', password: 'secret',
  },
  {
    name: 'keys and provider are case-insensitive, stored lower-case',
    request: { Connector: { PROVIDER: 'MySQL', Connection: { SERVER: 'h', Database: 'd', userName: 'u', PassWord: 'p' }, Table: 'T1', Encoding: 'iso88591' } },
    params: { provider: 'mysql', connection: { server: 'h', port: 3306, database: 'd', username: 'u', password: '***' }, schema: 'd', table: 'T1', encoding: 'LATIN1' },
    requestedName: 'T1', password: 'p',
  },
  {
    name: 'postgres without password: sslmode require, port 5432, schema public',
    request: { connector: { provider: 'postgres', connection: { server: 'h', database: 'd', username: 'u' }, table: 't' } },
    params: { provider: 'postgres', connection: { server: 'h', port: 5432, database: 'd', username: 'u', sslmode: 'require' }, schema: 'public', table: 't' },
    requestedName: 't', password: null,
  },
  {
    name: 'postgres sslmode is case-insensitive, explicit port, empty password kept',
    request: { connector: { provider: 'postgres', connection: { server: 'h', port: 6432, database: 'd', username: 'u', password: '', sslmode: 'Verify-Full' }, schema: 'sales', table: 't' } },
    params: { provider: 'postgres', connection: { server: 'h', port: 6432, database: 'd', username: 'u', password: '***', sslmode: 'verify-full' }, schema: 'sales', table: 't' },
    requestedName: 't', password: '',
  },
  {
    name: 'mysql sslmode (issue 22 §5) is kept, case-insensitive; absent it stays absent (the provider defaults to prefer)',
    request: mysqlRequest({}, { sslmode: 'Verify-Full' }),
    params: { provider: 'mysql', connection: { server: 'db.example.com', port: 3306, database: 'shop', username: 'reader', password: '***', sslmode: 'verify-full' }, schema: 'shop', table: 'orders' },
    requestedName: 'orders', password: 'secret',
  },
  {
    name: 'sqlserver: port 1433, schema dbo, encoding alias mskanji → SJIS, sql_query named by table',
    request: { connector: { provider: 'sqlserver', connection: { server: 'h', database: 'd', username: 'u', password: 'p w"\'\\' }, sql_query: 'select 1 as [a]', table: 'q', encoding: 'mskanji' } },
    params: { provider: 'sqlserver', connection: { server: 'h', port: 1433, database: 'd', username: 'u', password: '***' }, schema: 'dbo', table: 'q', sql_query: 'select 1 as [a]', encoding: 'SJIS' },
    requestedName: 'q', password: 'p w"\'\\',
  },
  {
    name: 'hive without credentials: port 10000, schema default; import_as names the table',
    request: { connector: { provider: 'hive', connection: { server: 'h', database: 'd' }, table: 't', import_as: 'local_t', encoding: 'utf-8' } },
    params: { provider: 'hive', connection: { server: 'h', port: 10000, database: 'd' }, schema: 'default', table: 't', import_as: 'local_t', encoding: 'UTF8' },
    requestedName: 'local_t', password: null,
  },
  {
    name: 'integral numbers written as floats are ports; null members are absent',
    request: { connector: { provider: 'mysql', connection: { server: 'h', port: 3307.0, database: 'd', username: 'u', password: 'p' }, table: 't', schema: null, import_as: null }, interval: null },
    params: { provider: 'mysql', connection: { server: 'h', port: 3307, database: 'd', username: 'u', password: '***' }, schema: 'd', table: 't' },
    requestedName: 't', password: 'p',
  },
  {
    name: '1024-character names and a hostile table name are accepted verbatim',
    request: mysqlRequest({ table: 'a"; DROP TABLE x; --', import_as: 'n'.repeat(1024) }),
    params: { provider: 'mysql', connection: { server: 'db.example.com', port: 3306, database: 'shop', username: 'reader', password: '***' }, schema: 'shop', table: 'a"; DROP TABLE x; --', import_as: 'n'.repeat(1024) },
    requestedName: 'n'.repeat(1024), password: 'secret',
  },
];

describe('good input', () => {
  it.each(GOOD)('$name', async ({ request, params, requestedName, password }) => {
    const { rows } = await alice.query<{ r: { item_queue_id: string; success: boolean } }>('select cdb_connector_import($1::jsonb) as r', [JSON.stringify(request)]);
    const id = rows[0]!.r.item_queue_id;
    expect(rows[0]!.r).toEqual({ item_queue_id: expect.stringMatching(/^[0-9a-f-]{36}$/), success: true });
    const seen = await alice.query('select provider, params, table_name, state, owner, target_schema from cdb_connectors.imports where id = $1', [id]);
    expect(seen.rows).toEqual([{ provider: params.provider, params, table_name: requestedName, state: 'enqueued', owner: alice.name, target_schema: 'public' }]);
    const secret = await db.query('select password from cdb_connectors.job_secrets where job_id = $1', [id]);
    expect(secret.rows).toEqual(password === null ? [] : [{ password }]);
  });

  it('the caller cannot read passwords back', async () => {
    const err = await sqlError(alice.query('select password from cdb_connectors.job_secrets'));
    expect(err.code).toBe('42501');
    const { rows } = await alice.query<{ n: number }>(`select count(*)::int as n from cdb_connectors.imports where params::text like '%secret%'`);
    expect(rows[0]!.n).toBe(0);
  });

  it('the connector accepts exactly the encodings src/rows/encoding.ts can decode', async () => {
    const { supportedEncodings } = await import('../../src/rows/encoding.js');
    const { rows } = await db.query<{ name: string; accepted: boolean }>(`
      select name, accepted from (
        select pg_encoding_to_char(i) as name from generate_series(0, 64) as i
      ) as e
      cross join lateral (
        select coalesce((
          select true from (select cdb_connectors.normalize_connector(jsonb_build_object(
            'provider', 'hive', 'connection', jsonb_build_object('server', 'h', 'database', 'd'),
            'table', 't', 'encoding', e.name)) as n) as x
          where (x.n).problems = '{}'), false) as accepted
      ) as a
      where name <> ''`);
    expect(rows.length).toBeGreaterThan(40);
    const accepted = rows.filter((r) => r.accepted).map((r) => r.name).sort();
    expect(accepted).toEqual([...supportedEncodings()].sort());
  });
});
