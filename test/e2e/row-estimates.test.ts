/**
 * Row estimates and the order of a cut (issue 22 §7, §3), end to end per provider:
 *   - jobs.rows_estimated comes from the remote's statistics (MySQL TABLE_ROWS, PostgreSQL
 *     reltuples, SQL Server sys.partitions), capped at max_rows, NULL when there are none;
 *   - a read that may be cut at max_rows is ordered by the table's key: a table whose physical
 *     order is the reverse of its key order gives exactly keys 1..10 at max_rows 10;
 *   - a read that cannot be cut gets no ORDER BY: the rows land in the remote's physical order.
 * The target's heap keeps COPY's order, so `order by ctid` shows the order the rows were read in.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ESTIMATE_ERROR_FACTOR, mayBeCut } from '../../src/sidecar/row-estimate.js';
import { createMysqlDb, type MysqlDb } from '../helpers/mysql.js';
import { importAndWait, startSidecar, type ImportStatus, type TestSidecar } from '../helpers/sidecar.js';
import { allowTargetAsSource, createTargetDb, type TargetDb } from '../helpers/target.js';
import { localHiveServerFactory, type HiveTestServer } from '../providers/hive/server-factory.js';
import { tdsTestServer, type SqlServerUnderTest } from '../providers/sqlserver/server.js';

const ROWS = 30;
const CUT = 10;
const KEYS_DESCENDING = Array.from({ length: ROWS }, (_, i) => ROWS - i);
const FIRST_KEYS = Array.from({ length: CUT }, (_, i) => i + 1);

let db: TargetDb;
let my: MysqlDb;
let ms: SqlServerUnderTest;
let hive: HiveTestServer;
let sidecar: TestSidecar;

beforeAll(async () => {
  [db, my, ms, hive] = await Promise.all([createTargetDb(), createMysqlDb(), tdsTestServer.start(), localHiveServerFactory('PLAIN').start()]);
  await allowTargetAsSource(db);
  sidecar = await startSidecar(db);
  const values = KEYS_DESCENDING.map((k) => `(${k}, 'n${k}')`).join(', ');
  // MyISAM keeps insertion order in its data file (InnoDB would return primary-key order anyway)
  await my.exec(`create table heap (id int primary key, name varchar(10)) engine=MyISAM; insert into heap values ${values};
    create view heap_view as select id, name from heap;
    create table \`o\`\`rd"er\` (\`k\`\`ey"\` int not null, name varchar(10), unique key (\`k\`\`ey"\`)) engine=MyISAM; insert into \`o\`\`rd"er\` values ${values};`);
  await db.query(`create schema src; create table src.heap (id int primary key, name text); insert into src.heap values ${values};
    create schema "we""ird"; create table "we""ird"."o""rd" ("k""ey" int primary key, name text); insert into "we""ird"."o""rd" values ${values};`);
  await ms.loadFixture(`create table dbo.heap (id int primary key, name nvarchar(10)); insert into dbo.heap (id, name) values ${values};
    create view dbo.heap_view as select id, name from dbo.heap;`);
  await hive.loadFixture(`DROP VIEW IF EXISTS est_view; DROP TABLE IF EXISTS est_heap; CREATE TABLE est_heap (id INT, name STRING); INSERT INTO est_heap VALUES ${values};
    CREATE VIEW est_view AS SELECT id, name FROM est_heap;`);
});

afterAll(async () => {
  await sidecar?.stop();
  await Promise.all([db?.drop(), my?.drop(), ms?.stop(), hive?.stop()]);
});

async function withMaxRows<T>(maxRows: number, fn: () => Promise<T>): Promise<T> {
  await db.query(`update cdb_connectors.settings set value = $1 where name = 'max_rows'`, [String(maxRows)]);
  try {
    return await fn();
  } finally {
    await db.query(`update cdb_connectors.settings set value = '1000000' where name = 'max_rows'`);
  }
}

/** Imports `connector`; the key column's values (its local name is `key`) in the order they were read. */
async function imported(connector: Record<string, unknown>, importAs: string, key = 'id'): Promise<{ status: ImportStatus; keys: number[]; log: string[] }> {
  const status = await importAndWait(db, { connector: { ...connector, import_as: importAs } });
  expect(status.state, status.error_message ?? '').toBe('complete');
  const { rows } = await db.query(`select ${key} as k from public.${importAs} order by ctid`);
  const log = (await db.query('select message from cdb_connectors.import_log where job_id = $1 order by ts', [status.id])).rows.map((r) => r.message as string);
  return { status, keys: rows.map((r) => Number(r.k)), log };
}

