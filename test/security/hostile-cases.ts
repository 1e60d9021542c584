/**
 * The hostile input corpus of issue 6 §7, as data. Each case is a request (JSON text, so that
 * duplicate keys and odd numbers can be written) and the one outcome it must have:
 *   - `error`: rejected by cdb_connector_import itself with this SQLSTATE and message, nothing
 *     enqueued;
 *   - `complete`: imported under exactly this (cleaned) local name, holding exactly these ids;
 *   - `failure`: enqueued, then failed with this error code, no table left.
 * The fixtures (hostile-input.test.ts) give every remote table a distinct id, so a `complete`
 * proves which remote table was read. test/sql/validation.test.ts holds the plain validation
 * cases; these are the ones that reach the sidecar, or that stress validation beyond it.
 */

export interface CorpusContext {
  mysql: { server: string; port: number; database: string; username: string; password: string };
  /** A MariaDB user whose password holds control characters and quotes. */
  mysqlControlUser: { username: string; password: string };
  /** A second remote database whose name needs quoting (holds table `t`, id 13). */
  mysqlOddDatabase: string;
  postgres: { server: string; port: number; database: string; username: string; sslmode: string };
}

export type Expectation =
  | { error: { sqlstate: string; message: string | RegExp } }
  | { complete: string; ids: number[] }
  | { failure: number; message?: RegExp };

export interface HostileCase {
  name: string;
  provider: 'mysql' | 'postgres';
  json(ctx: CorpusContext): string;
  expect: Expectation;
  /** SQL run as a superuser in the case's target schema (search_path set to it) before the import. */
  setup?: string;
}

const MB = 1024 * 1024;
const PORT_MESSAGE = 'The port connection parameter must be an integer between 1 and 65535';
const WHOLE_INTERVAL = 'The interval parameter must be a whole number of seconds';
const INTERVAL_MAX = 'The interval parameter must be at most 2147483647 seconds';

type Obj = Record<string, unknown>;
const mysqlBody = (ctx: CorpusContext, connector: Obj = {}, connection: Obj = {}, top: Obj = {}) =>
  ({ ...top, connector: { provider: 'mysql', connection: { ...ctx.mysql, ...connection }, table: 'orders', ...connector } });
const pgBody = (ctx: CorpusContext, connector: Obj = {}, connection: Obj = {}) =>
  ({ connector: { provider: 'postgres', connection: { ...ctx.postgres, ...connection }, table: 'orders', ...connector } });
const mysql = (connector: Obj = {}, connection: Obj = {}, top: Obj = {}) => (ctx: CorpusContext) => JSON.stringify(mysqlBody(ctx, connector, connection, top));
const pg = (connector: Obj = {}, connection: Obj = {}) => (ctx: CorpusContext) => JSON.stringify(pgBody(ctx, connector, connection));
/** The MySQL request with the port written as raw JSON number text (`3306.0`, `-0`, `3.306e3`). */
const rawPort = (text: (ctx: CorpusContext) => string, connector: Obj = {}) => (ctx: CorpusContext) =>
  JSON.stringify(mysqlBody(ctx, connector)).replace(/"port":\d+/, `"port":${text(ctx)}`);
/** The MySQL request with a raw JSON number as top-level `interval` (beyond what a JS number holds). */
const rawInterval = (text: string) => (ctx: CorpusContext) => JSON.stringify(mysqlBody(ctx)).replace(/^\{/, `{"interval":${text},`);

const complete = (name: string, ids: number[]): Expectation => ({ complete: name, ids });
const failure = (code: number, message?: RegExp): Expectation => ({ failure: code, message });
const invalid = (message: string | RegExp): Expectation => ({ error: { sqlstate: '22023', message } });

const ORDERS = [1, 2];
const CYRILLIC_O = '\u041e'; // О, looks like Latin O
const CYRILLIC_E = '\u0435'; // е, looks like Latin e
const CYRILLIC_T = '\u0422'; // Т, looks like Latin T
const CYRILLIC_Y = '\u0443'; // у, looks like Latin y
const CYRILLIC_SMALL_O = '\u043e'; // о, looks like Latin o

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { d: value };
  return value;
}