const mysqlSource = (table: string) => ({ provider: 'mysql', connection: my.connection(), table });
const postgresSource = (schema: string, table: string) => {
  const { host, port } = inject('servers').pg;
  return { provider: 'postgres', connection: { server: host, port, database: db.name, username: 'postgres', sslmode: 'disable' }, schema, table };
};
const hiveSource = (table: string) => ({ provider: 'hive', connection: { server: hive.host, port: hive.port, database: 'default', username: hive.user, password: hive.password }, table });
const sqlserverSource = (table: string) => ({ provider: 'sqlserver', connection: { server: ms.host, port: ms.port, database: ms.database, username: ms.user, password: ms.password, encrypt: false }, table });

describe('row estimates from remote statistics', () => {
  it('mysql: TABLE_ROWS, shown in the status and the imports view; a sql_query has none', async () => {
    const { status, keys } = await imported(mysqlSource('heap'), 'my_full');
    expect(status.rows_estimated).toBe(ROWS);
    expect(keys).toEqual(KEYS_DESCENDING); // no cut possible (30 × 2 < 1,000,000): no ORDER BY
    const view = await db.query('select rows_fetched, rows_estimated from cdb_connectors.imports where id = $1', [status.id]);
    expect(view.rows[0]).toEqual({ rows_fetched: String(ROWS), rows_estimated: String(ROWS) });
    const query = await importAndWait(db, { connector: { provider: 'mysql', connection: my.connection(), sql_query: 'select id from heap', import_as: 'my_query' } });
    expect(query.state).toBe('complete');
    expect(query.rows_estimated).toBeNull();
    expect((await imported(mysqlSource('heap_view'), 'my_view')).status.rows_estimated).toBeNull();
  });

  it('postgres: reltuples after ANALYZE (scaled to the table size), EXPLAIN for a sql_query; unknown before', async () => {
    const before = await imported(postgresSource('src', 'heap'), 'pg_unanalysed');
    expect(before.status.rows_estimated).toBeNull(); // reltuples = -1: never analysed
    expect(before.keys).toEqual([...KEYS_DESCENDING].reverse()); // unknown: it may be cut, so it is ordered
    await db.query('analyze src.heap');
    const after = await imported(postgresSource('src', 'heap'), 'pg_full');
    expect(after.status.rows_estimated).toBe(ROWS);
    expect(after.keys).toEqual(KEYS_DESCENDING);
    expect(after.log.join('\n')).not.toMatch(/in order of the key/);
    // rows added since ANALYZE count: reltuples / relpages × the pages the table has now, as the planner scales it
    await db.query('create table src.grow (id int primary key); insert into src.grow select generate_series(1, 10000); analyze src.grow; insert into src.grow select generate_series(10001, 20000)');
    const grown = await importAndWait(db, { connector: { ...postgresSource('src', 'grow'), import_as: 'pg_grow' } });
    expect(grown.rows_estimated).toBeGreaterThan(19_000); // 19,778 measured (page fill); reltuples alone says 10,000
    expect(grown.rows_estimated).toBeLessThan(21_000);
    const { host, port } = inject('servers').pg;
    const query = await importAndWait(db, { connector: { provider: 'postgres', connection: { server: host, port, database: db.name, username: 'postgres', sslmode: 'disable' },
      sql_query: 'select id, name from src.heap where id > 0', import_as: 'pg_query' } });
    expect(query.state).toBe('complete');
    expect(query.rows_estimated).toBe(ROWS);
  });

  it('sqlserver: sys.partitions row counts', async () => {
    const { status, keys } = await imported(sqlserverSource('heap'), 'ms_full');
    expect(status.rows_estimated).toBe(ROWS);
    expect(keys).toEqual(KEYS_DESCENDING);
    expect((await imported(sqlserverSource('heap_view'), 'ms_view')).status.rows_estimated).toBeNull();
  });

  it('hive: the numRows table parameter (SHOW TBLPROPERTIES), capped at max_rows; no key to order by', async () => {
    const full = await imported(hiveSource('est_heap'), 'hive_full');
    expect(full.status.rows_estimated).toBe(ROWS);
    const cut = await withMaxRows(CUT, () => imported(hiveSource('est_heap'), 'hive_cut'));
    expect(cut.status.truncated).toBe(true);
    expect(cut.status.rows_estimated).toBe(CUT);
    expect(cut.keys).toHaveLength(CUT);
    expect(cut.log.join('\n')).not.toMatch(/in order of the key/); // Hive keys are never enforced (providers/hive/index.ts)
    // a view has no numRows: Hive answers "Table … does not have property: numRows", which is no number
    const view = await imported(hiveSource('est_view'), 'hive_view');
    expect(view.status.rows_estimated).toBeNull();
    expect(view.keys).toHaveLength(ROWS);
  });
});

describe('over max_rows: the first rows in key order (issue 22 §3)', () => {
  it.each([
    ['mysql', () => mysqlSource('heap')],
    ['postgres', () => postgresSource('src', 'heap')],
    ['sqlserver', () => sqlserverSource('heap')],
  ])('%s: a table stored in reverse key order gives exactly keys 1..10, the estimate capped at max_rows', async (provider, source) => {
    if (provider === 'postgres') await db.query('analyze src.heap');
    const { status, keys, log } = await withMaxRows(CUT, () => imported(source(), `${provider}_cut`));
    expect(status.truncated).toBe(true);
    expect(keys).toEqual(FIRST_KEYS);
    expect(status.rows_estimated).toBe(CUT);
    expect(log.join('\n')).toContain(`The remote's statistics estimate ~${ROWS} rows; at most ${CUT} are read (setting max_rows)`);
    expect(log.join('\n')).toMatch(/Rows are read in order of the key \(id\)/);
  });

  it('hostile names: quotes and backticks in the table and key names are quoted, never pasted', async () => {
    const pg = await withMaxRows(CUT, () => imported(postgresSource('we"ird', 'o"rd'), 'pg_hostile', 'k_ey'));
    expect(pg.keys).toEqual(FIRST_KEYS);
    expect(pg.log.join('\n')).toContain('Rows are read in order of the key (k"ey)');
    const mysql = await withMaxRows(CUT, () => imported(mysqlSource('o`rd"er'), 'my_hostile', 'k_ey_'));
    expect(mysql.keys).toEqual(FIRST_KEYS); // a UNIQUE NOT NULL key serves as well as a primary key
    expect(mysql.status.rows_estimated).toBe(CUT);
  });
});

describe('when a read may be cut', () => {
  it('unknown, or more than max_rows / 2 (statistics may be that far off): ordered; clearly below: not', () => {
    expect(ESTIMATE_ERROR_FACTOR).toBe(2);
    expect(mayBeCut(null, 10)).toBe(true);
    expect(mayBeCut(6, 10)).toBe(true);
    expect(mayBeCut(5, 10)).toBe(false);
    expect(mayBeCut(1, 1_000_000)).toBe(false);
  });

  it('a direct INSERT cannot set rows_estimated: the insert trigger forces it to NULL like the other counters', async () => {
    const request = { connector: { provider: 'mysql', connection: my.connection(), table: 'heap', import_as: 'forged' } };
    const { rows } = await db.query(`insert into cdb_connectors.jobs (params, target_schema, rows_estimated, rows_fetched)
      values ($1, 'public', 999999, 5) returning id, rows_estimated, rows_fetched`, [JSON.stringify(request)]);
    expect(rows[0]).toMatchObject({ rows_estimated: null, rows_fetched: '0' });
  });
});