export const MYSQL_CASES: HostileCase[] = [
  // remote names that need quoting: the right table is read, the local name is cleaned
  { name: 'table with a double quote', provider: 'mysql', json: mysql({ table: 'we"ird' }), expect: complete('we_ird', [3]) },
  { name: 'table with a backtick', provider: 'mysql', json: mysql({ table: 'back`tick' }), expect: complete('back_tick', [4]) },
  { name: 'table with a semicolon', provider: 'mysql', json: mysql({ table: 'semi;colon' }), expect: complete('semi_colon', [5]) },
  { name: 'table with brackets', provider: 'mysql', json: mysql({ table: '[brackets]' }), expect: complete('_brackets_', [6]) },
  { name: 'table with a single quote', provider: 'mysql', json: mysql({ table: "it's" }), expect: complete('it_s', [7]) },
  { name: 'table with a space', provider: 'mysql', json: mysql({ table: 'sp ace' }), expect: complete('sp_ace', [8]) },
  { name: 'table named with a Cyrillic homoglyph (exists)', provider: 'mysql', json: mysql({ table: `${CYRILLIC_O}rders` }), expect: complete('_rders', [9]) },
  { name: 'table with accented letters', provider: 'mysql', json: mysql({ table: 'ünïcödé' }), expect: complete('_n_c_d_', [10]) },
  { name: 'table differing only in case from another', provider: 'mysql', json: mysql({ table: 'ORDERS' }), expect: complete('orders', [100]) },
  { name: 'table name of 64 characters', provider: 'mysql', json: mysql({ table: 't'.repeat(64) }), expect: complete('t'.repeat(63), [12]) },
  { name: 'schema with a backtick and a space', provider: 'mysql', json: (ctx) => mysql({ schema: ctx.mysqlOddDatabase, table: 't' })(ctx), expect: complete('t', [13]) },
  // injection attempts and look-alikes of a real table: not found, nothing else happens
  { name: 'table with a SQL injection', provider: 'mysql', json: mysql({ table: 'orders; drop table victim; --' }), expect: failure(1505) },
  { name: 'table closing the backtick quote', provider: 'mysql', json: mysql({ table: 'orders` where 1=1; --' }), expect: failure(1505) },
  { name: 'table closing a string literal', provider: 'mysql', json: mysql({ table: "orders' or '1'='1" }), expect: failure(1505) },
  { name: 'schema with an injection', provider: 'mysql', json: mysql({ schema: 'm`; drop database x; --' }), expect: failure(1505) },
  { name: 'table with a Cyrillic e homoglyph (absent)', provider: 'mysql', json: mysql({ table: `ord${CYRILLIC_E}rs` }), expect: failure(1505) },
  { name: 'table in fullwidth letters', provider: 'mysql', json: mysql({ table: 'ｏｒｄｅｒｓ' }), expect: failure(1505) },
  { name: 'table with a zero-width space', provider: 'mysql', json: mysql({ table: 'orders\u200b' }), expect: failure(1505) },
  { name: 'table with a C1 control (NEL)', provider: 'mysql', json: mysql({ table: 'orders\u0085' }), expect: failure(1505) },
  { name: 'table with a right-to-left override', provider: 'mysql', json: mysql({ table: 'orders\u202e' }), expect: failure(1505) },
  { name: 'table with a trailing space (PAD SPACE collations compare it equal)', provider: 'mysql', json: mysql({ table: 'orders ' }), expect: failure(1505) },
  { name: 'schema with a C1 control (NEL)', provider: 'mysql', json: mysql({ schema: 'm\u0085' }), expect: failure(1505) },
  // local names (import_as): cleaned deterministically, never used raw
  { name: 'import_as with a SQL injection', provider: 'mysql', json: mysql({ import_as: '"; drop table x; --' }), expect: complete('___drop_table_x____', ORDERS) },
  { name: 'import_as with a backtick', provider: 'mysql', json: mysql({ import_as: 'a`b' }), expect: complete('a_b', ORDERS) },
  { name: 'import_as with brackets', provider: 'mysql', json: mysql({ import_as: '[x]' }), expect: complete('_x_', ORDERS) },
  { name: 'import_as with a Cyrillic homoglyph', provider: 'mysql', json: mysql({ import_as: `${CYRILLIC_O}rders` }), expect: complete('_rders', ORDERS) },
  { name: 'import_as in fullwidth letters', provider: 'mysql', json: mysql({ import_as: 'ｏｒｄｅｒｓ' }), expect: complete('______', ORDERS) },
  { name: 'import_as an emoji (surrogate pair)', provider: 'mysql', json: mysql({ import_as: '📦' }), expect: complete('__', ORDERS) },
  { name: 'import_as a reserved word', provider: 'mysql', json: mysql({ import_as: 'SELECT' }), expect: complete('select_', ORDERS) },
  { name: 'import_as a system column name', provider: 'mysql', json: mysql({ import_as: 'xmin' }), expect: complete('xmin_', ORDERS) },
  { name: 'import_as starting with a digit', provider: 'mysql', json: mysql({ import_as: '123abc' }), expect: complete('_123abc', ORDERS) },
  // 63 underscores cannot name a table at all: PostgreSQL finds no name for its array type (23505).
  { name: 'import_as of 1024 two-byte characters', provider: 'mysql', json: mysql({ import_as: 'é'.repeat(1024) }), expect: complete(`${'_'.repeat(61)}_1`, ORDERS) },
  { name: 'import_as of 63 underscores', provider: 'mysql', json: mysql({ import_as: '_'.repeat(63) }), expect: complete(`${'_'.repeat(61)}_1`, ORDERS) },
  { name: 'import_as the name of an enum type in the schema', provider: 'mysql', json: mysql({ import_as: 'mood' }), setup: "create type mood as enum ('sad', 'happy')", expect: complete('mood_1', ORDERS) },
  { name: 'import_as the name of a view in the schema', provider: 'mysql', json: mysql({ import_as: 'taken' }), setup: 'create view taken as select 1 as one', expect: complete('taken_1', ORDERS) },
  { name: 'import_as of 1024 characters', provider: 'mysql', json: mysql({ import_as: 'a'.repeat(1024) }), expect: complete('a'.repeat(63), ORDERS) },
  { name: 'import_as empty', provider: 'mysql', json: mysql({ import_as: '' }), expect: invalid('The import_as parameter must not be empty') },
  // huge values
  { name: 'import_as of 1 MB', provider: 'mysql', json: mysql({ import_as: 'i'.repeat(MB) }), expect: invalid('The import_as parameter is longer than 1024 characters') },
  { name: 'server of 1 MB', provider: 'mysql', json: mysql({}, { server: 's'.repeat(MB) }), expect: invalid('The server connection parameter is longer than 1024 characters') },
  { name: 'username of 1 MB', provider: 'mysql', json: mysql({}, { username: 'u'.repeat(MB) }), expect: invalid('The username connection parameter is longer than 1024 characters') },
  { name: 'encoding of 1 MB', provider: 'mysql', json: mysql({ encoding: 'e'.repeat(MB) }), expect: invalid(/^The encoding parameter/) },
  { name: 'password of 1 MB (wrong)', provider: 'mysql', json: mysql({ import_as: 'big_password' }, { password: 'p'.repeat(MB) }), expect: failure(1503) },
  { name: 'sql_query of 1 MB', provider: 'mysql', json: mysql({ import_as: 'big_query', table: undefined, sql_query: `select id from orders /* ${'x'.repeat(MB)} */` }), expect: complete('big_query', ORDERS) },
  // control characters
  { name: 'sql_query with a NUL character', provider: 'mysql', json: mysql({ sql_query: 'select 1\u0000' }), expect: { error: { sqlstate: '22P05', message: /unsupported Unicode escape sequence/ } } },
  { name: 'sql_query with CR, LF and tabs', provider: 'mysql', json: mysql({ import_as: 'crlf', sql_query: 'select\r\n\tid\tfrom orders\r\n' }), expect: complete('crlf', ORDERS) },
  { name: 'sql_query returning an ESC character', provider: 'mysql', json: mysql({ import_as: 'esc', sql_query: "select id from orders where 'a\u001bb' <> ''" }), expect: complete('esc', ORDERS) },
  { name: 'password with control characters and quotes (right)', provider: 'mysql', json: (ctx) => mysql({ import_as: 'control_password' }, ctx.mysqlControlUser)(ctx), expect: complete('control_password', ORDERS) },
  { name: 'encoding with a newline', provider: 'mysql', json: mysql({ encoding: 'UTF8\n' }), expect: invalid(/^The encoding parameter/) },
  // statements that are not one SELECT
  { name: 'sql_query with a second statement', provider: 'mysql', json: mysql({ sql_query: 'select 1 as a; drop table victim' }), expect: failure(1506) },
  { name: 'sql_query that writes', provider: 'mysql', json: mysql({ sql_query: 'delete from victim' }), expect: failure(1506) },
  // ports
  { name: 'port 1 (nothing listens)', provider: 'mysql', json: mysql({}, { port: 1 }), expect: failure(1504) },
  { name: 'port 65535 (nothing listens)', provider: 'mysql', json: mysql({}, { port: 65535 }), expect: failure(1504) },
  { name: 'port written 3306.0-style', provider: 'mysql', json: rawPort((ctx) => `${ctx.mysql.port}.0`, { import_as: 'port_float' }), expect: complete('port_float', ORDERS) },
  { name: 'port in exponent notation', provider: 'mysql', json: rawPort((ctx) => `${ctx.mysql.port / 10_000}e4`, { import_as: 'port_exp' }), expect: complete('port_exp', ORDERS) },
  { name: 'port minus zero', provider: 'mysql', json: rawPort(() => '-0'), expect: invalid(PORT_MESSAGE) },
  { name: 'port 1e-7', provider: 'mysql', json: mysql({}, { port: 1e-7 }), expect: invalid(PORT_MESSAGE) },
  { name: 'port beyond int8', provider: 'mysql', json: rawPort(() => '99999999999999999999999'), expect: invalid(PORT_MESSAGE) },
  { name: 'port as a hex string', provider: 'mysql', json: mysql({}, { port: '0x0CEA' }), expect: invalid(PORT_MESSAGE) },
  // interval
  { name: 'interval as an ISO 8601 duration', provider: 'mysql', json: mysql({}, {}, { interval: 'PT15M' }), expect: invalid(WHOLE_INTERVAL) },
  { name: 'interval as an object', provider: 'mysql', json: mysql({}, {}, { interval: { seconds: 900 } }), expect: invalid(WHOLE_INTERVAL) },
  { name: 'interval as an array', provider: 'mysql', json: mysql({}, {}, { interval: [900] }), expect: invalid(WHOLE_INTERVAL) },
  { name: 'interval 1e400', provider: 'mysql', json: rawInterval('1e400'), expect: invalid(INTERVAL_MAX) },
  { name: 'interval -1e-400', provider: 'mysql', json: rawInterval('-1e-400'), expect: invalid(WHOLE_INTERVAL) },
  { name: 'interval beyond int8', provider: 'mysql', json: rawInterval('9223372036854775808'), expect: invalid(INTERVAL_MAX) },
  { name: 'interval null is no interval', provider: 'mysql', json: mysql({ import_as: 'interval_null' }, {}, { interval: null }), expect: complete('interval_null', ORDERS) },
  // nested unknown keys
  { name: 'unknown connector key holding nested objects', provider: 'mysql', json: mysql({ extra: { nested: { deep: 1 } } }), expect: invalid('Invalid parameters: extra') },
  { name: 'unknown top-level key holding nested objects', provider: 'mysql', json: mysql({}, {}, { meta: { a: { b: {} } } }), expect: invalid('Invalid parameters: meta') },
  { name: 'connection nested inside connection', provider: 'mysql', json: (ctx) => mysql({}, { connection: ctx.mysql })(ctx), expect: invalid('Invalid connection parameters: connection') },
  { name: 'unknown key nested 2000 levels deep', provider: 'mysql', json: mysql({ deep: nested(2000) }), expect: invalid('Invalid parameters: deep') },
  // keys differing only in case, duplicates and look-alike keys
  { name: 'password twice, differing in case', provider: 'mysql', json: mysql({}, { Password: 'other-secret' }), expect: invalid('Duplicate connection parameters (keys are case-insensitive): Password, password') },
  { name: 'provider twice, differing in case and value', provider: 'mysql', json: mysql({ PROVIDER: 'postgres' }), expect: invalid(/^Duplicate parameters \(keys are case-insensitive\): PROVIDER, provider/) },
  { name: 'import_as twice, differing in case', provider: 'mysql', json: mysql({ Import_As: 'a', import_as: 'b' }), expect: invalid('Duplicate parameters (keys are case-insensitive): Import_As, import_as') },
  { name: 'the same key twice (JSON: the last wins)', provider: 'mysql', json: (ctx) => mysql()(ctx).replace('"table":"orders"', '"table":"nope","table":"orders"'), expect: complete('orders', ORDERS) },
  { name: 'key with a Cyrillic homoglyph', provider: 'mysql', json: mysql({ [`${CYRILLIC_T}ABLE`]: 'x' }), expect: invalid(`Invalid parameters: ${CYRILLIC_T}ABLE`) },
  { name: 'key with a zero-width space', provider: 'mysql', json: mysql({ 'table\u200b': 'x' }), expect: invalid('Invalid parameters: table\u200b') },
  { name: 'provider in mixed case', provider: 'mysql', json: mysql({ provider: 'MySQL', import_as: 'provider_case' }), expect: complete('provider_case', ORDERS) },
  { name: 'provider with a Cyrillic homoglyph', provider: 'mysql', json: mysql({ provider: `m${CYRILLIC_Y}sql` }), expect: invalid(`Invalid provider "m${CYRILLIC_Y}sql" — use one of mysql, postgres, sqlserver, hive`) },
  { name: 'provider with a trailing space', provider: 'mysql', json: mysql({ provider: 'mysql ' }), expect: invalid('Invalid provider "mysql " — use one of mysql, postgres, sqlserver, hive (for "mysql ": "mysql")') },
];

export const POSTGRES_CASES: HostileCase[] = [
  { name: 'table with a double quote', provider: 'postgres', json: pg({ table: 'we"ird' }), expect: complete('we_ird', [3]) },
  { name: 'table with a semicolon', provider: 'postgres', json: pg({ table: 'semi;colon' }), expect: complete('semi_colon', [5]) },
  { name: 'table with a single quote', provider: 'postgres', json: pg({ table: "it's" }), expect: complete('it_s', [7]) },
  { name: 'table with brackets', provider: 'postgres', json: pg({ table: '[b]' }), expect: complete('_b_', [6]) },
  { name: 'table differing only in case from another', provider: 'postgres', json: pg({ table: 'ORDERS' }), expect: complete('orders', [100]) },
  { name: 'table named with a Cyrillic homoglyph (exists)', provider: 'postgres', json: pg({ table: `${CYRILLIC_O}rders` }), expect: complete('_rders', [9]) },
  { name: 'schema with a double quote and a semicolon', provider: 'postgres', json: pg({ schema: 's"; drop', table: 't' }), expect: complete('t', [13]) },
  { name: 'table with a SQL injection', provider: 'postgres', json: pg({ table: 'orders; drop table victim; --' }), expect: failure(1505) },
  { name: 'table closing the double quote', provider: 'postgres', json: pg({ table: 'orders"; drop table victim; --' }), expect: failure(1505) },
  { name: 'schema with a SQL injection', provider: 'postgres', json: pg({ schema: 'public; drop table victim' }), expect: failure(1505) },
  { name: 'table with a trailing space', provider: 'postgres', json: pg({ table: 'orders ' }), expect: failure(1505) },
  { name: 'schema differing only in case', provider: 'postgres', json: pg({ schema: 'PUBLIC' }), expect: failure(1505) },
  { name: 'table with a Cyrillic e homoglyph (absent)', provider: 'postgres', json: pg({ table: `ord${CYRILLIC_E}rs` }), expect: failure(1505) },
  { name: 'sql_query with a second statement', provider: 'postgres', json: pg({ sql_query: 'select 1 as a; drop table victim' }), expect: failure(1506) },
  { name: 'sql_query breaking out of the COPY wrapper', provider: 'postgres', json: pg({ sql_query: 'select 1) to stdout; drop table victim; copy (select 2' }), expect: failure(1506) },
  { name: 'sql_query that writes', provider: 'postgres', json: pg({ sql_query: 'delete from victim returning id' }), expect: failure(1506) },
  { name: 'username with a double quote', provider: 'postgres', json: pg({}, { username: 'post"gres' }), expect: failure(1503) },
  { name: 'database with an injection', provider: 'postgres', json: (ctx) => pg({}, { database: `${ctx.postgres.database}"; drop` })(ctx), expect: failure(1505) },
  { name: 'database with a Cyrillic homoglyph', provider: 'postgres', json: (ctx) => pg({}, { database: ctx.postgres.database.replace('o', CYRILLIC_SMALL_O) })(ctx), expect: failure(1505) },
  { name: 'sslmode in upper case', provider: 'postgres', json: pg({ import_as: 'sslmode_upper' }, { sslmode: 'DISABLE' }), expect: complete('sslmode_upper', ORDERS) },
  { name: 'sslmode require on a server without TLS', provider: 'postgres', json: pg({}, { sslmode: 'require' }), expect: failure(1504) },
  { name: 'sslmode twice, differing in case', provider: 'postgres', json: pg({}, { SSLMODE: 'require' }), expect: invalid('Duplicate connection parameters (keys are case-insensitive): SSLMODE, sslmode') },
  { name: 'port 1 (nothing listens)', provider: 'postgres', json: pg({}, { port: 1 }), expect: failure(1504) },
  { name: 'import_as with a SQL injection', provider: 'postgres', json: pg({ import_as: '"; drop table x; --' }), expect: complete('___drop_table_x____', ORDERS) },
  { name: 'password of 1 MB (not asked for)', provider: 'postgres', json: pg({ import_as: 'pg_big_password' }, { password: 'p'.repeat(MB) }), expect: complete('pg_big_password', ORDERS) },
];
